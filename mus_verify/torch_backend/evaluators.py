"""How a batch of (example, effective mask) pairs becomes base-model class probabilities.

Two evaluators define two *different* base classifiers:

* :class:`ZeroMaskEvaluator` — h(x ⊙ s): hidden groups are written with the
  fill (zeros by default) and the model sees a full-size input. This is the
  paper's MuS; masking equivalence g(x ⊙ α, 1) = g(x, α) holds.
* :class:`TokenDropEvaluator` — H(x, s): a ViT sees only the patch tokens of
  the kept groups (plus its class token). The output depends on *which* groups
  are hidden, not on what values they hold, so masking equivalence fails (a
  zeroed patch is still a token for f(x ⊙ α) but is absent for g(x, α)); the
  Lipschitz bound in α (Thm 3.1) and therefore the certificates of Thm 3.2
  about g(x, ·) still hold, because the proof only uses that each term depends
  on α ⊙ s and lies in [0, 1].

Both evaluate in chunks so that memory is bounded by the chunk, not by N·q.
A NaN or inf in any copy's output is an error naming the example and the
copy's effective mask (zero masking evaluates h on the all-hidden copy too;
a vote of NaN is no vote). When the caller passes ``info={"ceiling": dtype}``,
the evaluator fills ``info["tolerance"]`` and ``info["precision"]`` per copy
(:func:`.tolerances.copy_tolerances`), observed from what the model returned.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

import torch
from torch import nn

from .._validation import PROBABILITY_SUM_ATOL
from ..errors import InternalError, InvalidArgument
from .groups import FeatureGroups, PatchGrid
from .vit import ViTParts

__all__ = ["ZeroMaskEvaluator", "TokenDropEvaluator", "to_probabilities", "output_tensor", "OUTPUTS"]

OUTPUTS = ("logits", "probabilities")


def output_tensor(out: Any) -> torch.Tensor:
    """The (B, m) tensor in a model's output (``.logits`` of a transformers output, the first of a tuple)."""
    if hasattr(out, "logits"):
        out = out.logits
    elif isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        raise InvalidArgument("base(x)", type(out).__name__, "a (B, m) tensor of logits or probabilities (or an object with .logits)")
    return out


def check_finite_output(out: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor) -> None:
    """Refuse a NaN or inf in a base output, naming the example and the copy's effective mask."""
    finite = torch.isfinite(out).all(dim=1)
    if bool(finite.all()):
        return
    j = int((~finite).nonzero()[0, 0])
    bits = masks[j].int().tolist()
    value = "NaN" if bool(torch.isnan(out[j]).any()) else "inf"
    hidden = " (the all-hidden copy)" if not any(bits) else ""
    raise InvalidArgument(
        "base(x)",
        value,
        "finite outputs on every masked copy that g averages over",
        f"{value} in the output for example {int(rows[j])}, copy with effective mask {bits}{hidden}; a NaN or inf output is no vote and no probability, and MuS never guesses one",
    )


def _finish(out: Any, rows: torch.Tensor, masks: torch.Tensor, output: str, prob_dtype: torch.dtype, info: dict[str, Any] | None) -> torch.Tensor:
    """Probabilities of one forward's copies, after the finite check; per-copy tolerances into ``info``."""
    from .tolerances import copy_tolerances, narrowest

    raw = output_tensor(out)
    check_finite_output(raw, rows, masks)
    probs = to_probabilities(raw, output, prob_dtype)
    if info is not None and "ceiling" in info:
        tau, precision = copy_tolerances(raw.detach(), output, narrowest(info["ceiling"], raw.dtype))
        info.setdefault("tolerance", []).append(tau)
        info.setdefault("precision", []).append(precision)
        info.setdefault("dtypes", set()).add(str(raw.dtype).replace("torch.", ""))
        if info.get("margins"):  # the cascade's test (:mod:`.cascade`): top-two margin and max |value| of the raw output
            wide = raw.detach().to(torch.float64)
            top = torch.topk(wide, min(2, wide.shape[1]), dim=1).values
            info.setdefault("margin", []).append(top[:, 0] - top[:, 1] if top.shape[1] > 1 else top[:, 0].abs() + float("inf"))
            info.setdefault("scale", []).append(wide.abs().amax(dim=1))
    return probs


