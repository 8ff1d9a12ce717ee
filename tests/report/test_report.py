"""mus-verify report: certificates never exceed the truth, and planted unsound rules are caught."""

import json
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.certificates import certify
from mus_verify.cli import main
from mus_verify.distributions import lqv
from mus_verify.report.attack import greedy_attack
from mus_verify.report.enumeration import vote_table, votes_at
from mus_verify.report.runner import ReportConfig, replay_unsound, run_report
from mus_verify.results import Verdict
from mus_verify.smoothing import smooth


def truth_table_classifier(table, n, m):
    def h(inputs):
        codes = ((inputs != 0).astype(np.int64) << np.arange(n)).sum(axis=1)
        return np.eye(m)[table[codes]]

    return h


@pytest.fixture(scope="module")
def wine_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("wine")
    config = ReportConfig(dataset="wine", out=out, lams=["8/64", "16/64"], max_points=12, epochs=80, show_progress=False)
    return run_report(config), out


def test_wine_report_is_sound_and_complete(wine_report):
    (result, document), out = wine_report
    assert result.verdict is Verdict.VERIFIED and result.method == "exhaustive"
    assert document["unsound"] == 0 and result.details["unsound"] == 0
    assert result.cases == 2 * 2 * 12
    rows = document["rows"]
    assert len(rows) == 24
    for row in rows:
        assert row["cert_inc"] <= row["true_inc"] and row["cert_inc"] <= row["true_inc_supersets"]
        if row["true_inc_supersets"] < 13 - 4:  # a superset flips the class, so some direction does too
            assert row["true_inc"] <= row["true_inc_supersets"]
        assert row["cert_dec"] <= row["true_dec"]
        assert len(row["explanation"]) == 4  # ⌈13/4⌉
    assert any(row["cert_inc"] >= 1 for row in rows)  # not vacuous: some certificates are non-trivial
    for name in ("report.json", "summary.md", "stability.png", "certified_accuracy.png", "tightness.png", "accuracy.png"):
        assert (out / name).stat().st_size > 0
    assert json.loads((out / "report.json").read_text())["unsound"] == 0
    assert "![stability](stability.png)" in (out / "summary.md").read_text()


@pytest.fixture(scope="module")
def ceil_report(tmp_path_factory):
    """Planted bug: the paper's Remark 2.6 rule ⌈gap/(2λ)⌉. (⌊gap/(2λ)⌋ fails only at exact ties, which
    this data need not have; the tie case in tests/unit/test_certificates.py refutes it.)"""
    out = tmp_path_factory.mktemp("ceil")
    config = ReportConfig(dataset="wine", out=out, lams=["16/64"], max_points=40, epochs=80, radius_rule="ceil", show_progress=False)
    return run_report(config)


def test_the_ceil_rule_is_refuted_with_a_replayable_counterexample(ceil_report):
    result, document = ceil_report
    assert result.verdict is Verdict.REFUTED and document["unsound"] > 0
    cex = result.counterexample
    assert cex.kind == "report-unsound"
    assert cex.data["certified"] >= cex.data["distance"]
    assert cex.replay()
    assert replay_unsound(cex.data)


def test_strict_counterexample_data_does_not_replay(ceil_report):
    data = dict(ceil_report[0].counterexample.data)
    data["certified"] = data["distance"] - 1  # what the strict rule can claim at most
    assert not replay_unsound(data)


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 0.0, 3.0, 0.0, 0.0]], ids=["distinct-nonzero", "with-zeros"])
def test_vote_table_matches_the_exact_reference_at_every_mask(x):
    """With zero entries, masks differing only there give one input; the memoised table must not care."""
    rng = np.random.default_rng(0)
    n, q, k, m = 5, 8, 2, 3
    table = rng.integers(0, m, 2**n)
    h = truth_table_classifier(table, n, m)
    x = np.array(x)
    noise = lqv(rng.integers(0, q, n).tolist(), q, Fraction(k, q))
    votes = vote_table(h, x, np.arange(n), noise.masks, k, m)
    for code in range(2**n):
        alpha = [(code >> i) & 1 for i in range(n)]
        assert tuple(Fraction(int(v), q) for v in votes.votes[code]) == smooth(h, x, alpha, noise, mode="vote")
        assert votes.certified_radius(code) == certify(h, x, alpha, noise, mode="vote").radius
        assert votes.certified_radius(code) <= votes.true_radius(code, supersets_only=False)
    some = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1]], dtype=bool)
    assert (votes_at(h, x, np.arange(n), noise.masks, some, m) == votes.votes[[0b01101, 0b11111]]).all()


