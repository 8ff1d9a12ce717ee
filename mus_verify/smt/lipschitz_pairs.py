"""Thm 3.1 edge queries with one classifier pair per noise term: the paper's proof, checked by Z3.

The full Lipschitz query for edge direction i (:func:`.properties._lipschitz`) asks Z3 for a
classifier h (an uninterpreted function), x, α with α_i = 0 and symbols (seed vector v) such that

    |Σ_j w_j (h_0(A_j) − h_0(B_j))| > λ,   A_j = apply(x, α + e_i, s_j),  B_j = apply(x, α, s_j).

Congruence closure then has to relate all 2·(noise terms) applications of h to one another, which
is what makes n = 16, q = 64 slow. This module asks the *relaxed* question instead: one pair of
fresh reals (a_j, b_j) ∈ [0, 1]² per noise term j, tied only by "A_j = B_j ⇒ a_j = b_j", and

    |Σ_j w_j (a_j − b_j)| > λ.

Why UNSAT of the relaxation is a proof of the full statement (for every classifier and every seed
vector at this size): from any violation (h, x, α, v) of the full query, a_j = h_0(A_j),
b_j = h_0(B_j) satisfies every relaxed constraint: h_0 ∈ [0, 1] because h's outputs lie in the
simplex (votes are one-hot, so also in [0, 1]), and A_j = B_j gives a_j = b_j because h is a
function. The relaxation only forgets the equalities *between* different terms j ≠ j' (and between
A_j and B_j'), so it has at least the violations of the full query. Nothing about the variant is
assumed: the pair conditions "A_j = B_j" are the variant's own Z3 terms, compared slot by slot.
The other reductions are those of the full query and hold for every variant: class 0 by relabelling
(a variant never looks at labels), edges only (the L1 distance on the hypercube is the path length,
so the triangle inequality reduces any α, α' to edges), one query per direction i.

This is exactly the proof of Thm 3.1 (proofs/thm-3.1-lipschitz.md): term j contributes only when
its two masked inputs differ (for MuS: s_ji = 1 and x_i ≠ 0), and then at most w_j. So for
MuS each edge query is a linear problem in v_i, x_i and 2q bounded reals, whatever n is.

What it does not decide: SAT (or UNKNOWN) of the relaxation may be spurious, because a violation
of it may need two terms that the full query forces to share h's value. The prover then runs the
full query (with its size limit) for that edge only, so a verdict is never taken from a relaxed
model; REFUTED always comes from the full encoding's model, judged exactly and replayed.
"""

from __future__ import annotations

from typing import Any

import z3

from ..theorems import lipschitz as lipschitz_thm
from .encoding import Encoding
from .ops_z3 import to_expr

__all__ = ["pairwise_edge", "PAIRWISE_SLOT_LIMIT", "PAIRWISE_MEASURED", "pairwise_slots"]

# What this stage costs is building the terms: each of the n edge queries applies the variant to x for
# every noise term at two masks (2 x noise terms x n slot terms per query); the solving itself is small.
# Measured for mus on the shared 2-core machine at load ~12 (proofs/README.md, Speed). Above the limit
# the prover uses the full encoding alone, with its own limits.
PAIRWISE_SLOT_LIMIT = 40000
PAIRWISE_MEASURED = "n = 16, q = 64 (16384) takes about 16 s and n = 32, q = 32 (32768) about 19 s, cross-check included"


def pairwise_slots(enc: Encoding) -> int:
    """Slot terms over all edge queries of this stage, per mask: noise terms x n slots x n queries."""
    return len(enc.noise()) * enc.params.n * enc.params.n


def _same(enc: Encoding, high: list[Any], low: list[Any]) -> z3.BoolRef:
    """A_j = B_j as one formula: every argument of h equal (presence flags included where they exist)."""
    equal = [to_expr(a) == to_expr(b) for a, b in zip(enc.arguments(high), enc.arguments(low)) if not a.eq(b)]
    return z3.simplify(z3.And(*equal)) if equal else z3.BoolVal(True)


def pairwise_edge(enc: Encoding, i: int) -> tuple[list[z3.BoolRef], int]:
    """The relaxed violation of edge i as constraints, and how many noise terms can contribute.

    Terms whose two inputs are the same Z3 term (for MuS: every slot but i, always) cancel exactly and
    get no pair; a term whose equality Z3 simplifies to True does too."""
    alpha = enc.bits("alpha")
    low, high = list(alpha), list(alpha)
    low[i], high[i] = False, True
    constraints: list[z3.BoolRef] = []
    jump: list[Any] = []
    for j, ((weight, a_slots), (_, b_slots)) in enumerate(zip(enc.input_terms(enc.x_slots, high), enc.input_terms(enc.x_slots, low))):
        if weight == 0:
            continue
        same = _same(enc, a_slots, b_slots)
        if z3.is_true(same):
            continue
        a, b = z3.Real(f"pair_{i}_{j}_high"), z3.Real(f"pair_{i}_{j}_low")
        constraints += [a >= 0, a <= 1, b >= 0, b <= 1]
        if not z3.is_false(same):
            constraints.append(z3.Implies(same, a == b))
        jump.append(z3.RealVal(weight) * (a - b))
    if not jump:
        return [z3.BoolVal(False)], 0  # g(x, α) = g(x, α + e_i) term by term: no violation at all
    total = z3.Sum(*jump)
    constraints.append(lipschitz_thm.violated(total, enc.params.lam, any_=z3.Or))  # Thm 3.1's one judge
    return constraints, len(jump)
