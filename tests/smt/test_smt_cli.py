"""``mus-verify prove`` and ``mus-verify search``: the issue's done-when commands, exit codes and JSON."""

import json
import pathlib
import subprocess
import sys


ROOT = pathlib.Path(__file__).resolve().parents[2]
USER_VARIANT = str(ROOT / "examples" / "user_variant.py") + ":VARIANT"


def test_search_additive_masking_equivalence_exits_1_with_a_replayed_counterexample(cli):
    code, out, _ = cli("search", "additive", "--property", "masking-equivalence")
    assert code == 1
    assert "REFUTED" in out and "replayed and confirmed in the exact reference" in out
    assert "counterexample (smt-masking-equivalence)" in out and "h_table" in out
    assert "smallest counterexample at n=1 q=2 λ=1/2" in out


def test_search_mus_stability_floor_and_ceil_exit_1_strict_exits_0(cli):
    for rule in ("floor", "ceil"):
        code, out, _ = cli("search", "mus", "--property", "stability", "--radius-rule", rule, "--json")
        document = json.loads(out)
        assert code == 1 and document["ok"] is False, rule
        last = document["results"][-1]
        assert last["verdict"] == "REFUTED" and last["counterexample"]["data"]["radius_rule"] == rule
        assert document["search"]["smallest_counterexample"] is not None
    code, out, _ = cli("search", "mus", "--property", "stability", "--radius-rule", "strict", "--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True
    assert document["search"]["smallest_counterexample"] is None
    assert len(document["search"]["proved"]) == len(document["results"]) >= 20
    assert all(r["verdict"] == "PROVED" and r["method"] == "z3" for r in document["results"])


def test_prove_lipschitz_mus_n8_q8(cli):
    code, out, _ = cli("prove", "lipschitz", "--variant", "mus", "--n", "8", "--q", "8", "--lam", "2/8")
    assert code == 0 and "PROVED" in out


def test_prove_json_records_the_budget(cli):
    code, out, _ = cli("prove", "masking-equivalence", "--variant", "mus", "--n", "3", "--lam", "1/4", "--json", "--rlimit", "1000000")
    (result,) = json.loads(out)["results"]
    assert code == 0 and result["verdict"] == "PROVED"
    assert result["params"]["q"] == 4  # taken from --lam 1/4
    assert result["params"]["rlimit"] == 1000000 and result["params"]["z3_version"]
    assert result["params"]["random_seed"] == 0


def test_prove_unknown_exits_3(cli):
    code, out, _ = cli("prove", "lipschitz", "--variant", "mus", "--n", "4", "--q", "4", "--rlimit", "10", "--json")
    assert code == 3 and json.loads(out)["results"][0]["verdict"] == "UNKNOWN"


def test_user_variant_from_a_file(cli):
    code, out, _ = cli("search", USER_VARIANT, "--property", "lipschitz", "--json")
    document = json.loads(out)
    assert code == 1 and document["search"]["smallest_counterexample"]["n"] == 1
    assert document["results"][-1]["counterexample"]["data"]["variant_source"].endswith("user_variant.py:VARIANT")
    code, out, _ = cli("search", USER_VARIANT, "--property", "masking-equivalence", "--max-n", "3")
    assert code == 0 and "proved at" in out


def test_user_variant_from_a_module(cli, tmp_path, monkeypatch):
    (tmp_path / "my_smoothing.py").write_text("from mus_verify.variants.builtin import Additive\nVARIANT = Additive()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, _ = cli("prove", "masking-equivalence", "--variant", "my_smoothing:VARIANT", "--n", "1", "--q", "2", "--lam", "1/2")
    assert code == 1 and "REFUTED" in out


def test_usage_errors_exit_2(cli):
    code, out, err = cli("prove", "lipschitz", "--variant", "nope", "--n", "2", "--json")
    assert code == 2 and json.loads(out)["ok"] is False and "built-in variant" in err
    code, _, err = cli("prove", "lipschitz", "--variant", "mus", "--n", "2", "--q", "4", "--lam", "1/3")
    assert code == 2 and "multiple of 1/q" in err
    code, _, err = cli("prove", "reference", "--variant", "mus-iid", "--n", "2")
    assert code == 2 and "seed_vector" in err
    code, _, _ = cli("search", "mus", "--property", "nonsense")
    assert code == 2


def test_saved_counterexample_replays_in_a_fresh_process(cli, tmp_path):
    code, out, _ = cli("prove", "stability", "--variant", "mus", "--n", "2", "--q", "2", "--lam", "1/2", "--radius-rule", "floor", "--json")
    assert code == 1
    saved = tmp_path / "ce.json"
    saved.write_text(json.dumps(json.loads(out)["results"][0]["counterexample"]))
    script = (
        "import json, sys\n"
        "import mus_verify.smt  # registers the smt-* replayers\n"
        "from mus_verify.results import Counterexample\n"
        "d = json.load(open(sys.argv[1]))\n"
        "print(Counterexample(d['kind'], d['summary'], d['data']).replay())\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(saved)], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert proc.stdout.strip() == "True"
