"""Which noise a check runs on, read from a CheckConfig: L_qv(λ) for one seed vector (given, or
``seed_vector(n, q, --seed)``, the one seed convention of :mod:`mus_verify.distributions`) or for all
q^n of them; or, with a variant (``--variant``), that variant compiled by
:mod:`mus_verify.exhaustive.keys` and its noise evaluated exactly at the same seed vectors. Shared by
every check's CLI runner."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping

from .._validation import as_int, check_lambda, check_q, check_seed_vector
from ..distributions import MaskDistribution, check_lqv_size, lqv, seed_vector
from ..errors import InvalidArgument
from .registry import CheckConfig

__all__ = ["LqvNoise", "SeedVectors", "seed_vectors_from_config", "lqv_from_config", "variant_noise_from_config", "noise_from_config",
           "variant_of", "MAX_ENUMERATED_CELLS"]

# --all-seed-vectors builds q^n mask tables of q × n entries each; 2^26 entries in all is seconds.
MAX_ENUMERATED_CELLS = 2**26


@dataclass(frozen=True)
class SeedVectors:
    """The size a config asks for and the seed vectors it quantifies over."""

    n: int
    q: int
    lam: Fraction
    vectors: Iterable[tuple[int, ...]]
    count: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LqvNoise:
    n: int
    q: int
    lam: Fraction
    distributions: Iterable[MaskDistribution]
    count: int
    params: dict[str, Any] = field(default_factory=dict)
    compiled: Any = None  # the CompiledVariant (mus_verify.exhaustive.keys) when a variant was named


def seed_vectors_from_config(config: CheckConfig, *, max_seed_vectors: int, max_n: int | None = None, why_limit: str = "",
                             seeded: bool = True) -> SeedVectors:
    """n, q, λ and the seed vectors; bad values raise InvalidArgument naming the CLI option.

    ``seeded=False`` (a variant without a seed_vector symbol): no seed vector, and
    ``--seed-vector`` / ``--all-seed-vectors`` are refused rather than ignored.
    """
    n, q, lam = _size(config, max_n)
    params: dict[str, Any] = {"n": n, "q": q, "lam": lam, "distribution": "lqv"}
    if not seeded:
        for option, value in (("--seed-vector", config.seed_vector), ("--all-seed-vectors", config.all_seed_vectors or None)):
            if value is not None:
                raise InvalidArgument(option, value, "omitted: the variant declares no seed_vector symbol (its noise has no seed vector)")
        return SeedVectors(n, q, lam, [()], 1, params)
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
        vectors: Iterable[tuple[int, ...]] = itertools.product(range(q), repeat=n)
        params["seed_vectors"] = f"all {count}"
    else:
        if config.seed_vector is not None:
            vector = check_seed_vector(config.seed_vector, q, n, "--seed-vector")
        else:
            vector = seed_vector(n, q, config.seed)
            params["seed"] = config.seed
        vectors, count = [vector], 1
        params["seed_vector"] = vector
    return SeedVectors(n, q, lam, vectors, count, params)


def _size(config: CheckConfig, max_n: int | None) -> tuple[int, int, Fraction]:
    n = as_int(config.n, "--n", low=1, high=max_n)
    q = check_q(config.q, "--q")
    lam = check_lambda(config.lam, q, "--lam (λ)")
    check_lqv_size(n, q, ("--q", "--n"))
    return n, q, lam


def lqv_from_config(config: CheckConfig, *, max_seed_vectors: int, max_n: int | None = None, why_limit: str = "") -> LqvNoise:
    """The L_qv(λ) distributions a config asks for; bad values raise InvalidArgument naming the CLI option."""
    sv = seed_vectors_from_config(config, max_seed_vectors=max_seed_vectors, max_n=max_n, why_limit=why_limit)
    return LqvNoise(sv.n, sv.q, sv.lam, (lqv(v, sv.q, sv.lam) for v in sv.vectors), sv.count, sv.params)


def variant_noise_from_config(config: CheckConfig, variant: Any, *, max_seed_vectors: int, max_n: int | None = None, why_limit: str = "") -> LqvNoise:
    """``variant`` (a name, ``file.py:V``, ``pkg.mod:V`` or an object) compiled at the config's size, with its
    noise at each seed vector the config asks for; InvalidArgument (exit 2) when it cannot be compiled."""
    from ..exhaustive.keys import compile_variant
    from ..variants.base import make_params
    from ..variants.loader import load_variant

    model = load_variant(variant)
    n, q, lam = _size(config, max_n)
    compiled = compile_variant(model, make_params(n, q, lam, quantized=bool(model.quantized), argument="--lam (λ)"))
    sv = seed_vectors_from_config(config, max_seed_vectors=max_seed_vectors, max_n=max_n, why_limit=why_limit, seeded=compiled.seeded)
    params = dict(sv.params)
    params["distribution"] = compiled.noise_name
    if not compiled.seeded:
        distributions: Iterable[MaskDistribution] = [compiled.noise(None)]
    else:
        distributions = (compiled.noise(v) for v in sv.vectors)
    return LqvNoise(sv.n, sv.q, sv.lam, distributions, sv.count, params, compiled)


def noise_from_config(config: CheckConfig, *, max_seed_vectors: int, max_n: int | None = None, why_limit: str = "") -> LqvNoise:
    """The noise a noise-only check (marginals) runs on: L_qv(λ), or the named variant's compiled noise
    (the law of keeps(s) at each seed vector); params name a variant other than MuS."""
    from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant
    from ..variants.loader import is_builtin_name, variant_source

    named = variant_of(config)
    if named is None or isinstance(named, SmoothingVariant):  # an encoding alone does not change the noise
        return lqv_from_config(config, max_seed_vectors=max_seed_vectors, max_n=max_n, why_limit=why_limit)
    noise = variant_noise_from_config(config, named, max_seed_vectors=max_seed_vectors, max_n=max_n, why_limit=why_limit)
    if noise.compiled.smoothing is not MULTIPLICATIVE:  # MuS by name is the default run, and reads the same
        noise.params["variant"] = noise.compiled.name
        if isinstance(named, str) and not is_builtin_name(named):
            noise.params["variant_source"] = variant_source(named)
    return noise


def variant_of(config: CheckConfig) -> Any:
    """The variant a config names (``config.variant``, or ``config.extra["variant"]``, the same option), or None."""
    extra = config.extra.get("variant") if isinstance(config.extra, Mapping) else None
    if config.variant is not None and extra is not None and extra is not config.variant and extra != config.variant:
        raise InvalidArgument("config.extra['variant']", extra, f"omitted, or the same variant as config.variant = {config.variant!r}")
    return config.variant if config.variant is not None else extra
