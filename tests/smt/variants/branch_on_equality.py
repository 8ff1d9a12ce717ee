"""MuS noise, except that a feature whose seed entry is 0 is always kept, written with Python's ``if``.

Exactly, this leaks feature i whenever v_i = 0 (marginal 1, not λ). On Z3, ``v == 0`` is an expression
whose ``__bool__`` compares expression trees (``seed_vector_0`` is not the tree ``0``), so the old prover
took the ``else`` branch and proved plain MuS instead.
"""

from mus_verify.variants import IntVector


class BranchOnEquality:
    name = "branch-on-equality"

    def symbols(self, params):
        return {"seed_vector": IntVector(params.n, 0, params.q - 1)}

    def noise(self, ops, params, sym):
        q, k = params.q, params.k
        out = []
        for j in range(q):
            row = []
            for v in sym["seed_vector"]:
                if v == 0:
                    row.append(ops.const(True))
                else:
                    row.append(ops.or_(v + j < k, ops.and_(v + j >= q, v + j < q + k)))
            out.append((1, row))
        return [(__import__("fractions").Fraction(1, q), row) for _, row in out]


VARIANT = BranchOnEquality()
