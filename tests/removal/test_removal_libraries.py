"""attribution-diff: library methods against the exact games (shap/captum are optional)."""

import builtins
import json
from fractions import Fraction as F

import pytest

from mus_verify.cli import main
from mus_verify.removal.games import game
from mus_verify.removal.libraries import EXACT_RTOL, make_setup, replay_library_case, run_libraries
from mus_verify.removal.operators import apply, shapley
from mus_verify.results import Verdict


def _case(setup, shift):
    x = setup.inputs[0]
    removal = setup.removals()["baseline"]
    exact = apply(shapley(setup.d), game(setup.model, x, removal))
    return {"library_method": "planted", "summary": "shapley", "model": setup.model.spec(), "removal": removal.spec(), "x": list(x),
            "library_values": [float(v) + shift for v in exact], "rtol": EXACT_RTOL["float64"]}


def test_replay_of_a_disagreement_from_numbers():
    setup = make_setup(3, inputs=1, background=2)
    assert replay_library_case(_case(setup, 1e-6))  # a library off by 1e-6 is a reproduced disagreement
    assert not replay_library_case(_case(setup, 1e-13))  # float noise is not


def test_missing_library_exits_2_with_install_hint(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_shap(name, *args, **kwargs):
        if name == "shap" or name.startswith("shap."):
            raise ImportError("no shap here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_shap)
    assert main(["attribution-diff", "--library", "shap", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert 'pip install "mus-verify[attribution]"' in document["error"]


def test_bad_arguments_exit_2(capsys):
    assert main(["attribution-diff", "--d", "11", "--json"]) == 2
    assert "--d=11" in json.loads(capsys.readouterr().out)["error"]


def test_captum_exact_methods_agree_and_sampled_errors_shrink():
    pytest.importorskip("captum")
    pytest.importorskip("sklearn")
    results = {r.params["library_method"]: r for r in run_libraries(make_setup(4, inputs=1, background=2), which="captum")}
    ablation = results["captum.FeatureAblation"]
    assert ablation.verdict is Verdict.NO_COUNTEREXAMPLE and ablation.details["max_abs_error"]["exact"] <= 1e-9
    exact_shapley = results["captum.ShapleyValues"]
    # captum accumulates Shapley attributions in float32: judged at the dtype it returns
    assert exact_shapley.verdict is Verdict.NO_COUNTEREXAMPLE and exact_shapley.params["returned_dtype"] == "float32"
    for name in ("captum.ShapleyValueSampling", "captum.KernelShap", "captum.Lime (constant kernel)"):
        errors = list(results[name].details["max_abs_error"].values())
        assert results[name].verdict is Verdict.NO_COUNTEREXAMPLE and errors[-1] < errors[0]
        assert results[name].details["sample_counts"] == sorted(results[name].details["sample_counts"])


@pytest.mark.slow
def test_full_default_run_exits_0(capsys):
    pytest.importorskip("shap")
    pytest.importorskip("captum")
    assert main(["attribution-diff", "--json", "--threads", "1"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_method = {r["params"]["library_method"]: r for r in document["results"]}
    assert by_method["shap.ExactExplainer"]["details"]["max_abs_error"]["exact"] <= 1e-9
    assert by_method["shap.ExactExplainer (1-row background = b)"]["details"]["max_abs_error"]["exact"] <= 1e-9
