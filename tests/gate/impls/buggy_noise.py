"""Implementations whose noise is wrong (one bug each, marked # BUG)."""


import torch
import torch.nn.functional as F
from _common import average, check_alpha, lqv_masks, steps, strict_radius


def _with_masks(masks, lam, base):
    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def lam_floored(base, *, q, lam, seed):
    """Pitfall 1: λ silently floored in floats (0.29·100 = 28.999...)."""
    k = int(float(lam) * q)  # BUG
    return _with_masks(lqv_masks(seed, q, max(k, 1)), lam, base)


def float_ramp(base, *, q, lam, seed):
    """Pitfall 2: the research code's clamped ramp instead of a comparison (float32)."""
    v = torch.as_tensor(list(seed), dtype=torch.float32) / q
    s_base = (torch.arange(q, dtype=torch.float32) + 0.5) / q
    t = (v[None, :] + s_base[:, None]).remainder(1.0)
    masks = (2 * q * F.relu(float(lam) - t)).clamp(0, 1).to(torch.float64)  # BUG: 0.99998 instead of 1

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        inputs = x[:, None, :] * (alpha[:, None, :] * masks[None, :, :])
        return base(inputs.reshape(-1, n)).reshape(b, q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def off_by_half(base, *, q, lam, seed):
    """The paper's t <= λ read as (v_i + j) mod q <= k: one mask too many per feature."""
    v = torch.as_tensor(list(seed))
    j = torch.arange(q)
    masks = ((v[None, :] + j[:, None]) % q <= steps(lam, q)).double()  # BUG: <= instead of <
    return _with_masks(masks, lam, base)


def unmasked_feature(base, *, q, lam, seed):
    """The noise loop forgets the last feature: it is always kept."""
    masks = lqv_masks(seed, q, steps(lam, q))
    masks[:, -1] = 1.0  # BUG
    return _with_masks(masks, lam, base)


def additive_noise(base, *, q, lam, seed):
    """Prop. A.1: α + s (clamped) instead of α ⊙ s."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        keep = (alpha[:, None, :] + masks[None, :, :]).clamp(0, 1)  # BUG
        inputs = torch.where(keep != 0, x[:, None, :], torch.zeros((), dtype=x.dtype))
        return base(inputs.reshape(-1, n)).reshape(b, q, -1).mean(dim=1)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def seed_unused(base, *, q, lam, seed):
    """The seed vector is never used: every feature shares the same run of masks."""
    k = steps(lam, q)
    masks = (torch.arange(q)[:, None] < k).double().expand(q, len(seed)).clone()  # BUG: v ignored
    return _with_masks(masks, lam, base)


def shared_offset(base, *, q, lam, seed):
    """One offset for all features (v[0]) instead of one per feature."""
    k = steps(lam, q)
    masks = lqv_masks([seed[0]] * len(seed), q, k)  # BUG
    return _with_masks(masks, lam, base)


def q_minus_one(base, *, q, lam, seed):
    """Off-by-one in the mask index: q - 1 masks, each feature kept in k of them."""
    k = steps(lam, q)
    masks = lqv_masks(seed, q, k)[: max(1, q - 1)]  # BUG: the last mask is dropped
    return _with_masks(masks, lam, base)


def fresh_random_masks(base, *, q, lam, seed):
    """Monte Carlo: q fresh Bernoulli(λ) masks per call from a time-seeded generator."""
    generator = torch.Generator()
    generator.seed()  # a non-deterministic seed of its own (the global RNG is untouched)

    def smoothed(x, alpha):
        check_alpha(alpha)
        masks = (torch.rand(q, x.shape[1], generator=generator, dtype=torch.float64) < float(lam)).double()  # BUG
        return average(base, x, alpha, masks)

    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def seed_from_global_rng(base, *, q, lam, seed):
    """Draws v from the global torch RNG after re-seeding it (the research code's pattern)."""
    k = steps(lam, q)
    torch.manual_seed(1234)  # BUG: re-seeds the caller's global RNG
    v = torch.randint(0, q, (len(seed),))
    return _with_masks(lqv_masks(v.tolist(), q, k), lam, base)
