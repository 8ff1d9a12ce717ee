"""What the exhaustive checks' replayers take from a counterexample's data: names, never imports.

A counterexample records its smoothing variant by name. A name registered in
this process (the built-in ``multiplicative`` and ``additive``, or one added
with ``register_variant``) is looked up; anything else, in particular a
``module:attribute`` string, is user code and is used only when the caller
names it again (``replay(cx, variant=...)``): importing what a JSON document
names would turn a CI artifact into code.
"""

from __future__ import annotations

from typing import Any, Mapping

from .._loading import load_attribute
from ..errors import InvalidArgument
from ..exhaustive.mask_encodings import SmoothingVariant, resolve_variant
from ..replaying import Replay, needs_code

__all__ = ["exact_variant"]


def exact_variant(data: Mapping[str, Any], variant: Any = None) -> SmoothingVariant | Replay:
    """The variant to replay with: the one the caller named, else the data's registered name; else a "needs code" Replay."""
    if variant is not None:
        if isinstance(variant, str):
            variant = load_attribute(variant, argument="variant", module_prefix="_mus_verify_replay_variant_")
        return resolve_variant(variant) if isinstance(variant, SmoothingVariant) else _not_a_variant(variant)
    name = data.get("variant")
    if isinstance(name, str) and ":" not in name:
        try:
            return resolve_variant(name)  # a dictionary look-up for a plain name
        except InvalidArgument:
            pass
    return needs_code("variant", f"the counterexample's smoothing variant {name!r} is not registered in this process, "
                                 "and nothing a counterexample names is imported (replay(cx, variant=SmoothingVariant or 'file.py:attr'))")


def _not_a_variant(value: Any) -> SmoothingVariant:
    raise InvalidArgument("variant", value, "a SmoothingVariant (mus_verify.exhaustive.mask_encodings)")
