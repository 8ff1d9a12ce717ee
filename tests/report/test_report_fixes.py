"""Regressions of mus-verify report: radii beyond the cube, exact Shapley ties, --out, q from --lam,
--threads and the --study dispatch."""

import json
import math
import sys
import types
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.cli import main
from mus_verify.report.enumeration import VoteTable
from mus_verify.report.measures import summarise, unsound_rows
from mus_verify.report.runner import ReportConfig, _explain, run_report
from mus_verify.report.shapley import rank_features, shapley_numerators, shapley_values
from mus_verify.results import Verdict


def _row(cert, true, unbounded):
    return {"index": 0, "lam": Fraction(1, 64), "label": 0, "base_pred": 0, "smoothed_pred": 0, "explanation": [0],
            "consistent": True, "cert_inc": cert, "cert_dec": cert, "true_inc": true, "true_dec": true,
            "true_inc_unbounded": unbounded, "true_dec_unbounded": unbounded, "attack_inc": None, "attack_dec": None}


def test_a_certificate_beyond_the_cube_is_not_unsound_when_nothing_flips():
    """λ = 1/64, gap 1: radius 31 > n = 13. With no flip in the cube the truth is 'unbounded' (stored as 13)."""
    assert unsound_rows([_row(31, 13, True)]) == []
    assert [kind for _, kind in unsound_rows([_row(31, 12, False)])] == ["inc", "dec"]  # a real flip at distance 13
    summary = summarise([_row(31, 13, True)], 13)
    assert summary["unsound"] == 0 and summary["tightness_inc"] == {"0": 1}
    assert summary["true_stable_inc"] == [1.0] * 14


def test_report_at_small_lambda_is_sound(tmp_path):
    """report --q 64 --lam 1/64 on wine counted stable points as unsound and then crashed (TypeError)."""
    config = ReportConfig(dataset="wine", out=tmp_path, lams=["1/64"], max_points=4, epochs=3, show_progress=False)
    result, document = run_report(config)
    assert result.verdict is Verdict.VERIFIED and document["unsound"] == 0
    rows = document["rows"]
    beyond = [r for r in rows if r["cert_dec"] > 13]
    assert beyond and all(r["true_dec_unbounded"] and r["true_dec"] == 13 for r in beyond)


def _swap(codes, i, j):
    bi, bj = (codes >> i) & 1, (codes >> j) & 1
    return codes & ~((1 << i) | (1 << j)) | (bi << j) | (bj << i)


def test_exactly_tied_shapley_values_go_to_the_lower_index():
    """A game symmetric in features 2 and 5: their Shapley values are equal, but the float64 sums
    came out as 0.09646577380952380 < 0.09646577380952384, which ranked 5 before 2."""
    rng = np.random.default_rng(0)
    n, q, i, j = 8, 64, 2, 5
    codes = np.arange(1 << n)
    for _ in range(3):  # the third draw of this generator is the float case found above
        v = rng.integers(0, q + 1, 1 << n)
        v = np.maximum(v, v[_swap(codes, i, j)])
    table = VoteTable(np.stack([q - v, v], axis=1).astype(np.int32), np.zeros(1 << n, dtype=np.int64), n, q, 1)
    numerators = table.shapley_numerators(1)
    assert numerators[i] == numerators[j]
    order = rank_features(numerators, n)
    assert order.index(i) < order.index(j)
    alpha = _explain(numerators, order.index(i) + 1)
    assert alpha[i] and not alpha[j]


def test_exact_shapley_values_match_the_definition():
    rng = np.random.default_rng(4)
    n, q = 4, 8
    v = rng.integers(0, q + 1, 1 << n)
    expected = []
    for i in range(n):
        total = Fraction(0)
        for s in range(1 << n):
            if not (s >> i) & 1:
                k = bin(s).count("1")
                total += Fraction(math.factorial(k) * math.factorial(n - k - 1), math.factorial(n)) * Fraction(int(v[s | (1 << i)] - v[s]), q)
        expected.append(total)
    assert shapley_values(v, n, q) == tuple(expected)
    assert shapley_numerators(v, n) == tuple(int(e * math.factorial(n) * q) for e in expected)


def test_unwritable_out_is_a_usage_error_before_training(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["report", "--dataset", "wine", "--out", str(blocker / "sub"), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    document = json.loads(captured.out)
    assert document["ok"] is False and "--out" in document["error"]


def test_huge_q_is_a_usage_error(tmp_path, capsys):
    code = main(["report", "--dataset", "wine", "--q", str(10**20), "--lam", f"1/{10**20}", "--out", str(tmp_path)])
    assert code == 2 and "--q" in capsys.readouterr().err


@pytest.mark.parametrize("argv, fragment", [(["--lam", "1/4", "1/8"], "Q = 4, 8"), (["--lam", "1/4", "--q", "6"], "--q=6")])
def test_conflicting_q_and_lam_are_refused(tmp_path, capsys, argv, fragment):
    code = main(["report", "--dataset", "wine", *argv, "--out", str(tmp_path)])
    assert code == 2 and fragment in capsys.readouterr().err


def test_q_is_inferred_from_lam_and_threads_are_applied(tmp_path, capsys):
    import torch

    before = torch.get_num_threads()
    try:
        code = main(["report", "--dataset", "wine", "--lam", "2/8", "--max-points", "2", "--threads", "1", "--out", str(tmp_path), "--json"])
        document = json.loads(capsys.readouterr().out)
        assert code == 0 and document["results"][0]["params"]["q"] == 8
        assert document["report"]["threads"] == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_study_dispatch_calls_the_named_module(tmp_path, monkeypatch, capsys):
    """The CLI glue (mus_verify.cli.studies) imports the study's module and calls its run_study."""
    from mus_verify.results import CheckResult, Verdict

    seen = {}

    def run_study(dataset, out, **options):
        seen.update(dataset=dataset, out=out, **options)
        result = CheckResult(name="topk-study", verdict=Verdict.NO_COUNTEREXAMPLE, method="study", cases=1, params={})
        return result, {"unsound": 0, "summary": {"fake": True}}

    fake = types.ModuleType("mus_verify.topk.study")
    fake.run_study = run_study
    monkeypatch.setitem(sys.modules, "mus_verify.topk.study", fake)
    assert main(["report", "--study", "topk", "--dataset", "wine", "--out", str(tmp_path), "--threads", "1", "--json"]) == 0
    assert seen["dataset"] == "wine" and seen["out"] == tmp_path
    document = json.loads(capsys.readouterr().out)
    assert document["report"]["study"] == "topk" and document["report"]["summary"] == {"fake": True}


def test_a_missing_study_module_is_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mus_verify.removal.study", None)  # import raises ModuleNotFoundError
    assert main(["report", "--study", "removal", "--dataset", "wine", "--out", str(tmp_path)]) == 2
    assert "--study removal" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["-1", str(2**40)])
def test_a_seed_outside_the_split_range_is_a_usage_error(tmp_path, capsys, seed):
    """scikit-learn's split takes 0..2^32−1; beyond it was a traceback."""
    assert main(["report", "--dataset", "wine", "--seed", seed, "--out", str(tmp_path)]) == 2
    assert "--seed" in capsys.readouterr().err
