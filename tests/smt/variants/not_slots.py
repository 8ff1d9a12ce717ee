"""``apply`` returns numbers instead of slots (ops.present(...)): the encoder cannot represent it."""

from mus_verify.variants import IntVector
from mus_verify.variants.builtin import lqv_noise


class NotSlots:
    name = "not-slots"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        return lqv_noise(ops, params, sym["seed_vector"])

    def apply(self, ops, x, alpha, s, params, sym):
        return [ops.where(ops.and_(a, si), ops.value(xi), 0) for xi, a, si in zip(x, alpha, s)]


VARIANT = NotSlots()
