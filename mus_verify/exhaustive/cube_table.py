"""g(x, α) for every α as per-class rows, and the per-run summaries the exhaustive checks judge.

:func:`smoothed_cube` is :func:`.engine.smoothed` over the whole cube, returned as a
:class:`CubeTable`: one row of 2^n exact numerators per class, in the ring word of the MuS closed
form (uint32 when T·D < 2^32), with the last class left implicit (``denominator − Σ rows``: the
classes of every output sum to the classifier's denominator). The int64 ``(2^n, m)`` table of the
old interface is built only when asked for (:attr:`CubeTable.numerators`), i.e. only on the rare
path that extracts a counterexample. With the compiled kernels missing (or n small) it is the old
engine's table, unchanged.

:func:`cube_edge_maxima` (Thm 3.1 on concrete classifiers) and :func:`stability_summary` (Thm 3.2)
run the kernels of :mod:`.cube_kernels` on it; see there for why each is exact.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from ..certificates import RADIUS_RULES
from ..errors import InvalidArgument
from ..model.classifiers import ExactClassifier
from .cube_kernels import DIRECTION_CODES, compiled_or_none, edge_maxima, zeta_rows
from .engine import INT64_SAFE, KeyMemo, Mode, Noise, Stats, _transforms, smoothed
from .mask_encodings import MULTIPLICATIVE, SmoothingVariant
from .mus_closed_form import sparse_mobius

__all__ = ["CubeTable", "smoothed_cube", "cube_edge_maxima", "StabilitySummary", "stability_summary"]

# α per chunk of the per-mask kernels (labels, tallies): enough chunks to balance two threads
CHUNK = 1 << 16
RULE_CODES = {"strict": 0, "ceil": 1, "floor": 2}


class CubeTable:
    """Numerators G[α, c] over ``denominator`` for all α ∈ {0,1}^n, stored as rows (one per class, the
    last one implicit when ``rows`` has ``classes − 1`` of them)."""

    def __init__(self, rows: np.ndarray, denominator: int, classes: int, numerators: np.ndarray | None = None) -> None:
        if rows.shape[0] not in (classes, classes - 1) or rows.shape[0] < 1:
            raise ValueError(f"{rows.shape[0]} rows for {classes} classes")
        self.rows = rows
        self.denominator = int(denominator)
        self.classes = int(classes)
        self.n = int(rows.shape[1]).bit_length() - 1
        if numerators is not None:
            self.__dict__["numerators"] = numerators

    @property
    def derived(self) -> bool:
        """Whether the last class is ``denominator − Σ rows`` rather than stored."""
        return self.rows.shape[0] < self.classes

    @property
    def alpha_codes(self) -> np.ndarray:
        return np.arange(1 << self.n, dtype=np.int64)

    @functools.cached_property
    def numerators(self) -> np.ndarray:
        """The old engine's (2^n, m) int64 table (built on first use: 8·m bytes per mask)."""
        out = np.empty((1 << self.n, self.classes), dtype=np.int64)
        for c in range(self.rows.shape[0]):
            out[:, c] = self.rows[c]
        if self.derived:
            out[:, -1] = self.denominator - out[:, :-1].sum(axis=1)
        return out

    def integers(self, row: int) -> list[int]:
        """The numerators of one mask, every class."""
        values = [int(self.rows[c, row]) for c in range(self.rows.shape[0])]
        if self.derived:
            values.append(self.denominator - sum(values))
        return values

    def value(self, row: int) -> tuple[Fraction, ...]:
        return tuple(Fraction(v, self.denominator) for v in self.integers(row))


