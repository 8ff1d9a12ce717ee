"""Implementations whose smoothing is right but whose certified radius is unsound (one bug each)."""


import torch
from _common import average, check_alpha, lqv_masks, steps


def _smoothed(base, q, lam, seed):
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    return smoothed


def _gap(g):
    top = g.topk(2, dim=1).values
    return top[:, 0] - top[:, 1]


def floor_radius(base, *, q, lam, seed):
    """Pitfall 4: radius stored as the float gap/(2λ) and compared with ">= r": floor, unsound at ties."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        r = _gap(smoothed(x, alpha)) / (2 * float(lam))
        return torch.floor(r + 1e-9).long()  # BUG: largest integer r with r <= gap/(2λ)

    smoothed.certify = certify
    return smoothed


def ceil_radius(base, *, q, lam, seed):
    """The paper's Remark 2.6: ⌈gap/(2λ)⌉, one step too far."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        gap = _gap(smoothed(x, alpha))
        return torch.ceil(gap / (2 * float(lam)) - 1e-9).long()  # BUG: no "- 1"

    smoothed.certify = certify
    return smoothed


def rounded_lambda_radius(base, *, q, lam, seed):
    """Pitfall 5: λ rounded to 4 decimals before the (otherwise strict) radius."""
    smoothed = _smoothed(base, q, lam, seed)
    shown_lam = round(float(lam), 4)  # BUG: 1/3 becomes 0.3333

    def certify(x, alpha):
        gap = _gap(smoothed(x, alpha))
        return torch.ceil(gap / (2 * shown_lam) - 1e-12).long() - 1

    smoothed.certify = certify
    return smoothed


def no_tie_check(base, *, q, lam, seed):
    """Strict rule, but a tie at α gets radius 0 instead of -1."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        gap = (_gap(smoothed(x, alpha)) - 1e-9).clamp(min=0)
        r = torch.ceil(gap / (2 * float(lam))).long() - 1
        return r.clamp(min=0)  # BUG: "no negative radii"

    smoothed.certify = certify
    return smoothed


def float_radius(base, *, q, lam, seed):
    """Returns the float gap/(2λ) itself as the radius."""
    smoothed = _smoothed(base, q, lam, seed)
    smoothed.certify = lambda x, alpha: _gap(smoothed(x, alpha)) / (2 * float(lam))  # BUG: not an integer
    return smoothed


def ceil_radius_tie_aware(base, *, q, lam, seed):
    """Remark 2.6's ⌈gap/(2λ)⌉, with ties (gap = 0) correctly given -1: still one step too far."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        gap = _gap(smoothed(x, alpha))
        r = torch.ceil(gap / (2 * float(lam)) - 1e-9).long()  # BUG: no "- 1"
        return torch.where(gap <= 1e-12, torch.full_like(r, -1), r)

    smoothed.certify = certify
    return smoothed


def floor_radius_tie_aware(base, *, q, lam, seed):
    """⌊gap/(2λ)⌋ ("gap/(2λ) >= r"), with ties at α given -1: unsound where gap/(2λ) is an integer."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        gap = _gap(smoothed(x, alpha))
        r = torch.floor(gap / (2 * float(lam)) + 1e-9).long()  # BUG
        return torch.where(gap <= 1e-12, torch.full_like(r, -1), r)

    smoothed.certify = certify
    return smoothed


def gap_to_last_class(base, *, q, lam, seed):
    """Takes the gap between the top class and the *least* likely one: right only for two classes."""
    smoothed = _smoothed(base, q, lam, seed)

    def certify(x, alpha):
        g = smoothed(x, alpha)
        gap = g.max(dim=1).values - g.min(dim=1).values  # BUG: min instead of the runner-up
        r = torch.ceil((gap - 1e-9).clamp(min=0) / (2 * float(lam))).long() - 1
        return r

    smoothed.certify = certify
    return smoothed
