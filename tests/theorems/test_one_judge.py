"""Each theorem has exactly one judge, and the exhaustive, Z3 and gate engines all decide through it.

Planting a bug in the judge (by monkeypatching the theorem module, the way an
engineer would break it) must flip all three engines on correct MuS: the
exhaustive check REFUTES, ``prove`` at n = 3 does not PROVE (the solver's model
is judged by the same patched function, so it reports a counterexample), and the
gate fails the property on ``examples/gate_correct.py``. With the judge intact
all three hold. For Thm 3.1 the reverse bug (a judge that never reports a
violation) also turns refutations of buggy noise into passes, in all three.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import pytest

from mus_verify.distributions import lqv
from mus_verify.results import Verdict
from mus_verify.theorems import lipschitz as lipschitz_thm
from mus_verify.theorems import masking as masking_thm
from mus_verify.theorems import stability as stability_thm

ROOT = Path(__file__).resolve().parents[2]
CORRECT = f"{ROOT / 'examples' / 'gate_correct.py'}:factory"
NOISE_TOO_LARGE = f"{ROOT / 'tests' / 'gate' / 'impls' / 'buggy_noise.py'}:off_by_half"  # keeps one mask too many per feature
LAM = Fraction(1, 4)
SEED = [0, 1, 3]  # n = 3, q = 4


def _exhaustive(prop: str, distribution_lam: Fraction = LAM, claimed: Fraction = LAM) -> Verdict:
    distribution = lqv(SEED, 4, distribution_lam)
    if prop == "lipschitz":
        from mus_verify.checks.lipschitz import check_lipschitz

        return check_lipschitz(distribution, claimed).verdict
    if prop == "masking-equivalence":
        from mus_verify.checks.masking_equivalence import check_masking_equivalence

        return check_masking_equivalence(distribution).verdict
    from mus_verify.checks.stability import check_stability

    return check_stability(lqv([0, 1, 3], 8, "1/8"), "1/8", direction="up").verdict


def _prove(prop: str, variant: str = "mus") -> Any:
    from mus_verify.smt.prover import prove

    return prove(prop, variant, 3, q=4, lam="1/4")


def _gate(prop: str, target: str = CORRECT) -> str:
    from mus_verify.gate.configs import GateSettings
    from mus_verify.gate.runner import run_gate

    report = run_gate(target, GateSettings(profile="quick", ns=(3,), qs=(4,), lams=("1/4",), properties=(prop,), time_budget=120))
    (result,) = [r for r in report.results if r.name == prop]
    return result.verdict.name


def _smt_flipped(result: Any) -> bool:
    """Not PROVED: a counterexample confirmed by the (patched) exact judge. An InternalError would raise instead."""
    return result.verdict is Verdict.REFUTED and result.counterexample is not None


# -- the judges intact: every engine holds on correct MuS -------------------------------------------

def test_with_the_judges_intact_all_three_engines_hold() -> None:
    assert _exhaustive("lipschitz") is Verdict.PROVED
    assert _exhaustive("masking-equivalence") is Verdict.PROVED
    assert _exhaustive("stability") is Verdict.VERIFIED
    for prop in ("lipschitz", "masking-equivalence", "stability"):
        assert _prove(prop).verdict is Verdict.PROVED, prop
    for prop in ("lipschitz", "masking_equivalence", "certificate"):
        assert _gate(prop) == "NO_COUNTEREXAMPLE", prop


# -- Thm 3.1 -----------------------------------------------------------------------------------------

def _halved(original: Callable[..., Any]) -> Callable[..., Any]:
    def exceeds(magnitude: Any, lam: Fraction, **kwargs: Any) -> Any:
        return original(magnitude, lam / 2, **kwargs)  # BUG: calls |Δg| > λ/2 a violation

    return exceeds


def _never(original: Callable[..., Any]) -> Callable[..., Any]:
    def exceeds(magnitude: Any, lam: Fraction, **kwargs: Any) -> Any:
        return original(magnitude, lam, **kwargs) & False  # BUG: never a violation (same shape: bool, array or Z3 term)

    return exceeds


def test_a_planted_lipschitz_judge_flips_exhaustive_z3_and_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lipschitz_thm, "exceeds", _halved(lipschitz_thm.exceeds))
    assert _exhaustive("lipschitz") is Verdict.REFUTED
    proved = _prove("lipschitz")
    assert _smt_flipped(proved), proved.message
    assert proved.counterexample.kind == "smt-lipschitz"
    assert _gate("lipschitz") == "REFUTED"


def test_a_lipschitz_judge_that_never_fires_passes_buggy_noise_in_all_three(monkeypatch: pytest.MonkeyPatch) -> None:
    # intact, each engine refutes noise whose keep rate is above λ ...
    assert _exhaustive("lipschitz", distribution_lam=Fraction(2, 4)) is Verdict.REFUTED
    assert _prove("lipschitz", "additive").verdict is Verdict.REFUTED
    assert _gate("lipschitz", NOISE_TOO_LARGE) == "REFUTED"
    # ... and with the refutation side of the one judge switched off, none of them does
    monkeypatch.setattr(lipschitz_thm, "exceeds", _never(lipschitz_thm.exceeds))
    assert _exhaustive("lipschitz", distribution_lam=Fraction(2, 4)) is Verdict.PROVED
    assert _prove("lipschitz", "additive").verdict is Verdict.PROVED
    assert _gate("lipschitz", NOISE_TOO_LARGE) == "NO_COUNTEREXAMPLE"


# -- masking equivalence ---------------------------------------------------------------------------

def test_a_planted_masking_judge_flips_exhaustive_z3_and_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    def apart(difference: Any, *, slack: Any = 0) -> Any:
        return difference > slack - 1  # BUG: every pair of sides "differs" (differences are > -1 always)

    monkeypatch.setattr(masking_thm, "apart", apart)
    assert _exhaustive("masking-equivalence") is Verdict.REFUTED
    proved = _prove("masking-equivalence")
    assert _smt_flipped(proved), proved.message
    assert proved.counterexample.kind == "smt-masking-equivalence"
    assert _gate("masking_equivalence") == "REFUTED"


# -- stability (Thm 3.2) ----------------------------------------------------------------------------

def test_a_planted_stability_judge_flips_exhaustive_z3_and_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    def covered(distance: Any, claimed: Any) -> Any:
        return distance <= claimed + 1  # BUG: the ball reaches one step beyond the claimed radius

    monkeypatch.setattr(stability_thm, "covered", covered)
    assert _exhaustive("stability") is Verdict.REFUTED
    proved = _prove("stability")
    assert _smt_flipped(proved), proved.message
    assert proved.counterexample.kind == "smt-stability"
    assert _gate("certificate") == "REFUTED"


def test_the_radius_rule_table_reaches_the_exhaustive_and_z3_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule table of certificates is the one place a radius is decided: changing "strict" there changes both engines."""
    from mus_verify import certificates

    monkeypatch.setitem(certificates.RULE_COVERS, "strict", certificates.RULE_COVERS["ceil"])
    assert _exhaustive("stability") is Verdict.REFUTED
    assert _smt_flipped(_prove("stability"))


def test_the_compiled_stability_kernels_yield_to_a_patched_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    """The numba kernels (n >= 12 normally) mirror theorems.stability; with the judge patched they must not decide."""
    pytest.importorskip("numba")
    cube_kernels = pytest.importorskip("mus_verify.exhaustive.cube_kernels")
    from mus_verify.checks import stability as check_module

    if not hasattr(check_module, "stability_summary"):
        pytest.skip("this tree's stability check has no compiled path")

    monkeypatch.setattr(cube_kernels, "KERNEL_MIN_N", 3)
    used: list[bool] = []
    original = check_module.stability_summary

    def spy(*args: Any, **kwargs: Any) -> Any:
        summary = original(*args, **kwargs)
        used.append(summary is not None)
        return summary

    monkeypatch.setattr(check_module, "stability_summary", spy)
    assert _exhaustive("stability") is Verdict.VERIFIED and any(used)  # the kernels decided the clean runs
    monkeypatch.setattr(stability_thm, "covered", lambda distance, claimed: distance <= claimed + 1)
    assert _exhaustive("stability") is Verdict.REFUTED
