"""Fast PyTorch MuS for real models, checked against the exact reference.

Importing this package imports torch (nothing else in mus_verify does at import).

* :class:`MuS` — wrap any base model: smoothed probabilities g(x, α) over
  feature groups (:class:`PatchGrid`, :class:`GroupMap`, :class:`TokenGroups`),
  voting or averaging, zero masking or ViT token dropping, chunked under a
  memory cap, seed vector from a dedicated generator;
* :func:`certify`, :func:`certify_dataset`, :func:`certificate_from` —
  incremental / decremental radii through the strict rule, guarded against
  float error (:mod:`.tolerances` documents the bounds);
* :func:`top_k`, :func:`exact_shapley`, :func:`captum_attribution`,
  :func:`stability`, :func:`attack` — explanations and their stability;
* :class:`ReferencePath`, :func:`diff_mus` — the float64 / exact-rational
  reference and the differential harness behind ``mus-verify diff``;
* :func:`vit_parts`, :class:`ViTParts` — what token dropping reads from a ViT
  (transformers, timm-style, or hand-built).
"""

from __future__ import annotations

from .._optional import require

require("torch", purpose="mus_verify.torch_backend (the fast path: MuS, certify, diff, bench)")  # exit 2 with the install hint, not a traceback

from .certify import CertificatePair, FastCertificate, certificate_from, certify, certify_dataset
from .diff import DiffConfig, diff_mus
from .drop_check import check_token_drop
from .explain import AttackResult, StabilityReport, attack, captum_attribution, exact_shapley, stability, top_k
from .groups import FeatureGroups, GroupMap, PatchGrid, TokenGroups
from .masks import draw_seed_vector, lqv_mask_tensor
from .reference import ReferencePath
from .smoother import MuS, SmoothedOutput
from .tolerances import PROBABILITY_ATOL, accumulation_bound
from .vit import ViTParts, vit_parts

__all__ = [
    "AttackResult",
    "CertificatePair",
    "DiffConfig",
    "FastCertificate",
    "FeatureGroups",
    "GroupMap",
    "MuS",
    "PROBABILITY_ATOL",
    "PatchGrid",
    "ReferencePath",
    "SmoothedOutput",
    "StabilityReport",
    "TokenGroups",
    "ViTParts",
    "accumulation_bound",
    "attack",
    "captum_attribution",
    "certificate_from",
    "certify",
    "certify_dataset",
    "check_token_drop",
    "diff_mus",
    "draw_seed_vector",
    "exact_shapley",
    "lqv_mask_tensor",
    "stability",
    "top_k",
    "vit_parts",
]
