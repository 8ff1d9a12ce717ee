"""Exact mask distributions over {0,1}^n.

A :class:`MaskDistribution` is a finite list of masks with non-negative
integer weights over one common denominator, so every probability it reports
is an exact :class:`~fractions.Fraction`. Three constructors cover MuS:

* :func:`lqv` — the structured noise L_qv(λ) of the paper's Prop. 3.4 / A.2:
  q masks, mask j keeps feature i iff ``(v_i + j) mod q < k`` where λ = k/q.
  This equals the paper's ``t_i = v_i/q + (j + 1/2)/q mod 1, s_i = [t_i <= λ]``
  because ``(v_i + j + 1/2) mod q <= k  <=>  (v_i + j) mod q < k`` for integers.
* :func:`bernoulli_iid` — independent Bernoulli(λ) coordinates over all 2^n masks.
* :func:`finite` — any finite distribution a user gives (masks with rational weights).

:func:`seed_vector` is the one seed convention: ``seed_vector(n, q, seed)`` is
the seed vector that ``mus-verify check --seed``, the variants' exact
evaluation and ``mus_verify.torch_backend.MuS(seed=...)`` all use, so seed 0
names the same L_qv(λ) noise everywhere.

>>> d = lqv([0, 1, 3], q=4, lam="2/4")
>>> d.masks.astype(int).tolist()
[[1, 1, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0]]
>>> d.marginals()
(Fraction(1, 2), Fraction(1, 2), Fraction(1, 2))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ._validation import (
    as_fraction,
    as_int,
    as_probability,
    check_binary_vector,
    check_lambda,
    check_q,
    check_seed_vector,
    lambda_steps,
)
from .core.bits import masks_from_codes
from .errors import InvalidArgument

__all__ = ["MaskDistribution", "lqv", "lqv_masks", "bernoulli_iid", "finite", "seed_vector", "random_seed_vector", "MAX_LQV_CELLS", "check_lqv_size"]

# Bernoulli(λ)^n enumerates 2^n masks; beyond this the exact object is too big to be useful.
MAX_IID_FEATURES = 20
# L_qv(λ) is stored as its q masks: a (q, n) table, built through int64 temporaries of the same
# shape. 2^24 entries is 128 MiB of temporaries and about a second; a 196-patch ViT at q = 4096
# needs 0.8 M. Larger tables exhaust memory or run for minutes, so they are refused up front.
MAX_LQV_CELLS = 2**24
_INT64_SAFE = 2**62


@dataclass(frozen=True, eq=False)
class MaskDistribution:
    """A finite distribution on {0,1}^n with exact rational weights.

    ``masks`` is a read-only (N, n) bool array; ``counts`` holds N non-negative
    Python integers and ``total`` their sum, so mask r has probability
    ``counts[r] / total`` exactly. ``params`` records how it was built.
    """

    masks: np.ndarray
    counts: tuple[int, ...]
    total: int
    name: str = "finite"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.masks, np.ndarray):
            raise InvalidArgument("masks", self.masks, "a 2-D numpy bool array (N masks by n features); use finite() for lists")
        if not isinstance(self.counts, tuple) or any(isinstance(c, bool) or not isinstance(c, int) for c in self.counts):
            raise InvalidArgument("counts", self.counts, "a tuple of non-negative Python integers, one per mask")
        if isinstance(self.total, bool) or not isinstance(self.total, int):
            raise InvalidArgument("total", self.total, "a positive Python integer (the common denominator)")
        if self.masks.ndim != 2 or self.masks.dtype != bool:
            raise InvalidArgument("masks", f"array of shape {self.masks.shape} and dtype {self.masks.dtype}", "a 2-D bool array (N masks by n features)")
        if len(self.counts) != self.masks.shape[0]:
            raise InvalidArgument("counts", f"{len(self.counts)} weights", f"one weight per mask ({self.masks.shape[0]})")
        if any(c < 0 for c in self.counts) or sum(self.counts) != self.total or self.total <= 0:
            raise InvalidArgument("counts", self.counts, f"non-negative integers summing to total = {self.total} > 0")
        self.masks.setflags(write=False)

    @property
    def n(self) -> int:
        """Number of features (mask bits)."""
        return int(self.masks.shape[1])

    @property
    def size(self) -> int:
        """Number of masks listed (some may share a value)."""
        return int(self.masks.shape[0])

    def weights(self) -> tuple[Fraction, ...]:
        """Exact probability of each listed mask."""
        return tuple(Fraction(c, self.total) for c in self.counts)

    def marginal(self, i: int) -> Fraction:
        """Pr[s_i = 1], exactly."""
        i = as_int(i, "i", low=0, high=self.n - 1)
        return Fraction(sum(c for c, keep in zip(self.counts, self.masks[:, i]) if keep), self.total)

    def marginals(self) -> tuple[Fraction, ...]:
        """Pr[s_i = 1] for every coordinate i, exactly."""
        if self.total < _INT64_SAFE:
            # Every partial sum is <= total, so int64 arithmetic is exact here.
            kept = (np.asarray(self.counts, dtype=np.int64) @ self.masks.astype(np.int64)).tolist()
        else:
            weights = np.asarray(self.counts, dtype=object)
            kept = [int(weights[self.masks[:, i]].sum()) for i in range(self.n)]
        return tuple(Fraction(int(k), self.total) for k in kept)

    def probability(self, event: Callable[[np.ndarray], Any]) -> Fraction:
        """Pr[event(s)], exactly; ``event`` maps the (N, n) bool mask array to N booleans."""
        hits = np.asarray(event(self.masks), dtype=bool)
        if hits.shape != (self.size,):
            raise InvalidArgument("event", f"result of shape {hits.shape}", f"one boolean per mask, shape ({self.size},)")
        return Fraction(sum(c for c, hit in zip(self.counts, hits) if hit), self.total)

    def support(self) -> tuple[np.ndarray, tuple[int, ...]]:
        """Distinct masks with their merged counts (zero-weight masks dropped)."""
        merged: dict[bytes, int] = {}
        rows: dict[bytes, np.ndarray] = {}
        for c, row in zip(self.counts, self.masks):
            if c:
                key = np.packbits(row).tobytes()
                merged[key] = merged.get(key, 0) + c
                rows.setdefault(key, row)
        keys = list(merged)
        masks = np.array([rows[k] for k in keys], dtype=bool).reshape(len(keys), self.n)
        return masks, tuple(merged[k] for k in keys)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form that :func:`finite` reads back (weights as 'a/b' strings)."""
        return {
            "name": self.name,
            "params": dict(self.params),
            "masks": self.masks.astype(int).tolist(),
            "weights": [_fraction_text(w) for w in self.weights()],
        }


