"""Buggy MuS implementations with one subtle defect each (# BUG). Each must be rejected."""

from fractions import Fraction

import torch


def _k(lam, q):
    k = Fraction(lam) * q
    assert k.denominator == 1
    return int(k)


def _check(alpha):
    if not bool(((alpha == 0) | (alpha == 1)).all()):
        raise ValueError("alpha must be binary")


def _avg(base, x, alpha, masks):
    b, n = x.shape
    keep = (alpha[:, None, :] * masks[None]).bool()
    inp = torch.where(keep, x[:, None, :], torch.zeros((), dtype=x.dtype)).reshape(-1, n)
    return base(inp).reshape(b, masks.shape[0], -1).mean(1)


def _lqv(seed, q, k):
    v = torch.as_tensor(list(seed))
    return ((v[None, :] + torch.arange(q)[:, None]) % q < k).double()


def _strict(g, lam):
    top = g.double().topk(2, dim=1).values
    gap = (top[:, 0] - top[:, 1] - 1e-9).clamp(min=0)
    return torch.ceil(gap / (2 * float(lam))).long() - 1


def _make(base, q, lam, masks, certify=None):
    def smoothed(x, alpha):
        _check(alpha)
        return _avg(base, x, alpha, masks)

    smoothed.certify = certify(smoothed) if certify else (lambda x, a: _strict(smoothed(x, a), lam))
    return smoothed


def window_le_k(base, *, q, lam, seed):
    k = _k(lam, q)
    v = torch.as_tensor(list(seed))
    masks = (((v[None, :] + torch.arange(q)[:, None]) % q) <= k).double()  # BUG: <= k
    return _make(base, q, lam, masks)


def lam_3_decimals(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))
    lam3 = round(float(lam), 3)  # BUG: the radius uses λ rounded to 3 decimals

    def cert(smoothed):
        def c(x, a):
            top = smoothed(x, a).topk(2, dim=1).values
            gap = (top[:, 0] - top[:, 1] - 1e-9).clamp(min=0)
            return torch.ceil(gap / (2 * lam3)).long() - 1
        return c

    return _make(base, q, lam, masks, cert)


def one_unmasked_copy(base, *, q, lam, seed):
    k = _k(lam, q)
    masks = _lqv(seed, q, k)

    def smoothed(x, alpha):
        _check(alpha)
        b, n = x.shape
        m = masks.clone()
        m[0] = 1.0  # BUG: copy 0 keeps every feature (x ⊙ α unmasked by the noise)
        return _avg(base, x, alpha, m)

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


def ceil_no_minus_one(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def cert(smoothed):
        def c(x, a):
            top = smoothed(x, a).topk(2, dim=1).values
            gap = top[:, 0] - top[:, 1]
            r = torch.ceil(gap / (2 * float(lam))).long()  # BUG: Remark 2.6's ⌈gap/2λ⌉
            return torch.where(gap <= 0, torch.full_like(r, -1), r)
        return c

    return _make(base, q, lam, masks, cert)


def averages_log_probs(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        b, n = x.shape
        keep = (alpha[:, None, :] * masks[None]).bool()
        inp = torch.where(keep, x[:, None, :], torch.zeros((), dtype=x.dtype)).reshape(-1, n)
        logp = base(inp).clamp_min(1e-12).log().reshape(b, q, -1)
        return logp.mean(1).softmax(1)  # BUG: averages log-probabilities (logits), not probabilities

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


def in_place_float64(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        if x.dtype == torch.float64:
            x.mul_(alpha)  # BUG: masks the caller's float64 x in place
        else:
            x = x * alpha
        return _avg(base, x, torch.ones_like(alpha), masks)

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


def reseeds_global(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        torch.manual_seed(0)  # BUG: reseeds torch's global RNG on each call
        return _avg(base, x, alpha, masks)

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


def mod_q_minus_one(base, *, q, lam, seed):
    k = _k(lam, q)
    v = torch.as_tensor(list(seed))
    qq = max(q - 1, 1)
    masks = (((v[None, :] + torch.arange(q)[:, None]) % qq) < k).double()  # BUG: mod (q - 1)
    return _make(base, q, lam, masks)


def drops_last_chunk(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        used = masks[: (q // 8) * 8] if q >= 8 else masks  # BUG: the q % 8 trailing copies are dropped
        return _avg(base, x, alpha, used)

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


_CACHE = {}


def cache_keyed_by_q(base, *, q, lam, seed):
    k = _k(lam, q)
    if q not in _CACHE:  # BUG: cache key ignores λ (and the seed): a second λ at the same q reuses stale masks
        _CACHE[q] = _lqv(seed, q, k)
    return _make(base, q, lam, _CACHE[q])


def first_row_alpha(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        return _avg(base, x, alpha[:1].expand_as(alpha), masks)  # BUG: every row uses row 0's α

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), lam)
    return smoothed


def no_margin_float32_radius(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q)).float()

    def smoothed(x, alpha):
        _check(alpha)
        return _avg(base, x.float(), alpha.float(), masks)

    def certify(x, alpha):
        top = smoothed(x, alpha).topk(2, dim=1).values
        gap = top[:, 0] - top[:, 1]
        return torch.ceil(gap / (2 * float(lam))).long() - 1  # BUG: no margin for float32 rounding of the gap

    smoothed.certify = certify
    return smoothed


def votes_ties_to_first(base, *, q, lam, seed):
    """Voting, integer radius ceil(gap/2k) - 1, but the gap is top vote minus the *second index*, not second largest."""
    k = _k(lam, q)
    masks = _lqv(seed, q, k)

    def counts(x, alpha):
        _check(alpha)
        b, n = x.shape
        inp = torch.where((alpha[:, None, :] * masks[None]).bool(), x[:, None, :], 0.0).reshape(-1, n)
        y = base(inp).reshape(b, q, -1)
        return torch.nn.functional.one_hot(y.argmax(2), y.shape[2]).sum(1)

    def smoothed(x, alpha):
        return counts(x, alpha).double() / q

    def certify(x, alpha):
        c = counts(x, alpha)
        top = c.max(1)
        others = c.clone()
        others[torch.arange(c.shape[0]), top.indices] = -1
        second = others.max(1).values
        gap = top.values - second
        return gap // (2 * k)  # BUG: floor rule in votes (ties at the boundary)

    smoothed.certify = certify
    return smoothed


def no_margin_float64_radius(base, *, q, lam, seed):
    masks = _lqv(seed, q, _k(lam, q))

    def smoothed(x, alpha):
        _check(alpha)
        return _avg(base, x, alpha, masks)

    def certify(x, alpha):
        top = smoothed(x, alpha).topk(2, dim=1).values
        gap = top[:, 0] - top[:, 1]
        return torch.ceil(gap / (2 * float(lam))).long() - 1  # BUG: no margin: 5/6 - 1/6 > 2·(1/3) in float64

    smoothed.certify = certify
    return smoothed
