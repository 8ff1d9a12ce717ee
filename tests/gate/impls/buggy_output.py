"""Implementations that mask correctly but combine, batch or validate wrongly (one bug each)."""

import torch
from _common import average, check_alpha, lqv_masks, steps, strict_radius


def _certified(smoothed, lam):
    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def softmax_if_unnormalised(base, *, q, lam, seed):
    """Pitfall 7, as in the research code: the "normalised?" test sums over the wrong axis."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        keep = alpha[:, None, :] * masks[None, :, :]
        y = base((x[:, None, :] * keep).reshape(-1, n)).reshape(b, q, -1)
        sums = y.sum(dim=1)  # BUG: sums over the q masks, not over the classes
        if y.min() < -1e-5 or y.max() > 1 + 1e-5 or sums.max() > 1 + 1e-5 or sums.min() < 1 - 1e-5:
            y = y.softmax(dim=2)
        return y.mean(dim=1)

    return _certified(smoothed, lam)


def logit_average(base, *, q, lam, seed):
    """Averages log-probabilities and applies softmax: not the average of h."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        keep = alpha[:, None, :] * masks[None, :, :]
        y = base((x[:, None, :] * keep).reshape(-1, n)).reshape(b, q, -1)
        return torch.log(y.clamp(min=1e-12)).mean(dim=1).softmax(dim=1)  # BUG

    return _certified(smoothed, lam)


def batch_rows_mixed(base, *, q, lam, seed):
    """Repeats the batch q-major but reads the outputs batch-major: rows of different inputs mix."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        inputs = (x[None, :, :] * alpha[None, :, :] * masks[:, None, :]).reshape(q * b, n)  # (q, B, n) order
        return base(inputs).reshape(b, q, -1).mean(dim=1)  # BUG: read as (B, q)

    return _certified(smoothed, lam)


def alpha_clamped(base, *, q, lam, seed):
    """Pitfall 8: a continuous α is clamped into [0, 1] and used silently."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        alpha = alpha.clamp(0, 1)  # BUG: no check that α is binary
        return average(base, x, alpha, masks)

    return _certified(smoothed, lam)


def global_reseed(base, *, q, lam, seed):
    """Pitfall 3: every call re-seeds the global torch RNG (torch.seed() then manual_seed)."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        saved = torch.seed()  # BUG: torch.seed() itself re-seeds the global RNG
        torch.manual_seed(0)
        out = average(base, x, alpha, masks)
        torch.manual_seed(saved)
        return out

    return _certified(smoothed, lam)


def lambda_one_ignores_alpha(base, *, q, lam, seed):
    """Skips the noise at λ = 1 (fine) but then forgets α too."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        if lam == 1:
            return base(x)  # BUG: should be base(x ⊙ α)
        return average(base, x, alpha, masks)

    return _certified(smoothed, lam)


def raises_for_odd_q(base, *, q, lam, seed):
    """Only handles even q: a factory raising on valid input is a contract failure."""
    if q % 2:
        raise NotImplementedError("q must be even")  # BUG
    masks = lqv_masks(seed, q, steps(lam, q))
    return _certified(lambda x, alpha: (check_alpha(alpha), average(base, x, alpha, masks))[1], lam)


def masks_input_in_place(base, *, q, lam, seed):
    """Applies α to x in place: the caller's tensor is modified."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        x.mul_(alpha)  # BUG: in place
        return average(base, x, torch.ones_like(alpha), masks)

    return _certified(smoothed, lam)


def divides_by_k(base, *, q, lam, seed):
    """Normalises by the number of kept masks per feature (k) instead of the number of masks (q)."""
    k = steps(lam, q)
    masks = lqv_masks(seed, q, k)

    def smoothed(x, alpha):
        check_alpha(alpha)
        b, n = x.shape
        keep = alpha[:, None, :] * masks[None, :, :]
        inputs = torch.where(keep != 0, x[:, None, :], torch.zeros((), dtype=x.dtype))
        return base(inputs.reshape(-1, n)).reshape(b, q, -1).sum(dim=1) / k  # BUG

    return _certified(smoothed, lam)
