"""The official research code's averaging mode (issue 10): its masks keep exactly λ, but the
"are these probabilities?" test sums over the copies instead of the classes, so softmax is
applied to outputs that already are probabilities (a double softmax)."""

import torch
from _common import check_alpha, lqv_masks, steps


class OfficialAveraging(torch.nn.Module):
    def __init__(self, base_model, q, lambd, seed=0):
        super().__init__()
        self.base_model, self.q, self.k = base_model, q, round(float(lambd) * q)
        self.v = torch.randint(0, q, (4096,), generator=torch.Generator().manual_seed(seed))

    def forward(self, x, alpha=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        check_alpha(alpha)
        n, p, q = x.shape[0], x.shape[1], self.q
        s = lqv_masks(self.v[:p].tolist(), q, self.k, dtype=x.dtype)
        y = self.base_model((x.view(n, 1, p) * alpha.view(n, 1, p) * s.view(1, q, p)).view(n * q, p)).view(n, q, -1)
        if not torch.allclose(y.sum(dim=1), torch.ones_like(y.sum(dim=1))):  # BUG: sums over the copies, not the classes
            y = y.softmax(dim=-1)
        return y.mean(dim=1)
