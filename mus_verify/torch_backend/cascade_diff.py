"""``mus-verify diff --cascade``: every copy of a cascade re-evaluated at the reference precision, vote mismatches counted.

Statement checked (issue 15, item 1), per model, masking and α ∈ {φ, 1}: every
copy that the cascade (:mod:`.cascade`) decided in low precision has the same
vote as the float32 forward of the module on that copy. A mismatch is
REFUTED with the example, the copy's effective mask, both votes, the
low-precision margin and the threshold. Each result reports the threshold
rule, the fraction of copies it sent back to float32 and the largest margin
error as a share of the threshold (a vote can flip only when that share
reaches 1).

Inputs and explanations come from ``seed`` exactly as in ``mus-verify diff``
(inputs ``seed + 1``, top-25% explanations ``seed + 2``), so with seed 0 the
first ViT-Ti/16 and ViT-B/16 image is the benchmark's image. Models that run
in their own low precision (float16 buffers, float16 autocast) or whose
output is NaN on some copy are refused by the cascade and listed as skipped,
with the reason.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Sequence

import torch

from ..results import CheckResult, Counterexample, Verdict
from .cascade import full_recheck
from .diff import explanation_masks
from .diff_models import DEFAULT_MODELS, MODEL_RUNS, ModelRun, transformers_available
from .model_replay import recorded_inputs
from .models import build_model
from .tolerances import check_low_precision_device

if TYPE_CHECKING:
    from .smoother import Masking

__all__ = ["diff_cascade", "CASCADE_Q", "CASCADE_LAM"]

CASCADE_Q = 64
CASCADE_LAM = "16/64"  # the benchmark's q and λ


def diff_cascade(models: Sequence[str] | None = None, *, dtype: str = "bfloat16", q: int = CASCADE_Q, lam: Any = CASCADE_LAM, examples: int | None = None, seed: int = 0, device: str = "cpu") -> tuple[list[CheckResult], list[str]]:
    """Full re-check of the cascade on ``models`` (default: the default diff set); (results, skipped)."""
    results: list[CheckResult] = []
    skipped: list[str] = []
    for name in models or DEFAULT_MODELS:
        if name.startswith("hf-") and not transformers_available():
            skipped.append(f"{name} (transformers is not installed)")
            continue
        run = MODEL_RUNS.get(name, ModelRun())
        if run.own_dtype and (run.input_dtype != "float32" or run.autocast is not None):
            skipped.append(f"{name} (runs in its own low precision: input {run.input_dtype}, autocast {run.autocast}; the cascade refuses it)")
            continue
        if run.refused:
            skipped.append(f"{name} (NaN/inf output on some copy: refused by every path)")
            continue
        for masking in run.maskings:
            results.append(_one(name, masking, dtype, q, lam, examples or run.examples, seed, device))
    return results, skipped


def _one(name: str, masking: Masking, dtype: str, q: int, lam: Any, examples: int, seed: int, device: str) -> CheckResult:
    from .smoother import MuS

    started = time.perf_counter()
    model, spec = build_model(name, seed)
    model = model.to(device)
    groups = spec.groups()
    inputs = torch.randn((examples,) + spec.input_shape, generator=torch.Generator().manual_seed(seed + 1)).to(device)
    explanations = explanation_masks(groups.n, examples, Fraction(1, 4), seed + 2).to(device)
    mus = MuS(model, groups, output="logits", q=q, lam=lam, mode="vote", seed=seed, masking=masking, cascade=dtype)
    totals = {"copies": 0, "sent_back": 0, "mismatches": 0}
    worst = 0.0
    first = None
    for where, alpha in (("phi", explanations), ("one", None)):
        report = full_recheck(mus, inputs, alpha)
        for key in totals:
            totals[key] += report[key]
        worst = max(worst, report["max_margin_error_share"])
        if first is None and report["first_mismatch"] is not None:
            first = {**report["first_mismatch"], "alpha": where}
    params = {"model": name, "masking": masking, "cascade": dtype, "reference_dtype": "float32", "q": q, "lam": str(lam), "examples": examples, "seed": seed, "device": device,
              "quantified_over": "examples x α in {φ, 1} x distinct copies decided in low precision"}
    details: dict[str, Any] = {**totals, "sent_back_fraction": totals["sent_back"] / totals["copies"] if totals["copies"] else 0.0,
               "threshold": f"2*LOGIT_RTOL[{dtype}]*max(1, max|z|) on the top-two logit margin", "max_margin_error_share": worst}
    decided = totals["copies"] - totals["sent_back"]
    label = f"diff-cascade:{name}:{masking}"
    if first is not None:
        summary = (f"copy of example {first['example']} (α={first['alpha']}) decided in {dtype} with margin {first['low_margin']:.4g} > threshold "
                   f"{first['threshold']:.4g} votes {first['cascade_vote']}, float32 votes {first['reference_vote']}")
        data = {**first, **{k: v for k, v in params.items() if k != "quantified_over"}, **recorded_inputs(groups, inputs)}
        return CheckResult(label, Verdict.REFUTED, "differential", decided, params, Counterexample("torch-cascade-vote-mismatch", summary, data), None, summary, time.perf_counter() - started, details)
    if decided == 0:
        return CheckResult(label, Verdict.VACUOUS, "differential", 0, params, None, None, "every copy was sent back to float32: nothing decided in low precision to check", time.perf_counter() - started, details)
    message = (f"0 vote mismatches over {decided} copies decided in {dtype}; {totals['sent_back']} of {totals['copies']} "
               f"({100 * details['sent_back_fraction']:.1f}%) sent back to float32; largest margin error {worst:.3f} of the threshold")
    return CheckResult(label, Verdict.VERIFIED, "differential", decided, params, None, Fraction(1) - Fraction(worst), message, time.perf_counter() - started, details)


def check_cascade_dtype(dtype: str, device: str) -> None:
    """fp16 only on CUDA (CPUs have no native fp16 kernels): :func:`.tolerances.check_low_precision_device`."""
    check_low_precision_device(dtype, device, "--cascade")
