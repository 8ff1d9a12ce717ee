"""Mask codes and popcount: moved to :mod:`mus_verify.core.bits` (the one implementation; issue 11).

This path stays a re-export because tests, docs and users import ``mus_verify.exhaustive.bits``.
"""

from ..core.bits import (
    MAX_FEATURES,
    binomial_prefix_table,
    bits_of,
    check_features,
    code_from_bits,
    codes_from_masks,
    edge_lower_ends,
    masks_from_codes,
    popcount,
)

__all__ = [
    "MAX_FEATURES",
    "check_features",
    "codes_from_masks",
    "masks_from_codes",
    "code_from_bits",
    "bits_of",
    "popcount",
    "edge_lower_ends",
    "binomial_prefix_table",
]
