"""Valid MuS implementations written in styles tests/gate/impls lacks. Each must pass the gate."""

from fractions import Fraction
import math

import numpy as np
import torch


def _k(lam, q):
    k = Fraction(lam) * q
    if k.denominator != 1 or not 1 <= k <= q:
        raise ValueError(f"lam={lam} not k/q")
    return int(k)


def _check(alpha):
    if not bool(((alpha == 0) | (alpha == 1)).all()):
        raise ValueError("alpha must be binary")


class _BufferModule(torch.nn.Module):
    """nn.Module whose masks are a registered buffer; called as module(x, alpha)."""

    def __init__(self, base, q, lam, seed):
        super().__init__()
        self.base = base  # plain callable, not a submodule
        self.q, self.k, self.lam = q, _k(lam, q), Fraction(lam)
        v = torch.tensor(list(seed), dtype=torch.int64)
        j = torch.arange(q, dtype=torch.int64)
        self.register_buffer("masks", ((v[None, :] + j[:, None]) % q < self.k).to(torch.float64))

    def forward(self, x, alpha):
        _check(alpha)
        b, n = x.shape
        inp = (x.unsqueeze(1) * (alpha.unsqueeze(1) * self.masks.to(x.dtype))).reshape(b * self.q, n)
        # x * 0 gives -0.0 for negative x; that equals 0 (masked input)
        return self.base(inp).reshape(b, self.q, -1).mean(1)

    def certify(self, x, alpha):
        g = self.forward(x, alpha).double()
        top = g.topk(2, dim=1).values
        gap = (top[:, 0] - top[:, 1] - 1e-9).clamp(min=0)
        return torch.ceil(gap / (2 * float(self.lam))).long() - 1


def buffer_module(base, *, q, lam, seed):
    return _BufferModule(base, q, lam, seed)


def rolled_window(base, *, q, lam, seed):
    """Masks from torch.roll of one window [1]*k + [0]*(q-k): column i = roll(w, -v_i)."""
    k = _k(lam, q)
    w = torch.cat([torch.ones(k), torch.zeros(q - k)]).double()
    masks = torch.stack([torch.roll(w, -int(vi)) for vi in seed], dim=1)  # (q, n)

    def smoothed(x, alpha):
        _check(alpha)
        out = []
        for j in range(q):
            out.append(base(torch.where((masks[j][None, :] * alpha) > 0, x, torch.zeros_like(x))))
        return torch.stack(out).mean(0)

    def certify(x, alpha):
        g = smoothed(x, alpha)
        top = g.topk(2, dim=1).values
        gap = (top[:, 0] - top[:, 1] - 1e-9).clamp(min=0)
        return torch.ceil(gap * q / (2 * k)).long() - 1

    smoothed.certify = certify
    return smoothed


class CachedMuS:
    """A class with __call__; masks cached across instances per (q, k, seed)."""

    _cache = {}

    def __init__(self, base, q, lam, seed):
        self.base, self.q, self.k = base, q, _k(lam, q)
        key = (q, self.k, tuple(int(s) for s in seed))
        if key not in self._cache:
            v = np.array(key[2])
            self._cache[key] = torch.from_numpy(((v[None, :] + np.arange(q)[:, None]) % q < self.k))
        self.masks = self._cache[key]  # bool (q, n)

    def __call__(self, x, alpha):
        _check(alpha)
        keep = self.masks[None] & alpha.bool()[:, None, :]
        inp = torch.where(keep, x[:, None, :], 0.0)
        return self.base(inp.flatten(0, 1)).unflatten(0, (x.shape[0], self.q)).mean(1)

    def certify(self, x, alpha):
        g = self(x, alpha)
        s = g.sort(dim=1, descending=True).values
        gap = s[:, 0] - s[:, 1]
        r = torch.ceil((gap - 1e-9) * self.q / (2 * self.k)).long() - 1
        return torch.where(gap <= 1e-9, torch.full_like(r, -1), r)


def cached_class(base, *, q, lam, seed):
    return CachedMuS(base, q, lam, seed)


def exact_fractions(base, *, q, lam, seed):
    """g computed exactly with Fractions from the base's float64 outputs; certificate exact."""
    lam = Fraction(lam)
    k = _k(lam, q)
    seed = [int(s) for s in seed]

    def exact(x, alpha):
        _check(alpha)
        rows = []
        for b in range(x.shape[0]):
            batch = []
            for j in range(q):
                keep = torch.tensor([bool(alpha[b, i]) and (seed[i] + j) % q < k for i in range(len(seed))])
                batch.append(torch.where(keep, x[b], torch.zeros((), dtype=x.dtype)))
            y = base(torch.stack(batch)).double().tolist()
            m = len(y[0])
            rows.append([sum(Fraction(y[j][c]) for j in range(q)) / q for c in range(m)])
        return rows

    def smoothed(x, alpha):
        return torch.tensor([[float(v) for v in r] for r in exact(x, alpha)], dtype=torch.float64)

    def certify(x, alpha):
        out = []
        for r in exact(x, alpha):
            s = sorted(r, reverse=True)
            gap = s[0] - s[1]
            out.append(math.ceil(gap / (2 * lam)) - 1)
        return torch.tensor(out, dtype=torch.long)

    smoothed.certify = certify
    return smoothed


