"""Exact judges: does a concrete (h, x, α, symbols) violate a property? No Z3 here.

Every SAT model the prover finds is turned into data (the classifier as a
finite table of exact outputs at the inputs it is evaluated on) and judged
here in rational arithmetic before anything is reported. "Violated" is decided
by each theorem's one judge in :mod:`mus_verify.theorems` (the same function
the Z3 query asserts, on Fractions here). The same functions
are the registered replayers of the ``smt-*`` counterexample kinds, so a
saved counterexample replays without Z3.

Whenever the variant declares a ``reference_distribution`` (MuS-style zero
masking with binary noise), g is computed twice, by the variant's exact
evaluator and by the foundation's :func:`mus_verify.smoothing.smooth`; the two
must agree or the judge refuses the counterexample.

Statements judged (λ the stated Lipschitz constant; g_V the variant's g):

* ``masking-equivalence``: g(hide(x, α), 1) = g(x, α) (paper §3.1; fails for additive, Prop. A.1);
* ``lipschitz``: |g_c(x, α) − g_c(x, α + e_i)| ≤ λ on every hypercube edge (Thm 3.1);
* ``stability``: with A the unique top class of g(x, α), gap = g_A − g_B > 0 and
  r the radius rule's radius, f(hide(x, β)) keeps A as unique top class for every
  β with ‖β − α‖₁ ≤ r (Thm 3.2; incremental: β ⪰ α, decremental: α = 1);
* ``marginals``: Pr[s_i lets feature i through] = λ for every i (Prop. 3.4 / A.2);
* ``reference``: g_V(x, α) = g_mus(x, α) with the same seed vector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Literal, Mapping, Sequence, cast

import numpy as np

from .._validation import as_fraction
from ..certificates import top_two
from ..theorems import lipschitz as lipschitz_thm
from ..theorems import marginals as marginals_thm
from ..theorems import masking as masking_thm
from ..theorems import reference as reference_thm
from ..theorems import stability as stability_thm
from ..errors import InvalidArgument
from ..variants.base import Variant, VariantParams
from ..distributions import finite
from ..variants.guard import run_reference_distribution
from ..variants.exact import check_symbols, hide_exact, noise_exact, noise_marginals, smooth_variant
from ..variants.loader import load_variant

Mode = Literal["average", "vote"]

__all__ = ["Outcome", "TableClassifier", "MissingInput", "judge", "JUDGES", "REPLAY_KINDS", "load_context"]


from ..errors import MissingInput  # noqa: E402  (defined in errors.py; re-exported here)


class TableClassifier:
    """A base classifier given as a finite table: exact input slots -> exact class probabilities."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.table: dict[tuple[Fraction | None, ...], list[Fraction]] = {}
        for row in rows:
            key = _key(row["input"])
            self.table[key] = [as_fraction(p, "h_table output") for p in row["output"]]

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        out = []
        for row in np.asarray(inputs, dtype=object).reshape(len(inputs), -1):
            key = _key(row)
            if key not in self.table:
                raise MissingInput(f"h is not tabulated at input {[None if v is None else str(v) for v in key]}")
            out.append(self.table[key])
        return np.array(out, dtype=object)


class RecordingClassifier:
    """Answers uniform probabilities and records every input it is asked about (to build a table)."""

    def __init__(self, classes: int) -> None:
        self.classes = classes
        self.inputs: list[tuple[Fraction | None, ...]] = []

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        rows = np.asarray(inputs, dtype=object).reshape(len(inputs), -1)
        for row in rows:
            key = _key(row)
            if key not in self.inputs:
                self.inputs.append(key)
        return np.array([[Fraction(1, self.classes)] * self.classes for _ in rows], dtype=object)


def _key(values: Any) -> tuple[Fraction | None, ...]:
    return tuple(None if v is None else Fraction(v) for v in values)


