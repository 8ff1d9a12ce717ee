"""Planted bugs: wrong variants every exhaustive checker must refute (test the tester).

Each mirrors a mistake from the paper's errata or the research code:

* :func:`off_by_half_lqv`: ``(v_i + j) mod q <= k`` instead of ``< k`` (the
  paper's ``t_i <= λ`` with the half-step dropped): every feature is kept in
  k + 1 of the q masks, so the marginals are (k+1)/q > λ and g is only
  (k+1)/q-Lipschitz;
* :func:`lowered_lqv`: ``< k - 1``: marginals (k−1)/q < λ, so λ is a valid
  but not the smallest constant (what the ``tightness`` check refutes);
* :data:`~mus_verify.exhaustive.mask_encodings.ADDITIVE`: additive noise breaks
  masking equivalence (paper Prop. A.1);
* the ``"ceil"`` and ``"floor"`` radius rules of
  :data:`mus_verify.certificates.RADIUS_RULES` (one step too far; wrong at ties).

>>> off_by_half_lqv([0, 3], 4, "1/4").marginals()
(Fraction(1, 2), Fraction(1, 2))
>>> lowered_lqv([0, 3], 4, "2/4").marginals()
(Fraction(1, 4), Fraction(1, 4))
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._validation import check_lambda, check_q, check_seed_vector, lambda_steps
from ..distributions import MaskDistribution
from ..errors import InvalidArgument
from .mask_encodings import ADDITIVE

__all__ = ["off_by_half_lqv", "lowered_lqv", "ADDITIVE", "UNSOUND_RULES"]

UNSOUND_RULES = ("ceil", "floor")


def _windows(seed_vector: Sequence[int], q: int, lam: Any, inclusive: bool, shift: int, name: str) -> MaskDistribution:
    q = check_q(q)
    lam = check_lambda(lam, q)
    v = np.asarray(check_seed_vector(seed_vector, q), dtype=np.int64)
    k = lambda_steps(lam, q) + shift
    if k < 0:
        raise InvalidArgument("lam", lam, f"λ >= {-shift}/q for the {name} variant")
    residues = (v[None, :] + np.arange(q, dtype=np.int64)[:, None]) % q
    masks = residues <= k if inclusive else residues < k
    return MaskDistribution(masks, (1,) * q, q, name, {"q": q, "lam": lam, "seed_vector": tuple(int(t) for t in v), "planted_bug": True})


def off_by_half_lqv(seed_vector: Sequence[int], q: int, lam: Any) -> MaskDistribution:
    """PLANTED BUG: L_qv with ``(v_i + j) mod q <= k``; marginals (k+1)/q (all-ones when k = q)."""
    return _windows(seed_vector, q, lam, inclusive=True, shift=0, name="lqv-off-by-half")


def lowered_lqv(seed_vector: Sequence[int], q: int, lam: Any) -> MaskDistribution:
    """PLANTED BUG: L_qv with ``(v_i + j) mod q < k - 1``; marginals (k−1)/q, below the claimed λ."""
    return _windows(seed_vector, q, lam, inclusive=False, shift=-1, name="lqv-lowered")
