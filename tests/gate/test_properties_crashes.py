"""Crashes in user code are failed properties with a message, through the CLI too (issue 10).

NaN/inf in one output entry, NaN radii, ``sys.exit(0)`` in the factory or in
``smoothed``, ``KeyboardInterrupt``: each gives exit 1 with the JSON document on
stdout and the property that names the defect, never a traceback or exit 0.
"""

import json
import pathlib

import pytest

from mus_verify.cli import main

IMPLS = pathlib.Path(__file__).resolve().parent / "impls"

CASES = {
    "nan_in_one_entry": ("probabilities", "nan"),
    "inf_in_one_entry": ("probabilities", "inf"),
    "certify_returns_nan": ("certificate", "nan"),
    "exits_in_smoothed": ("contract", "SystemExit"),
    "exits_in_factory": ("contract", "SystemExit"),
    "interrupts_in_smoothed": ("contract", "KeyboardInterrupt"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_crash_is_a_failed_property_with_json(name, capsys):
    prop, word = CASES[name]
    code = main(["gate", f"{IMPLS / 'buggy_crash.py'}:{name}", "--profile", "quick", "--json"])
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == 1 and document["ok"] is False, (out, err)
    result = next(r for r in document["results"] if r["name"] == prop)
    assert result["verdict"] == "REFUTED" and word in result["counterexample"]["summary"], result
    assert "Traceback" not in err