def check_lqv_size(n: int, q: int, names: tuple[str, str] = ("q", "n")) -> None:
    """Refuse an L_qv table of q masks by n features larger than :data:`MAX_LQV_CELLS` entries.

    The error names whichever of q and n (``names``, as the caller spells them) is the larger.
    """
    if n * q > MAX_LQV_CELLS:
        argument, value = (names[0], q) if q >= n else (names[1], n)
        raise InvalidArgument(
            argument, value, f"q · n <= 2^24 = {MAX_LQV_CELLS:,} mask entries (the q masks of L_qv are stored as a q × n table)",
            f"q = {q:,} and n = {n:,} give {n * q:,}: more memory and time than an exact run can use; lower q or n",
        )


def lqv_masks(seed_vector: Sequence[int], q: int, k: int) -> np.ndarray:
    """The q masks of L_qv(k/q) as a (q, n) bool array: ``s[j, i] = (v_i + j) mod q < k``.

    Integer arithmetic only (no float ramp: the research code's clamped ramp
    gives 0.99998 instead of 1 when q is not a power of two).
    """
    v = np.asarray(seed_vector, dtype=np.int64)
    j = np.arange(q, dtype=np.int64)[:, None]
    return (v[None, :] + j) % q < k


def lqv(seed_vector: Sequence[int], q: int, lam: Any) -> MaskDistribution:
    """L_qv(λ): the q structured masks of the paper's Prop. 3.4, each with weight 1/q.

    ``seed_vector`` holds integers v_i in 0..q-1 (the paper's v times q) and
    λ must equal k/q exactly. Every feature is kept in exactly k of the q masks.
    """
    q = check_q(q)
    lam = check_lambda(lam, q)
    if hasattr(seed_vector, "__len__") and not isinstance(seed_vector, (str, bytes)):
        check_lqv_size(len(seed_vector), q)  # before validating (and copying) a huge seed vector
    v = check_seed_vector(seed_vector, q)
    check_lqv_size(len(v), q)
    k = lambda_steps(lam, q)
    masks = lqv_masks(v, q, k)
    return MaskDistribution(masks, (1,) * q, q, "lqv", {"q": q, "lam": lam, "seed_vector": v})


