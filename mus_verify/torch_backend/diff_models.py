"""``mus-verify diff`` on the built-in models: per-model settings and the default set.

Each named model (see :mod:`.models`) is wrapped by a factory that builds a
fresh :class:`~.smoother.MuS` around the *same* base model for every variant
the harness asks for (mode, masking, chunk size, device). The default set is
the tiny models plus the ViT checks; ``vit-b16`` is the ViT-B/16-sized smoke
test at 224×224 with a small q so that a float64 reference stays cheap.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Sequence

import torch

from .._validation import check_lambda, check_q
from ..results import CheckResult
from .diff import DiffConfig, diff_mus, explanation_masks
from .models import build_model

__all__ = ["ModelRun", "MODEL_RUNS", "DEFAULT_MODELS", "diff_named_model", "diff_default"]


@dataclass(frozen=True)
class ModelRun:
    """Harness settings for one named model."""

    q: int = 16
    lam: str = "4/16"
    examples: int = 3
    maskings: tuple[str, ...] = ("zero",)
    chunk_sizes: tuple[int, ...] = (1, 5)
    modes: tuple[str, ...] = ("vote", "average")


MODEL_RUNS: dict[str, ModelRun] = {
    "tiny-mlp": ModelRun(examples=4),
    "tiny-cnn": ModelRun(),
    "tiny-text": ModelRun(),
    "tiny-text-mask": ModelRun(),
    "vit-nano": ModelRun(q=8, lam="2/8", maskings=("zero", "drop")),
    "vit-micro": ModelRun(examples=2, maskings=("zero", "drop")),
    "hf-vit-micro": ModelRun(examples=2, maskings=("zero", "drop")),
    # ViT-sized smoke tests: one image, q = 4, votes only, so the float64 reference stays a handful of forwards.
    "vit-ti16": ModelRun(q=4, lam="1/4", examples=1, maskings=("zero", "drop"), chunk_sizes=(3,), modes=("vote",)),
    "vit-b16": ModelRun(q=4, lam="1/4", examples=1, maskings=("zero", "drop"), chunk_sizes=(3,), modes=("vote",)),
}

DEFAULT_MODELS = ("tiny-mlp", "tiny-cnn", "tiny-text", "tiny-text-mask", "vit-micro", "hf-vit-micro")


def diff_named_model(
    name: str,
    *,
    q: int | None = None,
    lam: Any = None,
    examples: int | None = None,
    seed: int = 0,
    autocast_dtype: torch.dtype | None = None,
    modes: Sequence[str] | None = None,
) -> list[CheckResult]:
    """The harness on a named model with its settings (overridable); inputs and explanations from ``seed``."""
    model, spec = build_model(name, seed)
    run = MODEL_RUNS.get(name, ModelRun())
    if q is not None or lam is not None:
        q_value = check_q(q if q is not None else run.q, "--q")
        lam_value = check_lambda(lam if lam is not None else Fraction(run.lam), q_value, "--lam (λ)")
        run = replace(run, q=q_value, lam=f"{lam_value * q_value}/{q_value}")
    if examples is not None:
        run = replace(run, examples=examples)
    groups = spec.groups()
    inputs = torch.randn((run.examples,) + spec.input_shape, generator=torch.Generator().manual_seed(seed + 1))
    explanations = explanation_masks(groups.n, run.examples, Fraction(1, 4), seed + 2)
    models: dict[str, torch.nn.Module] = {"cpu": model}

    def factory(*, mode: str, masking: str, chunk_size: int | None, device: str) -> Any:
        from .smoother import MuS

        if device not in models:
            models[device] = build_model(name, seed)[0].to(device)
        return MuS(models[device], groups, output="logits", q=run.q, lam=run.lam, mode=mode, seed=seed, masking=masking, chunk_size=chunk_size, autocast_dtype=autocast_dtype)

    config = DiffConfig(modes=tuple(modes or run.modes), maskings=run.maskings, chunk_sizes=run.chunk_sizes)
    return diff_mus(factory, inputs, explanations, config, label=name)


def transformers_available() -> bool:
    return importlib.util.find_spec("transformers") is not None


def diff_default(seed: int = 0, autocast_dtype: torch.dtype | None = None) -> tuple[list[CheckResult], list[str]]:
    """The default models (hf-vit-micro only when transformers is installed) and the token-drop exhaustive check."""
    from .drop_check import check_token_drop

    results: list[CheckResult] = []
    skipped = []
    for name in DEFAULT_MODELS:
        if name.startswith("hf-") and not transformers_available():
            skipped.append(f"{name} (transformers is not installed)")
            continue
        results.extend(diff_named_model(name, seed=seed, autocast_dtype=autocast_dtype))
    results.append(check_token_drop(seed=seed))
    return results, skipped
