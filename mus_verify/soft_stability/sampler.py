"""Exactly uniform samples from Δ_r(α) (notes §2.2 step 3, §4.2 defects 2, 10, 11).

A draw is one uniform integer u in [0, |Δ_r|), mapped by a bijection onto Δ_r:
the shell j is found by inverse CDF on the **integer** weights C(m, 0), C(m, 1), …
(u < C(m,0) → j = 0, …; no float log-binomials, no Gumbel noise), and the rest
of u, uniform in [0, C(m, j)), is unranked into a j-subset of α's m zeros
(combinatorial number system). So P(α') = 1/|Δ_r| exactly for every α' whenever
u is uniform, and the sampler's law is *checkable by enumeration*: all
randomness goes through :class:`IntegerSource.below`, and :func:`exact_law`
runs the sampler under an enumerating source that visits every outcome of
every ``below(k)`` call with probability 1/k (see the ``soft-stability-sampler`` check).

Uniform integers come from a **dedicated** ``numpy.random.Generator(PCG64(seed))``
(never the global numpy, ``random`` or torch RNG); bounds >= 2^62 (m up to
thousands) are drawn from 62-bit digits with rejection, still exactly uniform.
m = 0 (Δ_r = {α}) and m = 1 work; r > m means r = m.

>>> s = UniformSupersetSampler(n=3, alpha=0b001, r=1)
>>> [bin(c) for c in sorted(exact_law(s))]
['0b1', '0b11', '0b101']
>>> set(exact_law(s).values())
{Fraction(1, 3)}
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction
from typing import Any, Protocol

import numpy as np

from .._validation import as_int
from ..errors import InvalidArgument
from .perturbations import check_radius, delta_size, free_positions, shell_sizes

__all__ = ["IntegerSource", "Sampler", "UniformSupersetSampler", "exact_law", "unrank_combination", "DIGIT_BITS"]

DIGIT_BITS = 62
_INT_LIMIT = 1 << DIGIT_BITS


class IntegerSource:
    """Uniform integers from a dedicated generator: ``below(bounds, size)`` -> values in [0, bound) per draw."""

    def __init__(self, seed: int) -> None:
        self.seed = as_int(seed, "seed", low=0)
        self.generator = np.random.Generator(np.random.PCG64(self.seed))

    def below(self, bounds: Any, size: int) -> list[int]:
        bounds_list = [int(b) for b in (bounds if isinstance(bounds, (list, tuple, np.ndarray)) else [bounds] * size)]
        if len(bounds_list) != size or any(b < 1 for b in bounds_list):
            raise InvalidArgument("bounds", bounds_list[:8], f"{size} positive integer bounds")
        if all(b < _INT_LIMIT for b in bounds_list):
            return [int(v) for v in self.generator.integers(0, np.asarray(bounds_list, dtype=np.int64), size=size)]
        return [self._big(b) for b in bounds_list]

    def _big(self, bound: int) -> int:
        """Uniform in [0, bound) for any bound: L digits of 62 bits, rejecting the top partial block."""
        digits = max(1, -(-bound.bit_length() // DIGIT_BITS))
        space = 1 << (DIGIT_BITS * digits)
        limit = space - space % bound
        while True:
            value = 0
            for d in self.generator.integers(0, _INT_LIMIT, size=digits, dtype=np.int64).tolist():
                value = (value << DIGIT_BITS) | int(d)
            if value < limit:
                return value % bound


class Sampler(Protocol):
    """What SCA needs: the explanation, and ``draw(source, count)`` -> mask codes in Δ_r(α)."""

    n: int
    alpha: int
    r: int

    def draw(self, source: Any, count: int) -> list[int]: ...


def unrank_combination(rank: int, m: int, j: int) -> list[int]:
    """The rank-th j-subset of range(m) in lexicographic order (0 <= rank < C(m, j))."""
    if not 0 <= rank < math.comb(m, j):
        raise InvalidArgument("rank", rank, f"an integer in 0..C({m}, {j}) - 1")
    chosen, position = [], 0
    while j > 0:
        with_here = math.comb(m - position - 1, j - 1)  # subsets whose next element is `position`
        if rank < with_here:
            chosen.append(position)
            j -= 1
        else:
            rank -= with_here
        position += 1
    return chosen


class UniformSupersetSampler:
    """Unif(Δ_r(α)) for the mask α (an integer code over n features): one uniform integer per draw."""

    def __init__(self, n: int, alpha: int, r: int) -> None:
        self.n = as_int(n, "n", low=0)
        self.alpha = as_int(alpha, "alpha", low=0, high=(1 << self.n) - 1 if self.n else 0)
        self.r = check_radius(r)
        self.free = free_positions(self.alpha, self.n)
        self.m = len(self.free)
        self.weights = self.shell_weights()
        self.cumulative = [0]
        for w in self.weights:
            self.cumulative.append(self.cumulative[-1] + w)
        self.size = self.cumulative[-1]
        if self.size != delta_size(self.m, self.r):  # pragma: no cover - internal consistency
            raise AssertionError("shell weights do not sum to |Δ_r|")

    def shell_weights(self) -> list[int]:
        """Integer weights of j = number of features added: C(m, j) for j = 0..min(r, m)."""
        return shell_sizes(self.m, self.r)

    def _mask(self, j: int, rank: int) -> int:
        code = self.alpha
        for index in unrank_combination(rank, self.m, j):
            code |= 1 << self.free[index]
        return code

    def draw(self, source: Any, count: int) -> list[int]:
        """``count`` i.i.d. codes from Unif(Δ_r(α))."""
        out = []
        for u in source.below(self.size, count):
            j = bisect.bisect_right(self.cumulative, u) - 1
            out.append(self._mask(j, u - self.cumulative[j]))
        return out

    def params(self) -> dict[str, Any]:
        return {"sampler": type(self).__name__, "n": self.n, "alpha": self.alpha, "r": self.r, "m": self.m, "size": self.size}


class _Enumerator:
    """An IntegerSource that visits every outcome: ``below(k)`` returns the forced prefix, then 0 (recording k)."""

    def __init__(self, prefix: list[int]) -> None:
        self.prefix = prefix
        self.bounds: list[int] = []
        self.values: list[int] = []

    def below(self, bounds: Any, size: int) -> list[int]:
        bounds_list = [int(b) for b in (bounds if isinstance(bounds, (list, tuple, np.ndarray)) else [bounds] * size)]
        out = []
        for bound in bounds_list:
            position = len(self.values)
            value = self.prefix[position] if position < len(self.prefix) else 0
            self.bounds.append(bound)
            self.values.append(value)
            out.append(value)
        return out


def exact_law(sampler: Sampler, max_outcomes: int = 1 << 20) -> dict[int, Fraction]:
    """The exact law of one ``sampler.draw(source, 1)``, by running it under every outcome of its integer draws.

    Each run is a path of ``below(k_1), below(k_2), …`` calls; the path has
    probability Π 1/k_i, and the paths are visited like an odometer. Refuses
    more than ``max_outcomes`` paths.
    """
    law: dict[int, Fraction] = {}
    prefix: list[int] = []
    visited = 0
    while True:
        source = _Enumerator(prefix)
        codes = sampler.draw(source, 1)
        if len(codes) != 1:
            raise InvalidArgument("sampler", sampler, "a sampler whose draw(source, 1) returns one code")
        probability = Fraction(1, math.prod(source.bounds))
        law[int(codes[0])] = law.get(int(codes[0]), Fraction(0)) + probability
        visited += 1
        if visited > max_outcomes:
            raise InvalidArgument("max_outcomes", max_outcomes, "more outcomes than the sampler has (raise it or use a smaller m)")
        # odometer: advance the last digit that has room, drop the ones after it
        values, bounds = source.values, source.bounds
        position = len(values) - 1
        while position >= 0 and values[position] + 1 >= bounds[position]:
            position -= 1
        if position < 0:
            return law
        prefix = values[:position] + [values[position] + 1]
