"""The exact core: operators, norms, games, joints, models (notes §1, §6)."""

from fractions import Fraction as F

import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.removal.games import Baseline, Conditional, Marginal, game
from mus_verify.removal.joint import FiniteJoint
from mus_verify.removal.models import Bumped, Linear, ReluNet, from_spec
from mus_verify.removal.norms import (infinity_to_two_squared, one_inf_squared, row_l1, semivalue_spectral_squared, spectral_squared,
                                      spectral_squared_closed_form, sqrt_lower, sqrt_upper)
from mus_verify.removal.operators import apply, banzhaf, by_name, lime, loo, mean_when_included, semivalue, semivalue_weights, shapley
from mus_verify.removal.properties import boundedness_witness, efficiency_witness, symmetry_witness


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_shapley_efficiency_and_symmetry(d):
    A = shapley(d)
    assert efficiency_witness(A) is None and symmetry_witness(A) is None and boundedness_witness(A) is None
    v = [F(S * S, 3) - F(S, 2) for S in range(1 << d)]
    assert sum(apply(A, v)) == v[-1] - v[0]


def test_linear_models_get_beta_times_offset_for_every_probabilistic_value():
    # notes §6: f = β·x + c under baseline removal gives φ_i = β_i (x_i − b_i) for every semivalue
    f = Linear((F(1), F(-2), F(3)), F(5))
    x, b = (F(1), F(2), F(-1)), (F(0), F(1, 2), F(1))
    v = game(f, x, Baseline(b))
    expected = tuple(beta * (xi - bi) for beta, xi, bi in zip(f.beta, x, b))
    for A in (loo(3), shapley(3), banzhaf(3), semivalue([F(1, 2), F(1, 8), F(1, 4)])):
        assert apply(A, v) == expected


def test_mwi_is_not_bounded_null_feature():
    v = tuple(F(1) for _ in range(4))  # constant game: every feature is null
    assert apply(mean_when_included(2), v) == (F(1), F(1))
    assert boundedness_witness(mean_when_included(2)) is not None


@pytest.mark.parametrize("name", ["loo", "shapley", "banzhaf", "mwi"])
@pytest.mark.parametrize("d", [1, 2, 3, 6])
def test_closed_forms_match_exact(name, d):
    A = by_name(name, d)
    assert spectral_squared(A) == spectral_squared_closed_form(name, d)
    assert set(row_l1(A)) == {F(1) if name == "mwi" else F(2)}
    assert one_inf_squared(A) == (d if name == "mwi" else 4 * d)
    if name != "mwi":
        assert semivalue_spectral_squared(semivalue_weights(name, d)) == spectral_squared(A)


def test_infinity_norms_and_the_d5_witness():
    assert infinity_to_two_squared(loo(3))[0] == 12
    assert infinity_to_two_squared(shapley(4))[0] == 4
    value, vertex = infinity_to_two_squared(banzhaf(3))
    assert value == 4 and vertex[0] == 1
    with pytest.raises(InvalidArgument, match="d=5"):
        infinity_to_two_squared(shapley(5))


def test_lime_uniform_kernel_is_banzhaf_and_kernel_is_validated():
    assert lime(4).rows == banzhaf(4).rows
    with pytest.raises(InvalidArgument, match="kernel"):
        lime(2, [1, 0, 1])


def test_sqrt_bounds_are_sound():
    for r in (F(2), F(9, 4), F(1, 3), F(0)):
        assert sqrt_lower(r) ** 2 <= r <= sqrt_upper(r) ** 2
    assert sqrt_upper(F(9, 4)) == F(3, 2)


def test_marginal_and_conditional_games():
    f = Linear((F(1), F(1)))
    background = Marginal(((F(0), F(0)), (F(2), F(4))), (F(1, 4), F(3, 4)))
    v = game(f, (F(1), F(1)), background)
    assert v == (F(3, 4) * 6, F(1) + F(3, 4) * 4, F(1) + F(3, 4) * 2, F(2))
    joint = FiniteJoint(((F(0), F(0)), (F(0), F(1)), (F(1), F(1))), (F(1, 4), F(1, 4), F(1, 2)))
    v = game(f, (F(0), F(0)), Conditional(joint))
    assert v[0b01] == F(1, 2)  # E[X_2 | X_1 = 0] = 1/2
    with pytest.raises(InvalidArgument, match="match some support point"):
        game(f, (F(2), F(0)), Conditional(joint))


def test_joint_validation():
    with pytest.raises(InvalidArgument, match="summing to exactly 1"):
        FiniteJoint(((F(0),), (F(1),)), (F(1, 2), F(1, 3)))
    with pytest.raises(InvalidArgument, match="distinct"):
        FiniteJoint(((F(0),), (F(0),)), (F(1, 2), F(1, 2)))


def test_models_round_trip_and_relu_bound_is_sound():
    net = ReluNet(((( F(1), F(-1)), (F(1, 2), F(2))), ((F(1), F(1)),)), ((F(0), F(0)), (F(0),)))
    assert from_spec(net.spec()) == net
    # ReLU nets: L² bound ≥ every observed squared slope on a grid
    points = [(F(i, 2), F(j, 2)) for i in range(-3, 4) for j in range(-3, 4)]
    for p in points:
        for q in points:
            if p != q:
                assert (net(p) - net(q)) ** 2 <= net.lipschitz_squared * ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2)
    bumped = Bumped(net, ((F(0), F(0)), (F(3), F(0))), (F(1, 2), F(-1)), F(1), F(1, 4))
    assert bumped.perturbation_sup == F(3, 4)
    assert from_spec(bumped.spec()) == bumped
    with pytest.raises(InvalidArgument, match="centres"):
        Bumped(net, ((F(0), F(0)), (F(1), F(0))), (F(1), F(1)), F(1))
