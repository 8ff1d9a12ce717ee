"""The vectorised engine against the exact reference and brute force."""

import itertools
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from mus_verify.distributions import bernoulli_iid, finite, lqv, random_seed_vector
from mus_verify.errors import InvalidArgument
from mus_verify.exhaustive import ADDITIVE, MULTIPLICATIVE, classifier_family, default_inputs, encode_noise, from_spec, smoothed
from mus_verify.exhaustive.bits import codes_from_masks, edge_lower_ends, masks_from_codes, popcount
from mus_verify.exhaustive.classifiers import HashTable, Indicator, TinyMLP
from mus_verify.exhaustive.distance import distance_to, nearest
from mus_verify.exhaustive.engine import Stats, edge_tv, law_difference, law_tv, top_two_numerators
from mus_verify.exhaustive.mask_encodings import decode_keys, visible_code

VARIANTS = [MULTIPLICATIVE, ADDITIVE]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("distribution", [lqv([0, 3, 5, 1], 8, "3/8"), bernoulli_iid(4, "1/3")], ids=["lqv", "iid"])
def test_smoothed_equals_the_exact_reference_for_every_mask(variant, distribution):
    noise = encode_noise(distribution)
    # the composed additive reference calls smooth once per masked input: check a spread of masks there
    alphas = range(16) if variant is MULTIPLICATIVE else (0, 5, 6, 10, 15)
    for label, x in default_inputs(4):
        for clf in classifier_family(None, 4, 3, seed=5):
            for mode in ("average", "vote"):
                table = smoothed(clf, x, variant, noise, mode)
                for alpha in alphas:
                    reference = variant.exact(clf, x, masks_from_codes(np.array([alpha]), 4)[0], distribution, mode)
                    assert table.value(alpha) == reference, (label, clf, mode, alpha)


# Variants compiled from mus_verify.variants (mus_verify.exhaustive.keys): the built-ins, the user
# example, a MuS-form variant with its own keeps, and one without a seed vector.
KEEPS_ODD = """
from fractions import Fraction


class KeepsOdd:
    name = "keeps-odd"

    def symbols(self, params):
        from mus_verify.variants import IntVector

        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        q = params.q
        return [(Fraction(1, q), [(v + j) % q for v in sym["seed_vector"]]) for j in range(q)]

    def keeps(self, ops, s_i):
        return s_i % 2 == 1


VARIANT = KeepsOdd()
"""
COMPILED = ["mus", "additive", "examples/user_variant.py:VARIANT", "mus-iid", "keeps-odd"]


def compiled_cases(spec, tmp_path, count=3):
    """(compiled variant, seed vector or None, distribution) at random small sizes."""
    from mus_verify.exhaustive.keys import compile_variant
    from mus_verify.variants import make_params

    if spec == "keeps-odd":
        path = tmp_path / "keeps_odd.py"
        path.write_text(KEEPS_ODD)
        spec = f"{path}:VARIANT"
    rng = np.random.default_rng(abs(hash(spec)) % 2**32)
    cases = []
    for _ in range(count):
        n, q = int(rng.integers(2, 5)), int(rng.choice([2, 4, 8]))
        k = int(rng.integers(1, q + 1))
        compiled = compile_variant(spec, make_params(n, q, Fraction(k, q)))
        vector = tuple(int(v) for v in rng.integers(0, q, size=n)) if compiled.seeded else None
        cases.append((compiled, vector, compiled.noise(vector)))
    return cases


@pytest.mark.parametrize("spec", COMPILED)
def test_keys_agree_with_the_digit_definition(spec, tmp_path):
    """The compiled form's keys (the vectorised fast path) decode to its digits e(α, s) on the variant's own noise."""
    for compiled, _, distribution in compiled_cases(spec, tmp_path):
        variant, n = compiled.smoothing, distribution.n
        masks = distribution.masks
        codes = codes_from_masks(masks)
        full = (1 << n) - 1
        for alpha in range(1 << n):
            for visible in (full, 0b0110 & full, 0):
                keys = variant.keys(np.array([alpha]), codes, visible)[0]
                digits = variant.digits(masks_from_codes(np.array([alpha]), n)[0], masks)
                digits = digits * masks_from_codes(np.array([visible]), n)[0][None, :]
                assert (decode_keys(keys, variant.base, n) == digits).all()


def exact_slots(clf):
    """An ExactClassifier as the slot classifier of mus_verify.variants (exact rationals)."""

    def h(batch):
        rows = np.array([[float(v) for v in row] for row in batch], dtype=np.float64)
        return np.array([[Fraction(int(v), clf.denominator) for v in row] for row in clf.numerators(rows)], dtype=object)

    return h