def to_probabilities(out: Any, output: str, dtype: torch.dtype) -> torch.Tensor:
    """The model's output as class probabilities in ``dtype``.

    ``output="logits"`` applies softmax (in ``dtype``, after an exact upcast);
    ``output="probabilities"`` checks entries lie in [0, 1] and rows sum to 1
    within the output dtype's tolerance, and never renormalises. Nothing is
    guessed from the values (the research code applies softmax only when
    outputs "look" unnormalised).
    """
    out = output_tensor(out)
    if output == "logits":
        return torch.softmax(out.to(dtype), dim=-1)
    probs = out.to(dtype)
    if not bool(((probs >= 0) & (probs <= 1)).all()):
        raise InvalidArgument("base(x)", "probabilities outside [0, 1]", "class probabilities in [0, 1] (pass output='logits' for raw scores)")
    atol = PROBABILITY_SUM_ATOL.get(str(out.dtype).replace("torch.", ""), 1e-4)
    off = (probs.double().sum(dim=-1) - 1).abs()
    if bool((off > atol).any()):
        raise InvalidArgument("base(x)", f"a row summing to {1 + float(off.max())!r}", f"rows summing to 1 within {atol:g} (nothing is renormalised)")
    return probs


class _Evaluator:
    masking = ""

    def __init__(self, output: str, autocast_dtype: torch.dtype | None) -> None:
        if output not in OUTPUTS:
            raise InvalidArgument("output", output, f"one of {OUTPUTS}: what the base model returns")
        self.output = output
        self.autocast_dtype = autocast_dtype

    def _autocast(self, device: torch.device) -> contextlib.AbstractContextManager[Any]:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.autocast_dtype)

    def __call__(self, x: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor, chunk_size: int, prob_dtype: torch.dtype, info: dict[str, Any] | None = None) -> torch.Tensor:
        raise NotImplementedError


class ZeroMaskEvaluator(_Evaluator):
    """h(x ⊙ s) with ``groups.apply``: chunks of ``chunk_size`` masked copies per forward."""

    masking = "zero"

    def __init__(self, forward: Callable[[torch.Tensor], Any], groups: FeatureGroups, output: str, autocast_dtype: torch.dtype | None = None) -> None:
        super().__init__(output, autocast_dtype)
        self.forward = forward
        self.groups = groups

    def __call__(self, x: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor, chunk_size: int, prob_dtype: torch.dtype, info: dict[str, Any] | None = None) -> torch.Tensor:
        pieces = []
        for start in range(0, masks.shape[0], chunk_size):
            stop = start + chunk_size
            inputs = self.groups.apply(x, masks[start:stop], rows[start:stop])
            with self._autocast(x.device):
                out = self.forward(inputs)
            pieces.append(_finish(out, rows[start:stop], masks[start:stop], self.output, prob_dtype, info))
            del inputs, out
        return torch.cat(pieces) if pieces else torch.empty(0, 0, dtype=prob_dtype)


