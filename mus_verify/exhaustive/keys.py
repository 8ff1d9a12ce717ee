"""A :class:`mus_verify.variants.Variant` compiled for the exhaustive engine: an encoding plus exact noise.

The cut. A variant (noise, apply, hide, keeps; :mod:`mus_verify.variants.base`) is
defined once. The exhaustive engine needs two things from it, and they live at
different levels:

* *how noise meets the mask* — a :class:`~.mask_encodings.SmoothingVariant`
  (integer digits and keys), fixed by the variant's ``apply``/``hide``/``keeps``
  alone, so one per variant and size;
* *the noise* — one exact :class:`~mus_verify.distributions.MaskDistribution` per
  concrete value of the variant's symbols (the seed vector the check quantifies
  over), obtained by evaluating ``noise`` and ``keeps`` with the exact ops.

So :func:`compile_variant` returns a :class:`CompiledVariant` holding the first,
and its :meth:`CompiledVariant.noise` gives the second for each seed vector
(``--seed-vector``, ``--seed`` or every one of ``--all-seed-vectors``), lazily.

What compiles (and nothing else: an ``apply`` is never *probed* on sample points,
since agreeing on samples is no proof that it is coordinate-wise):

* ``apply``, ``hide`` and ``keeps`` are MuS's own methods (``Variant.apply`` and
  ``Variant.hide`` unchanged; ``keeps`` may be the variant's, evaluated exactly and
  required to give a bool): the classifier sees x_i where α_i ∧ keeps(s_i), else 0,
  which is :data:`~.mask_encodings.MULTIPLICATIVE` with the law of keeps(s) (so the
  MuS closed forms apply);
* the built-in additive ``apply`` (``Additive.apply``, with MuS's ``hide`` and
  ``keeps``) and binary noise: :data:`~.mask_encodings.ADDITIVE`.

Refused with :class:`~mus_verify.errors.InvalidArgument` naming the variant and
why (exit 2): ``variable_length`` (token dropping), any other ``apply`` or
``hide``, noise or ``keeps`` values that are not binary, symbols other than an
L_qv-like ``seed_vector`` (IntVector(n, 0, q-1)): a baseline in Q^n has no finite
set of values to enumerate, and other integer symbols are refused rather than
enumerated (use ``mus-verify prove``, which quantifies over them).

The built-ins ``mus`` and ``additive`` compile to the encoding objects
themselves (name ``multiplicative`` / ``additive``, as counterexamples always
recorded them) with their L_qv noise; any other variant keeps its own name and
uses its own exact evaluation (:func:`mus_verify.variants.smooth_variant`) as the
exact reference, so replaying its counterexample re-runs its code, which is
why a replay of a user variant needs ``--variant`` named again. A distribution
equal to L_qv(λ) at the seed vector is labelled ``lqv`` (the same law); a
declared ``reference_distribution`` is used when it equals the noise, and is an
error when it does not.

>>> from mus_verify.variants import load_variant, make_params
>>> compiled = compile_variant(load_variant("mus"), make_params(3, 4, "1/4"))
>>> compiled.smoothing is MULTIPLICATIVE, compiled.noise((0, 1, 3)).name
(True, 'lqv')
>>> try:
...     compile_variant(load_variant("token-drop"), make_params(3, 4, "1/4"))
... except InvalidArgument as refused:
...     print(refused.argument, "variable-length noise" in str(refused))
variant True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..distributions import MaskDistribution, lqv
from ..errors import InvalidArgument
from ..variants.base import IntVector, Variant, VariantParams, make_params
from ..variants.builtin import Additive, MuS
from ..variants.exact import check_symbols, smooth_variant
from ..variants.guard import run_check, run_keeps, run_noise, run_reference_distribution, run_symbols
from ..variants.loader import is_builtin_name, load_variant
from ..variants.ops import EXACT
from .mask_encodings import ADDITIVE, MULTIPLICATIVE, SmoothingVariant

__all__ = ["CompiledVariant", "compile_variant", "encoding_of_name", "ENCODING_NAMES"]

PROVE = "use `mus-verify prove`, which runs any variant through Z3"
ENCODING_NAMES = "a SmoothingVariant or a built-in whose compiled form is an encoding: mus (alias multiplicative) or additive"
_ZERO_MASKING = "MuS's zero masking (x_i where α_i ∧ keeps(s_i), else 0; hide x ⊙ α)"


def _refuse(model: Any, why: str) -> InvalidArgument:
    return InvalidArgument("variant", getattr(model, "name", repr(model)), "a variant the exhaustive engine can compile (MuS's zero masking or the "
                           "built-in additive; binary noise; at most an L_qv seed_vector symbol)", why)


def _is_method(model: Any, hook: str, default: Callable[..., Any]) -> bool:
    """Whether ``model.hook`` *is* ``default`` (the class's own function, not a look-alike)."""
    return getattr(getattr(model, hook, None), "__func__", None) is default


def _encoding(model: Variant) -> SmoothingVariant:
    """The encoding of the model's apply/hide/keeps, decided by identity of the methods; else refused."""
    if model.variable_length:
        raise _refuse(model, "variable-length noise (variable_length = True: apply can drop slots, as token dropping does): the exhaustive "
                             f"engine compares fixed-length masked inputs; {PROVE}")
    if _is_method(model, "apply", Variant.apply):
        encoding = MULTIPLICATIVE
    elif _is_method(model, "apply", Additive.apply):
        if not _is_method(model, "keeps", Variant.keeps):
            raise _refuse(model, f"the additive apply() with its own keeps(): additive noise is encoded with keeps(s_i) = s_i only; {PROVE}")
        encoding = ADDITIVE
    else:
        raise _refuse(model, f"its own apply(): the exhaustive engine represents only {_ZERO_MASKING} and the built-in additive "
                             f"x ⊙ (α + s), and does not guess whether another apply is coordinate-wise one of them; {PROVE}")
    if not _is_method(model, "hide", Variant.hide):
        raise _refuse(model, f"its own hide(): the exhaustive checks hide an explanation as x ⊙ α; {PROVE}")
    return encoding


def _seeded(model: Variant, params: VariantParams) -> bool:
    """True when the model declares the L_qv seed vector, False when it declares no symbol; else refused."""
    declared = run_symbols(model, params)
    for name, shape in declared.items():
        if name != "seed_vector" or shape != IntVector(params.n, 0, params.q - 1):
            raise _refuse(model, f"its symbol {name!r} ({shape}): the exhaustive engine runs concrete noise and takes concrete values only "
                                 f"for a seed_vector IntVector({params.n}, 0, {params.q - 1}) like L_qv's (from --seed-vector, --seed or "
                                 f"--all-seed-vectors); {PROVE}, which quantifies over every value")
    return "seed_vector" in declared


def _builtin(model: Variant) -> bool:
    return is_builtin_name(model.name) and type(load_variant(model.name)) is type(model)


def _binary(model: Variant, value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Fraction)) and value in (0, 1):
        return bool(value)
    raise _refuse(model, f"{what} = {value!r} is not binary (a bool, 0 or 1): the exhaustive engine encodes each feature as kept or hidden; {PROVE}")


