"""``mus-verify diff`` on the built-in models: per-model settings and the default set.

Each named model (see :mod:`.models`) is wrapped by a factory that builds a
fresh :class:`~.smoother.MuS` around the *same* base model for every variant
the harness asks for (mode, masking, chunk size, device). The default set is
the tiny models, the ViT checks and the adversarial models of
:mod:`.adversarial_models` (each defeated the old guard; each keeps its own
input dtype and autocast, whatever ``--dtype`` says); ``vit-b16`` is the
ViT-B/16-sized smoke test at 224×224 with a small q so that a float64
reference stays cheap.

Limits: the float64 reference runs one forward per distinct copy of every
example, so ``examples × q`` is capped at :data:`MAX_REFERENCE_COPIES`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Sequence

import torch

from .._validation import check_lambda, check_q
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict, register_replayer
from .diff import DiffConfig, diff_mus, explanation_masks
from .model_replay import recorded_inputs
from .models import build_model

if TYPE_CHECKING:
    from .smoother import Masking, Mode

__all__ = ["ModelRun", "MODEL_RUNS", "DEFAULT_MODELS", "diff_named_model", "diff_default"]


@dataclass(frozen=True)
class ModelRun:
    """Harness settings for one named model."""

    q: int = 16
    lam: str = "4/16"
    examples: int = 3
    maskings: tuple[Masking, ...] = ("zero",)
    chunk_sizes: tuple[int, ...] = (1, 5)
    modes: tuple[str, ...] = ("vote", "average")
    input_dtype: str = "float32"
    autocast: str | None = None  # the model's own autocast dtype (``--dtype`` applies only when None)
    own_dtype: bool = False
    refused: bool = False  # NaN/inf on some copy: both paths must refuse


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
    # adversarial models (issue 10): each made the old guard over-certify; they keep their own dtypes
    "adv-temperature64": ModelRun(examples=4, own_dtype=True),
    "adv-buffer-fp16": ModelRun(examples=4, input_dtype="float16", own_dtype=True),
    "adv-cosine-nan": ModelRun(examples=4, own_dtype=True, refused=True),
    "adv-large-logit": ModelRun(examples=4, own_dtype=True),
    "adv-fp16-autocast": ModelRun(examples=4, autocast="float16", own_dtype=True),
}

DEFAULT_MODELS = ("tiny-mlp", "tiny-cnn", "tiny-text", "tiny-text-mask", "vit-micro", "hf-vit-micro",
                  "adv-temperature64", "adv-buffer-fp16", "adv-cosine-nan", "adv-large-logit", "adv-fp16-autocast")

MAX_EXAMPLES = 1024
MAX_REFERENCE_COPIES = 2**16  # examples x q: one float64 forward per copy, minutes on a laptop at this size


def check_budget(examples: int, q: int) -> None:
    """Refuse sizes the float64 reference cannot finish (it runs one forward per distinct copy)."""
    if not 1 <= examples <= MAX_EXAMPLES:
        raise InvalidArgument("--examples", examples, f"an integer in 1..{MAX_EXAMPLES}")
    if examples * q > MAX_REFERENCE_COPIES:
        raise InvalidArgument("--examples", examples, f"examples x q <= {MAX_REFERENCE_COPIES} (here q = {q})", "the float64 reference runs one forward per copy of every example")


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
    check_budget(run.examples, run.q)
    if run.own_dtype and autocast_dtype is not None:
        raise InvalidArgument("--dtype", str(autocast_dtype).replace("torch.", ""), f"float32 (the default) for {name}: it runs in its own dtypes (input {run.input_dtype}, autocast {run.autocast})")
    if run.autocast is not None:
        autocast_dtype = getattr(torch, run.autocast)
    groups = spec.groups()
    inputs = torch.randn((run.examples,) + spec.input_shape, generator=torch.Generator().manual_seed(seed + 1)).to(getattr(torch, run.input_dtype))
    explanations = explanation_masks(groups.n, run.examples, Fraction(1, 4), seed + 2)
    models: dict[str, torch.nn.Module] = {"cpu": model}

    def factory(*, mode: Mode, masking: Masking, chunk_size: int | None, device: str) -> Any:
        from .smoother import MuS

        if device not in models:
            models[device] = build_model(name, seed)[0].to(device)
        return MuS(models[device], groups, output="logits", q=run.q, lam=run.lam, mode=mode, seed=seed, masking=masking, chunk_size=chunk_size, autocast_dtype=autocast_dtype)

    config = DiffConfig(modes=tuple(modes or run.modes), maskings=run.maskings, chunk_sizes=run.chunk_sizes)
    if run.refused:
        return [diff_refusal(factory, inputs, explanations, label=name)]
    return diff_mus(factory, inputs, explanations, config, label=name)


def diff_refusal(factory: Any, inputs: torch.Tensor, explanations: torch.Tensor, *, label: str) -> CheckResult:
    """A model with a NaN/inf output on some copy: the fast path must refuse it, as the exact reference does.

    REFUTED when the fast path returns a certificate while the reference refuses
    (or the reverse); VERIFIED when both refuse, with both messages.
    """
    import time

    from .certify import certify
    from .reference import ReferencePath

    started = time.perf_counter()
    params = {"model": label, "examples": int(inputs.shape[0]), "quantified_over": "examples x α in {φ, 1}: both paths refuse a NaN/inf base output"}
    outcomes = {}
    for where, alpha in (("phi", explanations), ("one", None)):
        mus = factory(mode="vote", masking="zero", chunk_size=None, device="cpu")
        try:
            pairs = certify(mus, inputs, alpha)
            fast = None
        except InvalidArgument as exc:
            pairs, fast = None, str(exc)
        reference = None
        try:
            for b in range(inputs.shape[0]):
                ReferencePath(mus).smooth(inputs[b], None if alpha is None else alpha[b], mode="vote")
        except InvalidArgument as exc:
            reference = str(exc)
        outcomes[where] = (fast, reference, pairs)
    for where, (fast, reference, pairs) in outcomes.items():
        if (fast is None) != (reference is None):
            radii = None if pairs is None else [p.decremental.radius if where == "one" else (None if p.incremental is None else p.incremental.radius) for p in pairs]
            data = {"alpha": where, "fast_refusal": fast, "reference_refusal": reference, "fast_radii": radii,
                    # what a replay on the module named again needs (:mod:`.model_replay`); the module itself is never recorded
                    "q": mus.q, "lam": str(mus.lam), "seed": mus.seed, "output": mus.evaluator.output, "mode": "vote", "masking": "zero",
                    **recorded_inputs(mus.groups, inputs)}
            if where == "phi" and "inputs" in data:
                data["explanations"] = explanations.bool().int().tolist()
            summary = f"at α={where} the fast path {'certifies' if fast is None else 'refuses'} while the reference {'refuses' if reference is not None else 'accepts'}"
            return CheckResult(f"diff:{label}:refusal", Verdict.REFUTED, "differential", len(outcomes), params, Counterexample("torch-refusal-mismatch", summary, data), None, summary, time.perf_counter() - started, {})
    refused = [w for w, (fast, _, _) in outcomes.items() if fast is not None]
    if not refused:
        return CheckResult(f"diff:{label}:refusal", Verdict.VACUOUS, "differential", 0, params, None, None, "no copy had a NaN/inf output: nothing refused, nothing checked", time.perf_counter() - started, {})
    first = outcomes[refused[0]]
    message = f"both paths refuse at α in {refused}: fast: {first[0]}; reference: {first[1]}"
    return CheckResult(f"diff:{label}:refusal", Verdict.VERIFIED, "differential", len(refused), params, None, None, message, time.perf_counter() - started, {"fast_refusal": first[0], "reference_refusal": first[1]})


register_replayer("torch-refusal-mismatch", "mus_verify.torch_backend.model_replay:replay_refusal")


def transformers_available() -> bool:
    return importlib.util.find_spec("transformers") is not None


def diff_default(seed: int = 0, autocast_dtype: torch.dtype | None = None) -> tuple[list[CheckResult], list[str]]:
    """The default models (``--dtype`` applies to those without dtypes of their own) and the token-drop check."""
    return _diff_default(seed, autocast_dtype)


def _diff_default(seed: int, autocast_dtype: torch.dtype | None) -> tuple[list[CheckResult], list[str]]:
    """The default models (hf-vit-micro only when transformers is installed) and the token-drop exhaustive check."""
    from .drop_check import check_token_drop

    results: list[CheckResult] = []
    skipped = []
    for name in DEFAULT_MODELS:
        if name.startswith("hf-") and not transformers_available():
            skipped.append(f"{name} (transformers is not installed)")
            continue
        own = MODEL_RUNS.get(name, ModelRun()).own_dtype
        results.extend(diff_named_model(name, seed=seed, autocast_dtype=None if own else autocast_dtype))
    results.append(check_token_drop(seed=seed))
    return results, skipped
