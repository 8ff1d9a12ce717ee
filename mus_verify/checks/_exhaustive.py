"""Shared set-up of the exhaustive checks: configuration, distributions, counterexample data, throughput.

Options every exhaustive check reads from :class:`~mus_verify.checks.registry.CheckConfig`:
``n``, ``q``, ``lam`` (K/Q), ``seed_vector`` / ``all_seed_vectors`` / ``seed`` (which
L_qv(λ) noise), ``classes`` and ``classifiers`` (the concrete families), and
``variant`` (``--variant``: a mus_verify.variants variant by name, ``file.py:V``,
``pkg.mod:V`` or object, compiled with its own noise at those seed vectors by
:mod:`mus_verify.exhaustive.keys`; ``config.extra["variant"]`` is the same
option). The Python API takes more through ``config.extra`` (or the ``check_*``
functions' keywords): ``distributions`` (any MaskDistribution or a list: other
noise; then ``variant`` names an encoding: a SmoothingVariant, ``mus`` or
``additive``), ``radius_rule`` (a name of
RADIUS_RULES or a callable (gap, λ) -> int), ``modes``, ``inputs`` and
``classifier_objects`` (your own ExactClassifier instances).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .._validation import as_fraction, as_int
from ..distributions import MaskDistribution, finite
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict
from ..variants.loader import is_builtin_name, variant_source
from ..core.bits import MAX_FEATURES
from ..model.classifiers import ExactClassifier, classifier_family
from ..exhaustive.cube_kernels import kernels_available
from ..exhaustive.engine import Stats
from ..exhaustive.inputs import check_inputs
from ..exhaustive.mask_encodings import MULTIPLICATIVE, SmoothingVariant, resolve_variant
from ._noise import lqv_from_config, variant_noise_from_config, variant_of
from .registry import CheckConfig

__all__ = [
    "Setup",
    "setup_from_config",
    "as_distributions",
    "distribution_data",
    "distribution_from_data",
    "variant_of",
    "Clock",
    "MAX_SEED_VECTORS",
    "MAX_MASK_EVALUATIONS",
    "MAX_TRANSFORM_WORK",
    "MAX_COMPILED_TRANSFORM_WORK",
    "MODES",
]

# --all-seed-vectors enumerates q^n distributions, each a full exhaustive run.
MAX_SEED_VECTORS = 4096
# A run evaluates about (distributions × classifiers × inputs × modes) × 2^n masks × (distinct noise
# masks) classifier outputs: 40-50 M masks/s on a quiet core, 10 M on a busy one. The defaults
# (n = 16) need about 1e8; n = 20, which the README's table times at 30-60 s, needs 1.8e9. Beyond
# 2^32 (n = 22 at the defaults: minutes even on a quiet machine) a run is refused with the estimate.
MAX_MASK_EVALUATIONS = 2**32
# The MuS closed-form engine (mus_verify.exhaustive.mus_closed_form) costs about n passes over 2^n
# words per run instead of 2^n × |support| gathers. Measured (2026-12-02, 2 shared cores, load 2.4-2.7,
# defaults: 44 runs): n = 22 lipschitz 25 s, incremental-stability 47 s = 44 × 2^22 × 22 ≈ 4.1e9 passes'
# elements; n = 23 (8.5e9) is projected at about 2× that and refused.
MAX_TRANSFORM_WORK = 2**32
# With the compiled kernels (mus_verify.exhaustive.cube_kernels, numba installed) the same work is two
# cache-blocked sweeps per table instead of n: n = 24 at the defaults (44 × 2^24 × 24 ≈ 1.8e10) measured
# 17.5-18.8 s CPU (lipschitz) and 29-31 s CPU (incremental-stability) on 2 shared cores (wall 47-52 s and
# 76-77 s at load 9-10; about half the CPU time on a quiet machine); n = 25 (3.7e10 > 2^35) stays refused.
MAX_COMPILED_TRANSFORM_WORK = 2**35
MODES = ("average", "vote")


@dataclass(frozen=True)
class Setup:
    """Everything one exhaustive check run quantifies over."""

    n: int
    lam: Fraction
    distributions: Iterable[MaskDistribution]
    distribution_count: int
    variant: SmoothingVariant
    classifiers: Sequence[ExactClassifier]
    inputs: Sequence[tuple[str, np.ndarray]]
    modes: Sequence[str]
    params: dict[str, Any] = field(default_factory=dict)


def as_distributions(value: MaskDistribution | Iterable[MaskDistribution]) -> list[MaskDistribution]:
    """One distribution or several, all over the same n."""
    if not isinstance(value, MaskDistribution) and not isinstance(value, Iterable):
        raise InvalidArgument("distributions", value, "a MaskDistribution or a list of them")
    items = [value] if isinstance(value, MaskDistribution) else list(value)
    for r, item in enumerate(items):
        if not isinstance(item, MaskDistribution):
            raise InvalidArgument(f"distributions[{r}]", item, "a mus_verify.distributions.MaskDistribution")
        if item.n != items[0].n:
            raise InvalidArgument(f"distributions[{r}]", item.name, f"a distribution over n = {items[0].n} features like distributions[0]")
        if item.n > MAX_FEATURES:
            raise InvalidArgument(f"distributions[{r}]", item.name, f"at most {MAX_FEATURES} features for an exhaustive run")
    return items


def check_modes(modes: Any) -> tuple[str, ...]:
    if not isinstance(modes, (str, Iterable)):
        raise InvalidArgument("modes", modes, f"a non-empty subset of {MODES}")
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    if not modes or any(m not in MODES for m in modes):
        raise InvalidArgument("modes", modes, f"a non-empty subset of {MODES}")
    return modes


def setup_from_config(config: CheckConfig, defaults: Mapping[str, Any], *, max_n: int = MAX_FEATURES, uses_classifiers: bool = True,
                      closed_form: bool = False) -> Setup:
    """Read a CheckConfig (CLI or Python) into a :class:`Setup`; every bad value raises InvalidArgument.

    A run whose estimated work exceeds :data:`MAX_MASK_EVALUATIONS` is refused (``uses_classifiers``:
    whether the check runs every concrete classifier, input and mode, or only the noise). A check that
    uses the MuS closed forms (``closed_form``, and the variant is MuS) is judged by
    :data:`MAX_TRANSFORM_WORK` instead: runs × 2^n × n.
    """
    if not isinstance(config, CheckConfig):
        raise InvalidArgument("config", config, "a mus_verify.checks.CheckConfig")
    config = config.with_defaults(**{k: v for k, v in defaults.items() if k in ("n", "q", "lam", "classes", "classifiers")})
    if not isinstance(config.extra, Mapping):
        raise InvalidArgument("config.extra", config.extra, "a mapping of Python-API options (distributions, variant, radius_rule, modes, inputs, classifier_objects)")
    extra = dict(config.extra)
    params: dict[str, Any] = {}
    given = extra.get("distributions")
    named = variant_of(config)
    variant: SmoothingVariant | None = None
    if given is not None:
        distributions = as_distributions(given)
        if not distributions:
            raise InvalidArgument("distributions", [], "at least one distribution")
        n = distributions[0].n
        lam = as_fraction(extra.get("lam", config.lam), "lam")
        if not 0 < lam <= 1:
            raise InvalidArgument("lam", lam, "the claimed Lipschitz constant λ in (0, 1]")
        count = len(distributions)
        params.update({"n": n, "lam": lam, "distribution": distributions[0].name if count == 1 else f"{count} distributions"})
        dists: Iterable[MaskDistribution] = distributions
        variant = resolve_variant(MULTIPLICATIVE if named is None else named)
    else:
        why = " for this check (each is a full exhaustive run)"
        if named is None or isinstance(named, SmoothingVariant):
            noise = lqv_from_config(config, max_seed_vectors=MAX_SEED_VECTORS, max_n=max_n, why_limit=why)
            variant = MULTIPLICATIVE if named is None else named
        else:
            noise = variant_noise_from_config(config, named, max_seed_vectors=MAX_SEED_VECTORS, max_n=max_n, why_limit=why)
            variant = noise.compiled.smoothing
        n, lam, dists, count = noise.n, noise.lam, noise.distributions, noise.count
        params.update(noise.params)
    params["variant"] = variant.name
    if isinstance(named, str) and not is_builtin_name(named):
        params["variant_source"] = variant_source(named)  # where the code is (replay names it again)
    objects = extra.get("classifier_objects")
    if objects is not None:
        if not isinstance(objects, Iterable):
            raise InvalidArgument("classifier_objects", objects, "a list of mus_verify.exhaustive ExactClassifier instances")
        classifiers = list(objects)
        for r, clf in enumerate(classifiers):
            if not isinstance(clf, ExactClassifier):
                raise InvalidArgument(f"classifier_objects[{r}]", clf, "a mus_verify.exhaustive ExactClassifier instance")
        params["classifiers"] = f"{len(classifiers)} given"
    else:
        classes = as_int(config.classes, "--classes", low=2, high=16)
        if config.classifiers is not None and not isinstance(config.classifiers, str):
            raise InvalidArgument("--classifiers", config.classifiers, "a comma-separated list of classifier families, e.g. 'tables,voting,mlp'")
        classifiers = classifier_family(config.classifiers, n, classes, config.seed)
        params["classifiers"] = config.classifiers
        params["classes"] = classes
    modes = check_modes(extra.get("modes", MODES))
    params["modes"] = list(modes)
    inputs = check_inputs(extra.get("inputs"), n)
    params["inputs"] = [label for label, _ in inputs]
    if given is not None:
        support = max(d.size for d in distributions)
    elif variant is MULTIPLICATIVE or variant.model is None:  # L_qv: at most min(q, 2n) distinct masks
        support = min(params.get("q") or (1 << n), 2 * n)
    else:  # a compiled variant's noise: the first seed vector's distinct masks stand for all
        remaining = iter(dists)
        first = next(remaining)
        dists = itertools.chain([first], remaining)
        support = len(first.support()[1])
    runs = count * (len(classifiers) * len(inputs) * len(modes) if uses_classifiers else 1)
    if closed_form and variant.multiplicative:
        work = runs * (1 << n) * n
        compiled = kernels_available()
        limit = MAX_COMPILED_TRANSFORM_WORK if compiled else MAX_TRANSFORM_WORK
        if work > limit:
            raise InvalidArgument(
                "--n", n, (f"a size whose closed-form run needs at most 2^35 = {limit:,} transform steps (n = 24 at the defaults: 18-31 s of CPU with the compiled kernels)"
                           if compiled else f"a size whose closed-form run needs at most 2^32 = {limit:,} transform steps (n = 22 at the defaults: 25-47 s measured; install numba for n = 24)"),
                f"{runs:,} runs × 2^{n} masks × {n} passes = about {work:,}; lower --n, --classifiers or the seed vectors",
            )
        return Setup(n, lam, dists, count, variant, classifiers, inputs, modes, params)
    estimate = runs * (1 << n) * support
    if estimate > MAX_MASK_EVALUATIONS:
        raise InvalidArgument(
            "--n", n, f"a size whose exhaustive run needs at most 2^32 = {MAX_MASK_EVALUATIONS:,} mask evaluations (about 100 s on a quiet core)",
            f"{runs:,} runs × 2^{n} masks × {support} distinct noise masks = about {estimate:,}; lower --n, --classifiers or the seed vectors",
        )
    return Setup(n, lam, dists, count, variant, classifiers, inputs, modes, params)


def distribution_data(distribution: MaskDistribution) -> dict[str, Any]:
    """A distribution as counterexample data: masks and exact weights, plus how it was built."""
    masks, counts = distribution.support()
    return {
        "name": distribution.name,
        "params": dict(distribution.params),
        "masks": masks.astype(int).tolist(),
        "weights": [Fraction(c, distribution.total) for c in counts],
    }


def distribution_from_data(data: Mapping[str, Any]) -> MaskDistribution:
    """The distribution a counterexample recorded, with how it was built (a compiled variant's exact
    reference reads its q, λ and seed vector from there)."""
    params = data.get("params")
    return finite(data["masks"], data["weights"], name=str(data.get("name", "finite")), params=dict(params) if isinstance(params, Mapping) else None)


class Clock:
    """Wall time and the throughput line shared by the exhaustive checks."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stats = Stats()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def details(self) -> dict[str, Any]:
        seconds = max(self.elapsed(), 1e-9)
        return {
            "masks_evaluated": self.stats.masks,
            "masks_per_s": round(self.stats.masks / seconds),
            "distinct_classifier_inputs": self.stats.distinct_inputs,
            "smoothing_runs": self.stats.runs,
            "elapsed_s": round(seconds, 3),
        }

    def result(self, name: str, verdict: Verdict, method: str, cases: int, params: Mapping[str, Any] | None, quantified_over: str,
               counterexample: Counterexample | None, margin: Fraction | None, message: str, details: Mapping[str, Any]) -> CheckResult:
        """The check's result, stamped with its wall time and throughput."""
        return CheckResult(
            name=name,
            verdict=verdict,
            method=method,
            cases=cases,
            params={**(params or {}), "quantified_over": quantified_over},
            counterexample=counterexample,
            margin=margin,
            message=message,
            elapsed_s=self.elapsed(),
            details={**details, **self.details()},
        )

    def line(self) -> str:
        seconds = max(self.elapsed(), 1e-9)
        return f"{self.stats.masks:,} masks evaluated in {seconds:.2f} s ({self.stats.masks / seconds / 1e6:.1f} M masks/s)"
