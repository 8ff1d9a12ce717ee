"""The gate's properties, one module per concept; see each module for the statement it checks.

``PROPERTIES`` is the report order; ``ACTIVE`` the properties that drive the
implementation themselves, in the order they run (batch consistency first: it
decides whether the others may batch). ``contract``, ``rng_isolation``,
``probabilities`` and ``masked_inputs`` are watched on every call
(:mod:`mus_verify.gate.watches`).
"""

from __future__ import annotations

from typing import Callable

from ..context import GateRun, Outcome
from .basic import alpha_validation, batch_consistency, determinism
from .certificate import certificate
from .conformance import conformance
from .equivalence import keep_mask, masking_equivalence
from .lipschitz import lipschitz
from .noise_checks import keep_rates, seed_use

__all__ = ["PROPERTIES", "ACTIVE", "WATCHED"]

WATCHED = ("contract", "rng_isolation", "probabilities", "masked_inputs")

ACTIVE: dict[str, Callable[[GateRun], Outcome]] = {
    "batch_consistency": batch_consistency,
    "determinism": determinism,
    "keep_rates": keep_rates,
    "seed_use": seed_use,
    "masking_equivalence": masking_equivalence,
    "keep_mask": keep_mask,
    "lipschitz": lipschitz,
    "certificate": certificate,
    "alpha_validation": alpha_validation,
    "conformance": conformance,
}

# The order results are reported in; defined once in the (lazy) package root.
from .. import PROPERTIES  # noqa: E402
