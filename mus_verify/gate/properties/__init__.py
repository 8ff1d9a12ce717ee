"""The gate's properties, one module per concept; see each module for the statement it checks.

``PROPERTIES`` is the report order; ``ACTIVE`` the properties that drive the
implementation themselves, in the order they run (batch consistency first: it
decides whether the others may batch; ``inputs_unchanged`` last, as it also
reports the in-place watch kept on every call). ``contract``,
``rng_isolation``, ``probabilities`` and ``masked_inputs`` are watched on every
call (:mod:`mus_verify.gate.watches`). ``SEVERITY`` gives each property its one
class (guarantee, conformance, hygiene), which the runner applies.
"""

from __future__ import annotations

from typing import Callable

from ..context import GateRun, Outcome
from .basic import alpha_validation, batch_consistency, determinism
from .certificate import certificate
from .conformance import conformance
from .equivalence import keep_mask, masking_equivalence
from .inputs import inputs_unchanged
from .lipschitz import lipschitz
from .noise_checks import keep_rates, seed_use
from .threads import thread_consistency

__all__ = ["PROPERTIES", "ACTIVE", "WATCHED", "SEVERITY", "SEVERITY_REASONS", "GUARANTEE", "CONFORMANCE", "HYGIENE"]

# The severity model (issue 10, item 2). Every property has exactly one class, fixed here and
# never changed by another property's verdict.
GUARANTEE = "guarantee"
CONFORMANCE = "conformance"
HYGIENE = "hygiene"

SEVERITY_REASONS: dict[str, str] = {
    GUARANTEE: "can make a certificate or g false: a failure fails the gate",
    CONFORMANCE: "sound but not the reference L_qv: passes with a notice, fails only under --strict",
    HYGIENE: "harmless to g and its certificates, but bad practice: warns, fails only under --strict",
}

SEVERITY: dict[str, str] = {
    # guarantee: anything that can make a certificate or g false
    "contract": GUARANTEE,  # raising on valid input, wrong shapes: nothing else can be trusted
    "probabilities": GUARANTEE,  # g outside the simplex: Thm 3.1 is about probability vectors
    "masked_inputs": GUARANTEE,  # rows that feed g are not x ⊙ s with binary s ≤ α
    "inputs_unchanged": GUARANTEE,  # the caller's x or α mutated in place
    "determinism": GUARANTEE,
    "batch_consistency": GUARANTEE,
    "thread_consistency": GUARANTEE,
    "keep_rates": GUARANTEE,  # marginals P(s_i = 1) = λ (Thm 3.1's hypothesis)
    "masking_equivalence": GUARANTEE,  # g = E_s f(x ⊙ (s ∧ α)) for the recovered masks
    "keep_mask": GUARANTEE,
    "lipschitz": GUARANTEE,
    "certificate": GUARANTEE,
    # conformance: sound, but not the reference L_qv
    "seed_use": CONFORMANCE,
    "conformance": CONFORMANCE,
    # hygiene: the gate's contract says α is binary, so accepting 0.5 silently is not a wrong g
    "alpha_validation": HYGIENE,
    "rng_isolation": HYGIENE,  # the caller's random stream, not g, is affected
    "unmasked_probes": HYGIENE,  # the base was shown rows outside x ⊙ s that do not feed g
    "base_not_copied": HYGIENE,  # copy.deepcopy of the base: a second model in memory (+303 MiB at ViT-B), same g
}

WATCHED = ("contract", "rng_isolation", "probabilities", "masked_inputs", "unmasked_probes", "base_not_copied")

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
    "thread_consistency": thread_consistency,
    # Last: its outcome is the watch over every call made before it, plus its float32/float64 calls.
    "inputs_unchanged": inputs_unchanged,
}

# The order results are reported in; defined once in the (lazy) package root.
from .. import PROPERTIES  # noqa: E402
