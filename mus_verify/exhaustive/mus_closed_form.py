"""Closed forms for MuS (e = α ⊙ s) that replace enumeration while staying exact and complete.

The exhaustive engine forms every (α, s) pair; for the multiplicative variant two of
its quantities have exact closed forms, used by the checks instead (any other
variant, including a user's, keeps the enumeration).

1. Edge total variation (paper Thm 3.1, every base classifier). Along the edge
   (α, α + e_i) the masked-input laws are P = Σ_s w_s δ_{α ⊙ s ⊙ v} and
   P' = Σ_s w_s δ_{(α + e_i) ⊙ s ⊙ v}, with v the visible pattern of x. A mask s
   with s_i = 0 (or x_i = 0) gives the same key on both sides and cancels. Every
   other s puts +w_s on a key with bit i clear and −w_s on a key with bit i set, so
   no positive atom can cancel a negative one, and

       TV(P, P') = Σ_{s : s_i = 1} w_s   if x_i ≠ 0,   0 otherwise,

   the same on all 2^(n-1) edges along feature i. The n sums are exact integers
   over the noise total, so the all-classifier Lipschitz scan is O(n · |support|)
   instead of O(n · 2^n · |support|), with the same maximum, the same argmax rule
   (fewest kept features first: α = 0) and the same first violating edge.

2. Smoothing over the whole cube. G[α] = Σ_s w_s H[α ⊙ s] with H[u] = h(x ⊙ u).
   With the Möbius transform Ĥ[u] = Σ_{t ⊆ u} (−1)^{|u∖t|} H[t] (so that
   H[u] = Σ_{t ⊆ u} Ĥ[t]) and W[t] = Σ_{s ⊇ t} w_s (the superset sums of the noise):

       G[α] = Σ_s w_s Σ_{t ⊆ α ⊙ s} Ĥ[t] = Σ_{t ⊆ α} Ĥ[t] · W[t],

   a subset-sum (zeta) transform of Ĥ · W. All three transforms are n passes of
   integer additions over 2^n entries (O(n · 2^n), sequential memory) instead of
   2^n · |support| random gathers. Intermediate values can exceed 2^63; the
   arithmetic is done in uint64, i.e. in the ring Z / 2^64, where additions,
   subtractions and products are exact ring operations. The true G[α] lies in
   [0, T · D] with T · D < 2^62 (checked by the engine), so its residue mod 2^64
   *is* G[α]: the result is exact, not approximate. When T · D < 2^32 the same
   argument holds in Z / 2^32 (uint32), which halves the memory traffic.

   Only the keys the old engine forms are ever evaluated: Ĥ[t] is needed only
   where W[t] ≠ 0, i.e. on the down-closure L of the noise support (t ⊆ some s),
   and Ĥ[t] depends only on H below t, which lies in L again. So H is evaluated on
   L (the same set of masked inputs α ⊙ s ⊙ v as the enumeration) and set to 0
   elsewhere; the Möbius values outside L are wrong but multiplied by W = 0.
   Under L_qv(λ) noise each s keeps about λn features, so L has about
   |support| · 2^(λn) masks: the classifier sees a few thousand inputs, not 2^n.
"""

from __future__ import annotations

import numpy as np

__all__ = ["edge_masses", "superset_sums", "mobius_in_place", "zeta_in_place", "down_closure", "sparse_transforms", "sparse_mobius", "smooth_cube"]


