"""nn.Module-style MuS written the way the research code is (several of its pitfalls at once).

``Cls(base_model, q, lambd, seed=1234)`` with ``forward(x, alpha=None, mu=None)``:
λ floored with ``int(lambd * q) / q`` (Pitfall 1), the float-ramp mask
(Pitfall 2), the global RNG re-seeded to draw v (Pitfall 3).
"""

import copy

import torch
import torch.nn.functional as F


class ResearchStyleMuS(torch.nn.Module):
    def __init__(self, base_model, q, lambd, seed=1234):
        super().__init__()
        self.base_model = copy.deepcopy(base_model)
        self.q = q
        self.lambd = int(lambd * q) / q
        self.seed = seed

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(alpha) if mu is None else mu
        assert bool((mu - alpha).max() < 1e-5)
        n, p, q = x.shape[0], x.shape[1], self.q
        if abs(self.lambd - 1.0) < 0.5 / q:
            return self.base_model(x * torch.maximum(mu, alpha))
        saved = torch.seed()
        torch.manual_seed(self.seed)
        v = (torch.randint(0, q, (p,)) / q).to(x.device)
        torch.manual_seed(saved)
        s_base = (torch.arange(q) + 0.5) / q
        t = (v.view(1, p) + s_base.view(q, 1)).remainder(1.0)
        s = (2 * q * F.relu(self.lambd - t)).clamp(0, 1)
        keep = (mu.view(n, 1, p) + alpha.view(n, 1, p) * s.view(1, q, p)).clamp(0, 1)
        xx = (x.view(n, 1, p) * keep).view(n * q, p)
        return self.base_model(xx).view(n, q, -1).mean(dim=1)


class RampOnly(torch.nn.Module):
    """Only the float-ramp mask of the research code; v drawn with a private generator, λ exact."""

    def __init__(self, base_model, q, lambd):
        super().__init__()
        self.base_model, self.q, self.lambd = base_model, q, round(lambd * q) / q

    def forward(self, x, alpha=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        if not bool(torch.all((alpha == 0) | (alpha == 1))):
            raise ValueError("alpha must be binary")
        n, p, q = x.shape[0], x.shape[1], self.q
        v = torch.randint(0, q, (p,), generator=torch.Generator().manual_seed(7)) / q
        t = (v.view(1, p) + ((torch.arange(q) + 0.5) / q).view(q, 1)).remainder(1.0)
        s = (2 * q * F.relu(self.lambd - t)).clamp(0, 1)
        xx = (x.view(n, 1, p) * alpha.view(n, 1, p) * s.view(1, q, p)).view(n * q, p)
        return self.base_model(xx).view(n, q, -1).mean(dim=1)


class _CleanModule(torch.nn.Module):
    """A correct nn.Module-style MuS; the subclasses below change one thing each."""

    def __init__(self, base_model, q, lambd):
        super().__init__()
        self.base_model, self.q, self.k = base_model, q, round(lambd * q)

    def noise(self, n):
        v = torch.randint(0, self.q, (n,), generator=torch.Generator().manual_seed(11))
        return ((v[None, :] + torch.arange(self.q)[:, None]) % self.q < self.k).double()

    def keep(self, alpha, mu, masks):
        return torch.maximum(mu[:, None, :], alpha[:, None, :] * masks[None, :, :])

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(x) if mu is None else mu
        if not bool(torch.all((alpha == 0) | (alpha == 1))):
            raise ValueError("alpha must be binary")
        keep = self.keep(alpha, mu, self.noise(x.shape[1]))
        inputs = torch.where(keep != 0, x[:, None, :], torch.zeros((), dtype=x.dtype))
        return self.base_model(inputs.reshape(-1, x.shape[1])).reshape(x.shape[0], self.q, -1).mean(dim=1)


class ModuleSeedUnused(_CleanModule):
    """Every feature gets offset 0: the seed vector is never drawn."""

    def noise(self, n):
        return (torch.arange(self.q)[:, None] < self.k).double().expand(self.q, n)  # BUG


class ModuleMuIgnored(_CleanModule):
    """Accepts mu but never keeps the μ features."""

    def keep(self, alpha, mu, masks):
        return alpha[:, None, :] * masks[None, :, :]  # BUG: μ ∨ (α ∧ s) without μ


class CleanModule(_CleanModule):
    """The correct one (public name for the tests)."""
