"""Replaying the torch counterexamples that are facts about a model: cascade vote mismatches and refusal mismatches.

Like every replayer (:mod:`mus_verify.replaying`), these never take code from
the data: the model is *named again* by the caller, ``replay(cx, model=m)``
with a live ``nn.Module`` or a string ``path/to/file.py:attr`` /
``package.module:attr`` naming a module, or a class / factory called with no
arguments (``mus_verify.torch_backend.adversarial_models:CosineNaN``). The
model name recorded in the data (``"model": "vit-micro"``) is a label; it is
never built.

``torch-cascade-vote-mismatch`` (:func:`.cascade.full_recheck`, ``mus-verify
diff --cascade``): a copy decided in low precision votes differently from the
float32 forward of the module.

* Without a model: re-checked from the recorded numbers. The two probability
  rows of the copy give both votes (argmax, ties to the lowest class) and the
  low-precision margin (on logits: log p_(1) − log p_(2) = z_(1) − z_(2)); the
  threshold is computed again from the recorded scale max|z| with *today's*
  :func:`.tolerances.cascade_threshold`. Reproduced iff the copy is decided in
  low precision (margin > threshold) and the votes differ; so a counterexample
  found with a broken threshold is "not reproduced" once the threshold is
  fixed, and a tampered vote or row is "not reproduced".
* With ``model=``: the recorded copy (zero masking; the data holds the
  example's input and group ids when it has at most
  :data:`MAX_RECORDED_COORDINATES` coordinates) is evaluated again on the named
  module in float32 and on its low-precision copy, and the same rule is
  applied to those outputs.

``torch-refusal-mismatch`` (:func:`.diff_models.diff_refusal`): the fast path
certifies an input on which the float64 reference refuses a NaN/inf base
output (or the reverse). The recorded strings are not evidence of anything, so
without a model the result is "not replayed" with ``needs == ("model",)``;
with ``model=`` both paths run again on the recorded inputs (q, λ, seed, α) and
the mismatch is reproduced iff exactly one of them refuses.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping

import numpy as np

from ..replaying import Replay, ReplayStatus, needs_code

__all__ = ["replay_cascade_vote", "replay_refusal", "recorded_inputs", "MAX_RECORDED_COORDINATES"]

MAX_RECORDED_COORDINATES = 65536
"""Inputs (examples x coordinates) up to this size are recorded in the data for a replay on the named model."""


def recorded_inputs(groups: Any, inputs: Any) -> dict[str, Any]:
    """What a model-level replay needs to rebuild the inputs and groups: values, shape, group ids (zero fill only), when small."""
    values = inputs.detach().cpu()
    record: dict[str, Any] = {"input_shape": list(groups.input_shape), "input_dtype": str(values.dtype).replace("torch.", "")}
    if values.numel() <= MAX_RECORDED_COORDINATES and groups.describe().get("fill") == "zeros":
        record["inputs"] = values.reshape(values.shape[0], -1).tolist()
        record["group_ids"] = groups.coordinate_ids().tolist()
    return record


def _vote_and_margin(probabilities: np.ndarray, output: str) -> tuple[int, float]:
    order = sorted(range(probabilities.shape[0]), key=lambda c: (-probabilities[c], c))
    if len(order) < 2:
        return order[0], math.inf
    first, second = float(probabilities[order[0]]), float(probabilities[order[1]])
    if output != "logits":
        return order[0], first - second
    if second <= 0.0:
        return order[0], math.inf
    return order[0], math.log(first) - math.log(second)  # the logit margin: softmax is shift-invariant


def _decided_flip(low: np.ndarray, reference: np.ndarray, scale: float, output: str, dtype: str) -> tuple[bool, str]:
    """(reproduced, reason) of the cascade rule on one copy's low-precision and reference probability rows."""
    import torch

    from . import cascade  # looked up at call time: the cascade's own threshold rule, tolerance table included

    low_vote, margin = _vote_and_margin(low, output)
    reference_vote, _ = _vote_and_margin(reference, output)
    threshold = float(cascade.cascade_threshold(torch.tensor([scale], dtype=torch.float64), output, dtype)[0])
    decided = margin > threshold
    reason = (f"{dtype} vote {low_vote} with margin {margin:.4g} {'>' if decided else '<='} threshold {threshold:.4g}, "
              f"reference vote {reference_vote}")
    return decided and low_vote != reference_vote, reason


