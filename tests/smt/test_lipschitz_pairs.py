"""The per-term relaxation of Thm 3.1's edge queries (mus_verify.smt.lipschitz_pairs) against the full encoding."""

from fractions import Fraction

import pytest

from mus_verify.errors import InvalidArgument
from mus_verify.results import Verdict
from mus_verify.smt import prove
from mus_verify.variants.base import Variant
from mus_verify.variants.loader import builtin_names

# (n, q, λ) per variant: small sizes where the full encoding is fast; fixed-count is refuted at n = 3,
# q = 2 (keeps 2 of 3) and proved at n = 2; additive is refuted at q = 3 and proved at q = 2 (1 − λ = λ).
SIZES = [(1, 2, "1/2"), (1, 3, "1/3"), (2, 2, "1/2"), (2, 3, "1/3"), (3, 2, "1/2"), (3, 4, "1/4")]


@pytest.mark.parametrize("variant", builtin_names())
def test_the_pairwise_encoding_gives_the_full_encodings_verdict(variant):
    for n, q, lam in SIZES:
        if variant == "mus-iid" and n == 3 and q == 4:
            continue  # 8 noise terms at n = 3: covered by the smaller sizes
        try:
            old = prove("lipschitz", variant, n, q, lam, pairwise=False)
        except InvalidArgument:
            with pytest.raises(InvalidArgument):
                prove("lipschitz", variant, n, q, lam)
            continue
        new = prove("lipschitz", variant, n, q, lam)
        assert new.verdict is old.verdict, (variant, n, q, lam, old.message, new.message)
        assert new.params["encoding_version"] == 2 and "pairwise" in new.details


@pytest.mark.parametrize("variant, n, q, lam", [("additive", 1, 3, "1/3"), ("fixed-count", 3, 2, "1/2")])
def test_planted_bugs_are_refuted_through_the_full_encoding_with_replayed_witnesses(variant, n, q, lam):
    result = prove("lipschitz", variant, n, q, lam)
    assert result.verdict is Verdict.REFUTED
    assert result.details["pairwise"]["open_edges"]  # the relaxation cannot close the edge ...
    data = result.counterexample.data  # ... and the witness comes from the full encoding's model
    assert data["edge"] in result.details["pairwise"]["open_edges"]
    assert data["observed"]["jump"] > Fraction(lam)
    assert result.counterexample.replay() is True


def test_mus_is_closed_by_the_relaxation_alone_with_q_contributing_terms():
    result = prove("lipschitz", "mus", 3, 4, "1/4")
    assert result.verdict is Verdict.PROVED
    pairwise = result.details["pairwise"]
    assert pairwise["open_edges"] == [] and pairwise["contributing_terms"] == [4, 4, 4]
    assert result.details["classifier_applications"] == 0 and "agreement checked on" in result.details["crosscheck"]


class XorNoise(Variant):
    """Every s ∈ {0,1}^n uniformly, applied as x_i where α_i XOR s_i: the law of the masked input does not
    depend on α, so g is constant in α (Lipschitz for every λ). But term s and term s ⊕ e_i swap their two
    inputs across edge i, so the per-term relaxation (which forgets that) admits a jump of 1: a spurious
    SAT that the full encoding must close."""

    name = "xor-noise"
    quantized = False

    def noise(self, ops, params, sym):
        n = params.n
        return [(Fraction(1, 2 ** n), [ops.const(bool(code >> i & 1)) for i in range(n)]) for code in range(2 ** n)]

    def apply(self, ops, x, alpha, s, params, sym):
        zero = ops.present(ops.const(0))
        return [ops.pick(ops.or_(ops.and_(a, ops.not_(si)), ops.and_(ops.not_(a), si)), xi, zero) for xi, a, si in zip(x, alpha, s)]


def test_a_spurious_relaxed_violation_goes_to_the_full_encoding_and_is_proved():
    variant = XorNoise()
    result = prove("lipschitz", variant, 2, 2, "1/2")
    assert result.verdict is Verdict.PROVED, result.message
    assert result.details["pairwise"]["open_edges"] == [0, 1]  # relaxation: SAT on both edges
    assert prove("lipschitz", variant, 2, 2, "1/2", pairwise=False).verdict is Verdict.PROVED


def test_sizes_the_old_limit_refused_now_finish():
    # Old code: n = 4, q = 132 is 528 > 512 slot terms, refused for lipschitz.
    result = prove("lipschitz", "mus", 4, 132, "33/132")
    assert result.verdict is Verdict.PROVED and result.details["pairwise"]["open_edges"] == []
    with pytest.raises(InvalidArgument, match="q=132 is invalid.*per-term relaxation was switched off"):
        prove("lipschitz", "mus", 4, 132, "33/132", pairwise=False)


def test_the_rlimit_counts_of_both_stages_repeat_in_process():
    first = prove("lipschitz", "fixed-count", 3, 2, "1/2")
    prove("stability", "mus", 3, 4, "1/4")
    again = prove("lipschitz", "fixed-count", 3, 2, "1/2")
    assert first.verdict is again.verdict is Verdict.REFUTED
    assert again.details["pairwise"]["rlimit_count"] == first.details["pairwise"]["rlimit_count"]
    assert again.details["rlimit_count"] == first.details["rlimit_count"]


def test_a_tiny_rlimit_is_unknown_in_both_stages():
    result = prove("lipschitz", "mus", 3, 4, "1/4", rlimit=50)
    assert result.verdict is Verdict.UNKNOWN and "rlimit" in result.message
    assert result.details["pairwise"]["open_edges"] == [0, 1, 2]


def test_above_the_relaxations_limit_the_refusal_names_both_encodings():
    with pytest.raises(InvalidArgument, match=r"q=64 is invalid.*per-term relaxation is refused too: .* = 65536 > 40000"):
        prove("lipschitz", "mus", 32, 64, "16/64")


@pytest.mark.slow
def test_thm_3_1_at_n_16_for_q_16_and_q_64():
    for q in (16, 64):
        result = prove("lipschitz", "mus", 16, q, f"{q // 4}/{q}")
        assert result.verdict is Verdict.PROVED and result.details["pairwise"]["open_edges"] == []


@pytest.mark.parametrize("options", [{"mode": "vote"}, {"classes": 3}, {"mode": "vote", "classes": 3}])
def test_votes_and_three_classes_agree_with_the_full_encoding(options):
    assert prove("lipschitz", "mus", 3, 4, "1/4", **options).verdict is Verdict.PROVED
    assert prove("lipschitz", "mus", 3, 4, "1/4", pairwise=False, **options).verdict is Verdict.PROVED
    refuted = prove("lipschitz", "fixed-count", 3, 2, "1/2", **options)
    assert refuted.verdict is Verdict.REFUTED and refuted.counterexample.replay() is True
