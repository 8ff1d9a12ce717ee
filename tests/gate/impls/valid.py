"""Valid but unusual implementations the gate must accept."""

import math

import torch
from _common import check_alpha, lqv_masks, steps, strict_radius


def chunked(base, *, q, lam, seed):
    """Evaluates the masks five at a time and accumulates sums (bounded memory)."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        total = None
        for start in range(0, q, 5):
            chunk = masks[start : start + 5]
            keep = alpha[:, None, :] * chunk[None, :, :]
            out = base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], chunk.shape[0], -1).sum(dim=1)
            total = out if total is None else total + out
        return total / q

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def float32_inside(base, *, q, lam, seed):
    """Computes in float32 (masks, inputs, base, average) and returns float32."""
    masks = lqv_masks(seed, q, steps(lam, q), dtype=torch.float32)

    def smoothed(x, alpha):
        check_alpha(alpha)
        x32, a32 = x.float(), alpha.float()
        keep = a32[:, None, :] * masks[None, :, :]
        inputs = torch.where(keep != 0, x32[:, None, :], torch.zeros((), dtype=torch.float32))
        return base(inputs.reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha).double(), lam, margin=1e-5)
    return smoothed


def reflected_layout(base, *, q, lam, seed):
    """Mask j keeps feature i iff (j - v_i) mod q < k, in reverse order: the same distribution as L_qv."""
    k = steps(lam, q)
    v = torch.as_tensor(list(seed))
    j = torch.arange(q - 1, -1, -1)
    masks = ((j[:, None] - v[None, :]) % q < k).double()

    def smoothed(x, alpha):
        check_alpha(alpha)
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def permuted_layout(base, *, q, lam, seed):
    """A different valid noise: feature i is kept where π((v_i + j) mod q) < k for a fixed permutation π.

    Every feature is still kept in exactly k of the q masks (Bernoulli(λ)
    marginals), and v is used, but the joint distribution is not L_qv's.
    """
    k = steps(lam, q)
    perm = torch.tensor([(7 * r + 3) % q for r in range(q)]) if math.gcd(7, q) == 1 else torch.arange(q).flip(0)
    v = torch.as_tensor(list(seed))
    j = torch.arange(q)
    masks = (perm[(v[None, :] + j[:, None]) % q] < k).double()

    def smoothed(x, alpha):
        check_alpha(alpha)
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def voting(base, *, q, lam, seed):
    """Averages one-hot votes of the base's argmax (Levine & Feizi style), with an integer radius."""
    k = steps(lam, q)
    masks = lqv_masks(seed, q, k)

    def votes(x, alpha):
        check_alpha(alpha)
        keep = alpha[:, None, :] * masks[None, :, :]
        y = base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1)
        return torch.nn.functional.one_hot(y.argmax(dim=2), y.shape[-1]).sum(dim=1)  # (B, m) integer counts

    def smoothed(x, alpha):
        return votes(x, alpha).double() / q

    def certify(x, alpha):
        top = votes(x, alpha).topk(2, dim=1).values
        gap = top[:, 0] - top[:, 1]  # in votes; radius = ceil(gap / 2k) - 1, exactly in integers
        return -((-gap) // (2 * k)) - 1

    smoothed.certify = certify
    return smoothed


def deduplicated(base, *, q, lam, seed):
    """Calls the base once per distinct masked input and weights the result (no repeated work)."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        rows = []
        for b in range(x.shape[0]):
            keep = alpha[b][None, :] * masks
            distinct, counts = torch.unique(keep, dim=0, return_counts=True)
            y = base(torch.where(distinct != 0, x[b][None, :], torch.zeros((), dtype=x.dtype)))
            rows.append((counts[:, None].double() * y).sum(dim=0) / q)
        return torch.stack(rows)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def lambda_one_shortcut(base, *, q, lam, seed):
    """At λ = 1 every mask keeps everything: one call of the base on x ⊙ α."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        if lam == 1:
            return base(x * alpha)
        keep = alpha[:, None, :] * masks[None, :, :]
        return base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


class SeededModule(torch.nn.Module):
    """nn.Module style: Cls(base_model, q, lambd, seed=0), draws v from its own generator, forward(x, alpha, mu)."""

    def __init__(self, base_model, q, lambd, seed=0):
        super().__init__()
        self.base_model = base_model
        self.q = q
        self.k = round(lambd * q)
        if abs(self.k - lambd * q) > 1e-6:
            raise ValueError(f"lambd={lambd} is not a multiple of 1/{q}")
        self.seed = seed

    def forward(self, x, alpha=None, mu=None):
        alpha = torch.ones_like(x) if alpha is None else alpha
        mu = torch.zeros_like(x) if mu is None else mu
        check_alpha(alpha)
        check_alpha(mu)
        if bool((mu > alpha).any()):
            raise ValueError("mu must be <= alpha")
        generator = torch.Generator().manual_seed(self.seed)
        v = torch.randint(0, self.q, (x.shape[1],), generator=generator)
        masks = lqv_masks(v.tolist(), self.q, self.k)
        keep = torch.maximum(mu[:, None, :], alpha[:, None, :] * masks[None, :, :])
        inputs = torch.where(keep != 0, x[:, None, :], torch.zeros((), dtype=x.dtype))
        return self.base_model(inputs.reshape(-1, x.shape[1])).reshape(x.shape[0], self.q, -1).mean(dim=1)


def float32_returns_float64(base, *, q, lam, seed):
    """Works in float32 (inputs to the base included) but hands back float64."""
    inner = float32_inside(base, q=q, lam=lam, seed=seed)

    def smoothed(x, alpha):
        return inner(x, alpha).double()

    smoothed.certify = inner.certify
    return smoothed


def numpy_inside(base, *, q, lam, seed):
    """Builds masks and averages with numpy; talks to the base in torch; returns a numpy array."""
    import numpy as np

    k = steps(lam, q)
    v = np.asarray(list(seed))
    masks = (v[None, :] + np.arange(q)[:, None]) % q < k

    def smoothed(x, alpha):
        a = alpha.numpy()
        if not np.isin(a, (0.0, 1.0)).all():
            raise ValueError("alpha must be binary")
        xs = x.numpy()
        keep = a[:, None, :].astype(bool) & masks[None, :, :]
        inputs = np.where(keep, xs[:, None, :], 0.0).reshape(-1, xs.shape[1])
        return base(torch.from_numpy(inputs)).numpy().reshape(xs.shape[0], q, -1).mean(axis=1)

    return smoothed


def iid_bernoulli(base, *, q, lam, seed):
    """Exact i.i.d. Bernoulli(λ) noise over all 2^n masks, weighted: valid MuS (Thm 3.1 needs only the
    marginals), but not L_qv and independent of the seed vector."""
    k = steps(lam, q)
    n = len(seed)
    codes = torch.arange(2**n)
    masks = ((codes[:, None] >> torch.arange(n)) & 1).double()
    kept = masks.sum(dim=1)
    weights = (k / q) ** kept * (1 - k / q) ** (n - kept)

    def smoothed(x, alpha):
        check_alpha(alpha)
        keep = alpha[:, None, :] * masks[None, :, :]
        out = base((x[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], 2**n, -1)
        return (out * weights[None, :, None]).sum(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam, margin=1e-9)
    return smoothed
