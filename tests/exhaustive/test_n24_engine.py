"""The compiled cube kernels (mus_verify.exhaustive.cube_kernels) equal their numpy twins and the old engines.

Three engines run the same checks: the compiled kernels (numba), the numpy closed form (the same
code with ``MUS_VERIFY_NUMBA=0``) and the enumerating engine (a copy of MULTIPLICATIVE, see
test_closed_form_engine.py). Verdicts, cases, margins, histograms, witnesses and counterexamples
must be identical, planted bugs included, and the counterexamples must replay. The blocks of the
kernels are shrunk to 2^5 entries (and the size from which they run to n = 6) so that n = 10
already runs both cache phases with several strips.
"""

from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.certificates import RADIUS_RULES
from mus_verify.checks.lipschitz import check_lipschitz, replay_edge
from mus_verify.checks.stability import check_stability, replay_stability
from mus_verify.distributions import finite, lqv, random_seed_vector
from mus_verify.exhaustive import cube_kernels
from mus_verify.exhaustive.classifiers import classifier_family
from mus_verify.exhaustive.engine import encode_noise, smoothed, top_two_numerators
from mus_verify.exhaustive.inputs import default_inputs
from mus_verify.exhaustive.mask_encodings import MULTIPLICATIVE
from mus_verify.exhaustive.mus_closed_form import zeta_in_place
from mus_verify.exhaustive.planted import off_by_half_lqv
from mus_verify.results import Verdict

OLD = replace(MULTIPLICATIVE)  # the enumerating engine
TIMING = {"masks_per_s", "elapsed_s", "distinct_classifier_inputs"}
HAVE_NUMBA = cube_kernels.numba_kernels() is not None
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed: the numpy path is the only one")


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(cube_kernels, "BLOCK_BITS", 5)
    monkeypatch.setattr(cube_kernels, "_STRIP_BYTES", 256)
    monkeypatch.setattr(cube_kernels, "KERNEL_MIN_N", 6)


def _kernels():
    kernels = cube_kernels.numba_kernels()
    assert kernels is not None
    return kernels


# --- each kernel against its numpy twin ------------------------------------------------------------


@needs_numba
@pytest.mark.parametrize("word", [np.uint32, np.uint64])
def test_zeta_equals_numpy_and_skips_only_empty_blocks(word):
    n = 12
    rng = np.random.default_rng(0)
    table = rng.integers(0, np.iinfo(word).max, size=(2, 1 << n), dtype=np.uint64, endpoint=True).astype(word)
    support = np.flatnonzero(rng.random(1 << n) < 0.02)
    table[:, np.setdiff1d(np.arange(1 << n), support)] = 0  # wrap-around included: values near the word's top
    expected = table.copy()
    zeta_in_place(expected, n)
    got = table.copy()
    cube_kernels.zeta_rows(got, n, support)
    assert np.array_equal(got, expected)


@needs_numba
@pytest.mark.parametrize("with_sum", [False, True])
def test_edge_maxima_equal_numpy(with_sum):
    n = 13
    rng = np.random.default_rng(1)
    table = rng.integers(0, 2**31, size=(2, 1 << n)).astype(np.uint32)
    table[0, 777] = 2**32 - 1  # the largest word: differences are taken in int64
    assert np.array_equal(cube_kernels.edge_maxima(table, n, with_sum), cube_kernels.edge_maxima_numpy(table, n, with_sum))


@needs_numba
@pytest.mark.parametrize("direction", ["up", "down"])
def test_label_distances_equal_the_per_class_transforms(direction):
    n = 12
    rng = np.random.default_rng(2)
    # labels in runs (like real predictions) and isolated flips, ties (-1) included
    label = np.repeat(rng.integers(-1, 3, size=(1 << n) // 16), 16).astype(np.int8)
    label[rng.integers(0, 1 << n, size=200)] = 2
    got_direction, got_any = cube_kernels.label_distances(label, n, direction)
    assert np.array_equal(got_direction, cube_kernels.label_distance_numpy(label, n, direction))
    assert np.array_equal(got_any, cube_kernels.label_distance_numpy(label, n, "any"))
    uniform = np.zeros(1 << n, dtype=np.int8)  # no other label anywhere: n + 1 everywhere
    assert set(cube_kernels.label_distances(uniform, n, direction)[1].tolist()) == {n + 1}


def _reference_radius(rule, gap, lam, denominator):
    top, bottom = gap * lam.denominator, 2 * lam.numerator * denominator
    ceil = -((-top) // bottom)
    return {"strict": ceil - 1, "ceil": ceil, "floor": top // bottom}[rule]


@needs_numba
@pytest.mark.parametrize("classes", [2, 3, 4])
@pytest.mark.parametrize("rule", ["strict", "ceil", "floor"])
def test_labels_radii_and_tallies_equal_numpy(classes, rule):
    from mus_verify.exhaustive.cube_table import _ONES

    kernels = _kernels()
    n, total, lam = 12, 64, Fraction(1, 4)
    rng = np.random.default_rng(classes)
    full = rng.multinomial(total, [1 / classes] * classes, size=1 << n).astype(np.int64)  # rows sum to total: ties and exact multiples
    rows = np.ascontiguousarray(full[:, :-1].T).astype(np.uint32) if classes == 3 else np.ascontiguousarray(full.T).astype(np.uint32)
    derived = total if classes == 3 else -1
    code = {"strict": 0, "ceil": 1, "floor": 2}[rule]
    label, radius = np.empty(1 << n, np.int8), np.empty(1 << n, np.int8)
    stats = kernels.labels_and_radii(rows, derived, lam.numerator, lam.denominator, total, code, n + 1, 1 << 8, label, radius)
    predicted, gap = top_two_numerators(full)
    exact = _reference_radius(rule, gap, lam, total)
    assert np.array_equal(label.astype(np.int64), predicted)
    assert np.array_equal(radius.astype(np.int64), np.minimum(exact, n + 1))
    unique = predicted >= 0
    assert stats[:, 0].sum() == (unique & (exact >= 0)).sum() and stats[:, 1].sum() == (unique & (exact >= 1)).sum()
    assert stats[:, 3].sum() == (~unique & (exact >= 0)).sum()
    for direction in ("up", "down"):
        dd, da = cube_kernels.label_distances(label, n, direction)
        got = kernels.tally(label, radius, dd, da, n, cube_kernels.DIRECTION_CODES[direction], 1 << 8, _ONES)
        for a, b in zip(got, cube_kernels.tally_numpy(label, radius, dd, da, n, direction)):
            assert np.array_equal(a, b)


@needs_numba
def test_clipped_radius_is_exact_near_the_int64_bounds():
    kernels = _kernels()
    rng = np.random.default_rng(5)
    for _ in range(2000):
        denominator = int(rng.integers(1, 2**40))
        a, b = int(rng.integers(1, 2**10)), int(rng.integers(1, 2**20))
        if max(denominator * b, 2 * a * denominator) >= 2**62:
            continue
        bottom = 2 * a * denominator
        # gaps just below, at and above multiples of the quotient's step, up to the denominator
        k = int(rng.integers(0, 30))
        step = bottom // b or 1
        for gap in {max(0, min(denominator, k * step + d)) for d in (-1, 0, 1)}:
            for code, rule in enumerate(("strict", "ceil", "floor")):
                exact = _reference_radius(rule, gap, Fraction(a, b), denominator)
                assert int(kernels.radius_of(gap, a, b, denominator, code)) == exact == int(RADIUS_RULES[rule](Fraction(gap, denominator), Fraction(a, b)))
                assert int(kernels._clipped_radius(np.int64(gap), np.int64(a), np.int64(b), np.int64(denominator), code, 25)) == min(exact, 25)


# --- whole checks: compiled = numpy closed form = enumeration --------------------------------------


def _key(result):
    details = {k: v for k, v in result.details.items() if k not in TIMING}
    cex = result.counterexample
    return result.verdict, result.cases, result.margin, details, None if cex is None else (cex.kind, cex.summary, cex.data)


def _three_engines(monkeypatch, check, *args, **kwargs):
    compiled = check(*args, **kwargs)
    with monkeypatch.context() as m:
        m.setenv("MUS_VERIFY_NUMBA", "0")
        numpy_path = check(*args, **kwargs)
    enumerated = check(*args, variant=OLD, **kwargs)
    assert _key(compiled) == _key(numpy_path) == _key(enumerated), (compiled.message, numpy_path.message, enumerated.message)
    return compiled


def _noises(n):
    rng = np.random.default_rng(n)
    masks = rng.integers(0, 2, size=(5, n)).tolist()
    return [
        lqv(random_seed_vector(n, 64, 0), 64, "16/64"),
        lqv(random_seed_vector(n, 8, 3), 8, "3/8"),
        # a large common denominator: T · D above 2^32, the uint64 ring
        finite(masks, [Fraction(int(w), 2**30 - 35) for w in [2**28, 2**27, 2**29, 2**26, 2**30 - 35 - 2**28 - 2**27 - 2**29 - 2**26]]),
    ]


def test_smoothed_cube_equals_the_old_tables():
    from mus_verify.exhaustive.cube_table import smoothed_cube

    n = 10
    for distribution in _noises(n):
        noise = encode_noise(distribution)
        for classes in (2, 3, 4):
            for clf in classifier_family("tables,voting,mlp", n, classes)[::3]:
                for _, x in default_inputs(n):
                    for mode in ("average", "vote"):
                        new = smoothed_cube(clf, x, MULTIPLICATIVE, noise, mode)
                        old = smoothed(clf, x, OLD, noise, mode)
                        assert new.denominator == old.denominator
                        assert np.array_equal(new.numerators, old.numerators), (distribution.name, clf, mode)
                        assert new.value(5) == old.value(5)


@pytest.mark.parametrize("noise", [0, 1, 2])
def test_lipschitz_equal_on_three_engines(monkeypatch, noise):
    n = 10
    distribution = _noises(n)[noise]
    lam = "3/8" if noise == 1 else ("1/2" if noise == 2 else "16/64")
    result = _three_engines(monkeypatch, check_lipschitz, distribution, lam)
    if result.verdict is Verdict.PROVED:  # every concrete run compared: its largest |Δg| is in the details
        assert result.details["concrete"]["runs"] == 4 * len(classifier_family(None, n, 3))


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("rule", ["strict", "ceil", "floor"])
def test_stability_equal_on_three_engines(monkeypatch, direction, rule):
    n = 10
    distribution = lqv(random_seed_vector(n, 64, 0), 64, "16/64")
    result = _three_engines(monkeypatch, check_stability, distribution, "16/64", direction=direction, radius_rule=rule)
    if rule == "strict":
        assert result.verdict is Verdict.VERIFIED and result.details["nontrivial_certificates"] > 0
    else:  # one step too far / wrong at ties: refuted with a shrunk counterexample that replays
        assert result.verdict is Verdict.REFUTED
        assert replay_stability(result.counterexample.data) is True


@pytest.mark.parametrize("classes", [2, 4])
def test_stability_with_other_class_counts(monkeypatch, classes):
    n = 10
    distribution = lqv(random_seed_vector(n, 8, 3), 8, "1/8")
    classifiers = classifier_family("tables,voting,mlp", n, classes)
    _three_engines(monkeypatch, check_stability, distribution, "1/8", direction="up", classifiers=classifiers)


def test_planted_noise_above_lambda_is_refuted_alike(monkeypatch):
    """Keep rate (k+1)/q > λ: the edge scan refutes Thm 3.1 and the certificates break (same witness)."""
    n = 10
    planted = off_by_half_lqv(random_seed_vector(n, 64, 0), 64, "16/64")
    lipschitz = _three_engines(monkeypatch, check_lipschitz, planted, "16/64")
    assert lipschitz.verdict is Verdict.REFUTED and lipschitz.counterexample.data["difference"] == Fraction(17, 64)
    assert replay_edge(lipschitz.counterexample.data) is True
    for direction in ("up", "down"):
        stability = _three_engines(monkeypatch, check_stability, planted, "16/64", direction=direction)
        assert stability.verdict is Verdict.REFUTED
        assert replay_stability(stability.counterexample.data) is True


def test_n24_is_accepted_only_with_the_compiled_kernels(monkeypatch):
    from mus_verify.checks import CheckConfig
    from mus_verify.checks._exhaustive import setup_from_config
    from mus_verify.checks.lipschitz import DEFAULTS
    from mus_verify.errors import InvalidArgument

    config = CheckConfig(n=24, q=64, lam="16/64")
    if HAVE_NUMBA:
        assert setup_from_config(config, DEFAULTS, closed_form=True).n == 24
    monkeypatch.setenv("MUS_VERIFY_NUMBA", "0")
    with pytest.raises(InvalidArgument, match="install numba"):
        setup_from_config(config, DEFAULTS, closed_form=True)


@pytest.mark.slow
@needs_numba
@pytest.mark.parametrize("check", ["lipschitz", "incremental-stability"])
def test_n24_end_to_end(check, capsys):
    import json

    from mus_verify.cli import main

    code = main(["check", check, "--n", "24", "--q", "64", "--lam", "16/64", "--json"])
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert code == 0 and result["verdict"] == ("PROVED" if check == "lipschitz" else "VERIFIED")
    assert result["details"]["smoothing_runs"] == 44 if check == "lipschitz" else result["details"]["runs"] == 44
