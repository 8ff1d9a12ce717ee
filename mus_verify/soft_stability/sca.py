"""SCA, the stability certification algorithm (Jin et al. 2025, eq. (3); notes §2.2, §2.4).

    τ̂_r = (1/N) · #{ i : f(x ⊙ α^(i)) ≅ f(x ⊙ α) },   α^(1..N) i.i.d. ~ Unif(Δ_r(α)),
    N = ⌈ln(2/δ) / (2ε²)⌉  ⇒  P(|τ̂_r − τ_r| > ε) <= δ   (two-sided Hoeffding).

N·τ̂ ~ Binomial(N, τ_r) exactly, so the exact Clopper–Pearson interval at level δ
is reported beside [τ̂ − ε, τ̂ + ε]: also valid, and tighter. The estimate records
the seed, N, ε, δ, both intervals and (optionally) the sampled masks, so a run
can be replayed. Randomness: only the dedicated :class:`~.sampler.IntegerSource`.

The classifier is a *mask classifier*: ``predict(masks) -> classes`` on a (B, n)
boolean array, NO_CLASS (−1) where the top two tie under the strict policy.
Adapters: :func:`table_classifier` (the exact reference: h, the exact MuS g, any
:class:`~.rates.ScoreTable`), :func:`numpy_classifier` (a batched numpy h on
x ⊙ mask), :func:`torch_model_classifier` (any torch model, zero masking over
groups), :func:`torch_mus_classifier` (``torch_backend.MuS``; vote counts are
integers, so its ties are exact). Evaluation is batched, with a progress callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from .._validation import as_int, check_binary_vector
from ..errors import InvalidArgument
from .bounds import check_eps_delta, clopper_pearson, hoeffding_interval, hoeffding_samples
from ..core.bits import code_from_bits, codes_from_masks, masks_from_codes
from .rates import NO_CLASS, TIE_POLICIES, ScoreTable, TiePolicy, predictions
from .sampler import IntegerSource, Sampler, UniformSupersetSampler

__all__ = [
    "MaskClassifier",
    "SCAEstimate",
    "sca",
    "table_classifier",
    "numpy_classifier",
    "torch_model_classifier",
    "torch_mus_classifier",
    "predict_from_scores",
]


class MaskClassifier(Protocol):
    n: int

    def predict(self, masks: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class SCAEstimate:
    """One SCA run: τ̂ = stable / n_samples with its two intervals and everything needed to replay it."""

    estimate: Fraction
    stable: int
    n_samples: int
    eps: Fraction
    delta: Fraction
    r: int
    n: int
    m: int
    alpha: int
    seed: int
    reference: int
    hoeffding: tuple[Fraction, Fraction]
    clopper_pearson: tuple[float, float] | None
    sampler: str
    tie: str
    masks: tuple[int, ...] | None = field(default=None, repr=False)

    def misses(self, tau: Any, interval: str = "hoeffding") -> bool:
        """True iff the exact τ lies outside the interval (|τ̂ − τ| > ε for Hoeffding)."""
        tau = Fraction(tau)
        if interval == "hoeffding":
            return abs(self.estimate - tau) > self.eps
        if self.clopper_pearson is None:
            raise InvalidArgument("interval", interval, "'hoeffding' (this run skipped the Clopper–Pearson interval: intervals=False)")
        low, high = self.clopper_pearson
        return not (Fraction(low) <= tau <= Fraction(high))

    def to_json(self) -> dict[str, Any]:
        from ..results import jsonable

        out = {k: getattr(self, k) for k in ("estimate", "stable", "n_samples", "eps", "delta", "r", "n", "m", "alpha", "seed", "reference", "sampler", "tie")}
        out["estimate_float"] = float(self.estimate)
        out["hoeffding"] = list(self.hoeffding)
        out["clopper_pearson"] = None if self.clopper_pearson is None else list(self.clopper_pearson)
        out["clopper_pearson_note"] = "float endpoints from scipy.stats.beta, widened outward (see soft_stability.bounds)"
        if self.masks is not None:
            out["masks"] = list(self.masks)
        return jsonable(out)


def predict_from_scores(scores: np.ndarray, tie: TiePolicy) -> np.ndarray:
    """Argmax per row (first maximal index); NO_CLASS at a top tie under ``tie="strict"``."""
    scores = np.asarray(scores)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise InvalidArgument("scores", f"array of shape {scores.shape}", "(B, classes)")
    winner = np.argmax(scores, axis=1).astype(np.int64)
    if tie == "lowest-index":
        return winner
    top = scores.max(axis=1)
    return np.where((scores == top[:, None]).sum(axis=1) > 1, NO_CLASS, winner)


class table_classifier:
    """The exact reference as a mask classifier: predictions read from a :class:`ScoreTable`."""

    def __init__(self, table: ScoreTable, tie: TiePolicy = "strict") -> None:
        self.n = table.n
        self.table, self.tie = table, tie
        self.classes = predictions(table, tie)

    def predict(self, masks: np.ndarray) -> np.ndarray:
        return self.classes[codes_from_masks(masks)]


class numpy_classifier:
    """A batched numpy h: (B, d) -> (B, C) scores, evaluated on x ⊙ mask (mask bits lifted through ``groups``)."""

    def __init__(self, h: Callable[[np.ndarray], Any], x: Any, n: int, groups: Sequence[int] | None = None, tie: TiePolicy = "strict") -> None:
        from ..smoothing import check_groups

        self.h, self.tie = h, tie
        self.x = np.asarray(x, dtype=np.float64)
        self.n = as_int(n, "n", low=0)
        self.groups = check_groups(groups, self.x.shape[0], self.n)

    def predict(self, masks: np.ndarray) -> np.ndarray:
        from ..smoothing import masked_inputs

        return predict_from_scores(np.asarray(self.h(masked_inputs(self.x, self.groups, np.asarray(masks, dtype=bool)))), self.tie)


class torch_model_classifier:
    """Any torch model on zero-masked inputs x ⊙ mask (groups: coordinate -> mask bit); argmax of its outputs."""

    def __init__(self, model: Any, x: Any, n: int, groups: Sequence[int] | None = None, tie: TiePolicy = "strict") -> None:
        import torch

        self.model, self.tie = model, tie
        self.x = torch.as_tensor(x)
        self.n = as_int(n, "n", low=0)
        flat = self.x.reshape(-1)
        self.groups = torch.as_tensor(np.arange(self.n) if groups is None else np.asarray(groups)).reshape(-1)
        if self.groups.numel() != flat.numel():
            raise InvalidArgument("groups", f"{self.groups.numel()} entries", f"one group id per input coordinate ({flat.numel()})")

    def predict(self, masks: np.ndarray) -> np.ndarray:
        import torch

        keep = torch.as_tensor(np.asarray(masks, dtype=bool))[:, self.groups]
        inputs = torch.where(keep, self.x.reshape(1, -1), torch.zeros((), dtype=self.x.dtype)).reshape((-1, *self.x.shape))
        with torch.inference_mode():
            scores = self.model(inputs)
        return predict_from_scores(scores.double().cpu().numpy(), self.tie)


class torch_mus_classifier:
    """``torch_backend.MuS`` (fixed seed vector: one smoothed classifier for every call) at input x.

    Vote mode: the integer vote counts decide the class and its ties exactly.
    Average mode: float64 probabilities (a tie is exact float equality).
    """

    def __init__(self, mus: Any, x: Any, tie: TiePolicy = "strict") -> None:
        import torch

        self.mus, self.tie = mus, tie
        self.x = torch.as_tensor(x)
        self.n = int(mus.n)

    def predict(self, masks: np.ndarray) -> np.ndarray:
        import torch

        alpha = torch.as_tensor(np.asarray(masks, dtype=bool))
        batch = self.x.unsqueeze(0).expand(alpha.shape[0], *self.x.shape)
        out = self.mus.smooth(batch, alpha)
        scores = out.counts if out.counts is not None else out.probabilities
        return predict_from_scores(scores.cpu().numpy(), self.tie)


def sca(
    classifier: MaskClassifier,
    alpha: Any,
    r: int,
    *,
    eps: Any = "1/10",
    delta: Any = "1/10",
    seed: int = 0,
    n_samples: int | None = None,
    sampler: Sampler | None = None,
    batch_size: int = 512,
    tie: TiePolicy = "strict",
    record_masks: bool = False,
    intervals: bool = True,
    progress: Callable[[int], None] | None = None,
) -> SCAEstimate:
    """Estimate τ_r(f, x, α) with N = :func:`~.bounds.hoeffding_samples` draws (``n_samples`` overrides, for planted bugs).

    ``intervals=False`` skips the Clopper–Pearson interval (None), for repeated runs that only need τ̂.
    The tie policy is the classifier's (its ``tie`` attribute); ``tie`` is used only when it has none.
    """
    eps, delta = check_eps_delta(eps, delta)
    if tie not in TIE_POLICIES:
        raise InvalidArgument("tie", tie, f"one of {TIE_POLICIES}")
    n = int(classifier.n)
    code = alpha if isinstance(alpha, (int, np.integer)) else code_from_bits(check_binary_vector(alpha, n, "alpha"))
    sampler = sampler if sampler is not None else UniformSupersetSampler(n, int(code), r)
    if sampler.alpha != code or sampler.n != n:
        raise InvalidArgument("sampler", sampler, f"a sampler for alpha = {code} over n = {n}")
    N = hoeffding_samples(eps, delta) if n_samples is None else as_int(n_samples, "n_samples", low=1)
    batch_size = as_int(batch_size, "batch_size", low=1)
    source = IntegerSource(seed)
    reference = int(classifier.predict(masks_from_codes(np.array([int(code)]), n))[0])
    stable = 0
    drawn: list[int] = []
    for start in range(0, N, batch_size):
        count = min(batch_size, N - start)
        codes = np.asarray(sampler.draw(source, count), dtype=object)
        if record_masks:
            drawn.extend(int(c) for c in codes)
        # Python-int codes (a sampler may draw beyond int64): bit by bit, not masks_from_codes
        masks = np.array([[(int(c) >> i) & 1 for i in range(n)] for c in codes], dtype=bool).reshape(count, n)
        predicted = np.asarray(classifier.predict(masks))
        if reference != NO_CLASS:
            stable += int((predicted == reference).sum())
        if progress is not None:
            progress(count)
    return SCAEstimate(
        estimate=Fraction(stable, N),
        stable=stable,
        n_samples=N,
        eps=eps,
        delta=delta,
        r=int(sampler.r),
        n=n,
        m=n - bin(int(code)).count("1"),
        alpha=int(code),
        seed=int(seed),
        reference=reference,
        hoeffding=hoeffding_interval(stable, N, eps),
        clopper_pearson=clopper_pearson(stable, N, delta) if intervals else None,
        sampler=type(sampler).__name__,
        tie=str(getattr(classifier, "tie", tie)),
        masks=tuple(drawn) if record_masks else None,
    )
