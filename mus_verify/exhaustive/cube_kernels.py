"""Whole-cube kernels of the MuS closed-form engine, compiled with numba when it is installed.

What runs here. After :mod:`.mus_closed_form` has reduced smoothing to one subset-sum (zeta)
transform, every remaining step of the Lipschitz and stability checks is an O(n · 2^n) sweep over
tables indexed by the mask code α ∈ {0,1}^n: the zeta transform itself, the largest |Δg| along
each feature (Thm 3.1, concrete classifiers), the unique top class and certified radius of every
α, the distance to the nearest mask with another top class (the true radius, Thm 3.2) and the
histograms the stability checks report. With numpy each of them is n passes over the whole
table per class and run, memory-bound (benchmarks/RESULTS.md: n = 24 lipschitz 196 s); the kernels
in :mod:`._cube_numba` do each in two cache-blocked sweeps, parallel, with no temporaries.

Why it is exact. Integers only. The zeta transform runs in Z/2^32 (uint32) or Z/2^64 (uint64)
words, wrap-around included: the true values G[α] lie in [0, T·D) with T·D < 2^32 (resp. < 2^62,
checked by :func:`.mus_closed_form.smooth_cube_rows`), so each residue *is* the value. Differences
and sums are taken in int64 (|Δ| <= T·D < 2^62). The radius rules are integer divisions whose
operands stay below 2^62 (checked in :mod:`.cube_table` before a kernel runs). Blocking only changes
the order of additions and minima over disjoint entries, which are associative and commutative in
these rings, so the result is the same for any number of threads.

One fewer class. The classes of every classifier output sum to its denominator, so
Σ_c G[α, c] = T · D for every α: the last class is ``T·D − Σ others`` and is never transformed.

Nearest mask with another label. For stability the old engine ran one distance transform per
class c with bad = {β : top(β) ≠ c}. :func:`label_distances` computes all of them at once:
after the passes over bits 0..i−1, d[α] is the distance to the nearest β with another label that
differs from α only in those bits (in the allowed direction); at bit i a neighbour γ = α ⊕ e_i with
another label is at distance 1, and one with the same label offers d[γ] + 1 (its nearest β with a
label ≠ label(γ) = label(α)). By induction over bits this is the per-class transform at every α.

Reference implementations. Each kernel has a numpy twin here (``*_numpy``), the code the checks
ran before; tests/exhaustive/test_n24_engine.py asserts they agree, and the checks' verdicts,
margins, histograms and counterexamples agree with the enumerating engine, numba on and off.
Without numba (or with ``MUS_VERIFY_NUMBA=0``) every caller gets the numpy path: same results,
the old speed, and the old work limit (:mod:`mus_verify.checks._exhaustive`).

Threads. The kernels use numba's threading layer with ``NUMBA_NUM_THREADS`` threads (default:
the cores this process may run on). They do not share torch's pool: a process that runs both
torch work and a check may use both pools, one after the other (the checks do not run torch).
Numba's default ``workqueue`` layer must not be entered from two Python threads at once; Ray
workers are processes, each with its own pool, so give each worker ``NUMBA_NUM_THREADS=1`` when
several share a machine, or the pools oversubscribe the cores.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from typing import Any

import numpy as np

from .distance import distance_to
from .mus_closed_form import zeta_in_place

__all__ = [
    "numba_kernels",
    "kernels_available",
    "KERNEL_MIN_N",
    "layout",
    "zeta_rows",
    "edge_maxima",
    "edge_maxima_numpy",
    "label_distances",
    "label_distance_numpy",
    "tally_numpy",
]

# Below this size the numpy passes are already a few milliseconds: not worth a compiled call.
KERNEL_MIN_N = 12
_STRIP_BYTES = 1 << 19
# Bits handled inside a block (2^13 uint32 = 32 KiB); tests lower it so small n runs both phases.
BLOCK_BITS = 13
_LOADED: list[ModuleType | None] = []


def kernels_available() -> bool:
    """Whether the compiled kernels will be used (numba importable, not disabled); imports nothing."""
    return os.environ.get("MUS_VERIFY_NUMBA", "1") != "0" and importlib.util.find_spec("numba") is not None


def numba_kernels() -> ModuleType | None:
    """The compiled kernels module, or None without numba or with ``MUS_VERIFY_NUMBA=0``."""
    if os.environ.get("MUS_VERIFY_NUMBA", "1") == "0":
        return None
    if not _LOADED:
        try:
            from . import _cube_numba
        except ImportError:
            _LOADED.append(None)
        else:
            _start_pool(_cube_numba)
            _limit_threads()
            _LOADED.append(_cube_numba)
    return _LOADED[0]


def _start_pool(kernels: ModuleType) -> None:
    """Start numba's threads with OpenMP's passive wait unless the user chose a layer or a policy.

    GNU OpenMP's default lets idle workers spin after every parallel region; between the kernels the
    checks run numpy and Python on the main thread, which then competes with its own spinning
    workers (measured: a 10-feature stability check 6.3 s instead of 0.4 s on 2 busy cores). The
    variable is read when the OpenMP library loads, i.e. at the first parallel loop, and is removed
    again right after, so child processes and other libraries do not inherit it.
    """
    if "NUMBA_THREADING_LAYER" in os.environ or "OMP_WAIT_POLICY" in os.environ:
        kernels.start_pool(np.zeros(4, dtype=np.int64))
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        kernels.start_pool(np.zeros(4, dtype=np.int64))
    finally:
        del os.environ["OMP_WAIT_POLICY"]


def _limit_threads() -> None:
    """Numba's default pool has os.cpu_count() threads; use no more than the cores we may run on."""
    if "NUMBA_NUM_THREADS" in os.environ:
        return
    import numba

    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return
    numba.set_num_threads(max(1, min(int(getattr(numba.config, "NUMBA_NUM_THREADS")), cores)))