@pytest.mark.parametrize("spec", COMPILED)
def test_compiled_variant_smooths_exactly_as_the_variant_itself(spec, tmp_path):
    """The engine's g on the compiled form equals smooth_variant on the variant's own code, exactly, for every α."""
    from mus_verify.variants import smooth_variant

    for compiled, vector, distribution in compiled_cases(spec, tmp_path, count=2):
        n = distribution.n
        noise = encode_noise(distribution)
        symbols = {"seed_vector": vector} if compiled.seeded else {}
        for label, x in default_inputs(n):
            for clf in classifier_family(None, n, 3, seed=5)[::2]:
                for mode in ("average", "vote"):
                    table = smoothed(clf, x, compiled.smoothing, noise, mode)
                    for alpha in range(1 << n):
                        bits = masks_from_codes(np.array([alpha]), n)[0].astype(int).tolist()
                        reference = smooth_variant(compiled.model, exact_slots(clf), x.tolist(), bits, compiled.params, symbols, mode=mode)
                        assert table.value(alpha) == reference, (spec, label, clf, mode, alpha)
                        if compiled.smoothing.model is not None and alpha in (0, (1 << n) - 1):  # its exact reference is the same
                            assert compiled.smoothing.exact(clf, x, bits, distribution, mode) == reference


def test_the_builtins_compile_to_the_encodings_themselves():
    from mus_verify.exhaustive.keys import compile_variant
    from mus_verify.variants import make_params

    params = make_params(3, 4, "1/4")
    assert compile_variant("mus", params).smoothing is MULTIPLICATIVE
    assert compile_variant("multiplicative", params).smoothing is MULTIPLICATIVE
    assert compile_variant("additive", params).smoothing is ADDITIVE
    user = compile_variant("examples/user_variant.py:VARIANT", params).smoothing
    assert user.name == "never-empty-mus" and user.multiplicative and user.encoding is MULTIPLICATIVE
    assert compile_variant("mus", params).noise((0, 1, 3)).masks.tolist() == lqv((0, 1, 3), 4, "1/4").masks.tolist()


def brute_tv(keys_a, keys_b, weights):
    P, Q = Counter(), Counter()
    for a, b, w in zip(keys_a, keys_b, weights):
        P[a] += w
        Q[b] += w
    return sum(max(0, P[k] - Q[k]) for k in set(P) | set(Q))


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_edge_tv_is_exact_on_every_edge(variant):
    n, q = 5, 8
    noise = encode_noise(lqv(random_seed_vector(n, q, 3), q, "3/8"))
    for visible in ((1 << n) - 1, 0b01101):
        for i in range(n):
            lower = edge_lower_ends(n, i)
            tv = edge_tv(variant, noise, visible, i, lower)
            a = variant.keys(lower, noise.codes, visible)
            b = variant.keys(lower | (1 << i), noise.codes, visible)
            assert tv.tolist() == [brute_tv(a[r], b[r], noise.weights) for r in range(lower.size)]


def test_law_tv_counts_cross_cancellations():
    # pairs (5, 7) and (7, 5) swap keys: the laws are equal although no pair matches
    assert law_tv(np.array([[5, 7, 1]]), np.array([[7, 5, 2]]), np.array([1, 1, 2])).tolist() == [2]
    assert law_difference([5, 7, 1], [7, 5, 2], [1, 1, 2]) == (2, [1])


def test_multiplicative_tv_is_the_marginal_on_every_edge():
    distribution = lqv([0, 5, 2], 8, "3/8")
    noise = encode_noise(distribution)
    for i in range(3):
        tv = edge_tv(MULTIPLICATIVE, noise, 7, i, edge_lower_ends(3, i))
        assert set(tv.tolist()) == {3}


def test_memo_evaluates_each_distinct_masked_input_once():
    n = 6
    noise = encode_noise(lqv(random_seed_vector(n, 16, 0), 16, "4/16"))
    clf = HashTable(0, 3)
    full, zeros = default_inputs(n)
    stats = Stats()
    smoothed(clf, full[1], MULTIPLICATIVE, noise, "average", stats=stats)
    assert stats.distinct_inputs <= 1 << n and stats.masks == (1 << n) * noise.codes.size
    stats_zero = Stats()
    smoothed(clf, zeros[1], MULTIPLICATIVE, noise, "average", stats=stats_zero)
    nonzero = int((zeros[1] != 0).sum())
    assert stats_zero.distinct_inputs <= 1 << nonzero < 1 << n  # masks differing only where x_i = 0 collapse


