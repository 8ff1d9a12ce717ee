"""The MuS closed-form engine (mus_closed_form) equals the enumerating engine it replaces.

The enumeration still runs for any variant that is not the MULTIPLICATIVE object itself, so a
copy of MULTIPLICATIVE (same keys, same name, a different object) is the old engine: every
comparison below runs the same check twice and asserts equal verdicts, cases, margins,
histograms and counterexamples, on every classifier family, and that planted bugs are still
REFUTED with a counterexample that replays.
"""

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.checks.lipschitz import check_lipschitz, replay_edge
from mus_verify.checks.stability import check_stability, replay_stability
from mus_verify.distributions import bernoulli_iid, finite, lqv, random_seed_vector
from mus_verify.exhaustive.classifiers import classifier_family
from mus_verify.exhaustive.engine import encode_noise, smoothed
from mus_verify.exhaustive.inputs import default_inputs
from mus_verify.exhaustive.mask_encodings import MULTIPLICATIVE
from mus_verify.exhaustive.mus_closed_form import down_closure, edge_masses, mobius_in_place, superset_sums, zeta_in_place
from mus_verify.results import Verdict

OLD = replace(MULTIPLICATIVE)  # same variant, not the same object: the enumerating engine
TIMING = {"masks_per_s", "elapsed_s", "distinct_classifier_inputs"}


def _noises(n):
    rng = np.random.default_rng(n)
    masks = rng.integers(0, 2, size=(5, n)).tolist()
    return [
        lqv(random_seed_vector(n, 64, 0), 64, "16/64"),
        lqv(random_seed_vector(n, 8, 3), 8, "3/8"),
        bernoulli_iid(n, "1/3") if n <= 10 else lqv(random_seed_vector(n, 16, 5), 16, "1/16"),
        # weights with a large common denominator: T · D above 2^32, the uint64 ring
        finite(masks, [Fraction(int(w), 2**30 - 35) for w in [2**28, 2**27, 2**29, 2**26, 2**30 - 35 - 2**28 - 2**27 - 2**29 - 2**26]]),
    ]


@pytest.mark.parametrize("n", [1, 3, 7, 10])
def test_smoothing_equals_enumeration_on_every_family(n):
    for distribution in _noises(n):
        noise = encode_noise(distribution)
        for clf in classifier_family("tables,voting,mlp", n, 3):
            for _, x in default_inputs(n):
                for mode in ("average", "vote"):
                    new = smoothed(clf, x, MULTIPLICATIVE, noise, mode)
                    old = smoothed(clf, x, OLD, noise, mode)
                    assert new.denominator == old.denominator
                    assert np.array_equal(new.numerators, old.numerators), (distribution.name, clf, mode)


def test_dense_transforms_invert_and_the_closure_is_down_closed():
    n = 6
    rng = np.random.default_rng(0)
    h = rng.integers(-50, 50, size=(2, 1 << n)).astype(np.uint64)
    table = h.copy()
    mobius_in_place(table, n)
    zeta_in_place(table, n)
    assert np.array_equal(table, h)
    codes = np.array([0b101101, 0b000011, 0b110000])
    closure = down_closure(codes, n)
    assert all(((c & ~np.int64(1 << i)) in set(closure.tolist())) for c in closure.tolist() for i in range(n))
    assert set(closure.tolist()) == {t for t in range(1 << n) if any(t & ~c == 0 for c in codes.tolist())}
    w = superset_sums(codes, np.array([1, 2, 4]), n)
    assert w[0] == 7 and w[0b000001] == 3 and w[0b100000] == 5 and w[0b111111] == 0


def test_edge_masses_equal_enumerated_tv():
    from mus_verify.exhaustive.bits import edge_lower_ends
    from mus_verify.exhaustive.engine import edge_tv

    n = 6
    for distribution in _noises(n):
        noise = encode_noise(distribution)
        for _, x in default_inputs(n):
            visible = int(sum(1 << i for i in range(n) if x[i] != 0))
            masses = edge_masses(noise.codes, noise.weights, n, visible)
            for i in range(n):
                assert set(edge_tv(OLD, noise, visible, i, edge_lower_ends(n, i)).tolist()) == {masses[i]}


