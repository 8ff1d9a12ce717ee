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
8           25     7/25    3    float(7/25)·25 > 7: ceil(λ·q) gains a step; m = 3 (odd-q ties need a third class: float32 votes 18,4,3)
8           47     12/47   3    float(12/47)·47 < 12: the same below 1/2; prime q
9           64     16/64   2    the paper's setting
12          16     4/16    3    n = 12: edges and Hamming balls are sampled, not enumerated
5           96     33/96   2    q > 64: code that skips copies (or changes formula) above 64; odd k, so no subsample of the copies keeps λ
4           300    200/300 3    q in the hundreds: float16 mask arithmetic (spacing 0.25 above 256); λ = 2/3 is not a binary fraction, so rounded mask formulas show
==========  =====  ======  ===  ===============================================================

Other dimensions are covered inside the properties: batches of several rows
(batch_consistency and every batched evaluation), 1 and several torch threads
(thread_consistency), float32 and float64 inputs (inputs_unchanged).

``--n`` / ``--q`` / ``--lam`` replace the matrix by their product (for each q:
λ = 1/q, one value below 1/2, one above and 1, unless ``--lam`` is given; q is
the denominator of ``--lam K/Q`` when ``--q`` is absent). ``--config n,q,lam``
adds a deployed configuration to whichever matrix runs; n up to
:data:`MAX_N` is sampled (α, edges, balls) where it cannot be enumerated.
Seed vectors and inputs come from a dedicated ``numpy.random.Generator(seed)``;
the global RNGs are never touched.

Limits (refused with the reason, never truncated silently): n <= :data:`MAX_N`,
q <= :data:`MAX_Q`, at most :data:`MAX_CONFIGS` configurations; a run stops at
its ``time_budget`` and reports what it could not judge as UNKNOWN.
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
    (8, 25, 7, 3, "float ceil of λ·q gains a step; m = 3, n = 8: odd-q ties need a third class and fine patterns"),
    (8, 47, 12, 3, "float floor of λ·q, λ < 1/2"),
    (9, 64, 16, 2, "paper setting"),
    (12, 16, 4, 3, "n = 12, sampled"),
    (5, 96, 33, 2, "q > 64, odd k"),
    (4, 300, 200, 3, "q in the hundreds, float16 mask arithmetic, non-dyadic λ"),
)

# n: a ViT-B/16 has 196 patches; beyond a few hundred features the recorded rows (q·B·n floats
# per call, kept for the masked-input watch) outgrow what the gate can judge in minutes.
MAX_N = 512
# q: every property evaluates all q copies for each of its 10^3-10^4 (x, α) cases per
# configuration; --n 16 --q 4096 ran for over 300 s (issue 10), one configuration at q = 1024 about 16 s.
MAX_Q = 1024
# Configurations per run (the product of --n, --q and the λ values, plus --config).
MAX_CONFIGS = 64
DEFAULT_TIME_BUDGET = 600.0


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
    # torch intra-op threads of the main run (None: leave as is); restored afterwards. One by default:
    # the gate's tensors are tiny. thread_consistency compares 1 with several threads either way.
    threads: int | None = 1
    # deployed configurations "n,q,lam" (or (n, q, lam) tuples) added to the matrix (--config); kept as "n,q,k/q"
    deployed: tuple[Any, ...] = ()
    # seconds for the whole run; what is left unjudged when it is spent is UNKNOWN (None: no budget)
    time_budget: float | None = DEFAULT_TIME_BUDGET
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise InvalidArgument("profile", self.profile, f"one of {sorted(PROFILES)}")
        as_int(self.seed, "--seed", low=0)
        for n in self.ns or ():
            _limited(n, "--n", MAX_N, N_LIMIT_WHY)
        for q in self.qs or ():
            _limited(q, "--q", MAX_Q, Q_LIMIT_WHY)
        if self.threads is not None:
            as_int(self.threads, "--threads", low=1, high=256)
        if self.time_budget is not None:
            budget = self.time_budget
            if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not math.isfinite(budget) or budget <= 0:
                raise InvalidArgument("--time-budget", budget, "a positive number of seconds")
        # Normalised to "n,q,k/q" strings: validated here, and they survive a JSON round trip (replay).
        deployed = (self.deployed,) if isinstance(self.deployed, str) else tuple(self.deployed)
        object.__setattr__(self, "deployed", tuple("{0},{1},{2}/{1}".format(*parse_config(c)) for c in deployed))

    @property
    def plan(self) -> Profile:
        return PROFILES[self.profile]


N_LIMIT_WHY = f"the gate keeps every row the base is shown (q·B·n values per call); beyond n = {MAX_N} it cannot judge them in minutes"
Q_LIMIT_WHY = (f"every property evaluates all q copies for thousands of (x, α) cases per configuration: one configuration at q = {MAX_Q} "
               "took about 16 s on a loaded 2-core machine, and --n 16 --q 4096 ran for over 300 s")