def test_true_radius_on_a_known_case():
    """h votes class 1 only when all features are hidden: from α = 0 the class changes once a feature
    is kept in some mask."""
    n, q, m = 3, 2, 2
    table = np.zeros(2**n, dtype=np.int64)
    table[0] = 1
    noise = lqv([0, 0, 0], q, Fraction(1, 2))
    votes = vote_table(truth_table_classifier(table, n, m), np.arange(1.0, n + 1), np.arange(n), noise.masks, 1, m)
    assert votes.predicted()[0] == 1
    assert votes.true_radius(0, supersets_only=True) == 0  # adding one feature ties the vote
    assert votes.certified_radius(0) == 0


def test_attack_bound_is_never_below_the_true_superset_radius():
    rng = np.random.default_rng(3)
    n, q, k, m = 7, 8, 2, 3
    for trial in range(10):
        table = rng.integers(0, m, 2**n)
        h = truth_table_classifier(table, n, m)
        x = np.arange(1.0, n + 1)
        noise = lqv(rng.integers(0, q, n).tolist(), q, Fraction(k, q))
        votes = vote_table(h, x, np.arange(n), noise.masks, k, m)
        alpha = rng.integers(0, 2, n).astype(bool)
        code = int((alpha.astype(np.int64) << np.arange(n)).sum())
        predicted = votes.predicted()[code]
        if predicted < 0:
            continue
        bound = greedy_attack(h, x, np.arange(n), noise.masks, alpha, int(predicted), m, add=True)
        if bound is not None:
            assert bound >= votes.true_radius(code, supersets_only=True)


def test_cli_report_json_and_exit_code(tmp_path, capsys):
    code = main(["report", "--dataset", "breast_cancer", "--lam", "16/64", "--max-points", "3", "--out", str(tmp_path), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"] is True
    assert document["report"]["unsound"] == 0
    (result,) = document["results"]
    assert result["verdict"] == "NO_COUNTEREXAMPLE" and result["method"] == "sampled"  # n = 30: attack, not enumeration
    rows = json.loads((tmp_path / "report.json").read_text())["rows"]
    assert len(rows) == 3 and all(len(r["explanation"]) == 8 for r in rows)


@pytest.mark.parametrize("argv, fragment", [(["--dataset", "iris"], "--dataset=iris"), (["--dataset", "wine", "--lam", "0.3"], "λ")])
def test_cli_report_usage_errors(tmp_path, capsys, argv, fragment):
    code = main(["report", *argv, "--out", str(tmp_path)])
    assert code == 2 and fragment in capsys.readouterr().err


def test_shapley_values_are_efficient_and_follow_the_smoothed_class():
    """Σ_i φ_i = v(N) − v(∅) for v(S) = g_c(x, 1_S); a feature that only ever votes for c has φ > 0."""
    n, q, k, m = 4, 8, 2, 2
    table = np.zeros(2**n, dtype=np.int64)
    table[[code for code in range(2**n) if code & 1]] = 1  # class 1 iff feature 0 is visible
    noise = lqv([0, 3, 5, 6], q, Fraction(k, q))
    votes = vote_table(truth_table_classifier(table, n, m), np.arange(1.0, n + 1), np.arange(n), noise.masks, k, m)
    phi = votes.shapley(1)  # exact Fractions now: efficiency and the values hold with equality
    assert sum(phi) == Fraction(int(votes.votes[-1, 1] - votes.votes[0, 1]), q)
    assert phi[0] == Fraction(k, q) and all(p == 0 for p in phi[1:])
