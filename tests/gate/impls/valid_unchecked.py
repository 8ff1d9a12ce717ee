"""Valid implementations the gate used to reject (issue 10): none of them checks that α is binary.

The gate's contract says α is 0/1, so not refusing 0.5 is a hygiene matter,
never a reason to reject sound smoothing. Each one below is correct on binary
α; the unusual part is named in its docstring.
"""

import torch
from _common import lqv_masks, steps, strict_radius


class ResearchNoAlphaCheck(torch.nn.Module):
    """Written like the research code (``Cls(base_model, q, lambd, seed)``, ``forward(x, alpha, mu)``),
    with its pitfalls fixed: exact integer masks, λ·q rounded, a private generator. No α check."""

    def __init__(self, base_model, q, lambd, seed=1234):
        super().__init__()
        self.base_model = base_model
        self.q = q
        self.k = round(float(lambd) * q)
        v = torch.randint(0, q, (4096,), generator=torch.Generator().manual_seed(seed))
        self.register_buffer("v", v)

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(x) if mu is None else mu
        n, p, q = x.shape[0], x.shape[1], self.q
        s = ((self.v[:p].view(1, p) + torch.arange(q).view(q, 1)) % q < self.k).to(x.dtype)
        keep = torch.maximum(mu.view(n, 1, p), alpha.view(n, 1, p) * s.view(1, q, p))
        xx = torch.where(keep != 0, x.view(n, 1, p), torch.zeros((), dtype=x.dtype)).view(n * q, p)
        return self.base_model(xx).view(n, q, -1).mean(dim=1)


def chunked_float32(base, *, q, lam, seed):
    """Chunks of 7 masks, everything in float32, float32 returned; α used as given."""
    masks = lqv_masks(seed, q, steps(lam, q), dtype=torch.float32)

    def smoothed(x, alpha):
        x32, a32 = x.float(), alpha.float()
        total = None
        for start in range(0, q, 7):
            chunk = masks[start : start + 7]
            keep = a32[:, None, :] * chunk[None, :, :]
            out = base((x32[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], chunk.shape[0], -1).sum(dim=1)
            total = out if total is None else total + out
        return total / q

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha).double(), lam, margin=1e-4)
    return smoothed


def reversed_shift(base, *, q, lam, seed):
    """Mask j keeps feature i iff (v_i - j) mod q < k: the cyclic shift run backwards (same L_qv multiset)."""
    k = steps(lam, q)
    v = torch.as_tensor(list(seed))
    j = torch.arange(q)
    masks = ((v[None, :] - j[:, None]) % q < k).double()

    def smoothed(x, alpha):
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def constant_seed_vector(base, *, q, lam, seed):
    """Ignores the seed it is given and uses v = (3, 3, ..., 3): every feature still kept with
    probability exactly λ (sound), but not the reference L_qv for that seed."""
    k = steps(lam, q)
    masks = lqv_masks([3 % q] * len(seed), q, k)

    def smoothed(x, alpha):
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def _float16_average(base, q, lam, seed):
    masks = lqv_masks(seed, q, steps(lam, q))

    def average(x, alpha):
        keep = alpha[:, None, :] * masks[None, :, :]
        y = base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1)
        return y.half().mean(dim=1)  # averaged in float16

    return average


def float16_average(base, *, q, lam, seed):
    """Averages the base's outputs in float16 and returns float16."""
    return _float16_average(base, q, lam, seed)


def float16_average_returns_float64(base, *, q, lam, seed):
    """The same float16 arithmetic as :func:`float16_average`, handed back as float64."""
    inner = _float16_average(base, q, lam, seed)
    return lambda x, alpha: inner(x, alpha).double()


class VotingWithMu(torch.nn.Module):
    """The official default mode done right: one-hot votes of the base's argmax, averaged, with the
    always-kept mask μ (effective mask μ ∨ (α ∧ s)). Exact L_qv masks from a private generator."""

    def __init__(self, base_model, q, lambd, seed=0):
        super().__init__()
        self.base_model, self.q, self.k = base_model, q, round(float(lambd) * q)
        self.v = torch.randint(0, q, (4096,), generator=torch.Generator().manual_seed(seed))

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(x) if mu is None else mu
        n, p, q = x.shape[0], x.shape[1], self.q
        s = ((self.v[:p].view(1, p) + torch.arange(q).view(q, 1)) % q < self.k).to(x.dtype)
        keep = torch.maximum(mu.view(n, 1, p), alpha.view(n, 1, p) * s.view(1, q, p))
        y = self.base_model((x.view(n, 1, p) * keep).view(n * q, p)).view(n, q, -1)
        return torch.nn.functional.one_hot(y.argmax(dim=2), y.shape[-1]).to(x.dtype).mean(dim=1)


def probes_unmasked_input(base, *, q, lam, seed):
    """Correct smoothing that also asks the base about the unmasked x (to log its plain prediction):
    rows outside x ⊙ s that never feed g. Hygiene, not a wrong g."""
    masks = lqv_masks(seed, q, steps(lam, q))
    log = []

    def smoothed(x, alpha):
        log.append(base(x).argmax(dim=1))  # the probe: unmasked x, result unused by g
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed
