"""A low-precision cascade with exact votes (issue 15, item 1): bf16 (or fp16 on CUDA) first, the reference precision where it matters.

``MuS(..., cascade="bfloat16")`` evaluates every noisy copy in the low
precision, on a low-precision *copy* of the base module (the caller's module
is never changed), and re-evaluates at the module's own precision (the
*reference precision*: float32 for a float32 module) every copy whose
low-precision top-two margin is at or below the threshold of
:func:`.tolerances.cascade_threshold` (2δ, δ = ``LOGIT_RTOL[dtype]`` ·
max(1, max|z|), derivation there). All copies sent back go through the
module's own evaluator in one chunked, batched pass (no per-copy Python loop).

Which base classifier. A copy decided in low precision has a margin above
2δ, so its vote is the vote of the reference-precision forward whenever the
documented tolerance δ holds; every other copy *is* the reference-precision
forward. The vote counts are therefore those of the **float32 evaluation of
the module** (for a float32 module), and the output reports ``dtype ==
"float32"``. Copies re-evaluated in float32 keep their float32 tolerance
flags, so :func:`.certify.certify` (``guard=True``) settles them in float64
exactly as on the float32 path: a cascade certificate names the same base
classifier as the float32 path's (``base == "float64"``: the float64
evaluation of the module) and equals it whenever the tolerances hold.

Averaging mode is refused: a bf16 probability is only within
``PROBABILITY_ATOL["bfloat16"]`` = 5e-2 of the float64 one, so the sound
float-error margin of an averaged gap (2·Σ w_j τ_j / q) would swallow every
certificate; vote mode needs only the order of the top two.

fp16 is refused on CPU (no native kernels: a 2048² matmul ran ~200× slower
than float32 on this project's CPU); bf16 works on CPU and CUDA.

:func:`full_recheck` is the differential check behind ``mus-verify diff
--cascade``: every copy at the reference precision, vote mismatches counted.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from ..errors import InvalidArgument
from ..results import register_replayer
from .tolerances import CASCADE_DTYPES, PRECISIONS, cascade_threshold, check_low_precision_device, dtype_name

__all__ = ["CascadeEvaluator", "check_cascade", "low_precision_copy", "full_recheck", "CASCADE_DTYPES"]


def check_cascade(cascade: Any, mode: str) -> str | None:
    """The cascade's low dtype name (or None), refusing what cannot be sound."""
    if cascade is None or cascade is False:
        return None
    name = dtype_name(cascade)
    if name not in CASCADE_DTYPES:
        raise InvalidArgument("cascade", cascade, f"None, 'bfloat16' or 'float16' (torch.bfloat16 / torch.float16)")
    if mode != "vote":
        raise InvalidArgument(
            "cascade", name, "None in averaging mode",
            "averaged probabilities need a sound float-error margin and a low-precision probability is only within "
            f"{'5e-2' if name == 'bfloat16' else '2e-2'} of the float64 one; use mode='vote' (only the top-two order matters there)",
        )
    return name


def low_precision_copy(module: nn.Module, dtype: torch.dtype) -> nn.Module:
    """A copy of ``module`` with every floating parameter and buffer in ``dtype``, eval mode (the original is untouched)."""
    return copy.deepcopy(module).to(dtype=dtype).eval()


class CascadeEvaluator:
    """Low-precision evaluator first, the module's own evaluator on the copies it cannot decide."""

    def __init__(self, low: Any, reference: Any, low_dtype: str, output: str) -> None:
        self.low = low
        self.reference = reference
        self.low_dtype = low_dtype
        self.output = output
        self.masking = reference.masking
        self.last: dict[str, Any] = {}

    @property
    def parts(self) -> Any:
        return self.reference.parts

    def __call__(self, x: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor, chunk_size: int, prob_dtype: torch.dtype, info: dict[str, Any] | None = None) -> torch.Tensor:
        check_low_precision_device(self.low_dtype, x.device, "cascade")  # the device is known only now (the module may have moved)
        low_dtype = getattr(torch, self.low_dtype)
        low_info: dict[str, Any] = {"ceiling": self.low_dtype, "margins": True}
        probs = self.low(x.to(low_dtype), rows, masks, chunk_size, prob_dtype, info=low_info)
        total = masks.shape[0]
        margin = torch.cat(low_info["margin"]) if total else torch.empty(0, dtype=torch.float64)
        scale = torch.cat(low_info["scale"]) if total else torch.empty(0, dtype=torch.float64)
        threshold = cascade_threshold(scale, self.output, self.low_dtype)
        decided = margin > threshold
        back = (~decided).nonzero().flatten()
        low_index = PRECISIONS.index(self.low_dtype)
        tau = torch.cat(low_info["tolerance"]) if total else torch.empty(0, dtype=torch.float64)
        precision = torch.full((total,), low_index, dtype=torch.int64, device=probs.device)
        dtypes: set[str] = set()
        if back.numel():
            ref_info: dict[str, Any] = {"ceiling": info["ceiling"]} if info is not None and "ceiling" in info else {}
            again = self.reference(x, rows[back], masks[back], chunk_size, prob_dtype, info=ref_info if ref_info else None)
            probs = probs.clone()
            probs[back] = again.to(probs.dtype)
            if ref_info.get("tolerance"):
                tau = tau.clone()
                tau[back.to(tau.device)] = torch.cat(ref_info["tolerance"]).to(tau.device)
                precision[back.to(precision.device)] = torch.cat(ref_info["precision"]).to(precision.device)
                dtypes = set(ref_info.get("dtypes", ()))
        summary = {
            "dtype": self.low_dtype,
            "copies": int(total),
            "sent_back": int(back.numel()),
            "sent_back_fraction": (int(back.numel()) / total) if total else 0.0,
            "threshold": f"2*LOGIT_RTOL[{self.low_dtype}]*max(1, max|z|)" if self.output == "logits" else f"2*PROBABILITY_ATOL[{self.low_dtype}]",
        }
        # kept-group counts of all copies and of those sent back: the benchmark counts FLOPs per precision from them
        self.last = {"margin": margin, "scale": scale, "threshold": threshold, "decided": decided, "kept": masks.sum(dim=1).cpu(), "back_kept": masks[back].sum(dim=1).cpu()}
        if info is not None:
            info["decided"] = [decided]
            info["cascade"] = summary
            if "ceiling" in info:
                info.setdefault("tolerance", []).append(tau)
                info.setdefault("precision", []).append(precision)
                info.setdefault("dtypes", set()).update(dtypes)
        return probs


