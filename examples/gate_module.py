"""The other common shape of MuS code: an nn.Module ``Cls(base_model, q, lambd)``.

    mus-verify gate examples/gate_module.py:MuSModule

The gate adapts such classes itself (``forward(x, alpha=None, mu=None)``; λ is
passed as a float, as users do; the ``seed=`` keyword gets a different int
for every seed vector the gate tries). This one is correct: λ is rounded to
the nearest k/q and checked, the seed vector is drawn from a private
generator (the caller's global RNG is untouched), masks are integer
comparisons and the always-kept mask μ gives μ ∨ (α ∧ s).
"""

import torch


class MuSModule(torch.nn.Module):
    def __init__(self, base_model, q, lambd, seed=0):
        super().__init__()
        self.base_model = base_model
        self.q = int(q)
        self.k = round(lambd * q)
        if abs(self.k - lambd * q) > 1e-6 or not 1 <= self.k <= self.q:
            raise ValueError(f"lambd={lambd} is not k/q for an integer k in 1..{q}")
        self.seed = seed

    def masks(self, n):
        generator = torch.Generator().manual_seed(self.seed)
        v = torch.randint(0, self.q, (n,), generator=generator)
        j = torch.arange(self.q)
        return ((v[None, :] + j[:, None]) % self.q < self.k).to(torch.float64)  # (q, n)

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(alpha) if mu is None else mu
        for name, mask in (("alpha", alpha), ("mu", mu)):
            if not bool(torch.all((mask == 0) | (mask == 1))):
                raise ValueError(f"{name} must be a 0/1 mask")
        if bool((mu > alpha).any()):
            raise ValueError("mu must be <= alpha")
        b, n = x.shape
        keep = torch.maximum(mu[:, None, :], alpha[:, None, :] * self.masks(n)[None, :, :])  # (B, q, n)
        inputs = torch.where(keep.bool(), x[:, None, :], torch.zeros((), dtype=x.dtype))
        return self.base_model(inputs.reshape(b * self.q, n)).reshape(b, self.q, -1).mean(dim=1)
