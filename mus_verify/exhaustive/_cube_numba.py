"""Compiled (numba) kernels over the whole cube {0,1}^n; the public entry points are in :mod:`.cube_kernels`.

Imported only by :mod:`.cube_kernels`, lazily, when numba is installed: importing this module
imports numba (about half a second) and the first call of each kernel compiles it (``cache=True``
keeps the machine code in ``__pycache__`` next to this file, or in numba's user cache directory,
so later processes load it instead of compiling). :mod:`.cube_kernels` says what each kernel
computes, why it is exact, and names the pure-numpy reference each one is tested against.

Memory layout. A table over the cube has 2^n entries per row (index = mask code). Every kernel
walks it in two cache-sized phases instead of n passes over the whole array:

* bits 0..low-1 inside each *block* of 2^low consecutive entries (a block fits in L1/L2), bits
  0..2 of a group of 8 entries in registers (a butterfly), the others over contiguous slices;
* bits low..n-1 inside each *strip* of ``width`` consecutive columns of the 2^(n-low) × 2^low
  matrix view (every block row's piece of the strip, about 512 KiB, stays in L2).

The jobs of a phase (blocks, strips, chunks) touch disjoint entries and ``prange`` runs them in
any order on any number of threads: the results do not depend on either. Integers only.
Requires 3 <= low <= n and width dividing 2^low.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["start_pool", "zeta", "edge_maxima", "radius_of", "labels_and_radii", "label_distances", "tally"]


@njit(cache=True, parallel=True, nogil=True)
def start_pool(out):
    """A trivial parallel loop: the first one starts numba's threading layer (see cube_kernels)."""
    for i in prange(out.shape[0]):
        out[i] = i


@njit(cache=True, nogil=True, inline="always")
def _zeta8(row, g):
    """Bits 0..2 of the subset-sum transform on row[g : g + 8], in registers."""
    v0, v1, v2, v3, v4, v5, v6, v7 = row[g], row[g + 1], row[g + 2], row[g + 3], row[g + 4], row[g + 5], row[g + 6], row[g + 7]
    v1 += v0
    v3 += v2
    v5 += v4
    v7 += v6
    v2 += v0
    v3 += v1
    v6 += v4
    v7 += v5
    v4 += v0
    v5 += v1
    v6 += v2
    v7 += v3
    row[g + 1], row[g + 2], row[g + 3], row[g + 4], row[g + 5], row[g + 6], row[g + 7] = v1, v2, v3, v4, v5, v6, v7


