"""``apply`` takes x_i mod 3 of a rational input: exact arithmetic can, Z3's integer ``mod`` cannot.

Old code: a traceback (exit 1). Now: exit 2 naming the variant, the hook, the backend and the line.
"""

from mus_verify.variants import IntVector
from mus_verify.variants.builtin import lqv_noise


class RealModulus:
    name = "real-modulus"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        return lqv_noise(ops, params, sym["seed_vector"])

    def apply(self, ops, x, alpha, s, params, sym):
        zero = ops.present(ops.const(0))
        return [ops.pick(ops.and_(a, si), ops.present(ops.mod(ops.value(xi), 3)), zero) for xi, a, si in zip(x, alpha, s)]


VARIANT = RealModulus()
