"""The exhaustive engine: every mask, every edge, exactly, vectorised with numpy integers.

Organisation (one concept per module):

* :mod:`.bits` — masks as integer codes, popcounts, the edges of the cube;
* :mod:`.mask_encodings` — how noise meets the mask (MuS's α ⊙ s, additive α + s);
* :mod:`.keys` — a :class:`mus_verify.variants.Variant` compiled to one of those, with its noise evaluated exactly;
* :mod:`.classifiers` — concrete base classifiers with exact integer outputs and JSON specs;
* :mod:`.engine` — g(x, α) for all α with the classifier memoised over distinct masked
  inputs; exact total-variation distances between laws of masked inputs;
* :mod:`.distance` — distance transforms on the cube (true stability radii);
* :mod:`.inputs` — the inputs x quantified over (why distinct nonzero entries are the worst case);
* :mod:`.planted` — planted bugs the checkers must refute.

The checkers built on it live in :mod:`mus_verify.checks` (``lipschitz``,
``masking_equivalence``, ``stability``, ``tightness``).
"""

from __future__ import annotations

from ..model.classifiers import HashTable, Indicator, LinearVote, Quorum, TinyMLP, classifier_family, from_spec
from .distance import distance_to
from .engine import Noise, Stats, encode_noise, smoothed
from .inputs import default_inputs
from .planted import lowered_lqv, off_by_half_lqv
from .mask_encodings import ADDITIVE, MULTIPLICATIVE, SmoothingVariant, resolve_variant
from .keys import compile_variant

__all__ = [
    "ADDITIVE",
    "MULTIPLICATIVE",
    "SmoothingVariant",
    "resolve_variant",
    "compile_variant",
    "HashTable",
    "Indicator",
    "LinearVote",
    "Quorum",
    "TinyMLP",
    "classifier_family",
    "from_spec",
    "Noise",
    "Stats",
    "encode_noise",
    "smoothed",
    "distance_to",
    "default_inputs",
    "off_by_half_lqv",
    "lowered_lqv",
]
