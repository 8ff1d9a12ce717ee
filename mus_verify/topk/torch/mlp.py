"""Small softplus MLPs and their gradient saliency (R2ET swaps ReLU for Softplus so the saliency has a
Lipschitz gradient; r2et-notes T1e explains why ReLU nets cannot be certified this way)."""

from __future__ import annotations

import torch
from torch import nn

from ...errors import InvalidArgument

__all__ = ["SoftplusMLP", "saliency"]


class SoftplusMLP(nn.Module):
    """x ↦ V softplus_β(W x + b) + c: one hidden layer, the family the certificate handles exactly."""

    def __init__(self, inputs: int, hidden: int, classes: int, beta: float = 1.0) -> None:
        super().__init__()
        for name, value in (("inputs", inputs), ("hidden", hidden), ("classes", classes)):
            if not isinstance(value, int) or value < 1:
                raise InvalidArgument(name, value, "an integer >= 1")
        if not beta > 0:
            raise InvalidArgument("beta", beta, "a positive number")
        self.hidden = nn.Linear(inputs, hidden)
        self.out = nn.Linear(hidden, classes)
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(nn.functional.softplus(self.hidden(x), beta=self.beta))


def saliency(model: nn.Module, x: torch.Tensor, target: torch.Tensor | int, *, absolute: bool = True, create_graph: bool = False) -> torch.Tensor:
    """∇_x f_target(x) per row (|·| when ``absolute``, the official code's choice for ranking)."""
    with torch.enable_grad():  # callers inside no_grad still need the input gradient
        x = x.detach().requires_grad_(True) if not x.requires_grad else x
        logits = model(x)
        if isinstance(target, int):
            target = torch.full((logits.shape[0],), target, dtype=torch.long)
        picked = logits.gather(1, target.view(-1, 1)).sum()
        (grad,) = torch.autograd.grad(picked, x, create_graph=create_graph)
    return grad.abs() if absolute else grad
