"""The R2ET regulariser as the official code computes it (r2et-notes §4.2), for tabular inputs.

loss = CE(f(x), y) + λ1 · Σ_{(a, b) ∈ pairs} (I_b − I_a) + λ2 · ‖(∇L(x + h·sign(∇L)/d) − ∇L(x)) / h‖₂

* saliency I = |∇_x CE| (the code's ``g``: the gradient of the batch-mean loss, absolute value; one
  feature per input coordinate here, so no channel sum);
* positions a, b refer to the ranking by I at the start of the step (detached); the default pair
  list is the code's ``topk_pair``: every top-k position against the k-th (the pivot), then the
  k-th against positions k+1..2k (0-based: (i, k−1) for i < k−1, then (k−1, k+i) for i < k);
* the Hessian term is the code's ``est_norm``: a finite-difference Hessian-vector estimate with
  h = 1e-3 along sign(∇L)/d, over the whole batch;
* λ1 = λ2 = λ and no adaptive rescaling (``adapt_mode`` off) unless ``adaptive=True``, which rescales
  each term to |λ (CE + 1) / term| as the code's ``_adapt`` does.
"""

from __future__ import annotations

from typing import Callable

import torch

from ...errors import InvalidArgument

__all__ = ["official_pairs", "gap_penalty", "hessian_estimate", "r2et_loss"]


def official_pairs(k: int, n: int) -> list[tuple[int, int]]:
    """The code's default ``topk_pair`` for top-k out of n features (0-based ranking positions)."""
    if not 1 <= k or 2 * k > n:
        raise InvalidArgument("k", k, f"an integer with 1 <= k and 2k <= n = {n} (the pair list reaches position 2k)")
    return [(i, k - 1) for i in range(k - 1)] + [(k - 1, k + i) for i in range(k)]


def gap_penalty(sal: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """Σ_pairs (I_b − I_a) per row, positions from the detached descending ranking of ``sal``."""
    order = sal.detach().argsort(dim=1, descending=True, stable=True)
    ranked = sal.gather(1, order)
    a = torch.tensor([p[0] for p in pairs])
    b = torch.tensor([p[1] for p in pairs])
    return (ranked[:, b] - ranked[:, a]).sum(dim=1)


def hessian_estimate(grad_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, grad: torch.Tensor, h: float = 1e-3) -> torch.Tensor:
    """‖(∇L(x + h·sign(∇L)/d) − ∇L(x)) / h‖₂ over the batch (the code's ``est_norm``)."""
    d = x[0].numel()
    shifted = grad_fn(x + h * grad.sign().detach() / d)
    return ((shifted - grad) / h).flatten().norm()


def r2et_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, k: int, lam: float, *, lam2: float | None = None, h: float = 1e-3,
              adaptive: bool = False) -> tuple[torch.Tensor, dict[str, float]]:
    """The R2ET objective for a batch; returns (loss, its terms as floats)."""
    if lam < 0 or (lam2 is not None and lam2 < 0):
        raise InvalidArgument("lam", lam, "weights >= 0")
    x = x.detach().requires_grad_(True)

    def loss_grad(z: torch.Tensor) -> torch.Tensor:
        ce = torch.nn.functional.cross_entropy(model(z), y)
        (g,) = torch.autograd.grad(ce, z, create_graph=True)
        return g

    ce = torch.nn.functional.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(ce, x, create_graph=True)
    gaps = gap_penalty(grad.abs(), official_pairs(k, x.shape[1])).mean()
    hess = hessian_estimate(loss_grad, x, grad, h)
    l1: float | torch.Tensor = lam
    l2: float | torch.Tensor = lam if lam2 is None else lam2
    if adaptive:
        l1 = abs(l1 * (ce.detach() + 1) / gaps.detach()) if gaps.detach() != 0 else 0.0
        l2 = abs(l2 * (ce.detach() + 1) / hess.detach()) if hess.detach() != 0 else 0.0
    total = ce + l1 * gaps + l2 * hess
    return total, {"ce": float(ce.detach()), "gap_penalty": float(gaps.detach()), "hessian": float(hess.detach())}
