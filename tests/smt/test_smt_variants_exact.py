"""Variants on exact rationals: consistent with the foundation's reference, loadable, validated."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from mus_verify import InvalidArgument
from mus_verify.distributions import bernoulli_iid, lqv, lqv_masks
from mus_verify.smoothing import smooth
from mus_verify.variants import (
    EXACT,
    hide_exact,
    load_variant,
    make_params,
    noise_marginals,
    smooth_variant,
)
from mus_verify.variants.builtin import lqv_noise, pack
from mus_verify.variants.loader import builtin_names


def table_classifier(table):
    """h on slot inputs, from a dict (tuple of visible flags) -> probabilities; works on smooth()'s arrays too."""

    def h(inputs):
        rows = np.asarray(inputs, dtype=object)
        return np.array([table[tuple(int(v is not None and v != 0) for v in row)] for row in rows], dtype=object)

    return h


def random_table(n, seed):
    rng = np.random.default_rng(seed)
    table = {}
    for bits in itertools.product([0, 1], repeat=n):
        a = Fraction(int(rng.integers(0, 9)), 8)
        table[bits] = (a, 1 - a)
    return table


@pytest.mark.parametrize("seed_vector", [(4, 0, 2), (0, 0, 0), (1, 3, 4)])
def test_mus_equals_the_foundation_reference_for_every_alpha(seed_vector):
    n, q, lam = 3, 5, "2/5"
    h = table_classifier(random_table(n, sum(seed_vector)))
    params = make_params(n, q, lam)
    x = [Fraction(3, 2), Fraction(-2), Fraction(3)]
    for alpha in itertools.product([0, 1], repeat=n):
        ours = smooth_variant(load_variant("mus"), h, x, alpha, params, {"seed_vector": seed_vector})
        assert ours == smooth(h, np.array(x, dtype=object), alpha, lqv(seed_vector, q, lam))


def test_mus_iid_equals_bernoulli_iid_reference():
    n = 3
    h = table_classifier(random_table(n, 7))
    params = make_params(n, 4, "1/3", quantized=False)
    x = [1, 2, 3]
    for alpha in itertools.product([0, 1], repeat=n):
        ours = smooth_variant(load_variant("mus-iid"), h, x, alpha, params)
        assert ours == smooth(h, np.array(x, dtype=object), alpha, bernoulli_iid(n, "1/3"))


def test_lqv_noise_is_the_foundation_mask_formula_for_every_seed_vector():
    q, k = 5, 2
    params = make_params(2, q, f"{k}/{q}")
    for v in itertools.product(range(q), repeat=2):
        masks = [s for _, s in lqv_noise(EXACT, params, v)]
        assert np.array_equal(np.array(masks, dtype=bool), lqv_masks(v, q, k))


def test_marginals_of_the_built_ins():
    params = make_params(3, 4, "1/4")
    v = {"seed_vector": (0, 1, 3)}
    assert noise_marginals(load_variant("mus"), params, v) == (Fraction(1, 4),) * 3
    # fixed-count keeps ceil(λn) = 1 of 3 features: 1/3 > 1/4.
    assert noise_marginals(load_variant("fixed-count"), make_params(3, 4, "1/4", quantized=False)) == (Fraction(1, 3),) * 3
    assert noise_marginals(load_variant("mus-iid"), make_params(3, 4, "1/4", quantized=False)) == (Fraction(1, 4),) * 3


def test_additive_leaks_a_hidden_feature_and_baseline_replaces_it():
    params = make_params(1, 2, "1/2")
    seen = []

    def h(inputs):
        seen.extend(tuple(row) for row in np.asarray(inputs, dtype=object))
        return np.array([[1, 0]] * len(inputs), dtype=object)

    smooth_variant(load_variant("additive"), h, [5], [0], params, {"seed_vector": [0]})
    assert set(seen) == {(Fraction(0),), (Fraction(5),)}  # α = 0, yet x_0 = 5 reaches h when s_0 = 1
    seen.clear()
    smooth_variant(load_variant("baseline"), h, [5], [0], params, {"seed_vector": [0], "baseline": ["1/2"]})
    assert set(seen) == {(Fraction(1, 2),)}
    assert hide_exact(load_variant("baseline"), [5], [0], params, {"seed_vector": [0], "baseline": [7]}) == [Fraction(7)]


def test_token_drop_packs_kept_tokens_left():
    assert pack(EXACT, [Fraction(1), Fraction(2), Fraction(3), Fraction(4)], [False, True, False, True]) == [2, 4, None, None]
    assert pack(EXACT, [None, Fraction(2), Fraction(3)], [True, True, True]) == [2, 3, None]
    params = make_params(3, 2, "1/2")
    assert hide_exact(load_variant("token-drop"), [1, 2, 3], [1, 0, 1], params, {"seed_vector": [0, 0, 0]}) == [1, 3, None]