def smoothed_cube(classifier: ExactClassifier, x: np.ndarray, variant: SmoothingVariant, noise: Noise, mode: Mode,
                  stats: Stats | None = None) -> CubeTable:
    """:func:`.engine.smoothed` over all 2^n masks, as a :class:`CubeTable` (same values, same work counted)."""
    stats = stats if stats is not None else Stats()
    n = noise.n
    mus = variant is MULTIPLICATIVE or bool(getattr(variant, "multiplicative", False))  # MuS or a variant compiled to it
    if not mus or compiled_or_none(n) is None:
        table = smoothed(classifier, x, variant, noise, mode, stats=stats)
        G = table.numerators
        return CubeTable(np.ascontiguousarray(G.T), table.denominator, G.shape[1], numerators=G)
    x = np.asarray(x, dtype=np.float64)
    visible = int(sum(1 << i for i in range(n) if x[i] != 0))
    memo = KeyMemo(classifier, x, variant, n, mode, stats)
    bound = noise.total * memo.denominator
    if bound >= INT64_SAFE:
        raise InvalidArgument("distribution", noise.distribution.name, "a weight total times classifier denominator below 2^62", f"got {noise.total} * {memo.denominator}")
    closure, (partners, w) = _transforms(noise)
    # the classifier on the distinct masked inputs of L (the memo's dense table is not touched: at
    # n = 24 it is 200 MB of pages for a few thousand entries); counted as the memo counts them
    keys, inverse = np.unique(closure & visible, return_inverse=True)
    values = memo._evaluate(keys).T[:, np.asarray(inverse).reshape(-1)]
    keep = max(1, memo.classes - 1)
    word = np.uint32 if bound < 2**32 else np.uint64
    rows = _zeroed((keep, 1 << n), word)
    # Ĥ · W on the down-closure L in Z/2^64, reduced to the word's ring (a ring homomorphism), then ζ
    rows[:, closure] = (sparse_mobius(values[:keep], partners) * w.astype(np.uint64)[None, :]).astype(word)
    zeta_rows(rows, n, closure)
    stats.masks += (1 << n) * int(noise.codes.shape[0])
    stats.runs += 1
    return CubeTable(rows, bound, memo.classes)


def cube_edge_maxima(table: CubeTable) -> np.ndarray:
    """For each feature i: the largest |g_c(α + e_i) − g_c(α)| numerator over all α and classes c (int64, length n)."""
    per_row = edge_maxima(table.rows, table.n, table.derived)
    return per_row.max(axis=0)


@dataclass(frozen=True)
class StabilitySummary:
    """Everything a clean stability run contributes (histograms as in stability's tally), from the kernels."""

    certificates: int
    nontrivial: int
    largest: int
    pairs: np.ndarray  # (2, (n+1)^2): rows (direction, any), cone·(n+1) + capped
    true_vs: np.ndarray  # (2, (n+1)(n+2)): capped·(n+2) + true
    violations: tuple[int, int]
    tie_claims: int
    full: dict[str, Any]  # at α = 1…1: predicted (-1 tie), exact radius, distance in the direction

    @property
    def clean(self) -> bool:
        """No violation in either key and no radius claimed at a tie: nothing to extract."""
        return self.violations == (0, 0) and self.tie_claims == 0


