"""Which L_qv(λ) noise a check runs on, read from a CheckConfig: one seed vector (given, or drawn
from ``--seed`` with a dedicated RNG) or all q^n of them. Shared by every check's CLI runner."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

from .._validation import as_int, check_lambda, check_q, check_seed_vector
from ..distributions import MaskDistribution, check_lqv_size, lqv, random_seed_vector
from ..errors import InvalidArgument
from .registry import CheckConfig

__all__ = ["LqvNoise", "lqv_from_config", "MAX_ENUMERATED_CELLS"]

# --all-seed-vectors builds q^n mask tables of q × n entries each; 2^26 entries in all is seconds.
MAX_ENUMERATED_CELLS = 2**26


@dataclass(frozen=True)
class LqvNoise:
    n: int
    q: int
    lam: Fraction
    distributions: Iterable[MaskDistribution]
    count: int
    params: dict[str, Any] = field(default_factory=dict)


def lqv_from_config(config: CheckConfig, *, max_seed_vectors: int, max_n: int | None = None, why_limit: str = "") -> LqvNoise:
    """The L_qv(λ) distributions a config asks for; bad values raise InvalidArgument naming the CLI option."""
    n = as_int(config.n, "--n", low=1, high=max_n)
    q = check_q(config.q, "--q")
    lam = check_lambda(config.lam, q, "--lam (λ)")
    check_lqv_size(n, q, ("--q", "--n"))
    params: dict[str, Any] = {"n": n, "q": q, "lam": lam, "distribution": "lqv"}
    if config.all_seed_vectors:
        if config.seed_vector is not None:
            raise InvalidArgument("--seed-vector", config.seed_vector, "omitted when --all-seed-vectors is given")
        count = q**n
        if count > max_seed_vectors:
            raise InvalidArgument("--all-seed-vectors", f"q^n = {q}^{n} = {count}", f"at most {max_seed_vectors} seed vectors{why_limit}; lower --n or --q")
        if count * q * n > MAX_ENUMERATED_CELLS:  # each seed vector builds its own q × n mask table
            raise InvalidArgument("--all-seed-vectors", f"q^n = {q}^{n} = {count}",
                                  f"at most 2^26 = {MAX_ENUMERATED_CELLS:,} mask entries over all seed vectors",
                                  f"{count:,} tables of {q} × {n} entries give {count * q * n:,}; lower --n or --q")
        seed_vectors: Iterable[tuple[int, ...]] = itertools.product(range(q), repeat=n)
        params["seed_vectors"] = f"all {count}"
    else:
        if config.seed_vector is not None:
            vector = check_seed_vector(config.seed_vector, q, n, "--seed-vector")
        else:
            vector = random_seed_vector(n, q, config.seed)
            params["seed"] = config.seed
        seed_vectors, count = [vector], 1
        params["seed_vector"] = vector
    return LqvNoise(n, q, lam, (lqv(v, q, lam) for v in seed_vectors), count, params)