def replay_cascade_vote(data: Mapping[str, Any], *, model: Any = None) -> Replay:
    """Re-check a ``torch-cascade-vote-mismatch`` from its numbers, or on the module named again (``model=``)."""
    output, dtype = str(data.get("output", "logits")), str(data.get("dtype", data.get("cascade", "bfloat16")))
    if model is None:
        if "low_probabilities" not in data or "reference_probabilities" not in data or "scale" not in data:
            return needs_code("model", "this counterexample records no probability rows of the copy (written by an older version); "
                                       "name the module again to evaluate the copy")
        reproduced, reason = _decided_flip(np.asarray(data["low_probabilities"], dtype=np.float64),
                                           np.asarray(data["reference_probabilities"], dtype=np.float64), float(data["scale"]), output, dtype)
        return _answer(reproduced, f"from the recorded rows: {reason}")
    if str(data.get("masking", "zero")) != "zero":
        return Replay(ReplayStatus.NOT_REPLAYED, "not replayed on the model: only zero-masking copies are rebuilt here (the recorded rows replay without model=)")
    built = _inputs_and_groups(data)
    if isinstance(built, Replay):
        return built
    inputs, groups = built
    import torch

    from .cascade import low_precision_copy
    from .evaluators import output_tensor, to_probabilities

    module = _load_model(model)
    example = int(data["example"])
    mask = torch.tensor(data["mask"], dtype=torch.bool)[None, :]
    copy = groups.apply(inputs[example : example + 1], mask)
    low_dtype = getattr(torch, dtype)
    with torch.inference_mode():
        reference_raw = output_tensor(module(copy))
        low_raw = output_tensor(low_precision_copy(module, low_dtype)(copy.to(low_dtype)))
    scale = float(low_raw.detach().to(torch.float64).abs().amax())
    low = to_probabilities(low_raw, output, torch.float64)[0].numpy()
    reference = to_probabilities(reference_raw, output, torch.float64)[0].numpy()
    reproduced, reason = _decided_flip(low, reference, scale, output, dtype)
    return _answer(reproduced, f"on the named module: {reason}")


def replay_refusal(data: Mapping[str, Any], *, model: Any = None) -> Replay:
    """Run the fast path and the float64 reference again on the named module: reproduced iff exactly one refuses."""
    if model is None:
        return needs_code("model", "a refusal mismatch is a fact about the module's outputs (NaN/inf on some copy), and the module is "
                                   "never built from the data; name it again: replay(cx, model=module or 'path/file.py:attr')")
    built = _inputs_and_groups(data)
    if isinstance(built, Replay):
        return built
    inputs, groups = built
    from ..errors import InvalidArgument
    from .certify import certify
    from .reference import ReferencePath
    from .smoother import MuS

    module = _load_model(model)
    where = str(data["alpha"])
    alpha = None
    if where == "phi":
        if "explanations" not in data:
            return Replay(ReplayStatus.NOT_REPLAYED, "not replayed: the explanations (α = φ) are not recorded")
        import torch

        alpha = torch.tensor(data["explanations"], dtype=torch.bool)
    output: Literal["logits", "probabilities"] = "probabilities" if data.get("output") == "probabilities" else "logits"
    mus = MuS(module, groups, output=output, q=int(data["q"]), lam=data["lam"], mode="vote", seed=int(data.get("seed", 0)), masking="zero")
    try:
        certify(mus, inputs, alpha)
        fast = None
    except InvalidArgument as exc:
        fast = str(exc)
    reference = None
    try:
        for b in range(inputs.shape[0]):
            ReferencePath(mus).smooth(inputs[b], None if alpha is None else alpha[b], mode="vote")
    except InvalidArgument as exc:
        reference = str(exc)
    reason = f"at α={where} the fast path {'refuses' if fast is not None else 'certifies'}; the float64 reference {'refuses' if reference is not None else 'accepts'}"
    return _answer((fast is None) != (reference is None), f"on the named module: {reason}")


def _answer(reproduced: bool, reason: str) -> Replay:
    return Replay(ReplayStatus.REPRODUCED if reproduced else ReplayStatus.NOT_REPRODUCED, reason)


def _inputs_and_groups(data: Mapping[str, Any]) -> tuple[Any, Any] | Replay:
    """The recorded inputs (E, *input_shape) and a GroupMap of the recorded ids, or the reason they are not there."""
    if "inputs" not in data or "group_ids" not in data or "input_shape" not in data:
        return Replay(ReplayStatus.NOT_REPLAYED, f"not replayed on the model: the inputs are not recorded (recorded only up to "
                                                 f"{MAX_RECORDED_COORDINATES} coordinates, with zero fill); the recorded numbers replay without model=")
    import torch

    from .groups import GroupMap

    shape = tuple(int(s) for s in data["input_shape"])
    dtype = getattr(torch, str(data.get("input_dtype", "float32")))
    inputs = torch.tensor(data["inputs"], dtype=torch.float64).to(dtype).reshape((-1,) + shape)
    groups = GroupMap(np.asarray(data["group_ids"], dtype=np.int64).reshape(shape), shape)
    return inputs, groups


def _load_model(model: Any) -> Any:
    """The module the caller named: a live module (or base callable) as given; a spec string naming a module, or a class or
    factory called here with no arguments (with its defaults: the CLI's built-in models use seed 0) that returns one."""
    from torch import nn

    from .._loading import load_attribute
    from ..errors import InvalidArgument

    if not isinstance(model, str):
        return model  # the caller's object, unchanged (its train/eval mode is the caller's)
    named = load_attribute(model, argument="model")
    if not isinstance(named, nn.Module) and callable(named):
        named = named()
    if not isinstance(named, nn.Module):
        raise InvalidArgument("model", model, "an nn.Module, or a class / factory returning one when called with no arguments")
    return named.eval()
