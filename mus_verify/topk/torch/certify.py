"""A rigorous certified top-k radius for one-hidden-layer softplus MLPs (r2et-notes T1d, ℓ∞).

Saliency: I_l(x) = |∂f_c/∂x_l| with f_c = Σ_h V_ch softplus_β(W_h·x + b_h) + c_c, so
∂f_c/∂x_l = Σ_h V_ch σ(β z_h) W_hl and the Hessian rows are H_l = Σ_h V_ch β σ'(β z_h) W_hl W_h.
For ‖δ‖∞ <= r every pre-activation stays in z_h(x) ± r‖W_h‖₁, so

    sup_ball ‖H_l‖₁ <= S_l(r) := Σ_h |V_ch| β max_{z ∈ Z_h(r)} σ'(β z) |W_hl| ‖W_h‖₁ ,

and by T1d a cross pair (i, j) cannot tie or flip inside the ball when
gap_ij(x) > r (S_i(r) + S_j(r)). S(r) grows with r, so the certified radius is found by bisection:
every radius returned satisfies the inequality.

Why it is an upper bound / lower bound it claims to be: every quantity is computed with mpmath's
interval arithmetic (``mpmath.iv``, outward rounding at 53 bits) from the model's float weights
converted exactly; the gap uses the lower end of I_i and the upper end of I_j, S uses upper ends.
So the certificate holds for the exact real-valued function the float weights define (not for the
float32 forward pass, whose rounding can reorder nearly tied saliencies: say so when you use it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..._optional import require
from ...errors import InvalidArgument

__all__ = ["IntervalCertificate", "certify_topk", "interval_saliency"]

BISECTION_STEPS = 40


def _iv() -> Any:
    iv = require("mpmath", purpose="the interval certificate").iv  # mpmath ships with torch (via sympy)
    iv.prec = 53
    return iv


@dataclass(frozen=True)
class IntervalCertificate:
    top: tuple[int, ...]
    radius: float  # ℓ∞; 0.0 when the top-k set is not strictly separated at x
    binding_pair: tuple[int, int] | None
    gap_lower: float


def _weights(model: Any) -> tuple[list[list[float]], list[float], list[list[float]], float]:
    if not all(hasattr(model, a) for a in ("hidden", "out", "beta")):
        raise InvalidArgument("model", type(model).__name__, "a SoftplusMLP (one hidden softplus layer)")
    W = model.hidden.weight.detach().double().tolist()
    b = model.hidden.bias.detach().double().tolist()
    V = model.out.weight.detach().double().tolist()
    return W, b, V, float(model.beta)


def _sigmoid(iv: Any, t: Any) -> Any:
    return 1 / (1 + iv.exp(-t))


def interval_saliency(model: Any, x: Any, target: int) -> list[Any]:
    """Enclosures of |∂f_target/∂x_l| at x (mpmath intervals), one per input."""
    iv = _iv()
    W, b, V, beta = _weights(model)
    xs = [float(v) for v in (x.detach().double().view(-1).tolist() if isinstance(x, torch.Tensor) else x)]
    if len(xs) != len(W[0]):
        raise InvalidArgument("x", f"{len(xs)} values", f"{len(W[0])} inputs")
    grads = [iv.mpf(0) for _ in xs]
    for h, row in enumerate(W):
        z = iv.mpf(b[h]) + sum(iv.mpf(w) * iv.mpf(v) for w, v in zip(row, xs))
        weight = iv.mpf(V[target][h]) * _sigmoid(iv, iv.mpf(beta) * z)
        for l, w in enumerate(row):
            grads[l] += weight * iv.mpf(w)
    return [abs(g) for g in grads]


def certify_topk(model: Any, x: Any, k: int, target: int) -> IntervalCertificate:
    """The largest ℓ∞ radius (to bisection precision) that T1d certifies for the top-k set of |∇f_target|."""
    iv = _iv()
    W, b, V, beta = _weights(model)
    xs = [float(v) for v in (x.detach().double().view(-1).tolist() if isinstance(x, torch.Tensor) else x)]
    d = len(W[0])
    if not 1 <= k < d:
        raise InvalidArgument("k", k, f"an integer in 1..{d - 1}")
    if not 0 <= target < len(V):
        raise InvalidArgument("target", target, f"a class in 0..{len(V) - 1}")
    sal = interval_saliency(model, xs, target)
    mids = [float(s.mid) for s in sal]
    top = tuple(sorted(sorted(range(d), key=lambda l: (-mids[l], l))[:k]))
    outside = [j for j in range(d) if j not in top]
    # Lower bound of each cross gap: lo(I_i) − hi(I_j).
    gaps = {(i, j): float((sal[i] - sal[j]).a) for i in top for j in outside}
    gap_min = min(gaps.values())
    if gap_min <= 0:
        return IntervalCertificate(top, 0.0, min(gaps, key=lambda p: gaps[p]), gap_min)
    z0 = [iv.mpf(b[h]) + sum(iv.mpf(w) * iv.mpf(v) for w, v in zip(row, xs)) for h, row in enumerate(W)]
    l1 = [sum(abs(iv.mpf(w)) for w in row) for row in W]
    coeff = [[abs(iv.mpf(V[target][h])) * iv.mpf(beta) * abs(iv.mpf(W[h][l])) * l1[h] for l in range(d)] for h in range(len(W))]

    def slopes(r: float) -> list[float]:
        rr = iv.mpf(r)
        peaks = []
        for h in range(len(W)):
            zr = iv.mpf([float((z0[h] - rr * l1[h]).a), float((z0[h] + rr * l1[h]).b)])
            s = _sigmoid(iv, iv.mpf(beta) * zr)
            peaks.append(s * (1 - s))
        return [float(sum((peaks[h] * coeff[h][l] for h in range(len(W))), iv.mpf(0)).b) for l in range(d)]

    def certified(r: float) -> tuple[bool, tuple[int, int]]:
        S = slopes(r)
        worst = min(gaps, key=lambda p: float((iv.mpf(gaps[p]) - iv.mpf(r) * (iv.mpf(S[p[0]]) + iv.mpf(S[p[1]]))).a))
        margin = iv.mpf(gaps[worst]) - iv.mpf(r) * (iv.mpf(S[worst[0]]) + iv.mpf(S[worst[1]]))
        return float(margin.a) > 0, worst

    S0 = slopes(0.0)
    hi = min(gaps[p] / max(S0[p[0]] + S0[p[1]], 1e-300) for p in gaps) * 1.000001 + 1e-300
    lo, binding = 0.0, min(gaps, key=lambda p: gaps[p])
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        ok, pair = certified(mid)
        if ok:
            lo, binding = mid, pair
        else:
            hi = mid
    return IntervalCertificate(top, lo, binding, gap_min)
