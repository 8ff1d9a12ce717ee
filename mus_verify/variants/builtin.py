"""Built-in smoothing variants: MuS and the alternatives a researcher would try.

Each is a :class:`~mus_verify.variants.base.Variant` written once against
``ops``; ``proofs/README.md`` lists which guarantees each keeps, with the
commands that prove or refute them.

=============  ===========================================================================
``mus``        multiplicative, L_qv(λ): s_i^(j) = [(v_i + j) mod q < k] (paper Prop. 3.4)
``mus-iid``    multiplicative, independent Bernoulli(λ) coordinates (all 2^n masks)
``additive``   α + s instead of α ⊙ s (paper App. A.1), s ~ L_qv(λ)
``baseline``   hidden features replaced by a baseline vector b (any rationals), not 0
``fixed-count`` every mask keeps exactly c = ⌈λn⌉ features (uniform over the C(n, c) subsets)
``token-drop`` hidden tokens are removed; the kept ones are packed left, L_qv noise by position
``ramp``       the research code's float32 clamped-ramp mask (:mod:`.ramp`)
=============  ===========================================================================
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, Mapping, Sequence

from ..errors import InvalidArgument
from .base import IntVector, RealVector, Variant, VariantParams

__all__ = ["MuS", "MuSIID", "Additive", "Baseline", "FixedCount", "TokenDrop", "lqv_noise", "pack"]

# Enumerating 2^n or C(n, c) masks symbolically is only sensible for small n.
MAX_ENUMERATED_MASKS = 4096


def lqv_noise(ops: Any, params: VariantParams, seed_vector: Sequence[Any]) -> list[tuple[Fraction, list[Any]]]:
    """L_qv(λ) with λ = k/q: q masks of weight 1/q, ``s[j][i] = (v_i + j) mod q < k``.

    Written for v_i in 0..q-1 and j in 0..q-1, so ``v_i + j < 2q`` and the
    modulus is one optional wrap: ``(v_i + j) mod q < k`` iff ``v_i + j < k``
    or ``q <= v_i + j < q + k``. This is the same integer formula as
    :func:`mus_verify.distributions.lqv_masks` (tested), in a form a solver
    decides without integer division.
    """
    q, k = params.q, params.k
    weight = Fraction(1, q)
    masks = []
    for j in range(q):
        row = []
        for v in seed_vector:
            shifted = v + j
            row.append(ops.or_(shifted < k, ops.and_(shifted >= q, shifted < q + k)))
        masks.append((weight, row))
    return masks


class MuS(Variant):
    """Multiplicative smoothing with the structured noise L_qv(λ) (paper Thm 3.1, Prop. 3.4).

    g(x, α) = (1/q) Σ_j h(x ⊙ α ⊙ s^(j)); the seed vector v is symbolic
    (every v in {0..q-1}^n is covered by a proof).
    """

    name = "mus"
    summary = "multiplicative, L_qv(λ) noise: s_i^(j) = [(v_i + j) mod q < k] (the paper's MuS)"

    def symbols(self, params: VariantParams) -> Mapping[str, Any]:
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        return lqv_noise(ops, params, sym["seed_vector"])

    def reference_distribution(self, params: VariantParams, sym: Mapping[str, Any]) -> Any:
        from ..distributions import lqv

        return lqv(sym["seed_vector"], params.q, params.lam)


class MuSIID(Variant):
    """Multiplicative smoothing with independent Bernoulli(λ) coordinates: all 2^n masks, Pr[s] = λ^|s| (1-λ)^(n-|s|)."""

    name = "mus-iid"
    summary = "multiplicative, independent Bernoulli(λ) coordinates (all 2^n masks; q unused)"
    quantized = False

    def check(self, params: VariantParams) -> None:
        if 2**params.n > MAX_ENUMERATED_MASKS:
            raise InvalidArgument("n", params.n, f"at most {int(math.log2(MAX_ENUMERATED_MASKS))} for {self.name} (2^n masks are enumerated)")

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        lam, n = params.lam, params.n
        out = []
        for bits in itertools.product((False, True), repeat=n):
            ones = sum(bits)
            weight = lam**ones * (1 - lam) ** (n - ones)
            if weight:  # λ = 1 leaves only the all-ones mask
                out.append((weight, [ops.const(b) for b in bits]))
        return out

    def reference_distribution(self, params: VariantParams, sym: Mapping[str, Any]) -> Any:
        from ..distributions import bernoulli_iid

        return bernoulli_iid(params.n, params.lam)


class Additive(Variant):
    """Additive smoothing (paper App. A.1): the classifier sees x ⊙ (α + s), s ~ L_qv(λ) binary.

    A hidden feature (α_i = 0) leaks back as x_i whenever s_i = 1, which is
    why masking equivalence fails (Prop. A.1).
    """

    name = "additive"
    summary = "additive noise: the classifier sees x ⊙ (α + s), s ~ L_qv(λ) (paper App. A.1)"

    def symbols(self, params: VariantParams) -> Mapping[str, Any]:
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        return lqv_noise(ops, params, sym["seed_vector"])

    def apply(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        out = []
        for xi, a, si in zip(x, alpha, s):
            value = ops.value(xi)
            # x_i (α_i + s_i) with α_i, s_i in {0, 1}, written without a product of unknowns.
            scaled = ops.where(ops.and_(a, si), value + value, ops.where(ops.or_(a, si), value, ops.const(0)))
            out.append(ops.present(scaled))
        return out


class Baseline(Variant):
    """Hidden features are replaced by a baseline b_i (mean pixel, [MASK] embedding, ...) instead of 0.

    The baseline is symbolic: a proof covers every b in Q^n. Explanations hide
    with the same baseline (``hide`` puts b_i where α_i = 0).
    """

    name = "baseline"
    summary = "hidden features replaced by a baseline b (every b in Q^n) instead of 0, L_qv(λ) noise"

    def symbols(self, params: VariantParams) -> Mapping[str, Any]:
        return {"seed_vector": IntVector(params.n, 0, params.q - 1), "baseline": RealVector(params.n)}

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        return lqv_noise(ops, params, sym["seed_vector"])

    def apply(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        return [ops.pick(ops.and_(a, si), xi, ops.present(b)) for xi, a, si, b in zip(x, alpha, s, sym["baseline"])]

    def hide(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        return [ops.pick(a, xi, ops.present(b)) for xi, a, b in zip(x, alpha, sym["baseline"])]


class FixedCount(Variant):
    """Every mask keeps exactly c = ⌈λn⌉ features, uniformly over the C(n, c) subsets.

    Each coordinate is kept with probability c/n, which equals λ only when λn
    is an integer: rounding the count up is the natural user choice and makes
    the noise less smooth than the λ it is certified with.
    """

    name = "fixed-count"
    summary = "each mask keeps exactly c = ⌈λn⌉ features, uniform over the C(n, c) subsets (q unused)"
    quantized = False

    def count(self, params: VariantParams) -> int:
        return math.ceil(params.lam * params.n)

    def check(self, params: VariantParams) -> None:
        if math.comb(params.n, self.count(params)) > MAX_ENUMERATED_MASKS:
            raise InvalidArgument("n", params.n, f"a size with at most {MAX_ENUMERATED_MASKS} masks C(n, ⌈λn⌉) for {self.name}")

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        n, c = params.n, self.count(params)
        subsets = list(itertools.combinations(range(n), c))
        weight = Fraction(1, len(subsets))
        return [(weight, [ops.const(i in kept) for i in range(n)]) for kept in subsets]

    def reference_distribution(self, params: VariantParams, sym: Mapping[str, Any]) -> Any:
        from ..distributions import finite

        n, c = params.n, self.count(params)
        subsets = list(itertools.combinations(range(n), c))
        masks = [[int(i in kept) for i in range(n)] for kept in subsets]
        return finite(masks, [Fraction(1, len(subsets))] * len(subsets), name=self.name)


def pack(ops: Any, x: Sequence[Any], keep: Sequence[Any]) -> list[Any]:
    """The slots of x where ``keep`` holds (and the slot is present), packed to the left, absent after."""
    kept = [ops.and_(k, ops.is_present(xi)) for xi, k in zip(x, keep)]
    n = len(x)
    out = []
    for p in range(n):
        slot = ops.absent()
        for i in range(p, n):  # only token i >= p can land at position p
            rank = ops.count(kept[:i]) if i else ops.const(0)
            slot = ops.pick(ops.and_(kept[i], ops.eq(rank, p)), x[i], slot)
        out.append(slot)
    return out


class TokenDrop(Variant):
    """Hidden tokens are dropped: the classifier sees the kept tokens in order, and fewer of them.

    The noise is L_qv(λ) indexed by *position* (mask bit p hides whatever
    token sits at position p), the way a seed vector drawn once per sequence
    length is used. After an explanation drops tokens, the remaining ones
    shift to new positions and meet different seed entries, so
    g(hide(x, α), 1) and g(x, α) use different joint noise.
    """

    name = "token-drop"
    summary = "hidden tokens are dropped and the rest packed left (fewer inputs); L_qv(λ) noise by position"
    variable_length = True

    def symbols(self, params: VariantParams) -> Mapping[str, Any]:
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops: Any, params: VariantParams, sym: Mapping[str, Any]) -> list[tuple[Fraction, list[Any]]]:
        return lqv_noise(ops, params, sym["seed_vector"])

    def apply(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], s: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        return pack(ops, x, [ops.and_(a, si) for a, si in zip(alpha, s)])

    def hide(self, ops: Any, x: Sequence[Any], alpha: Sequence[Any], params: VariantParams, sym: Mapping[str, Any]) -> list[Any]:
        return pack(ops, x, list(alpha))
