"""The vectorised exact engine: g(x, α) for every α at once, and exact laws of masked inputs.

Everything is an integer. A noise distribution becomes its distinct mask codes
with integer weights over one ``total`` T; a classifier's outputs are integer
numerators over its ``denominator`` D (1 in vote mode), so

    G[α, c] = Σ_j w_j · H[key(α, s_j), c]          and   g_c(x, α) = G[α, c] / (T · D)

exactly, with no rational object in the inner loops. ``key`` is the variant's
integer encoding of the masked input (see :mod:`.variants`).

Memoisation. The base classifier is evaluated once per *distinct masked
input*, i.e. per distinct key, never once per (α, s) pair. With x whose
entries are all nonzero, distinct effective masks give distinct masked inputs,
so a classifier is an arbitrary function of the effective mask: a truth table
over 2^n masks (base^n keys for a variant with larger digits). That is the
worst case for every statement checked here: an input x with zero entries is
x' (zeros replaced by nonzero values) followed by a zeroing map z, and
h(x ⊙ e) = (h ∘ z)(x' ⊙ e), so every classifier at x is some classifier at x'
(data processing). At x with zeros, masks that differ only where x_i = 0
collapse to one key, and the memo shrinks accordingly (``Stats.distinct_inputs``).

Distinct (not only nonzero) entries additionally keep classifiers that look at
the multiset of visible values (permutation-invariant models) from merging
masks, so the concrete families see as many distinct inputs as possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Literal

import numpy as np

from ..distributions import MaskDistribution
from ..errors import InvalidArgument
from ..core.bits import codes_from_masks
from ..model.classifiers import ExactClassifier, one_hot_argmax
from .mask_encodings import SmoothingVariant, decode_keys, masked_rows
from .mus_closed_form import down_closure, smooth_cube, sparse_transforms

__all__ = [
    "Noise",
    "encode_noise",
    "Stats",
    "KeyMemo",
    "Smoothed",
    "smoothed",
    "edge_tv",
    "law_tv",
    "law_difference",
    "top_two_numerators",
    "keys_to_rows",
    "INT64_SAFE",
]

Mode = Literal["average", "vote"]
INT64_SAFE = 2**62
# Keys computed per block: bounds the engine's working memory (a few arrays of this many int64).
BLOCK = 1 << 18
# Largest dense lookup table (key space x classes entries of int32, 512 MiB); larger key spaces
# keep sorted keys + searchsorted.
DENSE_ENTRIES = 1 << 27


@dataclass(frozen=True)
class Noise:
    """A mask distribution as distinct integer codes with integer weights over ``total``."""

    n: int
    codes: np.ndarray
    weights: np.ndarray
    total: int
    distribution: MaskDistribution


def encode_noise(distribution: MaskDistribution) -> Noise:
    """Merge duplicate masks and drop zero weights; refuse totals that int64 cannot carry exactly."""
    if not isinstance(distribution, MaskDistribution):
        raise InvalidArgument("distribution", distribution, "a mus_verify.distributions.MaskDistribution")
    masks, counts = distribution.support()
    if distribution.total >= INT64_SAFE >> 20:
        raise InvalidArgument("distribution", distribution.name, f"a distribution whose weights have a common denominator below 2^42 (got {distribution.total})", "the int64 engine multiplies it by classifier denominators up to 2^16")
    return Noise(distribution.n, codes_from_masks(masks), np.asarray(counts, dtype=np.int64), int(distribution.total), distribution)


@dataclass
class Stats:
    """Work done, for the throughput line: (α, s) masked inputs covered and distinct classifier calls.

    ``masks`` counts every (α, s) pair a run accounts for, whether enumerated or covered by an exact
    closed form (:mod:`.mus_closed_form`), so runs of either engine report the same count.
    """

    masks: int = 0
    distinct_inputs: int = 0
    runs: int = 0

    def add(self, other: "Stats") -> None:
        self.masks += other.masks
        self.distinct_inputs += other.distinct_inputs
        self.runs += other.runs


class KeyMemo:
    """A classifier's exact output rows, computed once per distinct key (= distinct masked input)."""

    def __init__(self, classifier: ExactClassifier, x: np.ndarray, variant: SmoothingVariant, n: int, mode: Mode, stats: Stats) -> None:
        if mode not in ("average", "vote"):
            raise InvalidArgument("mode", mode, "'average' or 'vote'")
        self.classifier = classifier
        self.x = np.asarray(x, dtype=np.float64)
        self.variant = variant
        self.n = n
        self.mode = mode
        self.stats = stats
        self.classes = int(classifier.classes)
        self.denominator = 1 if mode == "vote" else int(classifier.denominator)
        space = variant.key_space(n)
        # numerators never exceed the classifier's denominator: int32 halves the table when it fits
        dtype = np.int32 if self.denominator < 2**31 else np.int64
        self.dense = space * self.classes <= DENSE_ENTRIES
        # one contiguous column per class: gathering a column and summing it is several times
        # faster than gathering (keys, m) rows
        if self.dense:
            self.known = np.zeros(space, dtype=bool)
            self.columns = np.zeros((self.classes, space), dtype=dtype)
        else:
            self.sorted_keys = np.zeros(0, dtype=np.int64)
            self.columns = np.zeros((self.classes, 0), dtype=dtype)

    def _evaluate(self, keys: np.ndarray) -> np.ndarray:
        rows = masked_rows(self.x, decode_keys(keys, self.variant.base, self.n))
        out = np.asarray(self.classifier.numerators(rows), dtype=np.int64)
        if out.shape != (keys.shape[0], self.classes) or np.any(out < 0) or np.any(out.sum(axis=1) != self.classifier.denominator):
            raise InvalidArgument("classifier", repr(self.classifier), f"rows of {self.classes} non-negative integers summing to its denominator {self.classifier.denominator}")
        self.stats.distinct_inputs += int(keys.shape[0])
        return one_hot_argmax(out) if self.mode == "vote" else out

    def _positions(self, keys: np.ndarray) -> np.ndarray:
        """Evaluate the classifier on keys not seen yet; return where each key's outputs live."""
        if self.dense:
            flat = keys.reshape(-1)
            fresh = np.flatnonzero(~self.known[flat])
            if fresh.size:
                new = np.unique(flat[fresh])
                self.columns[:, new] = self._evaluate(new).T
                self.known[new] = True
            return keys
        unique = np.unique(keys)
        position = np.searchsorted(self.sorted_keys, unique)
        present = (position < self.sorted_keys.size) & (self.sorted_keys[np.minimum(position, self.sorted_keys.size - 1)] == unique) if self.sorted_keys.size else np.zeros(unique.size, bool)
        new = unique[~present]
        if new.size:  # merge the sorted new keys in: O(size) per block, no re-sort
            at = np.searchsorted(self.sorted_keys, new)
            self.sorted_keys = np.insert(self.sorted_keys, at, new)
            self.columns = np.insert(self.columns, at, self._evaluate(new).T, axis=1)
        return np.searchsorted(self.sorted_keys, keys)

    def weighted_sums(self, keys: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ_j weights[j] · h(key[b, j]) for each row b of a (b, N) key array: (b, m) int64, exact."""
        positions = self._positions(keys)
        weights = np.asarray(weights, dtype=np.int64)
        return np.stack([column[positions].dot(weights) for column in self.columns], axis=-1)


@dataclass(frozen=True)
class Smoothed:
    """G[α, c] numerators over ``denominator`` = T · D for the listed α codes."""

    alpha_codes: np.ndarray
    numerators: np.ndarray
    denominator: int

    def value(self, row: int) -> tuple[Fraction, ...]:
        return tuple(Fraction(int(v), self.denominator) for v in self.numerators[row])


def smoothed(
    classifier: ExactClassifier,
    x: np.ndarray,
    variant: SmoothingVariant,
    noise: Noise,
    mode: Mode,
    alpha_codes: np.ndarray | None = None,
    visible: np.ndarray | int | None = None,
    stats: Stats | None = None,
    memo: KeyMemo | None = None,
) -> Smoothed:
    """g(x, α) numerators for every α in ``alpha_codes`` (default: all 2^n), exactly.

    ``visible`` overrides x's nonzero pattern per α (used for g(x ⊙ α, 1), whose
    input x ⊙ α hides the features α drops); the masked input rows stay x ⊙ e on
    the visible coordinates, which is what x ⊙ α shows there.
    """
    stats = stats if stats is not None else Stats()
    n = noise.n
    full_cube = alpha_codes is None
    if alpha_codes is None:
        alpha_codes = np.arange(1 << n, dtype=np.int64)
    x = np.asarray(x, dtype=np.float64)
    if visible is None:
        visible = int(sum(1 << i for i in range(n) if x[i] != 0))
    memo = memo or KeyMemo(classifier, x, variant, n, mode, stats)
    T, D = noise.total, memo.denominator
    if T * D >= INT64_SAFE:
        raise InvalidArgument("distribution", noise.distribution.name, "a weight total times classifier denominator below 2^62", f"got {T} * {D}")
    if full_cube and isinstance(visible, (int, np.integer)) and variant.multiplicative:  # MuS or a variant compiled to it
        return _smoothed_mus_cube(memo, noise, int(visible), stats)
    out = np.zeros((alpha_codes.shape[0], memo.classes), dtype=np.int64)
    N = noise.codes.shape[0]
    step = max(1, BLOCK // N)
    per_alpha = not np.isscalar(visible) and np.ndim(visible) > 0
    for start in range(0, alpha_codes.shape[0], step):
        block = alpha_codes[start : start + step]
        vis = np.asarray(visible)[start : start + step] if per_alpha else visible
        keys = variant.keys(block, noise.codes, vis)
        out[start : start + step] = memo.weighted_sums(keys, noise.weights)
        stats.masks += int(keys.size)
    stats.runs += 1
    return Smoothed(alpha_codes, out, T * D)


_TRANSFORMS: dict[tuple[bytes, bytes, int], Any] = {}


def _transforms(noise: Noise) -> Any:
    """(L, sparse_transforms) of a noise, cached: a check smooths many classifiers under one noise."""
    key = (noise.codes.tobytes(), noise.weights.tobytes(), noise.n)
    if key not in _TRANSFORMS:
        if len(_TRANSFORMS) >= 8:
            _TRANSFORMS.clear()
        closure = down_closure(noise.codes, noise.n)
        _TRANSFORMS[key] = (closure, sparse_transforms(closure, noise.codes, noise.weights, noise.n))
    return _TRANSFORMS[key]


def _smoothed_mus_cube(memo: KeyMemo, noise: Noise, visible: int, stats: Stats) -> Smoothed:
    """MuS over all 2^n masks by Möbius / zeta transforms (:mod:`.mus_closed_form`), exact.

    The classifier is evaluated on the down-closure of the noise support (masked by x's zeros): the
    same distinct masked inputs the enumeration forms.
    """
    n = noise.n
    closure, transforms = _transforms(noise)
    keys = closure & visible
    positions = memo._positions(keys)
    bound = noise.total * memo.denominator
    out = smooth_cube(closure, memo.columns[:, positions], transforms, n, bound)
    stats.masks += (1 << n) * int(noise.codes.shape[0])
    stats.runs += 1
    return Smoothed(np.arange(1 << n, dtype=np.int64), out, bound)


def top_two_numerators(numerators: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class per row (-1 where the top two tie) and the exact gap numerator.

    With one class the gap is that class's value (as :func:`mus_verify.certificates.top_two`).
    """
    if numerators.shape[1] == 1:
        return np.zeros(numerators.shape[0], dtype=np.int64), numerators[:, 0].copy()
    # one pass per class column instead of a row-wise sort: the runner-up is the largest value
    # outside the (first) argmax column, so a tie for the top gives gap 0
    predicted = np.argmax(numerators, axis=1).astype(np.int64)
    top = np.max(numerators, axis=1)
    second = np.full(numerators.shape[0], np.iinfo(np.int64).min, dtype=np.int64)
    for c in range(numerators.shape[1]):
        np.maximum(second, np.where(predicted == c, np.iinfo(np.int64).min, numerators[:, c]), out=second)
    gap = top - second
    predicted[gap == 0] = -1
    return predicted, gap


# --- laws of masked inputs ------------------------------------------------------------------------


def law_tv(keys_a: np.ndarray, keys_b: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise total variation (numerator over T) between Σ_j w_j δ_{a_j} and Σ_j w_j δ_{b_j}.

    Pairs with a_j = b_j cancel in the signed measure P − P' and are dropped;
    the rest are sorted by key per row and the positive parts of the per-key
    sums added, so cross-cancellations (a_j = b_l, j ≠ l) are counted exactly.
    """
    diff = keys_a != keys_b
    out = np.zeros(keys_a.shape[0], dtype=np.int64)
    rows = np.flatnonzero(diff.any(axis=1))
    if rows.size == 0:
        return out
    w = np.broadcast_to(np.asarray(weights, dtype=np.int64), keys_a.shape)
    mask = diff[rows]
    keys = np.concatenate([np.where(mask, keys_a[rows], -1), np.where(mask, keys_b[rows], -1)], axis=1)
    signed = np.concatenate([np.where(mask, w[rows], 0), np.where(mask, -w[rows], 0)], axis=1)
    order = np.argsort(keys, axis=1, kind="stable")
    keys = np.take_along_axis(keys, order, axis=1)
    signed = np.take_along_axis(signed, order, axis=1)
    running = np.cumsum(signed, axis=1)
    columns = keys.shape[1]
    last = np.ones(keys.shape, dtype=bool)
    last[:, :-1] = keys[:, 1:] != keys[:, :-1]
    end_index = np.where(last, np.arange(columns)[None, :], -1)
    previous_end = np.maximum.accumulate(end_index, axis=1)
    previous_end = np.concatenate([np.full((rows.size, 1), -1), previous_end[:, :-1]], axis=1)
    before = np.where(previous_end >= 0, np.take_along_axis(running, np.maximum(previous_end, 0), axis=1), 0)
    segment = np.where(last, running - before, 0)
    out[rows] = np.maximum(segment, 0).sum(axis=1)
    return out


def edge_tv(variant: SmoothingVariant, noise: Noise, visible: int, i: int, lower: np.ndarray, stats: Stats | None = None) -> np.ndarray:
    """TV numerators between the masked-input laws at α and α + e_i, for each α in ``lower`` (bit i clear).

    Fast exact path: pairs with equal keys cancel; if on the remaining pairs the
    digit i of every key at α differs from the digit i of every key at α + e_i,
    no key of one side can equal a key of the other, so the TV is the whole
    remaining mass. Other rows go through :func:`law_tv`.
    """
    upper = lower | (1 << i)
    keys_a = variant.keys(lower, noise.codes, visible)
    keys_b = variant.keys(upper, noise.codes, visible)
    if stats is not None:
        stats.masks += int(keys_a.size + keys_b.size)
    diff = keys_a != keys_b
    mass = diff.astype(np.int64) @ noise.weights
    base = variant.base
    if base == 2:
        digit_a, digit_b = (keys_a >> i) & 1, (keys_b >> i) & 1
    else:
        power = np.int64(base) ** i
        digit_a, digit_b = (keys_a // power) % base, (keys_b // power) % base
    # per row, the set of digit-i values on each side (as a bit set); a shared value may let keys cancel
    seen_a = np.bitwise_or.reduce(np.where(diff, np.left_shift(1, digit_a), 0), axis=1)
    seen_b = np.bitwise_or.reduce(np.where(diff, np.left_shift(1, digit_b), 0), axis=1)
    clash = (seen_a & seen_b) != 0
    if clash.any():
        rows = np.flatnonzero(clash)
        mass[rows] = law_tv(keys_a[rows], keys_b[rows], noise.weights)
    return mass


def law_difference(keys_a: Iterable[int], keys_b: Iterable[int], weights: Iterable[int]) -> tuple[int, list[int]]:
    """Exact TV numerator of two weighted key lists, and the keys where the first law is larger.

    The indicator of those keys is a classifier reaching the TV: the witness.
    """
    difference: dict[int, int] = {}
    for a, b, w in zip(keys_a, keys_b, weights):
        difference[int(a)] = difference.get(int(a), 0) + int(w)
        difference[int(b)] = difference.get(int(b), 0) - int(w)
    larger = sorted(k for k, v in difference.items() if v > 0)
    return sum(v for v in difference.values() if v > 0), larger


def keys_to_rows(keys: Iterable[int], x: np.ndarray, variant: SmoothingVariant, n: int) -> list[list[float]]:
    """The masked inputs x ⊙ e behind a list of keys."""
    keys = np.asarray(list(keys), dtype=np.int64)
    if keys.size == 0:
        return []
    return masked_rows(np.asarray(x, dtype=np.float64), decode_keys(keys, variant.base, n)).tolist()