def numpy_only(base, *, q, lam, seed):
    """numpy for masks, averaging and the certificate (integer-free margin rule); returns numpy."""
    k = _k(lam, q)
    v = np.asarray(seed, dtype=np.int64)
    masks = ((np.arange(q)[:, None] + v[None, :]) % q < k).astype(np.float64)

    def smoothed(x, alpha):
        a = np.asarray(alpha)
        if not np.all((a == 0) | (a == 1)):
            raise ValueError("alpha not binary")
        xs = np.asarray(x)
        keep = (a[:, None, :] * masks[None]) != 0
        inp = np.where(keep, xs[:, None, :], 0).reshape(-1, xs.shape[1]).astype(xs.dtype)
        y = np.asarray(base(torch.from_numpy(inp)))
        return y.reshape(xs.shape[0], q, -1).mean(axis=1)

    def certify(x, alpha):
        g = smoothed(x, alpha)
        s = -np.sort(-g, axis=1)
        gap = np.maximum(s[:, 0] - s[:, 1] - 1e-9, 0)
        return (np.ceil(gap * q / (2 * k)) - 1).astype(np.int64)

    smoothed.certify = certify
    return smoothed


def x_chunked(base, *, q, lam, seed, chunk=3):
    """Batched over many x at once, chunked over rows of x (bounded memory), torch.cat of pieces."""
    k = _k(lam, q)
    v = torch.as_tensor(seed)
    masks = ((torch.arange(q)[:, None] - (q - v)[None, :]) % q < k)  # (j + v) mod q == (j - (q - v)) mod q

    def smoothed(x, alpha):
        _check(alpha)
        pieces = []
        for s in range(0, x.shape[0], chunk):
            xc, ac = x[s : s + chunk], alpha[s : s + chunk]
            keep = ac.bool()[:, None, :] & masks[None]
            inp = xc[:, None, :].expand(-1, q, -1).masked_fill(~keep, 0)
            pieces.append(base(inp.reshape(-1, x.shape[1])).view(xc.shape[0], q, -1).sum(1) / q)
        return torch.cat(pieces)

    smoothed.certify = lambda x, a: _strict(smoothed(x, a), q, k)
    return smoothed


def _strict(g, q, k):
    top = g.double().topk(2, dim=1).values
    gap = (top[:, 0] - top[:, 1] - 1e-9).clamp(min=0)
    return torch.ceil(gap * q / (2 * k)).long() - 1


def bincount_votes(base, *, q, lam, seed):
    """Voting with integer counts via scatter_add, divided at the end; certificate in integers."""
    k = _k(lam, q)
    v = torch.as_tensor(seed)
    masks = (v[None, :] + torch.arange(q)[:, None]) % q < k

    def counts(x, alpha):
        _check(alpha)
        b, n = x.shape
        inp = torch.where(masks[None] & alpha.bool()[:, None, :], x[:, None, :], 0.0).reshape(b * q, n)
        y = base(inp)
        m = y.shape[1]
        top = y.argmax(1).view(b, q)
        c = torch.zeros(b, m, dtype=torch.long)
        c.scatter_add_(1, top, torch.ones_like(top))
        return c

    def smoothed(x, alpha):
        return counts(x, alpha).to(torch.float64) / q

    def certify(x, alpha):
        s = counts(x, alpha).sort(1, descending=True).values
        gap = s[:, 0] - s[:, 1]
        return (gap + 2 * k - 1) // (2 * k) - 1

    smoothed.certify = certify
    return smoothed


def float32_everywhere(base, *, q, lam, seed):
    """float32 masks, inputs, outputs, and radius (with a float32-sized margin)."""
    k = _k(lam, q)
    v = torch.as_tensor(seed)
    masks = ((v[None, :] + torch.arange(q)[:, None]) % q < k).float()
    lam32 = torch.tensor(k / q, dtype=torch.float32)

    def smoothed(x, alpha):
        _check(alpha)
        x32 = x.to(torch.float32)
        keep = alpha.to(torch.float32)[:, None, :] * masks[None]
        return base((x32[:, None, :] * keep).reshape(-1, x.shape[1])).reshape(x.shape[0], q, -1).mean(1)

    def certify(x, alpha):
        top = smoothed(x, alpha).topk(2, dim=1).values
        gap = (top[:, 0] - top[:, 1] - 1e-4).clamp(min=0)
        return torch.ceil(gap / (2 * lam32)).long() - 1

    smoothed.certify = certify
    return smoothed