def test_ramp_table_matches_the_research_code_bit_for_bit():
    torch = pytest.importorskip("torch")
    from mus_verify.variants.ramp import ramp_table

    # 22/15: the smallest (q, k) where int(k/q * q) floors in doubles.
    cases = [(q, k) for q in range(2, 13) for k in range(1, q + 1)] + [(22, 15), (64, 16), (100, 29)]
    for q, k in cases:
        lambd = int((k / q) * q) / q  # the research code's flooring
        v = (torch.arange(q) / q).view(q, 1)  # every seed entry v_i / q, as randint(0, q) / q computes it
        s_base = (torch.tensor(range(0, q)) + 0.5) / q
        t = (v + s_base.view(1, q)).remainder(1.0)
        research = (2 * q * torch.nn.functional.relu(lambd - t)).clamp(0, 1)
        assert [[Fraction(float(a)) for a in row] for row in research.tolist()] == ramp_table(q, Fraction(k, q)), (q, k)


def test_ramp_entries_are_not_exactly_one_when_q_is_three():
    from mus_verify.variants.ramp import ramp_table, research_lambda

    values = {value for row in ramp_table(3, Fraction(1, 3)) for value in row}
    assert values - {0, 1} and all(Fraction(999, 1000) < v < 1 for v in values - {0, 1})
    assert research_lambda(Fraction(15, 22), 22) == 14 / 22  # int(15/22 * 22) == 14 in doubles


def test_symbols_are_validated():
    params = make_params(2, 4, "1/4")
    h = table_classifier(random_table(2, 0))
    with pytest.raises(InvalidArgument, match="seed_vector"):
        smooth_variant(load_variant("mus"), h, [1, 2], [1, 1], params, {})
    with pytest.raises(InvalidArgument, match=r"0\.\.3"):
        smooth_variant(load_variant("mus"), h, [1, 2], [1, 1], params, {"seed_vector": [0, 4]})
    with pytest.raises(InvalidArgument, match="only the variant's symbols"):
        smooth_variant(load_variant("mus"), h, [1, 2], [1, 1], params, {"seed_vector": [0, 1], "baseline": [0, 0]})


def test_lambda_must_be_a_multiple_of_one_over_q_for_quantized_variants():
    with pytest.raises(InvalidArgument, match="multiple of 1/q"):
        make_params(2, 4, "1/3")
    assert make_params(2, 4, "1/3", quantized=False).lam == Fraction(1, 3)


def test_loader_built_ins_files_and_modules(tmp_path, monkeypatch):
    assert set(builtin_names()) >= {"mus", "mus-iid", "additive", "ramp", "baseline", "fixed-count", "token-drop"}
    for name in builtin_names():
        assert load_variant(name).name == name
    source = "from mus_verify.variants.builtin import MuS\nclass Mine(MuS):\n    name = 'mine'\nVARIANT = Mine()\nKLASS = Mine\n"
    (tmp_path / "my_variant_mod.py").write_text(source)
    assert load_variant(f"{tmp_path}/my_variant_mod.py:VARIANT").name == "mine"
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_variant("my_variant_mod:VARIANT").name == "mine"
    with pytest.raises(InvalidArgument, match="no attribute"):
        load_variant("my_variant_mod:NOPE")
    with pytest.raises(InvalidArgument, match="instance"):
        load_variant("my_variant_mod:KLASS")
    with pytest.raises(InvalidArgument, match="no such file"):
        load_variant(f"{tmp_path}/absent.py:VARIANT")
    with pytest.raises(InvalidArgument, match="built-in variant"):
        load_variant("not-a-variant")


def test_a_duck_typed_object_gets_the_default_hooks():
    class Plain:
        name = "plain"

        def noise(self, ops, params, sym):
            return [(Fraction(1, 2), [ops.const(True)] * params.n), (Fraction(1, 2), [ops.const(False)] * params.n)]

    variant = load_variant(Plain())
    params = make_params(2, 2, "1/2")
    assert noise_marginals(variant, params) == (Fraction(1, 2),) * 2
    assert hide_exact(variant, [3, 4], [1, 0], params) == [3, 0]
    with pytest.raises(InvalidArgument, match="noise"):
        load_variant(object())


def test_noise_weights_must_sum_to_one():
    class Bad:
        name = "bad"

        def noise(self, ops, params, sym):
            return [(Fraction(1, 3), [True] * params.n)]

    with pytest.raises(InvalidArgument, match="summing to exactly 1"):
        noise_marginals(load_variant(Bad()), make_params(1, 2, "1/2"))
