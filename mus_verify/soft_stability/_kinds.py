"""Counterexample kinds of this package and their replayers, recorded in every counterexample it makes
(so a counterexample replays even when ``mus_verify.checks`` was never imported)."""

from __future__ import annotations

from typing import Any, Mapping

from ..results import Counterexample

_PACKAGE = "mus_verify.soft_stability"
REPLAYERS = {
    "soft-stability-hard-radius": f"{_PACKAGE}.check_exact:replay_hard_radius",
    "soft-stability-sampler-law": f"{_PACKAGE}.check_sampler:replay_law",
    "soft-stability-sampler-fit": f"{_PACKAGE}.check_sampler:replay_fit",
    "soft-stability-coverage": f"{_PACKAGE}.check_coverage:replay_coverage",
    "soft-stability-sample-size": f"{_PACKAGE}.check_coverage:replay_sample_size",
    "soft-stability-smoothing": f"{_PACKAGE}.check_smoothing:replay_smoothing",
    "soft-stability-gate": f"{_PACKAGE}.gate:replay_gate",
    "soft-stability-misses": f"{_PACKAGE}.study:replay_misses",
}


def counterexample(kind: str, summary: str, data: Mapping[str, Any]) -> Counterexample:
    from ..results import register_replayer

    register_replayer(kind, REPLAYERS[kind])
    return Counterexample(kind, summary, data, REPLAYERS[kind])
