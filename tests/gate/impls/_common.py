"""Pieces shared by the test implementations: the correct parts each buggy one keeps.

Every implementation in this folder is a complete factory in the gate's
contract; a buggy one differs from a correct one in exactly one place, marked
``# BUG``.
"""

from fractions import Fraction

import torch


def check_alpha(alpha):
    if not bool(torch.all((alpha == 0) | (alpha == 1))):
        raise ValueError("alpha must be a 0/1 mask")


def lqv_masks(seed, q, k, dtype=torch.float64):
    v = torch.as_tensor(list(seed), dtype=torch.long)
    j = torch.arange(q, dtype=torch.long)
    return ((v[None, :] + j[:, None]) % q < k).to(dtype)


def steps(lam, q):
    k = Fraction(lam) * q
    assert k.denominator == 1
    return int(k)


def average(base, x, alpha, masks):
    """mean_j base(x ⊙ α ⊙ s_j) for a (N, n) float mask tensor."""
    b, n = x.shape
    keep = alpha[:, None, :] * masks[None, :, :]
    inputs = torch.where(keep != 0, x[:, None, :], torch.zeros((), dtype=x.dtype))
    return base(inputs.reshape(-1, n)).reshape(b, masks.shape[0], -1).mean(dim=1)


def strict_radius(g, lam, margin=1e-9):
    top = g.topk(2, dim=1).values
    gap = (top[:, 0] - top[:, 1] - margin).clamp(min=0)
    return torch.ceil(gap / (2 * float(lam))).long() - 1


def correct_factory(base, *, q, lam, seed):
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed
