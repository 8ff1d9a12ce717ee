"""Registers the top-k checks with ``mus-verify check`` and their counterexample replayers.

Imported by :mod:`mus_verify.checks`; importing it loads nothing heavy (runners are strings).
"""

from __future__ import annotations

from ..checks.registry import CheckSpec, register
from ..results import register_replayer
from .theorems import REPLAYERS

_CHECKS = (
    ("topk-lemma", "P@k and flipped cross pairs: m² <= F <= m(n−k)+km−m² over every permutation, n <= 7 (R2ET notes §3.3)", "run_lemma", ("n",)),
    ("topk-certificate", "certified top-k radii T1a/T1c/T1d never exceed the exact radius (ℓ∞, ℓ2), affine saliency families", "run_certificates", ("seed",)),
    ("topk-thickness", "ranking thickness of affine gaps >= min(1, h/(L‖δ‖)) on a rational grid (T2)", "run_thickness", ()),
    ("topk-at", "R2ET's surrogate dominates the exact adversarial-training maximum once λ2 >= 2εk(n−k)λ1 (T3)", "run_at", ("seed",)),
    ("topk-attack-steps", "no ℓ∞ step path of size η flips a pair before ⌈h/(ηL)⌉ steps (T4)", "run_steps", ()),
)

for _name, _summary, _function, _options in _CHECKS:
    register(CheckSpec(name=_name, summary=_summary, target=f"mus_verify.topk.checks:{_function}", options=_options))

for _kind, _target in REPLAYERS.items():
    register_replayer(_kind, _target)