def _law(distribution: MaskDistribution) -> dict[bytes, Fraction]:
    masks, counts = distribution.support()
    return {np.packbits(row).tobytes(): Fraction(c, distribution.total) for row, c in zip(masks, counts)}


@dataclass(frozen=True, eq=False)
class CompiledVariant:
    """A variant at one size: its engine encoding (``smoothing``) and, per seed vector, its exact noise."""

    model: Variant
    params: VariantParams
    smoothing: SmoothingVariant
    seeded: bool  # declares the L_qv seed_vector symbol

    @property
    def name(self) -> str:
        return self.smoothing.name

    @property
    def noise_name(self) -> str:
        """How params name the noise: ``lqv`` for the built-ins with L_qv noise, else the variant's."""
        return "lqv" if type(self.model) in (MuS, Additive) else f"noise of {self.model.name}"

    def noise(self, seed_vector: Sequence[int] | None = None) -> MaskDistribution:
        """The law of keeps(s) (of s, for additive) at this seed vector, exactly (see the module docstring)."""
        model, params = self.model, self.params
        if self.seeded and seed_vector is None:
            raise InvalidArgument("seed_vector", None, f"a seed vector of {params.n} integers in 0..{params.q - 1} for {model.name}")
        if not self.seeded and seed_vector is not None:
            raise InvalidArgument("seed_vector", list(seed_vector), f"omitted: variant {model.name} declares no seed_vector symbol")
        sym = check_symbols(model, params, {"seed_vector": seed_vector} if self.seeded else {})
        terms = run_noise(model, EXACT, params, sym)
        keeps = self.smoothing.multiplicative
        rows = []
        for r, (_, s) in enumerate(terms):
            if keeps:
                rows.append([_binary(model, run_keeps(model, EXACT, v), f"keeps(noise[{r}].s[{i}])") for i, v in enumerate(s)])
            else:
                rows.append([_binary(model, v, f"noise[{r}].s[{i}]") for i, v in enumerate(s)])
        weights = [w for w, _ in terms]
        total = math.lcm(*(w.denominator for w in weights))
        record: dict[str, Any] = {"q": params.q, "lam": params.lam}
        if self.seeded:
            record["seed_vector"] = sym["seed_vector"]
        record["variant"] = model.name
        computed = MaskDistribution(np.array(rows, dtype=bool).reshape(len(rows), params.n), tuple(int(w * total) for w in weights), total,
                                    model.name, record)
        law = _law(computed)
        reference = run_reference_distribution(model, params, sym)
        if reference is not None:
            if not isinstance(reference, MaskDistribution) or reference.n != params.n or _law(reference) != law:
                raise _refuse(model, "its reference_distribution() is not the law of keeps(s) under its noise() "
                                     f"at seed vector {sym.get('seed_vector')}: the two definitions disagree")
            return _recording(reference, record)
        if self.seeded and (params.lam * params.q).denominator == 1:
            candidate = lqv(sym["seed_vector"], params.q, params.lam)
            if _law(candidate) == law:
                return _recording(candidate, record)  # the same law, under the name every L_qv run uses
        return computed