def stability_summary(table: CubeTable, lam: Fraction, rule_name: str, rule: Callable[[Any, Any], Any], direction: str,
                      spot_checks: int = 32) -> StabilitySummary | None:
    """Labels, radii, both label-distance transforms and the tallies of one run; None where the kernels
    do not apply (no numba, small n, a rule other than the built-in ones, or operands beyond 2^62)."""
    kernels = compiled_or_none(table.n)
    if kernels is None or rule_name not in RULE_CODES or RADIUS_RULES.get(rule_name) is not rule:
        return None
    n, D = table.n, table.denominator
    a, b = lam.numerator, lam.denominator
    if max(D * b, 2 * a * D) >= 2**62:
        return None
    code = RULE_CODES[rule_name]
    cap = n + 1  # a radius beyond n claims nothing more than n: the per-mask radii are clipped there
    label, radius = _scratch((1 << n,), np.int8, 0), _scratch((1 << n,), np.int8, 1)
    stats = kernels.labels_and_radii(table.rows, D if table.derived else -1, a, b, D, code, cap, CHUNK, label, radius)
    # the kernels' formulas against certificates' rule, on spread masks and the extreme gaps
    spread = np.linspace(0, (1 << n) - 1, num=spot_checks).astype(np.int64).tolist()
    for alpha in spread:
        g = _gap(table.integers(alpha))
        exact = _spot_check(kernels, rule, rule_name, g, lam, D, code)
        if int(radius[alpha]) != min(exact, cap):  # pragma: no cover - an engine bug, never a verdict
            raise AssertionError(f"compiled clipped {rule_name} radius {int(radius[alpha])} differs from min({exact}, {cap}) at α = {alpha}")
    for g in (int(stats[:, 4].min()), int(stats[:, 5].max())):
        _spot_check(kernels, rule, rule_name, g, lam, D, code)
    way = DIRECTION_CODES[direction]
    dist_direction, dist_any = _scratch((1 << n,), np.uint8, 2), _scratch((1 << n,), np.uint8, 3)
    kernels.label_distances(label, n, way, *_layout(n), dist_direction, dist_any)
    pairs, true_vs, violations = kernels.tally(label, radius, dist_direction, dist_any, n, way, CHUNK, _ONES)
    full = (1 << n) - 1
    g_full = _gap(table.integers(full))
    full_info = {"predicted": int(label[full]), "radius": int(kernels.radius_of(g_full, a, b, D, code)), "distance": int(dist_direction[full])}
    top_gap = int(stats[:, 2].max())  # the rules are non-decreasing in the gap
    largest = int(kernels.radius_of(top_gap, a, b, D, code)) if top_gap >= 0 else -1
    return StabilitySummary(int(stats[:, 0].sum()), int(stats[:, 1].sum()), largest, np.asarray(pairs), np.asarray(true_vs),
                            (int(violations[0]), int(violations[1])), int(stats[:, 3].sum()), full_info)


_POOL: dict[tuple[Any, ...], Any] = {}


def _zeroed(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """np.zeros(shape, dtype), reusing an array of a former run that nothing references any more.

    A fresh 128 MiB table costs more in page faults (up to 0.3 s on a busy machine) than its zeta
    transform. An array is reused only when the pool holds its sole reference (a view of it, a
    CubeTable or a caller's variable would each hold one), so no live table is ever overwritten.
    Two per shape: a caller's loop still holds the former run's table while it asks for the next.
    """
    if int(np.prod(shape)) < 1 << 20:
        return np.zeros(shape, dtype=dtype)
    kept: list[np.ndarray] = _POOL.setdefault(("zeroed", shape, np.dtype(dtype).str), [])
    for found in kept:
        if sys.getrefcount(found) <= 3:  # the pool's list, ``found`` and getrefcount's argument
            found.fill(0)
            return found
    out = np.zeros(shape, dtype=dtype)
    if len(kept) < 2:
        kept.append(out)
    return out


def _scratch(shape: tuple[int, ...], dtype: Any, slot: int) -> np.ndarray:
    """A work array of :func:`stability_summary` (contents undefined), kept between runs: each call
    overwrites the one of the former call with the same slot, which nothing outside reads."""
    key = ("scratch", slot, shape, np.dtype(dtype).str)
    if key not in _POOL:
        _POOL[key] = np.empty(shape, dtype=dtype)
    return _POOL[key]


_ONES = np.array([bin(v).count("1") for v in range(4096)], dtype=np.uint8)


def _spot_check(kernels: Any, rule: Callable[[Any, Any], Any], rule_name: str, g: int, lam: Fraction, D: int, code: int) -> int:
    """The kernels' exact radius at gap g/D, asserted equal to certificates' rule; returned."""
    expected = int(rule(Fraction(g, D), lam))
    got = int(kernels.radius_of(g, lam.numerator, lam.denominator, D, code))
    if got != expected:  # pragma: no cover - an engine bug, never a verdict
        raise AssertionError(f"compiled {rule_name} radius {got} differs from certificates' {expected} at gap {g}/{D}")
    return got


def _layout(n: int) -> tuple[int, int]:
    from .cube_kernels import layout

    return layout(n, 2)


def _gap(values: list[int]) -> int:
    """The top-two gap numerator of one mask (as engine.top_two_numerators: the value itself with one class)."""
    if len(values) == 1:
        return values[0]
    top, second = sorted(values, reverse=True)[:2]
    return top - second
