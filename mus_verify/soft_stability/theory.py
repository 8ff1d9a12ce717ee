"""Boolean analysis of MuS smoothing (notes §3.2-3.3), exact at small n.

Conventions. A class-score function on the cube is an integer array ``v`` of
shape (2^n, C) over a denominator D (index = mask code β). Subsets S are codes too.

* Möbius (AND-monomial) coefficients: h(β) = Σ_S c_S ∏_{i∈S} β_i
  (:func:`mobius`, integers over D).
* Fourier (±1 parity) coefficients with χ_i = (−1)^{β_i} (bit 0 ↦ +1, the
  research code's ``banal.py``): ĥ(S) = 2^{−n} Σ_β h(β) χ_S(β)
  (:func:`fourier_sums` returns the integer sums 2^n·D·ĥ).
* The MuS operator with i.i.d. Bernoulli(λ) keep masks: g(β) = E_s h(β ∧ s),
  computed here by the **direct** 2^n-term expectation (:func:`smooth_iid_direct`),
  independently of the tensor-product form in :func:`~.rates.smooth_iid`.

Exact statements checked by ``soft-stability-smoothing`` (derived in the notes;
the paper's own theorem could not be recovered, so these are the statements checked):

1. diagonal in the monomial basis: c_S(g) = λ^{|S|} c_S(h) for every S (§3.2.2);
2. the ±1 basis: ĝ(T) = Σ_{S ⊇ T} λ^{|T|} (1−λ)^{|S∖T|} ĥ(S), the notes' / repo's
   ``generate_M`` (§3.2.3), with M built entry by entry over the 3^n pairs T ⊆ S;
3. the spectral bound (§3.3): with y the unique top class of h at α, margin
   γ_h and Z the zeros of α (|Z| = m),
   τ_r(h) >= 1 − Q_r(h),  Q_r(h) = (2/γ_h) Σ_k Σ_{S ⊄ supp α} |c_{k,S}| π_r(S∖supp α),
   π_r(U) = Pr_{α'~Unif Δ_r}[U ⊆ α'] = Σ_{j=|U|}^{min(r,m)} C(m−|U|, j−|U|) / |Δ_r|;
4. the smoothed bound: τ_r(g) >= 1 − λ·(γ_h/γ_g)·Q_r(h) (for α where both h and
   g have a unique top class), via Q_r(g) <= λ·(γ_h/γ_g)·Q_r(h), which holds
   because every S in the sum has |S| >= 1.

>>> import numpy as np
>>> v = np.array([[0], [1], [1], [1]], dtype=object)   # OR of two bits
>>> mobius(v)[:, 0].tolist()                            # x0 + x1 - x0·x1
[0, 1, 1, -1]
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from .._validation import as_fraction, as_probability
from ..core.bits import popcount
from .rates import ScoreTable

__all__ = [
    "mobius",
    "fourier_sums",
    "smooth_iid_direct",
    "m_matrix_apply",
    "spectral_weights",
    "reach_counts",
    "spectral_sum",
    "popcounts",
]


def popcounts(n: int) -> np.ndarray:
    """popcount of every code 0..2^n − 1 (the sizes of all subsets, in code order)."""
    return popcount(np.arange(1 << n, dtype=np.int64))


def _as_object(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=object).copy()


def mobius(values: np.ndarray) -> np.ndarray:
    """c_S = Σ_{T ⊆ S} (−1)^{|S∖T|} v(T), per class (Python ints)."""
    out = _as_object(values)
    n = int(round(math.log2(out.shape[0])))
    codes = np.arange(1 << n, dtype=np.int64)
    for i in range(n):
        high = codes[(codes >> i) & 1 == 1]
        out[high] = out[high] - out[high ^ (1 << i)]
    return out


def fourier_sums(values: np.ndarray) -> np.ndarray:
    """Σ_β v(β) χ_S(β) with χ_S(β) = Π_{i∈S} (−1)^{β_i}, per class (Python ints; ĥ = this / (2^n D))."""
    out = _as_object(values)
    n = int(round(math.log2(out.shape[0])))
    codes = np.arange(1 << n, dtype=np.int64)
    for i in range(n):
        high = codes[(codes >> i) & 1 == 1]
        low = high ^ (1 << i)
        a, b = out[low], out[high]
        out[low], out[high] = a + b, a - b
    return out


def _int64_if_safe(values: np.ndarray, bound: int) -> np.ndarray:
    """int64 when ``bound`` (a proven bound on every |entry| and partial sum) stays below 2^62, else Python ints."""
    return np.asarray(values, dtype=np.int64) if bound < 2**62 else _as_object(values)


def smooth_iid_direct(table: ScoreTable, lam: Any) -> ScoreTable:
    """g(β) = Σ_s λ^{|s|} (1−λ)^{n−|s|} h(β ∧ s), the 2^n-term expectation, in integers over D·b^n (λ = a/b)."""
    lam = as_probability(lam, "lam")
    a, b, n = lam.numerator, lam.denominator, table.n
    biggest = max(1, int(np.abs(np.asarray(table.numerators, dtype=object)).max()))
    h = _int64_if_safe(table.numerators, biggest * b**n)
    betas = np.arange(1 << n, dtype=np.int64)
    sizes = popcounts(n)
    out = np.zeros_like(h)
    for s in range(1 << n):
        weight = a ** int(sizes[s]) * (b - a) ** (n - int(sizes[s]))
        if weight:
            out = out + weight * h[betas & s]
    return ScoreTable(n, out, table.denominator * b**n)


def _spread(count: int, positions: np.ndarray) -> np.ndarray:
    """All submasks of the bit positions ``positions`` as codes (2^len of them)."""
    t = np.arange(1 << count, dtype=np.int64)
    out = np.zeros_like(t)
    for k, p in enumerate(positions.tolist()):
        out |= ((t >> k) & 1) << p
    return out


def m_matrix_apply(sums: np.ndarray, lam: Any) -> tuple[np.ndarray, int]:
    """(M ĥ) entry by entry over every pair T ⊆ S: M[T, S] = λ^{|T|} (1−λ)^{|S∖T|}.

    Input: the integer sums 2^n·D·ĥ. Output: integers X with M ĥ = X / (2^n·D·b^n), from
    M[T, S]·b^n = a^{|T|} (b−a)^{|S∖T|} b^{n−|S|}.
    """
    lam = as_fraction(lam, "lam")
    a, b = lam.numerator, lam.denominator
    n = int(round(math.log2(sums.shape[0])))
    sizes = popcounts(n)
    values = _as_object(sums)
    out = np.zeros_like(values)
    power_ba = np.array([(b - a) ** k for k in range(n + 1)], dtype=object)
    power_b = np.array([b**k for k in range(n + 1)], dtype=object)
    for T in range(1 << n):
        rest = np.array([i for i in range(n) if not (T >> i) & 1], dtype=np.int64)
        U = _spread(rest.size, rest)
        S = T | U
        entries = a ** int(sizes[T]) * power_ba[sizes[U]] * power_b[n - sizes[S]]
        out[T] = (entries[:, None] * values[S]).sum(axis=0)
    return out, b**n


def spectral_weights(coefficients: np.ndarray, n: int) -> np.ndarray:
    """W[α, u] = Σ_k Σ_{S : |S ∖ supp α| = u} |c_{k,S}| for every α and u = 0..n (Python ints)."""
    absolute = np.abs(_as_object(coefficients)).sum(axis=1)
    safe = int(absolute.sum()) < 2**62
    absolute = np.asarray(absolute, dtype=np.int64) if safe else absolute
    codes = np.arange(1 << n, dtype=np.int64)
    outside = np.bitwise_count((codes[None, :] & ~codes[:, None]).astype(np.uint64)).astype(np.int8)
    out = np.zeros((1 << n, n + 1), dtype=object)
    for u in range(n + 1):
        out[:, u] = (np.where(outside == u, absolute[None, :], 0)).sum(axis=1)
    return out


def reach_counts(m: int, r: int) -> list[int]:
    """N_r(u) = Σ_{j=u}^{min(r,m)} C(m−u, j−u) = |Δ_r| · π_r(U) for |U| = u, u = 0..m."""
    return [sum(math.comb(m - u, j - u) for j in range(u, min(r, m) + 1)) for u in range(m + 1)]


def spectral_sum(weights: Any, m: int, r: int) -> int:
    """|Δ_r| · Σ_{u >= 1} W_u π_r(u) = Σ_{u >= 1} N_r(u) W_u (an integer over c's denominator)."""
    reach = reach_counts(m, r)
    return sum(reach[u] * int(weights[u]) for u in range(1, m + 1))