def _limited(value: Any, argument: str, high: int, why: str) -> int:
    value = as_int(value, argument, low=1)
    if value > high:
        raise InvalidArgument(argument, value, f"an integer in 1..{high}", why)
    return value


def parse_config(spec: Any) -> tuple[int, int, int]:
    """``"n,q,lam"`` (λ as K/Q, a fraction of q) or an (n, q, lam) tuple -> (n, q, k) with λ = k/q.

    >>> parse_config("196,64,8/64")
    (196, 64, 8)
    """
    if isinstance(spec, str):
        parts = [p.strip() for p in spec.split(",")]
    elif isinstance(spec, (tuple, list)):
        parts = list(spec)
    else:
        parts = []
    if len(parts) != 3:
        raise InvalidArgument("--config", spec, "n,q,lam with 1 <= n <= {MAX_N}, 1 <= q <= {MAX_Q} and λ = K/Q a multiple of 1/q in (0, 1], e.g. 196,64,8/64".format(MAX_N=MAX_N, MAX_Q=MAX_Q))
    n = _limited(_integer(parts[0], "--config n"), "--config n", MAX_N, N_LIMIT_WHY)
    q = _limited(_integer(parts[1], "--config q"), "--config q", MAX_Q, Q_LIMIT_WHY)
    lam = as_fraction(str(parts[2]) if not isinstance(parts[2], Fraction) else parts[2], "--config lam")
    if not 0 < lam <= 1 or (lam * q).denominator != 1:
        raise InvalidArgument("--config lam", parts[2], f"a multiple of 1/q = 1/{q} in (0, 1]", f"in --config {spec}")
    return n, q, lambda_steps(check_lambda(lam, q, "--config lam"), q)


def _integer(value: Any, argument: str) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise InvalidArgument(argument, value, "an integer") from None
    return value


def _requested_qs(settings: "GateSettings") -> tuple[int, ...]:
    """--q, else the denominators Q of ``--lam K/Q`` (one q-from-λ rule: _validation.resolve_q), else (6, 16)."""
    if settings.qs is not None:
        return tuple(settings.qs)
    if settings.lams is None:
        return (6, 16)
    from .._validation import q_from_lam

    qs = []
    for text in settings.lams:
        q = q_from_lam(text)
        if q is None:
            raise InvalidArgument("--lam", text, "K/Q (q is inferred from Q) when --q is not given")
        qs.append(_limited(q, "--lam Q", MAX_Q, Q_LIMIT_WHY))
    return tuple(sorted(set(qs)))


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
        qs = _requested_qs(settings)
        lams = None if settings.lams is None else [as_fraction(text, "--lam") for text in settings.lams]
        for text, lam in zip(settings.lams or (), lams or ()):
            if not 0 < lam <= 1 or not any((lam * q).denominator == 1 for q in qs):
                raise InvalidArgument("--lam", text, f"a multiple of 1/q in (0, 1] for one of q = {list(qs)}", "no q carries it (it would be ignored)")
        count = 0
        for q in qs:
            if lams is not None:
                ks = sorted({lambda_steps(check_lambda(lam, q, "--lam"), q) for lam in lams if (lam * q).denominator == 1})
                if not ks:
                    raise InvalidArgument("--q", q, f"a q for which one of --lam {list(settings.lams or ())} is a multiple of 1/q", "it would run no configuration")
            else:
                ks = _lam_choices(q)
            for k in ks:
                for n in ns:
                    shapes.append((n, q, k, 2 + count % 3, "requested"))
                    count += 1
    for n, q, k in map(parse_config, settings.deployed):
        shapes.append((n, q, k, 3, "deployed (--config)"))
    if len(shapes) > MAX_CONFIGS:
        raise InvalidArgument("--n/--q/--lam/--config", f"{len(shapes)} configurations", f"at most {MAX_CONFIGS} configurations per run (each takes seconds); run several gates instead")
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
    # popcount first, then the pattern read as a binary number (feature n-1 most significant);
    # column keys instead of int64 codes, which overflow beyond 62 features.
    order = np.lexsort((*alphas.T.astype(np.int8), alphas.sum(axis=1)))
    return alphas[order]


def pattern_codes(masks: np.ndarray) -> np.ndarray:
    """Σ_i mask_i 2^i as int64 (n <= 62 only)."""
    if masks.shape[1] > 62:
        raise InvalidArgument("masks", f"{masks.shape[1]} features", "at most 62 features for int64 pattern codes")
    weights = np.left_shift(np.int64(1), np.arange(masks.shape[1], dtype=np.int64))
    return (masks.astype(np.int64) * weights).sum(axis=1)