# the kind full_recheck's first mismatch becomes (``mus-verify diff --cascade``); replayed from its numbers or on the named module
register_replayer("torch-cascade-vote-mismatch", "mus_verify.torch_backend.model_replay:replay_cascade_vote")


def full_recheck(mus: Any, x: torch.Tensor, alpha: Any = None) -> dict[str, Any]:
    """Every copy of a cascade smoother's evaluation re-evaluated at the reference precision; vote mismatches counted.

    Returns ``{"copies", "sent_back", "sent_back_fraction", "mismatches",
    "first_mismatch", "max_margin_error_share"}``: a mismatch is a copy the
    cascade decided in low precision whose reference-precision vote differs;
    ``max_margin_error_share`` is max |m_low − m_ref| / threshold over the
    decided copies (a vote can flip only when this reaches 1; the documented δ
    allows at most 1 since |Δm| <= 2δ).
    """
    evaluator = mus.evaluator
    if not isinstance(evaluator, CascadeEvaluator):
        raise InvalidArgument("mus", "a MuS without cascade", "a MuS built with cascade='bfloat16' (or 'float16' on CUDA)")
    x = mus._check_x(x)
    batch = x.shape[0]
    alpha_mask = mus._check_alpha(alpha, batch).to(x.device)
    effective = mus.noise_masks(x.device)[None, :, :] & alpha_mask[:, None, :]
    if mus.keep is not None:
        effective = effective | mus.keep.to(x.device)[None, None, :]
    from .smoother import _distinct_masks

    rows, distinct, weights, _ = _distinct_masks(effective)
    chunk = mus._chunk_size(x)
    ceiling = {"ceiling": dtype_name(mus.fast_dtype)}
    with torch.inference_mode():
        cascade_probs = evaluator(x, rows, distinct, chunk, torch.float64, info={"ceiling": ceiling["ceiling"]})
        state = evaluator.last
        ref_info: dict[str, Any] = {"ceiling": ceiling["ceiling"], "margins": True}
        reference = evaluator.reference(x, rows, distinct, chunk, torch.float64, info=ref_info)
    decided = state["decided"]
    cascade_votes = torch.argmax(cascade_probs, dim=1)
    reference_votes = torch.argmax(reference, dim=1)
    wrong = (cascade_votes != reference_votes) & decided.to(cascade_votes.device)
    ref_margin = torch.cat(ref_info["margin"]) if distinct.shape[0] else torch.empty(0, dtype=torch.float64)
    share = ((state["margin"] - ref_margin).abs() / state["threshold"])[decided] if bool(decided.any()) else torch.empty(0)
    first = None
    if bool(wrong.any()):
        j = int(wrong.nonzero()[0, 0])
        first = {"example": int(rows[j]), "mask": distinct[j].int().tolist(), "cascade_vote": int(cascade_votes[j]), "reference_vote": int(reference_votes[j]),
                 "low_margin": float(state["margin"][j]), "threshold": float(state["threshold"][j]), "weight": int(weights[j]),
                 # the numbers a replay re-checks (:mod:`.model_replay`): both probability rows of the copy and max(1, max|z|)
                 "scale": float(state["scale"][j]), "output": evaluator.output, "dtype": evaluator.low_dtype,
                 "low_probabilities": cascade_probs[j].tolist(), "reference_probabilities": reference[j].tolist()}
    total = int(distinct.shape[0])
    sent_back = int((~decided).sum())
    return {
        "copies": total,
        "sent_back": sent_back,
        "sent_back_fraction": sent_back / total if total else 0.0,
        "mismatches": int(wrong.sum()),
        "first_mismatch": first,
        "max_margin_error_share": float(share.max()) if share.numel() else 0.0,
        "dtype": evaluator.low_dtype,
        "reference_dtype": ceiling["ceiling"],
    }