def _same(new, old):
    assert new.verdict is old.verdict and new.cases == old.cases, (new.message, old.message)
    assert new.margin == old.margin
    strip = lambda d: {k: v for k, v in d.items() if k not in TIMING}  # noqa: E731
    assert strip(new.details) == strip(old.details)
    assert (new.counterexample is None) == (old.counterexample is None)
    if new.counterexample is not None:
        assert new.counterexample.summary == old.counterexample.summary
        assert new.counterexample.data == old.counterexample.data


@pytest.mark.parametrize("n, q, lam", [(8, 64, "16/64"), (12, 64, "16/64"), (9, 8, "2/8")])
def test_checks_equal_the_old_engine(n, q, lam):
    distribution = lqv(random_seed_vector(n, q, 0), q, lam)
    _same(check_lipschitz(distribution, lam), check_lipschitz(distribution, lam, variant=OLD))
    for direction in ("up", "down"):
        _same(check_stability(distribution, lam, direction=direction), check_stability(distribution, lam, direction=direction, variant=OLD))


def test_planted_bugs_are_still_refuted_alike():
    n, q = 10, 64
    distribution = lqv(random_seed_vector(n, q, 0), q, "16/64")
    # a claimed constant below the true λ: the all-classifier scan refutes it with a shrunk edge
    new, old = check_lipschitz(distribution, "15/64"), check_lipschitz(distribution, "15/64", variant=OLD)
    _same(new, old)
    assert new.verdict is Verdict.REFUTED and new.counterexample.data["difference"] == Fraction(1, 4)
    assert replay_edge(new.counterexample.data) is True
    for rule in ("ceil", "floor"):
        new = check_stability(distribution, "16/64", direction="up", radius_rule=rule)
        _same(new, check_stability(distribution, "16/64", direction="up", radius_rule=rule, variant=OLD))
        assert new.verdict is Verdict.REFUTED
        assert new.counterexample.data["features_changed"] > new.counterexample.data["strict_radius"]
        assert replay_stability(new.counterexample.data) is True


@pytest.mark.slow
@pytest.mark.parametrize("n", [14, 16])
def test_checks_equal_the_old_engine_up_to_16(n):
    distribution = lqv(random_seed_vector(n, 64, 0), 64, "16/64")
    _same(check_lipschitz(distribution, "16/64"), check_lipschitz(distribution, "16/64", variant=OLD))
    _same(check_stability(distribution, "16/64", direction="up"), check_stability(distribution, "16/64", direction="up", variant=OLD))


def test_work_limit_follows_the_engine(monkeypatch):
    from mus_verify.checks import CheckConfig
    from mus_verify.checks._exhaustive import setup_from_config
    from mus_verify.checks.lipschitz import DEFAULTS
    from mus_verify.errors import InvalidArgument

    config = CheckConfig(n=22, q=64, lam="16/64")
    assert setup_from_config(config, DEFAULTS, closed_form=True).n == 22  # measured: 25 s (lipschitz), 47 s (stability)
    with pytest.raises(InvalidArgument, match="--n"):
        setup_from_config(config, DEFAULTS)  # the enumerating estimate still refuses n = 22
    with monkeypatch.context() as m:  # the numpy closed form keeps its limit; the compiled kernels' (n = 24) is in test_n24_engine.py
        m.setenv("MUS_VERIFY_NUMBA", "0")
        with pytest.raises(InvalidArgument, match="transform steps"):
            setup_from_config(CheckConfig(n=23, q=64, lam="16/64"), DEFAULTS, closed_form=True)
    # another variant keeps the enumeration, so the enumerating limit
    with pytest.raises(InvalidArgument, match="mask evaluations"):
        setup_from_config(CheckConfig(n=22, q=64, lam="16/64", extra={"variant": "additive"}), DEFAULTS, closed_form=True)