def _recording(distribution: MaskDistribution, record: Mapping[str, Any]) -> MaskDistribution:
    """``distribution`` with q, λ and the seed vector in its params (a replay compiles the variant at those);
    unchanged when they are there already (L_qv's own params)."""
    missing = {k: v for k, v in record.items() if k != "variant" and k not in distribution.params}
    if not missing:
        return distribution
    return MaskDistribution(distribution.masks.copy(), distribution.counts, distribution.total, distribution.name, {**distribution.params, **missing})


def compile_variant(variant: Any, params: VariantParams) -> CompiledVariant:
    """Compile ``variant`` (a built-in name, ``file.py:V``, ``pkg.mod:V`` or an object; loaded by
    :func:`mus_verify.variants.load_variant`) at ``params``; InvalidArgument naming why when it cannot be.
    """
    if isinstance(variant, SmoothingVariant):
        raise InvalidArgument("variant", variant.name, "a mus_verify.variants variant (a SmoothingVariant is already compiled)")
    if not isinstance(params, VariantParams):
        raise InvalidArgument("params", params, "mus_verify.variants.VariantParams (make_params(n, q, lam))")
    model = load_variant(variant)
    encoding = _encoding(model)
    builtin = _builtin(model)
    if not builtin and (is_builtin_name(model.name) or model.name in (MULTIPLICATIVE.name, ADDITIVE.name)):
        raise _refuse(model, f"its name {model.name!r} is a built-in's: counterexamples record the name, and a replay would take the built-in")
    run_check(model, params)
    seeded = _seeded(model, params)
    if builtin and type(model) is MuS:
        smoothing = MULTIPLICATIVE
    elif builtin and type(model) is Additive:
        smoothing = ADDITIVE
    else:
        smoothing = SmoothingVariant(
            name=model.name, summary=model.summary or encoding.summary, base=encoding.base, digits=encoding.digits, keys=encoding.keys,
            exact_reference=_ModelReference(model, encoding), encoding=encoding, model=model,
        )
    return CompiledVariant(model, params, smoothing, seeded)