class TokenDropEvaluator(_Evaluator):
    """H(x, s): the ViT runs on the kept patch tokens only.

    Copies are sorted by their number of kept tokens and run in batches of
    equal length (no padding, no attention mask), each batch holding at most
    as many tokens as ``chunk_size`` full-length copies would.
    """

    masking = "drop"

    def __init__(self, parts: ViTParts, groups: FeatureGroups, output: str, autocast_dtype: torch.dtype | None = None, encoder: Callable[[torch.Tensor], torch.Tensor] | None = None) -> None:
        super().__init__(output, autocast_dtype)
        if not isinstance(groups, PatchGrid):
            raise InvalidArgument("groups", type(groups).__name__, "a PatchGrid matching the ViT's patches (token dropping removes patch tokens)")
        if groups.n != parts.num_patches:
            raise InvalidArgument("groups", f"a grid of {groups.n} patches", f"the ViT's {parts.num_patches} patch tokens, one group per token")
        if groups.fill is not None:
            raise InvalidArgument("groups", "a grid with a replacement fill", "zero fill: dropped tokens are removed, a fill would be ignored")
        self.parts = parts
        self.groups = groups
        self.encoder = encoder

    def __call__(self, x: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor, chunk_size: int, prob_dtype: torch.dtype, info: dict[str, Any] | None = None) -> torch.Tensor:
        parts = self.parts
        total = masks.shape[0]
        out = torch.empty(total, 0, dtype=prob_dtype, device=x.device)
        if total == 0:
            return out
        with self._autocast(x.device):
            embedded = parts.embed_patches(x)  # once per example, not per copy
        kept_counts = masks.sum(dim=1)
        order = torch.argsort(kept_counts, stable=True)
        sorted_counts = kept_counts[order].tolist()
        full_tokens = chunk_size * (parts.num_patches + parts.num_prefix)
        if parts.encoder_masked is not None and self.encoder is None:
            return self._padded(embedded, rows, masks, order, sorted_counts, full_tokens, prob_dtype, info)
        local = _Scatter(info, total)
        start = 0
        while start < total:
            count = sorted_counts[start]
            stop = start
            while stop < total and sorted_counts[stop] == count:
                stop += 1
            per_batch = max(1, full_tokens // (count + parts.num_prefix))
            for begin in range(start, stop, per_batch):
                index = order[begin : min(stop, begin + per_batch)]
                kept = masks[index].nonzero()[:, 1].reshape(index.shape[0], count)
                tokens = embedded[rows[index][:, None], kept]
                with self._autocast(x.device):
                    logits = parts.forward_kept(tokens) if self.encoder is None else parts.head(self.encoder(_with_prefix(parts, tokens)))
                probs = _finish(logits, rows[index], masks[index], self.output, prob_dtype, local.info)
                if out.shape[1] == 0:
                    out = torch.empty(total, probs.shape[1], dtype=probs.dtype, device=x.device)
                out[index] = probs
                local.put(index)
            start = stop
        local.done()
        return out


    def _padded(self, embedded: torch.Tensor, rows: torch.Tensor, masks: torch.Tensor, order: torch.Tensor, sorted_counts: list[int], full_tokens: int, prob_dtype: torch.dtype, info: dict[str, Any] | None = None) -> torch.Tensor:
        """Copies sorted by length, packed into batches of <= ``full_tokens`` tokens (padded to the longest).

        Padded keys are masked out of attention, so each copy's output is that of
        its unpadded sequence (the reference path runs copies one at a time,
        unpadded, and ``mus-verify diff`` checks the two agree).
        """
        parts = self.parts
        total = masks.shape[0]
        prefix_len = parts.num_prefix
        out: torch.Tensor | None = None
        local = _Scatter(info, total)
        start = 0
        while start < total:
            stop = start + 1
            while stop < total and (stop + 1 - start) * (sorted_counts[stop] + prefix_len) <= full_tokens:
                stop += 1
            index = order[start:stop]
            length = sorted_counts[stop - 1]
            chosen = masks[index]
            # kept positions first (in patch order), then padding: a stable sort of ~mask.
            positions = torch.argsort((~chosen).to(torch.int8), dim=1, stable=True)[:, :length]
            real = torch.arange(length, device=masks.device)[None, :] < chosen.sum(dim=1, keepdim=True)
            tokens = embedded[rows[index][:, None], positions]
            sequence = _with_prefix(parts, tokens)
            keys = torch.cat([torch.ones(index.shape[0], prefix_len, dtype=torch.bool, device=masks.device), real], dim=1)
            encoder_masked = parts.encoder_masked
            if encoder_masked is None:  # the caller takes this path only for parts with a masked encoder
                raise InternalError("padded token-drop batches need ViTParts.encoder_masked")
            with self._autocast(embedded.device):
                logits = parts.head(encoder_masked(sequence, keys))
            probs = _finish(logits, rows[index], masks[index], self.output, prob_dtype, local.info)
            if out is None:
                out = torch.empty(total, probs.shape[1], dtype=probs.dtype, device=embedded.device)
            out[index] = probs
            local.put(index)
            start = stop
        assert out is not None
        local.done()
        return out


class _Scatter:
    """Per-copy values (tolerances, precisions, cascade margins) of copies evaluated out of order (sorted by length), put back in copy order."""

    KEYS = ("tolerance", "precision", "margin", "scale")

    def __init__(self, info: dict[str, Any] | None, total: int) -> None:
        self.target = info
        self.info: dict[str, Any] | None = None if info is None or "ceiling" not in info else {k: info[k] for k in ("ceiling", "margins") if k in info}
        self.total = total
        self.values: dict[str, torch.Tensor] = {}

    def put(self, index: torch.Tensor) -> None:
        if self.info is None:
            return
        for key in self.KEYS:
            if key not in self.info:
                continue
            value = self.info.pop(key)[0]
            if key not in self.values:
                self.values[key] = torch.empty(self.total, dtype=value.dtype, device=value.device)
            self.values[key][index] = value

    def done(self) -> None:
        if self.target is not None and self.info is not None and self.values:  # values are only put when info is kept
            self.target.setdefault("dtypes", set()).update(self.info.get("dtypes", ()))
            for key, value in self.values.items():
                self.target.setdefault(key, []).append(value)


def _with_prefix(parts: ViTParts, tokens: torch.Tensor) -> torch.Tensor:
    prefix = parts.prefix(tokens.shape[0], tokens.dtype)
    return tokens if prefix is None else torch.cat([prefix, tokens], dim=1)


def base_dtype(module: Any, fallback: torch.dtype) -> torch.dtype:
    """The least precise floating dtype among *all* parameters and buffers of ``module`` (``fallback`` when none).

    Not the first parameter's dtype: a float64 temperature registered before
    float32 weights does not make the forward float64, and weights held as
    buffers count as much as parameters. This is only a ceiling; the precision
    actually used is also observed from the outputs (:mod:`.tolerances`).
    """
    from .tolerances import PRECISIONS

    found = []
    if isinstance(module, nn.Module):
        found = [t.dtype for t in (*module.parameters(), *module.buffers()) if t.is_floating_point()]
    known = [d for d in found if str(d).replace("torch.", "") in PRECISIONS]
    if not known:
        return fallback
    return min(known, key=lambda d: PRECISIONS.index(str(d).replace("torch.", "")))
