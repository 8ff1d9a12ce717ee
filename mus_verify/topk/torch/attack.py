"""An ℓ∞ PGD attack on the top-k set of gradient saliency, keeping the predicted label (r2et-notes §4.2).

The loss is ERAttack's in spirit: raise the strongest features outside the top-k set and lower the
weakest inside it, Σ_{m largest outside} I − Σ_{m smallest inside} I, with signed-gradient steps of
size ``step`` projected onto the ℓ∞ ball of radius ε, stopping at the first label change (the
official ``early_stop``: the last label-preserving iterate is kept). The result is an *upper* bound on
the true top-k radius only when a change is found, and only once the change is confirmed with
interval arithmetic at the adversarial point (:func:`confirmed_change`), so float rounding cannot make
a tie look like a flip.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...errors import InvalidArgument
from .certify import interval_saliency
from .mlp import saliency

__all__ = ["AttackResult", "topk_attack", "attack_radius", "confirmed_change"]


@dataclass(frozen=True)
class AttackResult:
    eps: float
    p_at_k: float  # P@k between the clean and the attacked top-k sets
    delta: torch.Tensor
    label_kept: bool


def _top(values: torch.Tensor, k: int) -> set[int]:
    order = sorted(range(values.numel()), key=lambda l: (-float(values[l]), l))
    return set(order[:k])


def topk_attack(model: torch.nn.Module, x: torch.Tensor, k: int, target: int, eps: float, *, steps: int = 40, step: float | None = None,
                boundary: int | None = None) -> AttackResult:
    """PGD on the ranking inside ‖δ‖∞ <= eps; returns the lowest-P@k label-preserving iterate."""
    if not eps > 0:
        raise InvalidArgument("eps", eps, "a positive radius")
    if not 1 <= k < x.numel():
        raise InvalidArgument("k", k, f"an integer in 1..{x.numel() - 1}")
    x = x.detach().double().view(1, -1)
    label = int(model(x).argmax(1))
    clean = _top(saliency(model, x, target)[0], k)
    inside = torch.tensor(sorted(clean))
    outside = torch.tensor([l for l in range(x.numel()) if l not in clean])
    m = boundary or min(k, len(outside))
    alpha = step or 2.5 * eps / steps
    delta = torch.zeros_like(x)
    best = AttackResult(eps, 1.0, delta.clone(), True)
    for _ in range(steps):
        delta.requires_grad_(True)
        sal = saliency(model, x + delta, target, create_graph=True)[0]
        loss = sal[outside].topk(m).values.sum() - (-sal[inside]).topk(min(m, len(inside))).values.neg().sum()
        (grad,) = torch.autograd.grad(loss, delta)
        with torch.no_grad():
            delta = (delta + alpha * grad.sign()).clamp(-eps, eps)
            if int(model(x + delta).argmax(1)) != label:
                break  # early stop: keep the last label-preserving iterate
            now = _top(saliency(model, x + delta, target)[0], k)
            p = len(now & clean) / k
            if p < best.p_at_k:
                best = AttackResult(eps, p, delta.detach().clone(), True)
    return best


def confirmed_change(model: torch.nn.Module, x: torch.Tensor, delta: torch.Tensor, top: tuple[int, ...], target: int) -> bool:
    """True iff interval arithmetic proves some cross pair ties or flips at x + δ (lo(I_j) >= hi(I_i))."""
    point = (x.detach().double().view(-1) + delta.detach().double().view(-1)).tolist()
    sal = interval_saliency(model, point, target)
    outside = [j for j in range(len(sal)) if j not in top]
    return any(float(sal[j].a) >= float(sal[i].b) for i in top for j in outside)


def attack_radius(model: torch.nn.Module, x: torch.Tensor, k: int, target: int, grid: list[float], top: tuple[int, ...], **kwargs) -> tuple[float | None, AttackResult | None]:
    """The smallest ε of ``grid`` at which the attack changes the top-k set, confirmed rigorously."""
    for eps in sorted(grid):
        result = topk_attack(model, x, k, target, eps, **kwargs)
        if result.p_at_k < 1 and confirmed_change(model, x, result.delta, top, target):
            return float(result.delta.abs().max()), result
    return None, None