def layout(n: int, itemsize: int) -> tuple[int, int]:
    """(low, width): blocks of 2^low entries, strips of ``width`` columns of about 512 KiB."""
    low = min(n, BLOCK_BITS)
    blocks = 1 << (n - low)
    width = 1 << low
    while width > 16 and blocks * width * itemsize > _STRIP_BYTES:
        width //= 2
    return low, width


def _compiled(n: int) -> ModuleType | None:
    return numba_kernels() if n >= KERNEL_MIN_N else None


def zeta_rows(table: np.ndarray, n: int, closure: np.ndarray | None = None) -> None:
    """In place along the last axis: F[u] = Σ_{t ⊆ u} f[t] in the ring of the word (uint32 / uint64).

    ``closure`` (optional): the codes where ``table`` may be nonzero, so blocks without one are skipped.
    """
    kernels = _compiled(n)
    if kernels is None:
        zeta_in_place(table, n)
        return
    low, width = layout(n, table.itemsize)
    active = np.ones((table.shape[0], 1 << (n - low)), dtype=np.bool_)
    if closure is not None:
        active[:] = False
        active[:, np.unique(np.asarray(closure, dtype=np.int64) >> low)] = True
    kernels.zeta(table, n, low, width, active)


def edge_maxima_numpy(table: np.ndarray, n: int, with_sum: bool) -> np.ndarray:
    """Reference: out[c, i] = max |row_c[α + e_i] − row_c[α]| over α with bit i clear (and Σ rows if ``with_sum``)."""
    rows = [table[c].astype(np.int64) for c in range(table.shape[0])]
    if with_sum:
        rows.append(np.sum(rows, axis=0, dtype=np.int64))
    out = np.zeros((len(rows), n), dtype=np.int64)
    for c, row in enumerate(rows):
        for i in range(n):
            pairs = row.reshape(-1, 2, 1 << i)
            delta = pairs[:, 1] - pairs[:, 0]
            out[c, i] = max(0, int(delta.max()), -int(delta.min()))
    return out


def edge_maxima(table: np.ndarray, n: int, with_sum: bool) -> np.ndarray:
    """:func:`edge_maxima_numpy`, compiled when available."""
    kernels = _compiled(n)
    if kernels is None:
        return edge_maxima_numpy(table, n, with_sum)
    low, width = layout(n, 8)  # the strips are copied to int64
    return np.asarray(kernels.edge_maxima(table, n, low, width, with_sum))


def label_distance_numpy(label: np.ndarray, n: int, direction: str) -> np.ndarray:
    """Reference: per label value, the old engine's distance transform to the masks with another label."""
    out = np.full(1 << n, n + 1, dtype=np.uint8)
    for value in np.unique(label).tolist():
        own = label == value
        np.copyto(out, distance_to(~own, n, direction), where=own)  # type: ignore[arg-type]
    return out


DIRECTION_CODES = {"any": 0, "up": 1, "down": 2}


def label_distances(label: np.ndarray, n: int, direction: str, out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(d over supersets (``direction`` "up") or subsets ("down"), d in any direction): d[α] = min ‖β − α‖₁
    over those β with label[β] ≠ label[α]; n + 1 if none (uint8). ``out``: two uint8 arrays to fill."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction {direction!r}: 'up' or 'down'")
    kernels = _compiled(n)
    if kernels is None:
        return label_distance_numpy(label, n, direction), label_distance_numpy(label, n, "any")
    low, width = layout(n, 2)
    dd, da = out if out is not None else (np.empty(1 << n, dtype=np.uint8), np.empty(1 << n, dtype=np.uint8))
    kernels.label_distances(np.ascontiguousarray(label, dtype=np.int8), n, DIRECTION_CODES[direction], low, width, dd, da)
    return dd, da


def tally_numpy(label: np.ndarray, radius: np.ndarray, dist_direction: np.ndarray, dist_any: np.ndarray, n: int,
                direction: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference of the compiled ``tally``: (pairs, true_vs, violations), each with rows (direction, any)."""
    from .distance import cone_size

    alphas = np.flatnonzero(label >= 0)
    r = radius[alphas].astype(np.int64)
    pairs = np.zeros((2, (n + 1) ** 2), dtype=np.int64)
    true_vs = np.zeros((2, (n + 1) * (n + 2)), dtype=np.int64)
    violations = np.zeros(2, dtype=np.int64)
    for key, (dist, way) in enumerate(((dist_direction, direction), (dist_any, "any"))):
        d = dist[alphas].astype(np.int64)
        cone = cone_size(alphas, n, way)  # type: ignore[arg-type]
        violations[key] = int(((d <= n) & (d <= r)).sum())
        claimed = r >= 0
        capped = np.minimum(r[claimed], cone[claimed])
        true = np.minimum(d[claimed] - 1, cone[claimed])
        pairs[key] = np.bincount(cone[claimed] * (n + 1) + capped, minlength=(n + 1) ** 2)
        true_vs[key] = np.bincount(capped * (n + 2) + true, minlength=(n + 1) * (n + 2))
    return pairs, true_vs, violations


def compiled_or_none(n: int) -> Any:
    """The kernels module for a size worth compiling for, else None (callers then use the numpy path)."""
    return _compiled(n)