@njit(cache=True, parallel=True, nogil=True)
def zeta(table, n, low, width, active):
    """In place, per row: F[u] = Σ_{t ⊆ u} f[t], in the ring of the word (uint32 / uint64 arithmetic wraps).

    ``active[c, b]`` is False where block b of row c is all zero (the low-bit passes leave it zero).
    """
    rows = table.shape[0]
    bs = 1 << low
    blocks = (1 << n) >> low
    for job in prange(rows * blocks):
        c = job // blocks
        if not active[c, job % blocks]:
            continue
        row = table[c]
        base = (job % blocks) * bs
        for g in range(base, base + bs, 8):
            _zeta8(row, g)
        for i in range(3, low):
            h = 1 << i
            for start in range(base, base + bs, 2 * h):
                lo = row[start:start + h]
                hi = row[start + h:start + 2 * h]
                for j in range(h):
                    hi[j] += lo[j]
    strips = bs // width
    for job in prange(rows * strips):
        row = table[job // strips]
        col = (job % strips) * width
        for i in range(n - low):
            h = 1 << i
            for r0 in range(0, blocks, 2 * h):
                for r in range(r0, r0 + h):
                    lo = row[r * bs + col:r * bs + col + width]
                    hi = row[(r + h) * bs + col:(r + h) * bs + col + width]
                    for j in range(width):
                        hi[j] += lo[j]


@njit(cache=True, nogil=True)
def _series(table, c, start, stop, out):
    """out[:] = row c of table[:, start:stop] as int64; c = rows means the sum of all rows."""
    rows = table.shape[0]
    if c < rows:
        src = table[c, start:stop]
        for j in range(stop - start):
            out[j] = np.int64(src[j])
    else:
        for j in range(stop - start):
            out[j] = 0
        for r in range(rows):
            src = table[r, start:stop]
            for j in range(stop - start):
                out[j] += np.int64(src[j])


@njit(cache=True, parallel=True, nogil=True)
def edge_maxima(table, n, low, width, with_sum):
    """out[c, i] = max over edges (α, α + e_i) of |row_c[α + e_i] − row_c[α]| (int64); with ``with_sum``,
    one more row: the same for Σ_c row_c (whose negation, plus a constant, is a last class left out)."""
    rows = table.shape[0]
    series = rows + 1 if with_sum else rows
    bs = 1 << low
    blocks = (1 << n) >> low
    strips = bs // width
    part_low = np.zeros((blocks, series, n), dtype=np.int64)
    part_high = np.zeros((strips, series, n), dtype=np.int64)
    for job in prange(blocks):
        base = job * bs
        v = np.empty(bs, dtype=np.int64)
        for c in range(series):
            _series(table, c, base, base + bs, v)
            b0 = np.int64(0)
            b1 = np.int64(0)
            b2 = np.int64(0)
            for g in range(0, bs, 8):
                b0 = max(b0, abs(v[g + 1] - v[g]), abs(v[g + 3] - v[g + 2]), abs(v[g + 5] - v[g + 4]), abs(v[g + 7] - v[g + 6]))
                b1 = max(b1, abs(v[g + 2] - v[g]), abs(v[g + 3] - v[g + 1]), abs(v[g + 6] - v[g + 4]), abs(v[g + 7] - v[g + 5]))
                b2 = max(b2, abs(v[g + 4] - v[g]), abs(v[g + 5] - v[g + 1]), abs(v[g + 6] - v[g + 2]), abs(v[g + 7] - v[g + 3]))
            part_low[job, c, 0] = b0
            part_low[job, c, 1] = b1
            part_low[job, c, 2] = b2
            for i in range(3, low):
                h = 1 << i
                best = np.int64(0)
                for start in range(0, bs, 2 * h):
                    lo = v[start:start + h]
                    hi = v[start + h:start + 2 * h]
                    for j in range(h):
                        best = max(best, abs(hi[j] - lo[j]))
                part_low[job, c, i] = best
    for job in prange(strips):
        col = job * width
        s = np.empty((blocks, width), dtype=np.int64)
        for c in range(series):
            for r in range(blocks):
                _series(table, c, r * bs + col, r * bs + col + width, s[r])
            for i in range(n - low):
                h = 1 << i
                best = np.int64(0)
                for r0 in range(0, blocks, 2 * h):
                    for r in range(r0, r0 + h):
                        lo = s[r]
                        hi = s[r + h]
                        for j in range(width):
                            best = max(best, abs(hi[j] - lo[j]))
                part_high[job, c, low + i] = best
    out = np.zeros((series, n), dtype=np.int64)
    for c in range(series):
        for i in range(n):
            best = np.int64(0)
            for job in range(blocks):
                best = max(best, part_low[job, c, i])
            for job in range(strips):
                best = max(best, part_high[job, c, i])
            out[c, i] = best
    return out


@njit(cache=True, nogil=True)
def _radius(gap, a, b, denominator, rule):
    """A built-in radius rule at gap/denominator with λ = a/b: 0 strict (⌈·⌉ − 1), 1 ceil, 2 floor (gap >= 0)."""
    top = gap * b
    bottom = 2 * a * denominator
    if rule == 2:
        return top // bottom
    ceil = (top + bottom - 1) // bottom
    return ceil - 1 if rule == 0 else ceil


@njit(cache=True, nogil=True)
def radius_of(gap, a, b, denominator, rule):
    """The kernels' radius formula, callable from Python (spot-checked against mus_verify.certificates)."""
    return _radius(np.int64(gap), np.int64(a), np.int64(b), np.int64(denominator), rule)


@njit(cache=True, nogil=True, inline="always")
def _clipped_radius(gap, a, b, denominator, rule, cap):
    """min(_radius(...), cap) without an integer division: a float quotient, corrected exactly with products.

    The float estimate of gap·b / (2aD) is within 2^-40 of the quotient while that is below cap + 2, so
    q is off by at most one and the two integer corrections make it exact; beyond, the radius is >= cap.
    Products stay below 2^63: q·bottom <= top + bottom with top, bottom < 2^62.
    """
    top = gap * b
    bottom = 2 * a * denominator
    estimate = np.float64(top) / np.float64(bottom)
    if estimate > cap + 2:
        return np.int64(cap)
    q = np.int64(estimate)
    while q > 0 and q * bottom > top:
        q -= 1
    while (q + 1) * bottom <= top:
        q += 1
    if rule == 2:
        r = q
    else:
        r = q if q * bottom == top else q + 1
        if rule == 0:
            r -= 1
    return min(r, np.int64(cap))


@njit(cache=True, parallel=True, nogil=True)
def labels_and_radii(table, total, a, b, denominator, rule, cap, chunk, label, radius):
    """Fill, per mask: ``label`` the unique top class (-1 at a tie of the top two), ``radius`` the rule's
    radius clipped to ``cap`` (int8 both). The classes are the rows, plus one more, ``total − Σ rows``, when ``total >= 0``. Per chunk:
    [certificates (unique top, r >= 0), non-trivial (r >= 1), largest gap at a unique top (-1 if none),
    tie claims (tie, r >= 0), smallest gap, largest gap]. The rules are non-decreasing in the gap, so
    the largest radius is the rule at the largest gap.
    """
    rows, size = table.shape
    m = rows + 1 if total >= 0 else rows
    chunks = (size + chunk - 1) // chunk
    stats = np.zeros((chunks, 6), dtype=np.int64)
    for k in prange(chunks):
        certificates = 0
        nontrivial = 0
        top_gap = np.int64(-1)
        ties = 0
        low_gap = np.int64(2**62)
        high_gap = np.int64(-1)
        for alpha in range(k * chunk, min(size, (k + 1) * chunk)):
            if m == 3 and rows == 2:  # the default: two stored classes and the implicit third
                v0 = np.int64(table[0, alpha])
                v1 = np.int64(table[1, alpha])
                v2 = np.int64(total) - v0 - v1
                if v0 >= v1 and v0 >= v2:
                    predicted, top, second = 0, v0, max(v1, v2)
                elif v1 >= v2:
                    predicted, top, second = 1, v1, max(v0, v2)
                else:
                    predicted, top, second = 2, v2, max(v0, v1)
            else:
                rest = np.int64(total)
                predicted = 0
                top = np.int64(-1)
                second = np.int64(-1)
                for c in range(m):
                    if c < rows:
                        v = np.int64(table[c, alpha])
                        rest -= v
                    else:
                        v = rest
                    if v > top:  # strict: the first of equal maxima is the argmax
                        second = top
                        top = v
                        predicted = c
                    elif v > second:
                        second = v
            if m == 1:
                gap = top
            else:
                gap = top - second
                if gap == 0:
                    predicted = -1
            r = _clipped_radius(gap, a, b, denominator, rule, cap)
            low_gap = min(low_gap, gap)
            high_gap = max(high_gap, gap)
            label[alpha] = predicted
            radius[alpha] = r
            if predicted >= 0:
                if r >= 0:
                    certificates += 1
                    top_gap = max(top_gap, gap)
                if r >= 1:
                    nontrivial += 1
            elif r >= 0:
                ties += 1
        stats[k, 0] = certificates
        stats[k, 1] = nontrivial
        stats[k, 2] = top_gap
        stats[k, 3] = ties
        stats[k, 4] = low_gap
        stats[k, 5] = high_gap
    return stats


@njit(cache=True, nogil=True, inline="always")
def _relax(a, b, same, direction):
    """One edge (lo, hi = lo + e_i): the lower end reaches supersets through hi (any, up), the upper end
    subsets through lo (any, down); a neighbour with another label is at distance 1."""
    one = np.uint8(1)
    if same:
        na = min(a, b + one)
        nb = min(b, a + one)
    else:
        na = min(a, one)
        nb = min(b, one)
    return (a if direction == 2 else na), (b if direction == 1 else nb)


@njit(cache=True, nogil=True, inline="always")
def _relax2(dd, da, lo, hi, same, direction):
    """:func:`_relax` of both transforms (the check's direction in ``dd``, any direction in ``da``) at one edge."""
    dd[lo], dd[hi] = _relax(dd[lo], dd[hi], same, direction)
    da[lo], da[hi] = _relax(da[lo], da[hi], same, 0)


@njit(cache=True, parallel=True, nogil=True)
def label_distances(label, n, direction, low, width, dd, da):
    """Fill (dd, da): d[α] = min ‖β − α‖₁ over β with label[β] ≠ label[α] — supersets only (direction 1)
    or subsets only (2) in ``dd``, any β in ``da`` — and n + 1 where there is none (uint8)."""
    size = 1 << n
    bs = 1 << low
    blocks = size >> low
    for job in prange(blocks):
        base = job * bs
        dd[base:base + bs] = n + 1
        da[base:base + bs] = n + 1
        for i in range(3):  # short strides: scalar
            h = 1 << i
            for start in range(base, base + bs, 2 * h):
                for j in range(start, start + h):
                    _relax2(dd, da, j, j + h, label[j] == label[j + h], direction)
        for i in range(3, low):
            h = 1 << i
            for start in range(base, base + bs, 2 * h):
                _relax_slices(dd, da, label, start, start + h, h, direction)
    strips = bs // width
    for job in prange(strips):
        col = job * width
        for i in range(n - low):
            h = 1 << i
            for r0 in range(0, blocks, 2 * h):
                for r in range(r0, r0 + h):
                    _relax_slices(dd, da, label, r * bs + col, (r + h) * bs + col, width, direction)


@njit(cache=True, nogil=True, inline="always")
def _relax_slices(dd, da, label, lo, hi, length, direction):
    """Both transforms on the edges (lo + j, hi + j), j < length, over contiguous slices (vectorised:
    one loop per direction, no branch inside). Every d is >= 1, so a neighbour with another label sets 1."""
    ddl = dd[lo:lo + length]
    ddh = dd[hi:hi + length]
    dal = da[lo:lo + length]
    dah = da[hi:hi + length]
    ll = label[lo:lo + length]
    lh = label[hi:hi + length]
    one = np.uint8(1)
    if direction == 1:
        for j in range(length):
            same = ll[j] == lh[j]
            a = dal[j]
            b = dah[j]
            ddl[j] = min(ddl[j], ddh[j] + one) if same else one
            dal[j] = min(a, b + one) if same else one
            dah[j] = min(b, a + one) if same else one
    else:
        for j in range(length):
            same = ll[j] == lh[j]
            a = dal[j]
            b = dah[j]
            ddh[j] = min(ddh[j], ddl[j] + one) if same else one
            dal[j] = min(a, b + one) if same else one
            dah[j] = min(b, a + one) if same else one


@njit(cache=True, parallel=True, nogil=True)
def tally(label, radius, dist_direction, dist_any, n, direction, chunk, ones_table):
    """Histograms of one run over the unique-top masks, for key 0 (the check's direction: 1 up, 2 down) and 1 (any).

    pairs[key, cone·(n+1) + capped] and true_vs[key, capped·(n+2) + true] count the certified masks
    (r >= 0) with capped = min(r, cone), true = min(d − 1, cone); violations[key] counts the masks
    with d <= n and d <= r (a β within the radius that loses the class). ``ones_table``: popcounts of 0..4095.
    """
    size = label.shape[0]
    chunks = (size + chunk - 1) // chunk
    pairs = np.zeros((chunks, 2, (n + 1) * (n + 1)), dtype=np.int64)
    true_vs = np.zeros((chunks, 2, (n + 1) * (n + 2)), dtype=np.int64)
    violations = np.zeros((chunks, 2), dtype=np.int64)
    for k in prange(chunks):
        for alpha in range(k * chunk, min(size, (k + 1) * chunk)):
            r = np.int64(radius[alpha])
            if label[alpha] < 0 or r < 0:  # nothing certified; d >= 1 > r: nothing violated
                continue
            ones = np.int64(ones_table[alpha & 4095]) + np.int64(ones_table[(alpha >> 12) & 4095]) + np.int64(ones_table[alpha >> 24])
            for key in range(2):
                if key == 0:
                    d = np.int64(dist_direction[alpha])
                    cone = n - ones if direction == 1 else ones
                else:
                    d = np.int64(dist_any[alpha])
                    cone = np.int64(n)
                if d <= n and d <= r:
                    violations[k, key] += 1
                capped = min(r, cone)
                true = min(d - 1, cone)
                pairs[k, key, cone * (n + 1) + capped] += 1
                true_vs[k, key, capped * (n + 2) + true] += 1
    return pairs.sum(axis=0), true_vs.sum(axis=0), violations.sum(axis=0)