@dataclass
class Outcome:
    """A judge's verdict on concrete data: violated or not, one line why, and the exact values it saw."""

    violated: bool
    summary: str
    observed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    variant: Variant
    params: VariantParams
    symbols: dict[str, Any]
    x: list[Fraction | None]
    mode: Mode
    classes: int


def load_context(data: Mapping[str, Any], variant: Variant | None = None) -> Context:
    """The judge's view of counterexample data; ``variant`` overrides loading it from the data's spec."""
    if variant is None:
        variant = load_variant(data.get("variant_source") or data["variant"])
    params = VariantParams(int(data["n"]), int(data["q"]), as_fraction(data["lam"], "lam"))
    symbols = check_symbols(variant, params, data.get("symbols") or {})
    x = [None if v is None else as_fraction(v, "x") for v in data.get("x", [0] * params.n)]
    return Context(variant, params, symbols, x, cast(Mode, data.get("mode", "average")), int(data.get("classes", 2)))


def _uses_zero_masking(variant: Variant) -> bool:
    """True when apply, hide and keeps are MuS's defaults (not overridden by a subclass or a duck-typed object)."""
    return all(getattr(type(variant), hook) is getattr(Variant, hook) and hook not in vars(variant) for hook in ("apply", "hide", "keeps"))


def reference_distribution(variant: Variant, params: VariantParams, symbols: Mapping[str, Any]) -> Any:
    """The MaskDistribution that makes g MuS smoothing: declared by the variant, or derived from its exact
    noise when the variant masks with zeros and its noise is binary; None otherwise."""
    declared = run_reference_distribution(variant, params, symbols)
    if declared is not None or not _uses_zero_masking(variant):
        return declared
    noise = noise_exact(variant, params, symbols)
    if not all(isinstance(v, bool) for _, s in noise for v in s):
        return None
    return finite([[int(v) for v in s] for _, s in noise], [w for w, _ in noise], name=variant.name)


def _g(ctx: Context, h: Callable[[np.ndarray], Any], x: Sequence[Any], alpha: Sequence[int]) -> tuple[Fraction, ...]:
    """g(x, α) by the variant's exact evaluator, cross-checked with smoothing.smooth when the variant is MuS-like."""
    value = smooth_variant(ctx.variant, h, x, alpha, ctx.params, ctx.symbols, mode=ctx.mode)
    distribution = reference_distribution(ctx.variant, ctx.params, ctx.symbols)
    if distribution is not None and not isinstance(h, RecordingClassifier):
        from ..smoothing import smooth

        reference = smooth(h, np.array(list(x), dtype=object), alpha, distribution, mode=ctx.mode)
        if tuple(reference) != tuple(value):
            raise InvalidArgument(
                "variant", ctx.variant.name, "a reference_distribution that describes the variant's own noise",
                f"g(x, α) from its noise is {_text(value)}, but smoothing.smooth with its reference_distribution gives "
                f"{_text(reference)}: the variant disagrees with smoothing.smooth",
            )
    return value


def _f_hidden(ctx: Context, h: Callable[[np.ndarray], Any], alpha: Sequence[int]) -> tuple[Fraction, ...]:
    """f(hide(x, α)) = g(hide(x, α), 1)."""
    return _g(ctx, h, hide_exact(ctx.variant, ctx.x, alpha, ctx.params, ctx.symbols), [1] * ctx.params.n)