class _ModelReference:
    """g(x, α) of a compiled variant by the variant's own exact evaluation, at the size and seed vector its
    distribution records (checked to be that variant's noise there): the replay path."""

    def __init__(self, model: Variant, encoding: SmoothingVariant) -> None:
        self.model = model
        self.encoding = encoding

    def __call__(self, h: Callable[[np.ndarray], Any], x: Any, alpha: Any, distribution: MaskDistribution, mode: str = "average") -> tuple[Fraction, ...]:
        record = distribution.params
        if "q" not in record or "lam" not in record:
            raise InvalidArgument("distribution", distribution.name, f"the noise of variant {self.model.name} (its params record q, lam and the seed vector)")
        params = make_params(distribution.n, record["q"], record["lam"], quantized=bool(self.model.quantized))
        compiled = CompiledVariant(self.model, params, self.encoding, _seeded(self.model, params))
        seed = record.get("seed_vector") if compiled.seeded else None
        if _law(compiled.noise(None if seed is None else [int(v) for v in seed])) != _law(distribution):
            raise InvalidArgument("distribution", distribution.name, f"the noise of variant {self.model.name} at the recorded q, λ and seed vector",
                                  "its masks differ: the variant's code changed, or the distribution is not its noise")
        symbols = {"seed_vector": seed} if compiled.seeded else {}
        return smooth_variant(self.model, _slot_classifier(h), x, alpha, params, symbols, mode="vote" if mode == "vote" else "average")


def _slot_classifier(h: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    """A float-input classifier as the slot classifier smooth_variant calls; an exact one (integer
    numerators over a denominator) answers in exact rationals."""
    numerators = getattr(h, "numerators", None)
    denominator = getattr(h, "denominator", None)

    def call(batch: np.ndarray) -> Any:
        if any(v is None for v in batch.flat):
            raise InvalidArgument("x", "an absent slot", "fixed-length inputs (a compiled variant never drops a slot)")
        rows = np.array([[float(v) for v in row] for row in batch], dtype=np.float64).reshape(batch.shape)
        if callable(numerators) and isinstance(denominator, int) and denominator > 0:
            out = np.asarray(numerators(rows))
            return np.array([[Fraction(int(v), denominator) for v in row] for row in out], dtype=object)
        return h(rows)

    return call


def encoding_of_name(value: Any) -> SmoothingVariant:
    """The encoding a built-in's name stands for (``mus``/``multiplicative``, ``additive``); see ``resolve_variant``."""
    if is_builtin_name(value):
        model = load_variant(value)
        if type(model) is MuS:
            return MULTIPLICATIVE
        if type(model) is Additive:
            return ADDITIVE
        raise InvalidArgument("variant", value, ENCODING_NAMES,
                              f"the built-in {value!r} brings its own noise: run it with CheckConfig(variant={value!r}) or `mus-verify check NAME --variant {value}`")
    if isinstance(value, (str, Variant)) or callable(getattr(value, "noise", None)):
        label = value if isinstance(value, str) else getattr(value, "name", type(value).__name__)
        raise InvalidArgument("variant", label, ENCODING_NAMES,
                              "a variant with its own noise is compiled with it: CheckConfig(variant=...) or `mus-verify check NAME --variant V`")
    raise InvalidArgument("variant", value, ENCODING_NAMES)

