"""The configurations the gate runs an implementation on, and its settings profiles.

Bugs in MuS code show up only for some configurations, so the default matrix
is chosen case by case (each line says which bug it is there for):

==========  =====  ======  ===  ===============================================================
n           q      λ       m    why
==========  =====  ======  ===  ===============================================================
2           2      1/2     2    the notes' smallest tie: "floor"/">=" radius rules claim 1
3           3      1/3     3    odd q; 1/(2λ) = 1.5 separates the ceil rule from the strict one
4           4      1/4     2    1/(2λ) = 2 is an integer: ties at the radius the floor rule claims
5           6      2/6     3    q not a power of two (float ramp masks); λ = 1/3 rounds to 0.3333
4           5      4/5     2    λ > 1/2
6           7      7/7     2    λ = 1 (implementations that skip the noise there)
7           10     5/10    2    λ = 1/2 with q = 10
6           22     15/22   4    float(15/22)·22 < 15: int(λ·q) loses a step; λ > 1/2
5           25     7/25    2    float(7/25)·25 > 7: ceil(λ·q) gains a step
8           47     12/47   3    float(12/47)·47 < 12: the same below 1/2; prime q
9           64     16/64   2    the paper's setting
12          16     4/16    3    n = 12: edges and Hamming balls are sampled, not enumerated
==========  =====  ======  ===  ===============================================================

``--n`` / ``--q`` / ``--lam`` replace the matrix by their product (for each q:
λ = 1/q, one value below 1/2, one above and 1, unless ``--lam`` is given).
Seed vectors and inputs come from a dedicated ``numpy.random.Generator(seed)``;
the global RNGs are never touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .._validation import as_fraction, as_int, check_lambda, lambda_steps
from ..errors import InvalidArgument

__all__ = ["GateConfig", "GateSettings", "PROFILES", "DEFAULT_MATRIX", "build_configs", "distinct_inputs", "alphas_for"]

# (n, q, k, m, why)
DEFAULT_MATRIX: tuple[tuple[int, int, int, int, str], ...] = (
    (2, 2, 1, 2, "smallest tie"),
    (3, 3, 1, 3, "odd q, 1/(2λ) = 3/2"),
    (4, 4, 1, 2, "1/(2λ) integral"),
    (5, 6, 2, 3, "q not a power of two, λ = 1/3"),
    (4, 5, 4, 2, "λ > 1/2"),
    (6, 7, 7, 2, "λ = 1"),
    (7, 10, 5, 2, "λ = 1/2"),
    (6, 22, 15, 4, "float floor of λ·q, λ > 1/2"),
    (5, 25, 7, 2, "float ceil of λ·q gains a step"),
    (8, 47, 12, 3, "float floor of λ·q, λ < 1/2"),
    (9, 64, 16, 2, "paper setting"),
    (12, 16, 4, 3, "n = 12, sampled"),
)

MAX_N = 16


@dataclass(frozen=True)
class GateConfig:
    """One configuration: n features, q masks, λ = k/q, m classes and the seed vector handed to the factory."""

    n: int
    q: int
    k: int
    m: int
    seed: tuple[int, ...]
    why: str = ""

    @property
    def lam(self) -> Fraction:
        return Fraction(self.k, self.q)

    @property
    def label(self) -> str:
        return f"n={self.n} q={self.q} λ={self.k}/{self.q} m={self.m}"

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "q": self.q, "lam": f"{self.k}/{self.q}", "m": self.m, "seed": list(self.seed)}

    def with_seed(self, seed: Sequence[int]) -> "GateConfig":
        return replace(self, seed=tuple(int(v) for v in seed))


@dataclass(frozen=True)
class Profile:
    """How much each property samples; see :data:`PROFILES`."""

    name: str
    matrix: tuple[int, ...] | None  # indices into DEFAULT_MATRIX (None: all)
    inputs: int  # inputs x per configuration and classifier
    random_alphas: int  # sampled α where 2^n is too many
    enumerate_up_to: int  # enumerate every α (and edge) when n <= this
    ball_cap: int  # largest Hamming ball enumerated; larger balls are sampled to this size
    tables: int  # random classifiers per configuration
    extra_configs: int = 0  # random configurations added (thorough)


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", (0, 3, 5, 7), inputs=1, random_alphas=12, enumerate_up_to=5, ball_cap=256, tables=1),
    "default": Profile("default", None, inputs=2, random_alphas=48, enumerate_up_to=8, ball_cap=4096, tables=2),
    "thorough": Profile("thorough", None, inputs=4, random_alphas=256, enumerate_up_to=10, ball_cap=16384, tables=4, extra_configs=8),
}


@dataclass(frozen=True)
class GateSettings:
    """What the gate runs: the profile, the optional n/q/λ overrides, the RNG seed and strictness."""

    profile: str = "default"
    ns: tuple[int, ...] | None = None
    qs: tuple[int, ...] | None = None
    lams: tuple[str, ...] | None = None
    seed: int = 0
    strict: bool = False
    adapter: str = "auto"
    properties: tuple[str, ...] | None = None
    threads: int | None = 1  # torch intra-op threads while gating (None: leave as is); restored afterwards
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise InvalidArgument("profile", self.profile, f"one of {sorted(PROFILES)}")
        as_int(self.seed, "--seed", low=0)
        for n in self.ns or ():
            as_int(n, "--n", low=1, high=MAX_N)
        for q in self.qs or ():
            as_int(q, "--q", low=1, high=4096)

    @property
    def plan(self) -> Profile:
        return PROFILES[self.profile]


def _lam_choices(q: int) -> list[int]:
    """k values for one q: 1/q, one below 1/2, one above 1/2, and 1."""
    ks = {1, max(1, math.floor((q - 1) / 3)), min(q, math.ceil(2 * q / 3)), q}
    return sorted(ks)


def build_configs(settings: GateSettings) -> list[GateConfig]:
    """The configurations for these settings, smallest first (so the first failure is the smallest one)."""
    rng = np.random.default_rng([settings.seed, 7])
    shapes: list[tuple[int, int, int, int, str]] = []
    if settings.ns is None and settings.qs is None and settings.lams is None:
        indices = settings.plan.matrix if settings.plan.matrix is not None else range(len(DEFAULT_MATRIX))
        shapes = [DEFAULT_MATRIX[i] for i in indices]
        for _ in range(settings.plan.extra_configs):
            q = int(rng.integers(2, 40))
            k = int(rng.integers(1, q + 1))
            shapes.append((int(rng.integers(2, 11)), q, k, int(rng.integers(2, 5)), "random"))
    else:
        ns = settings.ns or (4, 8, 12)
        qs = settings.qs or (6, 16)
        count = 0
        for q in qs:
            if settings.lams is not None:
                ks = []
                for text in settings.lams:
                    lam = as_fraction(text, "--lam")
                    if (lam * q).denominator == 1 and 0 < lam <= 1:
                        ks.append(lambda_steps(check_lambda(lam, q, "--lam"), q))
                if not ks:
                    raise InvalidArgument("--lam", list(settings.lams), f"at least one λ that is a multiple of 1/q = 1/{q} in (0, 1]")
            else:
                ks = _lam_choices(q)
            for k in ks:
                for n in ns:
                    shapes.append((n, q, k, 2 + count % 3, "requested"))
                    count += 1
    configs = []
    for n, q, k, m, why in shapes:
        seed = tuple(int(v) for v in rng.integers(0, q, size=n))
        configs.append(GateConfig(n, q, k, m, seed, why))
    configs.sort(key=lambda c: (c.n * c.q, c.n))
    return configs


def distinct_inputs(rng: np.random.Generator, n: int, rows: int = 1, zeros: bool = False) -> np.ndarray:
    """(rows, n) float64 inputs whose non-zero entries are distinct integers across the whole batch.

    Distinct values let the gate tell, for every row its base classifier is
    shown, which input it came from and which features were kept. Integers of
    magnitude < 2^11 are exact in float16/32/64 (and < 2^8 in bfloat16).
    With ``zeros`` about a third of the entries (at least one per row) are 0.
    """
    values = rng.permutation(np.arange(1, n * rows * 2 + 2))[: n * rows].astype(np.float64)
    signs = np.where(rng.random(n * rows) < 0.5, -1.0, 1.0)
    x = (values * signs).reshape(rows, n)
    if zeros:
        hide = rng.random((rows, n)) < 1 / 3
        hide[np.arange(rows), rng.integers(0, n, size=rows)] = True
        if n > 1:  # keep at least one non-zero entry per row
            full = hide.all(axis=1)
            hide[np.flatnonzero(full), rng.integers(0, n, size=int(full.sum()))] = False
        x[hide] = 0.0
    return x


def alphas_for(n: int, rng: np.random.Generator, enumerate_up_to: int, samples: int) -> np.ndarray:
    """Every α in {0,1}^n (n <= enumerate_up_to), else 0, 1, every one-hot and ``samples`` random masks; ordered by popcount."""
    if n <= enumerate_up_to:
        codes = np.arange(2**n, dtype=np.int64)
        alphas = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
    else:
        fixed = [np.zeros(n, bool), np.ones(n, bool)] + [np.eye(n, dtype=bool)[i] for i in range(n)]
        drawn = rng.random((samples, n)) < rng.random((samples, 1))
        alphas = np.unique(np.concatenate([np.array(fixed), drawn], axis=0), axis=0)
    order = np.lexsort((pattern_codes(alphas), alphas.sum(axis=1)))
    return alphas[order]


def pattern_codes(masks: np.ndarray) -> np.ndarray:
    weights = np.left_shift(np.int64(1), np.arange(masks.shape[1], dtype=np.int64))
    return (masks.astype(np.int64) * weights).sum(axis=1)