def _text(values: Sequence[Fraction]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def judge_masking_equivalence(ctx: Context, data: Mapping[str, Any], h: Any) -> Outcome:
    alpha = list(data["alpha"])
    direct = _g(ctx, h, ctx.x, alpha)
    hidden = _f_hidden(ctx, h, alpha)
    return Outcome(
        bool(masking_thm.sides_differ(direct, hidden)),
        f"g(x, α) = {_text(direct)} but g(hide(x, α), 1) = {_text(hidden)}",
        {"g(x, alpha)": direct, "g(hide(x, alpha), 1)": hidden},
    )


def judge_lipschitz(ctx: Context, data: Mapping[str, Any], h: Any) -> Outcome:
    i = int(data["edge"])
    low, high = list(data["alpha"]), list(data["alpha"])
    low[i], high[i] = 0, 1
    g_low, g_high = _g(ctx, h, ctx.x, low), _g(ctx, h, ctx.x, high)
    jumps = [abs(a - b) for a, b in zip(g_low, g_high)]
    c = max(range(len(jumps)), key=lambda k: jumps[k])
    return Outcome(
        bool(lipschitz_thm.exceeds(jumps[c], ctx.params.lam)),
        f"flipping feature {i} moves g_{c} by {jumps[c]} > λ = {ctx.params.lam}",
        {"g(x, alpha with feature off)": g_low, "g(x, alpha with feature on)": g_high, "class": c, "jump": jumps[c]},
    )


def judge_stability(ctx: Context, data: Mapping[str, Any], h: Any) -> Outcome:
    alpha, beta = list(data["alpha"]), list(data["beta"])
    rule, direction = data["radius_rule"], data.get("direction", "any")
    lam = ctx.params.lam
    center = _g(ctx, h, ctx.x, alpha)
    top = top_two(center)
    observed: dict[str, Any] = {"g(x, alpha)": center}
    if top.predicted is None:
        return Outcome(False, "the top two classes of g(x, α) tie: no certificate is claimed", observed)
    radius = stability_thm.radius(rule, top.gap, lam)
    distance = sum(int(a != b) for a, b in zip(alpha, beta))
    observed.update({"predicted": top.predicted, "gap": top.gap, "radius": radius, "distance": distance})
    if direction == "incremental" and any(a and not b for a, b in zip(alpha, beta)):
        return Outcome(False, "β does not contain α (incremental stability only adds features)", observed)
    if direction == "decremental" and not all(alpha):
        return Outcome(False, "decremental stability is certified at α = 1", observed)
    if not stability_thm.covered(distance, radius):
        return Outcome(False, f"‖β − α‖₁ = {distance} exceeds the claimed radius {radius}", observed)
    moved = _f_hidden(ctx, h, beta)
    after = top_two(moved)
    observed["f(hide(x, beta))"] = moved
    lost = stability_thm.lost(moved[top.predicted], [v for c, v in enumerate(moved) if c != top.predicted])
    keeps = not stability_thm.violated(True, True, lost)
    shown = "a tie" if after.predicted is None else f"class {after.predicted}"
    return Outcome(
        not keeps,
        f"rule {rule!r} certifies radius {radius} for class {top.predicted} (gap {top.gap}, λ = {lam}), "
        f"but β at distance {distance} gives {shown}: f(hide(x, β)) = {_text(moved)}",
        observed,
    )


def judge_marginals(ctx: Context, data: Mapping[str, Any], h: Any) -> Outcome:
    marginals = noise_marginals(ctx.variant, ctx.params, ctx.symbols)
    coordinates = [int(data["coordinate"])] if "coordinate" in data else range(ctx.params.n)
    off = [i for i in coordinates if marginals_thm.off(marginals[i], ctx.params.lam)]
    observed = {"marginals": marginals}
    if not off:
        return Outcome(False, "every marginal equals λ", observed)
    i = off[0]
    return Outcome(True, f"feature {i} is let through with probability {marginals[i]}, not λ = {ctx.params.lam}", observed)


def judge_reference(ctx: Context, data: Mapping[str, Any], h: Any) -> Outcome:
    alpha = list(data["alpha"])
    mus = load_variant("mus")
    reference = smooth_variant(mus, h, ctx.x, alpha, ctx.params, {"seed_vector": ctx.symbols["seed_vector"]}, mode=ctx.mode)
    value = _g(ctx, h, ctx.x, alpha)
    return Outcome(
        bool(reference_thm.sides_differ(value, reference)),
        f"{ctx.variant.name} gives g(x, α) = {_text(value)} but MuS (same seed vector) gives {_text(reference)}",
        {"g_variant(x, alpha)": value, "g_mus(x, alpha)": reference},
    )


JUDGES: dict[str, Callable[[Context, Mapping[str, Any], Any], Outcome]] = {
    "masking-equivalence": judge_masking_equivalence,
    "lipschitz": judge_lipschitz,
    "stability": judge_stability,
    "marginals": judge_marginals,
    "reference": judge_reference,
}

REPLAY_KINDS = {name: f"smt-{name}" for name in JUDGES}


def judge(data: Mapping[str, Any], h: Any = None, variant: Variant | None = None) -> Outcome:
    """Judge a counterexample's data; ``h`` defaults to its table, ``variant`` to the one its spec names."""
    ctx = load_context(data, variant)
    if h is None:
        h = TableClassifier(data.get("h_table", []))
    return JUDGES[data["property"]](ctx, data, h)


def _evaluations(ctx: Context, data: Mapping[str, Any]) -> list[tuple[Variant, Sequence[Any], list[int]]]:
    """Every (variant, input, α) at which a judge may evaluate g for this data."""
    n, prop = ctx.params.n, data["property"]
    ones = [1] * n
    if prop == "marginals":
        return []
    if prop == "lipschitz":
        i = int(data["edge"])
        low, high = list(data["alpha"]), list(data["alpha"])
        low[i], high[i] = 0, 1
        return [(ctx.variant, ctx.x, low), (ctx.variant, ctx.x, high)]
    alpha = list(data["alpha"])
    if prop == "reference":
        return [(ctx.variant, ctx.x, alpha), (load_variant("mus"), ctx.x, alpha)]
    moved = list(data["beta"]) if prop == "stability" else alpha
    hidden = hide_exact(ctx.variant, ctx.x, moved, ctx.params, ctx.symbols)
    return [(ctx.variant, ctx.x, alpha), (ctx.variant, hidden, ones)]


def record_inputs(data: Mapping[str, Any], variant: Variant | None = None) -> list[tuple[Fraction | None, ...]]:
    """Every classifier input the judge may evaluate for this data (in first-seen order)."""
    ctx = load_context(data, variant)
    recorder = RecordingClassifier(ctx.classes)
    for variant, x, alpha in _evaluations(ctx, data):
        symbols = ctx.symbols if variant is ctx.variant else {"seed_vector": ctx.symbols["seed_vector"]}
        smooth_variant(variant, recorder, x, alpha, ctx.params, symbols)
    return recorder.inputs


def _replay(data: Mapping[str, Any], variant: Any) -> Any:
    """Judge the data again; a variant that is not built in is user code and runs only when named again."""
    from ..replaying import Replay, ReplayStatus, needs_code
    from ..variants.loader import BUILTIN_VARIANTS

    if variant is None:
        spec = data.get("variant_source") or data.get("variant")
        if not (isinstance(spec, str) and spec in BUILTIN_VARIANTS):
            return needs_code("variant", f"the counterexample's variant {spec!r} is not built in, and nothing named in the data is "
                                         "imported (replay(cx, variant='path/file.py:VARIANT'), or mus-verify replay FILE --variant ...)")
        variant = spec
    try:
        return judge(data, variant=load_variant(variant)).violated
    except (MissingInput, AssertionError, ValueError) as exc:
        # An untabulated input, a reference disagreement or an invalid table is no confirmed violation.
        return Replay(ReplayStatus.NOT_REPRODUCED, f"not confirmed by the exact reference: {type(exc).__name__}: {exc}")


def replay_masking_equivalence(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    return _replay(data, variant)


def replay_lipschitz(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    return _replay(data, variant)


def replay_stability(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    return _replay(data, variant)


def replay_marginals(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    return _replay(data, variant)


def replay_reference(data: Mapping[str, Any], *, variant: Any = None) -> Any:
    return _replay(data, variant)
