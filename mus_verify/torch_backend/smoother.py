"""The fast MuS module: g(x, α) = E_{s ~ L_qv(λ)} h(x ⊙ (μ ∨ (α ∧ s))) over feature groups.

:class:`MuS` wraps any base model (no deep copy) and evaluates the q noisy
copies of every example in memory-bounded chunks under ``torch.inference_mode``:

* masks are the integer L_qv(λ) formula (:mod:`.masks`), bit-identical to the
  exact core; the seed vector comes from a dedicated ``torch.Generator`` and
  is recorded, with q, λ, the mode and the dtype, in every
  :class:`SmoothedOutput`;
* copies whose effective masks coincide are evaluated once and weighted by
  their multiplicity (exact: the weights are integers);
* ``mode="vote"`` counts base argmax votes in integers (ties to the lowest
  class index, like the exact core); ``mode="average"`` sums probabilities in
  float64 with a rigorous accumulation bound (:mod:`.tolerances`);
* the precision of every copy is observed from what the model returned (and
  from the input, every parameter and buffer, and autocast), never taken from
  the first parameter; its tolerance τ is relative to the logits' magnitude
  (:mod:`.tolerances`). A vote whose top-two probability margin is at most
  2τ is *uncertain*; :func:`.certify.certify` re-evaluates such copies in
  float64 when they could change a radius (:mod:`.recheck`);
* a NaN or inf in any copy's output is an error naming the copy;
* ``compile=True`` (optional, off by default) wraps the base model (zero
  masking) or the ViT encoder (token dropping) in ``torch.compile``. Measured
  on this project's CPU (benchmarks/RESULTS.md): no reliable gain for zero
  masking, 4-6x *slower* for token dropping (per-length recompiles, no padded
  batches); votes unchanged.

λ must be exactly k/q and α binary: inputs are validated with
:mod:`mus_verify._validation` and never repaired.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable, Literal, Sequence

import numpy as np
import torch
from torch import nn

from .._validation import as_int, check_binary_vector, check_lambda, check_q, check_seed_vector, lambda_steps
from ..errors import InternalError, InvalidArgument
from ..smoothing import MODES
from .evaluators import TokenDropEvaluator, ZeroMaskEvaluator, base_dtype
from .groups import FeatureGroups
from .masks import draw_seed_vector, lqv_mask_tensor
from .memory import chunk_size_for_cap
from .tolerances import PRECISIONS, PROBABILITY_ATOL, dtype_name, narrowest
from .vit import ViTParts, vit_parts

__all__ = ["MuS", "SmoothedOutput", "MASKINGS", "Mode", "Masking"]

MASKINGS = ("zero", "drop")
Mode = Literal["vote", "average"]
Masking = Literal["zero", "drop"]  # = MASKINGS, for type checkers (MuS checks the value at run time too)
DEFAULT_CHUNK = 32
MAX_Q = 2**20


@dataclass(frozen=True)
class SmoothedOutput:
    """g(x, α) for a batch, with everything needed to certify it and to reproduce it.

    ``counts[b, c]`` (vote mode) is the number of the q noise masks whose base
    vote is class c; ``uncertain[b, c]`` how many of those votes had a base
    top-two margin <= 2τ (τ: that copy's tolerance). ``sums[b, c]`` (average
    mode) is the float64 sum of the q base probabilities of class c.
    ``probabilities`` is counts/q or sums/q in float64. ``dtype`` is the
    precision observed: the outputs' dtype, capped by the input's, every
    parameter's and buffer's and autocast's; ``precisions`` counts copies per
    row precision (narrower where a row's values are exactly representable in
    a narrower dtype, :mod:`.tolerances`); ``atol`` is the largest per-copy τ, ``tolerance_sums[b]`` = Σ_j w_j τ_j exactly.
    After :func:`.recheck.recheck`, ``rechecked[b]`` counts the copies of
    example b evaluated again in float64, vote counts are those of the float64
    evaluation, and ``exact[b]`` holds the exact g of the float64 evaluation
    (average mode) where the fast sums could not settle the radius.
    """

    probabilities: torch.Tensor
    counts: torch.Tensor | None
    uncertain: torch.Tensor | None
    sums: torch.Tensor | None
    alpha: torch.Tensor
    q: int
    lam: Fraction
    seed_vector: tuple[int, ...]
    seed: int | None
    mode: str
    masking: str
    dtype: str
    atol: float
    forwards: int
    copies: list[dict[str, Any]] | None = field(default=None, repr=False)
    tolerance_sums: tuple[Fraction, ...] | None = None
    rechecked: tuple[int, ...] | None = None
    exact: tuple[tuple[Fraction, ...] | None, ...] | None = None
    precisions: dict[str, int] | None = None
    cascade: dict[str, Any] | None = None  # MuS(cascade=...): low dtype, copies, how many were sent back (:mod:`.cascade`)

    @property
    def vote_counts(self) -> torch.Tensor:
        """``counts`` of a vote-mode output (InternalError in averaging mode, where there are none)."""
        if self.counts is None:
            raise InternalError(f"vote counts of a {self.mode!r}-mode output")
        return self.counts

    @property
    def vote_uncertain(self) -> torch.Tensor:
        """``uncertain`` of a vote-mode output (InternalError in averaging mode)."""
        if self.uncertain is None:
            raise InternalError(f"uncertain vote counts of a {self.mode!r}-mode output")
        return self.uncertain

    @property
    def average_sums(self) -> torch.Tensor:
        """``sums`` of an averaging-mode output (InternalError in vote mode)."""
        if self.sums is None:
            raise InternalError(f"probability sums of a {self.mode!r}-mode output")
        return self.sums

    def config(self) -> dict[str, Any]:
        """The smoothed classifier's identity: two outputs with equal configs come from the same g."""
        return {"q": self.q, "lam": self.lam, "seed_vector": self.seed_vector, "mode": self.mode, "masking": self.masking, "dtype": self.dtype}