def edge_masses(codes: np.ndarray, weights: np.ndarray, n: int, visible: int) -> list[int]:
    """TV numerator (over the noise total) of every edge along feature i, for i = 0..n-1 (formula 1)."""
    codes = np.asarray(codes, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    return [int(weights[((codes >> i) & 1) == 1].sum()) if (visible >> i) & 1 else 0 for i in range(n)]


def mobius_in_place(table: np.ndarray, n: int) -> None:
    """Ĥ[u] = Σ_{t ⊆ u} (−1)^{|u∖t|} H[t] along the last axis (length 2^n), uint64 (mod 2^64)."""
    for i in range(n):
        pairs = table.reshape(*table.shape[:-1], -1, 2, 1 << i)
        np.subtract(pairs[..., 1, :], pairs[..., 0, :], out=pairs[..., 1, :])


def zeta_in_place(table: np.ndarray, n: int) -> None:
    """F[u] = Σ_{t ⊆ u} f[t] along the last axis (length 2^n), uint64 (mod 2^64)."""
    for i in range(n):
        pairs = table.reshape(*table.shape[:-1], -1, 2, 1 << i)
        np.add(pairs[..., 1, :], pairs[..., 0, :], out=pairs[..., 1, :])


def superset_sums(codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """W[t] = Σ_{s ⊇ t} w_s for every t (2^n uint64)."""
    w = np.zeros(1 << n, dtype=np.uint64)
    np.add.at(w, np.asarray(codes, dtype=np.int64), np.asarray(weights, dtype=np.int64).astype(np.uint64))
    for i in range(n):
        pairs = w.reshape(-1, 2, 1 << i)
        np.add(pairs[:, 0, :], pairs[:, 1, :], out=pairs[:, 0, :])
    return w


def _partners(closure: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each bit i: (positions of t ∈ L with bit i set, positions of t − e_i), both in sorted L.

    L is down-closed, so t − e_i is always in L.
    """
    out = []
    for i in range(n):
        upper = np.flatnonzero((closure >> i) & 1)
        lower = np.searchsorted(closure, closure[upper] & ~np.int64(1 << i))
        out.append((upper, lower))
    return out


def sparse_transforms(closure: np.ndarray, codes: np.ndarray, weights: np.ndarray, n: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """The per-bit partner indices of L and W restricted to L (exact int64: W <= the noise total).

    The superset-sum passes restricted to L are exact: a mask u outside L has no s ⊇ u, so its
    partial sums are 0 at every pass.
    """
    partners = _partners(closure, n)
    w = np.zeros(closure.shape[0], dtype=np.int64)
    np.add.at(w, np.searchsorted(closure, np.asarray(codes, dtype=np.int64)), np.asarray(weights, dtype=np.int64))
    for upper, lower in partners:
        w[lower] += w[upper]  # each lower index appears once per bit: no repeated-index hazard
    return partners, w


def sparse_mobius(values: np.ndarray, partners: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Möbius transform of (m, |L|) values along L, in uint64 (the ring Z / 2^64: negative values wrap)."""
    out = np.asarray(values, dtype=np.int64).astype(np.uint64)
    for upper, lower in partners:
        out[:, upper] -= out[:, lower]
    return out


def down_closure(codes: np.ndarray, n: int) -> np.ndarray:
    """Sorted codes of every t ⊆ s for some s in ``codes``; the whole cube when that is not smaller."""
    codes = np.unique(np.asarray(codes, dtype=np.int64))
    sizes = np.bitwise_count(codes.astype(np.uint64)).astype(np.int64)
    if int((np.int64(1) << sizes).sum()) >= 1 << n:
        return np.arange(1 << n, dtype=np.int64)
    parts = []
    for s in codes.tolist():
        positions = [i for i in range(n) if (s >> i) & 1]
        r = np.arange(1 << len(positions), dtype=np.int64)
        subset = np.zeros(r.shape, dtype=np.int64)
        for j, p in enumerate(positions):
            subset |= ((r >> j) & 1) << p
        parts.append(subset)
    return np.unique(np.concatenate(parts))


def smooth_cube(closure: np.ndarray, values: np.ndarray, transforms: tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray], n: int, bound: int) -> np.ndarray:
    """H on L (``values``: (m, |L|), row c = class c at the sorted masks ``closure``) -> (2^n, m) int64 G (formula 2).

    ``transforms`` is :func:`sparse_transforms` of the same L and noise; ``bound`` > every G[α, c]
    (T · D), below 2^62, picks the word size of the ring for the one dense pass (the zeta transform).
    """
    if not 0 < bound < 2**62:
        raise ValueError(f"bound {bound} outside (0, 2^62)")
    partners, w = transforms
    word = np.uint32 if bound < 2**32 else np.uint64
    table = np.zeros((values.shape[0], 1 << n), dtype=word)
    # Ĥ · W on L in Z / 2^64, then reduced to the word's ring (a ring homomorphism)
    table[:, closure] = (sparse_mobius(values, partners) * w.astype(np.uint64)[None, :]).astype(word)
    zeta_in_place(table, n)
    return table.astype(np.int64).T