def seed_vector(n: int, q: int, seed: int) -> tuple[int, ...]:
    """The seed vector of ``seed``: n integers uniform in 0..q-1 from a dedicated ``numpy.random.Generator(seed)``.

    The one seed-to-seed-vector convention of mus_verify (``check --seed``, the
    variants' exact evaluation, ``torch_backend.MuS(seed=...)``); the global
    numpy and torch RNGs are never read or re-seeded.

    >>> seed_vector(4, 8, 0)
    (6, 5, 4, 2)
    """
    n = as_int(n, "n", low=1, high=MAX_LQV_CELLS)
    q = as_int(q, "q", low=1, high=2**62)  # numpy draws int64 entries
    seed = as_int(seed, "seed", low=0)
    rng = np.random.default_rng(seed)
    return tuple(int(v) for v in rng.integers(0, q, size=n))


random_seed_vector = seed_vector
"""The former name of :func:`seed_vector` (same function)."""


def bernoulli_iid(n: int, lam: Any) -> MaskDistribution:
    """Independent Bernoulli(λ) coordinates: all 2^n masks, Pr[s] = λ^|s| (1-λ)^(n-|s|).

    λ may be any rational in [0, 1]; n is limited to ``MAX_IID_FEATURES``.
    """
    n = as_int(n, "n", low=1, high=MAX_IID_FEATURES)
    lam = as_probability(lam, "lam")
    a, b = lam.numerator, lam.denominator
    masks = masks_from_codes(np.arange(2**n, dtype=np.int64), n)
    ones = masks.sum(axis=1)
    counts = tuple(a ** int(w) * (b - a) ** (n - int(w)) for w in ones)
    return MaskDistribution(masks, counts, b**n, "bernoulli-iid", {"n": n, "lam": lam})


def finite(masks: Iterable[Sequence[Any]], weights: Iterable[Any], name: str = "finite", params: Mapping[str, Any] | None = None) -> MaskDistribution:
    """A user's finite distribution: 0/1 masks with rational weights summing to exactly 1 (``params``: how it was built).

    >>> finite([[1, 0], [0, 1]], ["1/2", "1/2"]).marginals()
    (Fraction(1, 2), Fraction(1, 2))
    """
    if isinstance(masks, (str, bytes)) or not isinstance(masks, Iterable):
        raise InvalidArgument("masks", masks, "a list of 0/1 masks")
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Iterable):
        raise InvalidArgument("weights", weights, "a list of rational weights, one per mask")
    rows = [check_binary_vector(m, None, f"masks[{r}]") for r, m in enumerate(masks)]
    if not rows:
        raise InvalidArgument("masks", [], "at least one mask")
    n = len(rows[0])
    if n == 0:
        raise InvalidArgument("masks[0]", [], "a mask over at least one feature")
    for r, row in enumerate(rows):
        if len(row) != n:
            raise InvalidArgument(f"masks[{r}]", row.astype(int).tolist(), f"a mask of length n = {n} like masks[0]")
    fractions = [as_fraction(w, f"weights[{r}]") for r, w in enumerate(weights)]
    if len(fractions) != len(rows):
        raise InvalidArgument("weights", f"{len(fractions)} weights", f"one weight per mask ({len(rows)})")
    for r, w in enumerate(fractions):
        if w < 0:
            raise InvalidArgument(f"weights[{r}]", w, "a non-negative rational")
    total = sum(fractions, Fraction(0))
    if total != 1:
        raise InvalidArgument("weights", [_fraction_text(w) for w in fractions], "rational weights summing to exactly 1", f"they sum to {total}")
    denominator = math.lcm(*(w.denominator for w in fractions))
    counts = tuple(int(w * denominator) for w in fractions)
    return MaskDistribution(np.array(rows, dtype=bool), counts, denominator, name, dict(params or {}))


def _fraction_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