def test_top_two_numerators():
    predicted, gap = top_two_numerators(np.array([[3, 1, 0], [2, 2, 0], [0, 0, 4]]))
    assert predicted.tolist() == [0, -1, 2] and gap.tolist() == [2, 0, 4]


def bfs(bad, n, alpha, direction):
    best = n + 1
    for beta in range(1 << n):
        if not bad[beta]:
            continue
        if direction == "up" and beta & alpha != alpha:
            continue
        if direction == "down" and beta & ~alpha:
            continue
        best = min(best, bin(alpha ^ beta).count("1"))
    return best


@pytest.mark.parametrize("direction", ["any", "up", "down"])
def test_distance_transform_matches_brute_force(direction):
    rng = np.random.default_rng(1)
    n = 6
    for density in (0.02, 0.2, 0.6):
        bad = rng.random(1 << n) < density
        dist = distance_to(bad, n, direction)
        assert dist.tolist() == [bfs(bad, n, a, direction) for a in range(1 << n)]
        for alpha in range(0, 1 << n, 7):
            d = int(dist[alpha])
            if d <= n:
                beta = nearest(bad, n, alpha, d, direction)
                assert bad[beta] and bin(alpha ^ beta).count("1") == d


def test_classifiers_do_not_depend_on_the_batch():
    n = 7
    rows = np.random.default_rng(2).integers(-3, 9, size=(300, n)).astype(float)
    for clf in classifier_family(None, n, 4, seed=3):
        whole = clf.numerators(rows)
        one_by_one = np.concatenate([clf.numerators(rows[r : r + 1]) for r in range(rows.shape[0])])
        assert (whole == one_by_one).all(), clf
        assert (whole.sum(axis=1) == clf.denominator).all() and (whole >= 0).all()
        assert from_spec(clf.spec).spec == clf.spec
        assert (from_spec(clf.spec).numerators(rows) == whole).all()


def test_tables_hash_negative_zero_like_zero():
    clf = HashTable(1, 3)
    assert (clf.numerators(np.array([[0.0, 1.0]])) == clf.numerators(np.array([[-0.0, 1.0]]))).all()


def test_indicator_matches_rows_exactly():
    h = Indicator([[0.0, 2.0], [1.0, 0.0]])
    assert h.numerators(np.array([[0.0, 2.0], [0.0, 2.5], [1.0, -0.0]]))[:, 1].tolist() == [1, 0, 1]


def test_mlp_outputs_are_exact_dyadic_probabilities():
    clf = TinyMLP(0, 3, 4)
    out = clf(np.array([[1.0, 0.0, 3.0, 4.0]]))
    assert sum(Fraction(float(v)) for v in out[0]) == 1


def test_engine_refuses_denominators_it_cannot_carry():
    huge = finite([[1, 0], [0, 1]], [Fraction(1, 2**50), 1 - Fraction(1, 2**50)])
    with pytest.raises(InvalidArgument, match="distribution"):
        encode_noise(huge)


def test_bits_helpers_round_trip():
    codes = np.arange(32)
    assert (codes_from_masks(masks_from_codes(codes, 5)) == codes).all()
    assert popcount(codes).tolist() == [bin(c).count("1") for c in range(32)]
    for i in range(5):
        assert sorted(edge_lower_ends(5, i).tolist()) == [c for c in range(32) if not (c >> i) & 1]
    assert visible_code(np.array([1.0, 0.0, -2.0])) == 0b101
    assert list(itertools.islice(default_inputs(1), 2))[1][1].tolist() == [0.0]


def test_sparse_memo_agrees_with_the_dense_one(monkeypatch):
    import mus_verify.exhaustive.engine as engine

    n = 6
    distribution = lqv(random_seed_vector(n, 8, 4), 8, "3/8")
    noise = encode_noise(distribution)
    x = default_inputs(n)[0][1]
    for variant in VARIANTS:
        for clf in classifier_family(None, n, 3)[:4]:
            dense = smoothed(clf, x, variant, noise, "average")
            monkeypatch.setattr(engine, "DENSE_ENTRIES", 0)
            monkeypatch.setattr(engine, "BLOCK", 64)  # many blocks: exercises the incremental merge
            stats = Stats()
            sparse = smoothed(clf, x, variant, noise, "average", stats=stats)
            monkeypatch.undo()
            assert (dense.numerators == sparse.numerators).all()
            assert stats.distinct_inputs <= variant.key_space(n)
