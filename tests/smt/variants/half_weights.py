"""MuS masks with weights 1/(2q): they sum to 1/2, so g is not a probability (the old Z3 path never checked)."""

from fractions import Fraction

from mus_verify.variants import IntVector
from mus_verify.variants.builtin import lqv_noise


class HalfWeights:
    name = "half-weights"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        return [(w / 2, s) for w, s in lqv_noise(ops, params, sym["seed_vector"])]


VARIANT = HalfWeights()
