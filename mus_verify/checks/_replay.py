"""What the exhaustive checks' replayers take from a counterexample's data: names, never imports.

A counterexample records its smoothing variant by name. A built-in's name
(``multiplicative``/``mus``, ``additive``, ``mus-iid``, ...: a plain look-up in
:data:`mus_verify.variants.BUILTIN_VARIANTS`, which imports only mus_verify's own
code) is resolved and compiled at the size the data records. Any other name is
a user's variant: its code is run only when the caller names it again
(``replay(cx, variant="file.py:V")``, ``mus-verify replay FILE --variant
file.py:V``) or the counterexample still holds the live object it was found
with; importing what a JSON document names would turn a CI artifact into code.
The named variant must carry the recorded name, and is compiled at the recorded
q, λ (its exact reference re-runs its own code: :mod:`mus_verify.exhaustive.keys`).
"""

from __future__ import annotations

from typing import Any, Mapping

from .._validation import as_int
from ..errors import InvalidArgument
from ..exhaustive.keys import compile_variant, encoding_of_name
from ..exhaustive.mask_encodings import SmoothingVariant
from ..replaying import Replay, ReplayStatus, needs_code
from ..variants.base import make_params
from ..variants.loader import is_builtin_name, load_variant

__all__ = ["exact_variant"]

# built-in names whose compiled form is an encoding object itself (its exact reference reads the recorded masks)
_ENCODINGS = ("mus", "multiplicative", "additive")


def exact_variant(data: Mapping[str, Any], variant: Any = None) -> SmoothingVariant | Replay:
    """The variant to replay with: the one the caller named, else the data's built-in name; else a "needs code" Replay."""
    name = data.get("variant")
    if variant is None:
        if not is_builtin_name(name):
            return needs_code("variant", f"the counterexample's smoothing variant {name!r} is not a built-in, and nothing a counterexample "
                                         "names is imported (replay(cx, variant='file.py:V'), mus-verify replay FILE --variant file.py:V)")
        variant = name
    if isinstance(variant, SmoothingVariant):
        return variant
    if isinstance(variant, str) and variant in _ENCODINGS:
        return encoding_of_name(variant)  # MuS and additive replay with the recorded masks: no size needed
    model = load_variant(variant)
    compiled = compile_variant(model, _recorded_params(data, model)).smoothing
    if isinstance(name, str) and compiled.name != name:
        return Replay(ReplayStatus.NOT_REPLAYED, f"not replayed: the counterexample was found with variant {name!r}, "
                                                 f"but the variant named for the replay is {compiled.name!r}", ("variant",))
    return compiled


def _recorded_params(data: Mapping[str, Any], model: Any) -> Any:
    distribution = data.get("distribution")
    record = distribution.get("params") if isinstance(distribution, Mapping) else None
    masks = distribution.get("masks") if isinstance(distribution, Mapping) else None
    if not isinstance(record, Mapping) or "q" not in record or "lam" not in record or not isinstance(masks, list) or not masks:
        raise InvalidArgument("distribution", record, "the recorded noise with its params q and λ (a variant is compiled at that size)")
    n = as_int(len(masks[0]), "distribution.masks[0]", low=1)
    return make_params(n, record["q"], record["lam"], quantized=bool(model.quantized))
