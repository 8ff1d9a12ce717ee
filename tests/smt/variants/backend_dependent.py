"""Variants that compute one function in Z3 and another exactly (they branch on ``ops.name``).

No truth value is misused, so only the exact cross-check of a Z3 verdict can notice.

* ``LEAKS_OUTSIDE_Z3``: plain MuS in Z3, but feature 0 is always kept on the other backends. Z3 proves
  marginals and Lipschitz (UNSAT); exactly, feature 0's marginal is 1, so both are false.
* ``REVERSED_OUTSIDE_Z3``: plain MuS in Z3, MuS with the seed vector read backwards elsewhere. Every MuS
  property still holds exactly, but the function differs from the one Z3 proved things about.
"""

from mus_verify.variants import IntVector
from mus_verify.variants.builtin import lqv_noise


class LeaksOutsideZ3:
    name = "leaks-outside-z3"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        masks = lqv_noise(ops, params, sym["seed_vector"])
        if ops.name == "z3":
            return masks
        return [(w, [ops.const(True)] + list(s[1:])) for w, s in masks]


class ReversedOutsideZ3:
    name = "reversed-outside-z3"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        seed = list(sym["seed_vector"])
        return lqv_noise(ops, params, seed if ops.name == "z3" else seed[::-1])


LEAKS_OUTSIDE_Z3 = LeaksOutsideZ3()
REVERSED_OUTSIDE_Z3 = ReversedOutsideZ3()
