"""Each judge is one function that runs on Fractions, numpy integer arrays, Z3 terms and floats with a slack."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from mus_verify import certificates
from mus_verify.theorems import THEOREMS, theorem
from mus_verify.theorems import lipschitz, marginals, masking, reference, stability, tightness
from mus_verify.theorems._values import all_of, any_of

LAM = Fraction(1, 4)


def test_lipschitz_exceeds_agrees_on_fractions_scaled_integers_floats_and_z3() -> None:
    z3 = pytest.importorskip("z3")
    T = 12
    tvs = np.arange(T + 1, dtype=np.int64)
    exact = [lipschitz.exceeds(Fraction(int(t), T), LAM) for t in tvs]
    assert lipschitz.exceeds(tvs, LAM, scale=T).tolist() == exact == [t > 3 for t in tvs]
    # floats: the slack is the caller's tolerance (a tie within it is no violation)
    assert not lipschitz.exceeds(0.25 + 1e-12, LAM, slack=1e-9) and lipschitz.exceeds(0.25 + 1e-6, LAM, slack=1e-9)
    # pairs at distance d: λ·d
    assert not lipschitz.exceeds(Fraction(1, 2), LAM, distance=2) and lipschitz.exceeds(Fraction(3, 4), LAM, distance=2)
    jump = z3.Real("jump")
    solver = z3.Solver()
    solver.add(lipschitz.violated(jump, LAM, any_=z3.Or), jump <= LAM.numerator / LAM.denominator, jump >= -0.25)
    assert solver.check() == z3.unsat  # |jump| <= λ leaves no violation
    solver = z3.Solver()
    solver.add(lipschitz.violated(jump, LAM, any_=z3.Or), jump < 0)
    assert solver.check() == z3.sat and Fraction(str(solver.model()[jump])) < -LAM


def test_masking_and_reference_differ_only_beyond_the_slack() -> None:
    z3 = pytest.importorskip("z3")
    assert not masking.sides_differ([Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 3), Fraction(2, 3)])
    assert masking.sides_differ([Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 2), Fraction(1, 2)])
    left, right = np.array([[3, 1], [2, 2]]), np.array([[3, 1], [1, 3]])
    assert masking.coordinate_differs(left, right).any(axis=1).tolist() == [False, True]
    assert not reference.coordinate_differs(np.array([0.5]), np.array([0.5 + 1e-12]), slack=1e-9).any()
    a, b = z3.Real("a"), z3.Real("b")
    solver = z3.Solver()
    solver.add(masking.sides_differ([a], [b], any_=z3.Or), a == b)
    assert solver.check() == z3.unsat


def test_marginals_off_on_counts_fractions_and_floats() -> None:
    assert [bool(marginals.off(k, LAM, scale=8)) for k in range(5)] == [True, True, False, True, True]
    assert not marginals.off(Fraction(2, 8), LAM) and marginals.off(Fraction(3, 8), LAM)
    assert marginals.off(np.array([0.25, 0.2500001, 0.26]), LAM, slack=1e-6).tolist() == [False, False, True]


def test_stability_radius_comes_from_the_one_rule_table_on_fractions_and_arrays() -> None:
    gaps = np.arange(0, 65, dtype=np.int64)
    for lam in (Fraction(1, 4), Fraction(1, 8), Fraction(3, 8), Fraction(2, 7)):
        for rule, exact in certificates.RADIUS_RULES.items():
            assert stability.radius(rule, gaps, lam, 64).tolist() == [exact(Fraction(int(g), 64), lam) for g in gaps]
    assert certificates.RADIUS_RULES["strict"] is certificates.certified_radius
    # a tie: only r = -1 is sound; any claim r >= 0 is violated at β = α
    assert stability.radius("strict", Fraction(0), LAM) == -1 and not stability.tie_claimed(-1) and stability.tie_claimed(0)
    assert stability.violated(np.array([True, True]), stability.covered(np.array([1, 2]), np.array([1, 1])), np.array([True, True])).tolist() == [True, False]


def test_stability_covers_on_z3_terms_gives_the_exact_radius() -> None:
    z3 = pytest.importorskip("z3")
    for rule in certificates.RULE_COVERS:
        for gap in (Fraction(0), Fraction(1, 2), Fraction(3, 4), Fraction(1)):
            r = z3.Int("r")
            solver = z3.Solver()
            solver.add(stability.covers(rule, r, z3.RealVal(gap), LAM), z3.Not(stability.covers(rule, r + 1, z3.RealVal(gap), LAM)))
            assert solver.check() == z3.sat
            assert solver.model()[r].as_long() == certificates.RADIUS_RULES[rule](gap, LAM), (rule, gap)


def test_tightness_sides() -> None:
    assert tightness.short(Fraction(1, 8), LAM) and not tightness.short(LAM, LAM) and tightness.too_large(Fraction(1, 2), LAM)


def test_the_hooks_fold_bools_arrays_and_z3() -> None:
    z3 = pytest.importorskip("z3")
    assert any_of(False, np.array([False, True])).tolist() == [False, True]
    assert all_of(True, np.array([False, True])).tolist() == [False, True]
    b = z3.Bool("b")
    assert z3.is_bool(any_of(False, b)) and z3.is_bool(all_of(True, b))


def test_the_registry_is_lazy_and_the_layer_is_light() -> None:
    assert set(THEOREMS) == {"lipschitz", "masking-equivalence", "stability", "marginals", "tightness", "reference"}
    assert theorem("lipschitz") is lipschitz and THEOREMS["masking-equivalence"] is masking
    with pytest.raises(ValueError, match="theorem"):
        theorem("nope")
    code = "import sys, mus_verify.theorems as t; [t.THEOREMS[k] for k in t.THEOREMS]; print(sorted(m for m in ('z3', 'torch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