class MuS(nn.Module):
    """Multiplicative smoothing of ``base`` over feature ``groups`` (paper Thm 3.1, Prop. A.2).

    ``output`` says what ``base`` returns: ``"logits"`` (softmax is applied) or
    ``"probabilities"`` (checked, never renormalised). ``masking="drop"``
    removes hidden patch tokens from a ViT instead of zeroing pixels (a
    different base classifier; see :mod:`.evaluators`). Memory per forward is
    bounded by ``chunk_size`` copies, or by ``memory_cap_mb`` (the chunk is
    derived from a probe forward; see :mod:`.memory`).
    """

    def __init__(
        self,
        base: nn.Module,
        groups: FeatureGroups,
        *,
        output: Literal["logits", "probabilities"],
        q: int = 64,
        lam: Any = "1/4",
        mode: Mode = "vote",
        seed: int | None = 0,
        seed_vector: Sequence[int] | None = None,
        generator: torch.Generator | None = None,
        masking: Masking = "zero",
        vit: ViTParts | None = None,
        keep: Any = None,
        chunk_size: int | None = None,
        memory_cap_mb: float | None = None,
        autocast_dtype: torch.dtype | None = None,
        compile: bool | dict[str, Any] = False,
        cascade: Any = None,
    ) -> None:
        super().__init__()
        if not callable(base):
            raise InvalidArgument("base", type(base).__name__, "a callable model (an nn.Module or a function of a batch)")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise InvalidArgument("generator", type(generator).__name__, "a torch.Generator (or None)")
        if not isinstance(groups, FeatureGroups):
            raise InvalidArgument("groups", type(groups).__name__, "a FeatureGroups (PatchGrid, GroupMap or TokenGroups)")
        self.base = base
        self.groups = groups
        self.q = check_q(q)
        if self.q > MAX_Q:
            raise InvalidArgument("q", self.q, f"an integer in 1..{MAX_Q}", "the q noise masks are materialised (q x n booleans) and each distinct copy is a forward")
        self.lam = check_lambda(lam, self.q)
        self.k = lambda_steps(self.lam, self.q)
        if mode not in MODES:
            raise InvalidArgument("mode", mode, f"one of {MODES}")
        self.mode = mode
        if masking not in MASKINGS:
            raise InvalidArgument("masking", masking, f"one of {MASKINGS}")
        self.masking = masking
        n = groups.n
        if seed_vector is not None:
            if generator is not None:
                raise InvalidArgument("generator", generator, "omitted when seed_vector is given")
            self.seed_vector = check_seed_vector(seed_vector, self.q, n)
            self.seed = None
        else:
            self.seed = None if generator is not None else as_int(0 if seed is None else seed, "seed", low=0)
            self.seed_vector = draw_seed_vector(n, self.q, seed=self.seed, generator=generator)
        self.keep = None if keep is None else torch.as_tensor(check_binary_vector(keep, n, "keep").copy())
        if autocast_dtype not in (None, torch.bfloat16, torch.float16):
            raise InvalidArgument("autocast_dtype", autocast_dtype, "None, torch.bfloat16 or torch.float16")
        self.autocast_dtype = autocast_dtype
        forward: Callable[[torch.Tensor], Any] = base
        encoder = None
        if compile:
            options = compile if isinstance(compile, dict) else {}
            if masking == "zero":
                forward = torch.compile(base, **options)
        if masking == "zero":
            self.evaluator: Any = ZeroMaskEvaluator(forward, groups, output, autocast_dtype)
        else:
            parts = vit if vit is not None else vit_parts(base)
            if compile:
                encoder = torch.compile(parts.encoder, **(compile if isinstance(compile, dict) else {}))
            self.evaluator = TokenDropEvaluator(parts, groups, output, autocast_dtype, encoder)
        from .cascade import check_cascade

        self.cascade = check_cascade(cascade, mode)
        if self.cascade is not None:
            self._wrap_cascade(self.cascade, base, vit, output, compile)
        if chunk_size is not None and memory_cap_mb is not None:
            raise InvalidArgument("memory_cap_mb", memory_cap_mb, "omitted when chunk_size is given (one bound on memory)")
        self.chunk_size = as_int(chunk_size, "chunk_size", low=1) if chunk_size is not None else None
        if memory_cap_mb is not None and not (isinstance(memory_cap_mb, (int, float)) and memory_cap_mb > 0):
            raise InvalidArgument("memory_cap_mb", memory_cap_mb, "a positive number of MiB")
        self.memory_cap_mb = memory_cap_mb
        self._masks: dict[Any, torch.Tensor] = {}
        self._reference: Any = None  # float64 twin for re-checks, made on first use (never for decisive models)
        self._observed_dtype: str | None = None

    def _wrap_cascade(self, low_dtype: str, base: Any, vit: ViTParts | None, output: str, compile: bool | dict[str, Any]) -> None:
        """Evaluate copies on a low-precision copy of the module first (:mod:`.cascade`); the module itself settles the rest."""
        from .cascade import CascadeEvaluator, low_precision_copy

        if self.autocast_dtype is not None:
            raise InvalidArgument("cascade", low_dtype, "None when autocast_dtype is given", "the cascade's reference precision is the module's own; autocast would lower it")
        if vit is not None and self.masking == "drop":
            raise InvalidArgument("vit", "hand-built ViTParts", "None with cascade= and masking='drop'", "the parts are read from the low-precision copy with vit_parts")
        module = self.evaluator.parts.module if self.masking == "drop" else base
        if not isinstance(module, nn.Module):
            raise InvalidArgument("base", type(base).__name__, "an nn.Module with cascade= (the low-precision copy is made with .to(dtype))")
        reference_dtype = dtype_name(base_dtype(module, torch.float32))
        if reference_dtype not in ("float32", "float64"):
            raise InvalidArgument("cascade", low_dtype, f"None for a {reference_dtype} module", "the cascade's reference precision must be float32 or float64")
        low = low_precision_copy(module, getattr(torch, low_dtype))
        options = compile if isinstance(compile, dict) else {}
        if self.masking == "zero":
            forward = torch.compile(low, **options) if compile else low
            low_evaluator: Any = ZeroMaskEvaluator(forward, self.groups, output)
        else:
            parts = vit_parts(low)
            encoder = torch.compile(parts.encoder, **options) if compile else None
            low_evaluator = TokenDropEvaluator(parts, self.groups, output, None, encoder)
        self.evaluator = CascadeEvaluator(low_evaluator, self.evaluator, low_dtype, output)

    # -- configuration -----------------------------------------------------------------

    @property
    def n(self) -> int:
        return self.groups.n

    @property
    def fast_dtype(self) -> torch.dtype:
        """The least precise dtype the base model can compute in: autocast, else every parameter and buffer.

        Only a ceiling: each evaluation also observes the precision of the
        outputs (and the input's dtype), which is what ``config()["dtype"]``
        reports once the model has been evaluated.
        """
        if self.autocast_dtype is not None:
            return self.autocast_dtype
        module = self.evaluator.parts.module if self.masking == "drop" else self.base
        return base_dtype(module, torch.float64)

    def float64_reference(self) -> Any:
        """The :class:`.reference.ReferencePath` of this smoother (a float64 copy of the module, made on first use)."""
        if self._reference is None:
            from .reference import ReferencePath

            self._reference = ReferencePath(self)
        return self._reference

    def config(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "lam": self.lam,
            "seed_vector": self.seed_vector,
            "seed": self.seed,
            "mode": self.mode,
            "masking": self.masking,
            "dtype": self._observed_dtype or dtype_name(self.fast_dtype),
            "groups": self.groups.describe(),
        }

    def noise_masks(self, device: Any = "cpu") -> torch.Tensor:
        """The (q, n) L_qv(λ) masks on ``device`` (integer formula, cached)."""
        key = torch.device(device)
        if key not in self._masks:
            self._masks[key] = lqv_mask_tensor(self.seed_vector, self.q, self.k, device=key)
        return self._masks[key]

    # -- evaluation --------------------------------------------------------------------

    def forward(self, x: torch.Tensor, alpha: Any = None) -> torch.Tensor:
        """Smoothed class probabilities g(x, α), float64, shape (B, m)."""
        return self.smooth(x, alpha).probabilities

    def smooth(self, x: torch.Tensor, alpha: Any = None, *, record_copies: bool = False) -> SmoothedOutput:
        """g(x, α) for a batch ``x`` of shape (B, *input_shape) (or one example); α is (n,) or (B, n), default 1."""
        self._check_eval_mode()
        x = self._check_x(x)
        batch = x.shape[0]
        alpha_mask = self._check_alpha(alpha, batch).to(x.device)
        effective = self.noise_masks(x.device)[None, :, :] & alpha_mask[:, None, :]
        if self.keep is not None:
            effective = effective | self.keep.to(x.device)[None, None, :]
        rows, distinct, weights, spans = _distinct_masks(effective)
        chunk = self._chunk_size(x)
        ceiling = narrowest(self.fast_dtype, x.dtype)
        info: dict[str, Any] = {"ceiling": ceiling}
        with torch.inference_mode():
            # float64 softmax of the (exactly up-cast) outputs: the only fast-dtype error left is the forward's.
            probs = self.evaluator(x, rows, distinct, chunk, torch.float64, info=info)
        if "tolerance" in info:
            tau, precision = torch.cat(info["tolerance"]), torch.cat(info["precision"])
        else:  # an evaluator that reports no tolerances (a wrapper): the ceiling's probability tolerance
            tau = torch.full((probs.shape[0],), PROBABILITY_ATOL[ceiling], dtype=torch.float64)
            precision = torch.full((probs.shape[0],), PRECISIONS.index(ceiling), dtype=torch.int64)
        observed = narrowest(ceiling, *info.get("dtypes", ()))  # the outputs' dtype, capped by input, weights and autocast
        decided = torch.cat(info["decided"]).cpu() if "decided" in info else None
        out = self._aggregate(probs, rows, distinct, weights, spans, alpha_mask, batch, tau.cpu(), precision.cpu(), observed, record_copies, decided)
        if "cascade" in info:
            out = replace(out, cascade=info["cascade"])
        self._observed_dtype = out.dtype
        return out

    def _aggregate(self, probs: torch.Tensor, rows: torch.Tensor, distinct: torch.Tensor, weights: torch.Tensor, spans: list[tuple[int, int]], alpha: torch.Tensor, batch: int, tau: torch.Tensor, precision: torch.Tensor, observed: str, record: bool, decided: torch.Tensor | None = None) -> SmoothedOutput:
        classes = probs.shape[1]
        counts = uncertain = sums = None
        unsure_copy = (_top_two_margin(probs).cpu() <= 2 * tau)
        if decided is not None:  # cascade: a low-precision margin above 2δ fixes the vote (:mod:`.cascade`)
            unsure_copy = unsure_copy & ~decided
        weight_list, tau_list = weights.tolist(), tau.tolist()
        tolerance_sums = tuple(sum((w * Fraction(t) for w, t in zip(weight_list[a:b], tau_list[a:b])), Fraction(0)) for a, b in spans)
        if self.mode == "vote":
            winners = torch.argmax(probs, dim=1)  # first maximal index: ties go to the lowest class
            unsure = unsure_copy.to(torch.int64).to(probs.device)
            flat = rows * classes + winners
            counts = torch.zeros(batch * classes, dtype=torch.int64, device=probs.device).index_add_(0, flat, weights).reshape(batch, classes)
            uncertain = torch.zeros(batch * classes, dtype=torch.int64, device=probs.device).index_add_(0, flat, weights * unsure).reshape(batch, classes)
            probabilities = counts.to(torch.float64) / self.q
        else:
            weighted = weights.to(torch.float64)[:, None] * probs.to(torch.float64)  # one rounding per product: see tolerances
            sums = torch.zeros(batch, classes, dtype=torch.float64, device=probs.device).index_add_(0, rows, weighted)
            probabilities = sums / self.q
        copies = None
        if record:
            copies = [
                {"masks": distinct[a:b].cpu(), "weights": weights[a:b].cpu(), "probabilities": probs[a:b].cpu(), "tolerance": tau[a:b], "uncertain": unsure_copy[a:b]}
                for a, b in spans
            ]
        names, tallies = torch.unique(precision, return_counts=True)
        return SmoothedOutput(
            probabilities=probabilities.cpu(),
            counts=None if counts is None else counts.cpu(),
            uncertain=None if uncertain is None else uncertain.cpu(),
            sums=None if sums is None else sums.cpu(),
            alpha=alpha.cpu(),
            q=self.q,
            lam=self.lam,
            seed_vector=self.seed_vector,
            seed=self.seed,
            mode=self.mode,
            masking=self.masking,
            dtype=observed,
            atol=float(tau.max()) if tau.numel() else 0.0,
            forwards=int(distinct.shape[0]),
            copies=copies,
            tolerance_sums=tolerance_sums,
            precisions={PRECISIONS[int(i)]: int(c) for i, c in zip(names.tolist(), tallies.tolist())},
        )

    # -- checks ------------------------------------------------------------------------

    def _check_eval_mode(self) -> None:
        module = self.evaluator.parts.module if self.masking == "drop" else self.base
        if isinstance(module, nn.Module) and module.training:
            raise InvalidArgument("base", f"{type(module).__name__} in training mode", "a model in eval mode (dropout makes h random; call model.eval())")

    def _check_x(self, x: Any) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise InvalidArgument("x", type(x).__name__, "a torch.Tensor")
        shape = self.groups.input_shape
        if tuple(x.shape) == shape:
            x = x.unsqueeze(0)
        if tuple(x.shape[1:]) != shape:
            raise InvalidArgument("x", f"tensor of shape {tuple(x.shape)}", f"shape (B, {', '.join(map(str, shape))}) or {shape}")
        if not x.is_floating_point():
            raise InvalidArgument("x", f"tensor of dtype {x.dtype}", "a floating-point tensor")
        finite = torch.isfinite(x)
        if not bool(finite.all()):
            index = [int(i) for i in (~finite).nonzero()[0]]
            raise InvalidArgument(f"x{index}", float(x[tuple(index)]), "a finite real number (no NaN or inf)")
        return x

    def _check_alpha(self, alpha: Any, batch: int) -> torch.Tensor:
        n = self.n
        if alpha is None:
            result = torch.ones(batch, n, dtype=torch.bool)
        else:
            array = alpha.detach().cpu().numpy() if isinstance(alpha, torch.Tensor) else np.asarray(alpha)
            if array.ndim == 1:
                array = np.broadcast_to(array, (batch, array.shape[0]))
            if array.ndim != 2 or array.shape[0] != batch:
                raise InvalidArgument("alpha", f"array of shape {array.shape}", f"a 0/1 mask of shape ({n},) or ({batch}, {n})")
            unique_rows = np.unique(array, axis=0)
            for row in unique_rows:
                check_binary_vector(row, n, "alpha")  # 0.5, 2 or NaN are refused, never clamped
            result = torch.as_tensor(array == 1)
        if self.keep is not None:
            outside = self.keep[None, :] & ~result
            if bool(outside.any()):
                b, i = (int(v) for v in outside.nonzero()[0])
                raise InvalidArgument("keep", self.keep.int().tolist(), "an always-kept mask μ <= alpha", f"μ keeps feature {i} that alpha[{b}] hides")
        return result

    def _chunk_size(self, x: torch.Tensor) -> int:
        if self.chunk_size is not None:
            return self.chunk_size
        if self.memory_cap_mb is not None:
            self.chunk_size = chunk_size_for_cap(self.evaluator, x[:1], self.n, self.memory_cap_mb)
            return self.chunk_size
        return DEFAULT_CHUNK


def _distinct_masks(effective: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[tuple[int, int]]]:
    """Per example, the distinct effective masks and their multiplicities (exact integer weights)."""
    rows, masks, weights, spans = [], [], [], []
    start = 0
    for b in range(effective.shape[0]):
        distinct, counts = torch.unique(effective[b], dim=0, return_counts=True)
        rows.append(torch.full((distinct.shape[0],), b, dtype=torch.int64, device=effective.device))
        masks.append(distinct)
        weights.append(counts.to(torch.int64))
        spans.append((start, start + distinct.shape[0]))
        start += distinct.shape[0]
    return torch.cat(rows), torch.cat(masks), torch.cat(weights), spans


def _top_two_margin(probs: torch.Tensor) -> torch.Tensor:
    """p_(1) − p_(2) per row (the whole p_(1) with one class)."""
    if probs.shape[1] < 2:
        return probs[:, 0]
    top = torch.topk(probs, 2, dim=1).values
    return top[:, 0] - top[:, 1]
