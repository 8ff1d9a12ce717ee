"""A smoothing variant defined outside mus_verify, checked with ``mus-verify prove`` / ``search``.

The tweak: MuS with L_qv(λ) noise, except that a mask which would hide *every*
feature keeps all of them instead, so the classifier never sees an empty
input. It looks harmless. Ask the solver:

    mus-verify search examples/user_variant.py:VARIANT --property masking-equivalence   # exit 0: holds
    mus-verify search examples/user_variant.py:VARIANT --property lipschitz             # exit 1: fails at n = 1
    mus-verify search examples/user_variant.py:VARIANT --property marginals             # exit 1: Pr[kept] > λ

Replacing an all-hidden mask raises the probability that a feature is kept
above λ (for n = 1 and λ = 1/2 it becomes 1), and Thm 3.1's Lipschitz bound
is exactly that probability.

A variant is a plain object: ``name``, ``noise`` and, where it differs from
MuS, ``symbols``/``apply``/``hide``/``keeps``. Its methods receive ``ops``, the
backend (exact rationals, torch or Z3), and must use ``ops.and_``/``ops.or_``/
``ops.where`` instead of Python's ``and``/``or``/``if`` on its values: every
backend hands the variant wrapped values that refuse to be Python bools, so an
``if v == 0:`` is exit 2 naming that line on all of them (on Z3 it would
otherwise compare expression trees and prove a different variant). Noise
weights must be exact rationals summing to 1, and every Z3 verdict is checked
by exact evaluation before it is printed. Run this file to evaluate the
variant exactly on one input.
"""

from fractions import Fraction


class NeverEmptyMuS:
    """MuS with L_qv(λ) noise, but an all-hidden mask is replaced by the all-kept mask."""

    name = "never-empty-mus"
    summary = "MuS, except that a mask hiding every feature keeps all of them instead"
    quantized = True  # λ must be k/q

    def symbols(self, params):
        from mus_verify.variants import IntVector

        # The seed vector is symbolic: a proof covers every v in {0..q-1}^n.
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        q, k = params.q, params.k
        out = []
        for j in range(q):
            # s_i = (v_i + j) mod q < k, with v_i + j < 2q so one wrap suffices.
            row = [ops.or_(v + j < k, ops.and_(v + j >= q, v + j < q + k)) for v in sym["seed_vector"]]
            everything_hidden = ops.not_(ops.or_(*row))
            out.append((Fraction(1, q), [ops.or_(s, everything_hidden) for s in row]))
        return out
    # apply, hide and keeps are MuS's defaults: x_i where α_i ∧ s_i, else 0.


VARIANT = NeverEmptyMuS()


if __name__ == "__main__":
    import numpy as np

    from mus_verify.variants import load_variant, make_params, noise_marginals, smooth_variant

    variant = load_variant(__file__ + ":VARIANT")
    params = make_params(n=3, q=4, lam="1/4")
    seed = {"seed_vector": [0, 0, 0]}  # every feature shares one phase: masks 1..3 hide everything

    def h(inputs):  # class 1 iff feature 0 is visible
        visible = np.array([row[0] != 0 for row in inputs])
        return np.stack([~visible, visible], axis=1).astype(int)

    print("marginals:", [str(m) for m in noise_marginals(variant, params, seed)], "(λ = 1/4)")
    print("g(x, 1):", [str(p) for p in smooth_variant(variant, h, [1, 2, 3], [1, 1, 1], params, seed)])
