"""Certificates from fast smoothed outputs: incremental and decremental radii (paper Thm 3.2), kept sound under floats.

Every radius goes through the strict rule
:func:`mus_verify.certificates.certified_radius` (r = ⌈gap/(2λ)⌉ − 1, −1 at a
tie) applied to an exact rational *lower bound* on the gap:

Which base classifier a certificate is about (``FastCertificate.base``):

* ``guard=True`` (default), ``base == "float64"``: **the float64 evaluation of
  the same module** (one float64 forward per copy, as the reference path of
  ``mus-verify diff`` does). :func:`certify` re-evaluates in float64 every
  copy whose fast margin is within its tolerance whenever it could change the
  radius (:mod:`.recheck`), so the radius is exactly that classifier's when
  every determined copy is within the documented tolerance of
  :mod:`.tolerances` (relative to the logits' magnitude, precision observed
  from the outputs), which ``mus-verify diff`` checks.
* ``guard="tolerance"``, ``base == "fast-tolerance"``: no re-evaluation; the
  u_c uncertain votes of each class are counted against the prediction,
  ``gap_lower = [(c_A − u_A) − max_{c≠A}(c_c + U − u_c)] / q``, and averaged
  gaps lose ``2·Σ_j w_j τ_j / q``: a lower bound on the float64 evaluation's
  gap under the same tolerance.
* ``guard=False``, ``base == "fast-unguarded"``: the fast evaluation as
  computed (vote counts exact for it; averaged sums with the rigorous
  accumulation bound of :func:`.tolerances.accumulation_bound` only).

All arithmetic on the bounds is in Fractions. A negative lower bound is
clipped to 0, giving radius −1 (not certified).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterable, Sequence

import torch

from .._progress import progress_bar
from ..certificates import certified_radius
from ..errors import InvalidArgument
from .smoother import MuS, SmoothedOutput
from .tolerances import accumulation_bound

__all__ = ["FastCertificate", "certificate_from", "certify", "certify_dataset", "CertificatePair", "guarded_smooth"]

RadiusRule = Callable[[Any, Any], int]


@dataclass(frozen=True)
class FastCertificate:
    """A certified radius of the fast smoothed classifier, with the identity of that classifier.

    Every β with ‖β − α‖₁ <= ``radius`` keeps ``predicted`` as the unique
    argmax of g(x, β) (radius −1: nothing certified, not even at α).
    """

    kind: str
    predicted: int
    radius: int
    gap_lower: Fraction
    gap: Fraction
    lam: Fraction
    q: int
    seed_vector: tuple[int, ...]
    mode: str
    masking: str
    dtype: str
    guarded: bool
    uncertain_votes: int
    error_bound: Fraction
    rechecked: int = 0
    base: str = "fast-unguarded"

    @property
    def certified(self) -> bool:
        return self.radius >= 0

    def config(self) -> dict[str, Any]:
        return {"q": self.q, "lam": self.lam, "seed_vector": self.seed_vector, "mode": self.mode, "masking": self.masking, "dtype": self.dtype}

    def to_json(self) -> dict[str, Any]:
        from ..results import jsonable

        return jsonable({**self.__dict__, "certified": self.certified})


def certificate_from(output: SmoothedOutput, index: int = 0, *, kind: str = "at-alpha", guard: bool = True, rule: RadiusRule = certified_radius) -> FastCertificate:
    """The certificate of example ``index`` of a :class:`SmoothedOutput` (``rule`` exists for planted-bug tests).

    ``guard`` (true) counts uncertain votes against the prediction and
    subtracts the per-copy tolerances from averaged gaps; on an output from
    :func:`.recheck.recheck` nothing uncertain is left unless it cannot change
    the radius, and the certificate names the float64 evaluation.
    """
    q = output.q
    batch = output.probabilities.shape[0]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < batch:
        raise InvalidArgument("index", index, f"an example index in 0..{batch - 1}")
    exact = output.exact[index] if output.exact is not None else None
    if exact is not None:  # average mode, settled in float64: the exact g of the float64 evaluation
        predicted = max(range(len(exact)), key=lambda c: (exact[c], -c))
        runner = max((exact[c] for c in range(len(exact)) if c != predicted), default=Fraction(0))
        gap = gap_lower = exact[predicted] - runner
        error = Fraction(0)
        uncertain_votes = 0
    elif output.mode == "vote":
        counts = [int(c) for c in output.vote_counts[index].tolist()]
        unsure = [int(u) for u in output.vote_uncertain[index].tolist()] if guard else [0] * len(counts)
        predicted = max(range(len(counts)), key=lambda c: (counts[c], -c))
        total_unsure = sum(unsure)
        others = [counts[c] + total_unsure - unsure[c] for c in range(len(counts)) if c != predicted]
        runner_votes = max((counts[c] for c in range(len(counts)) if c != predicted), default=0)
        lower_votes = counts[predicted] - unsure[predicted] - max(others, default=0)
        gap = Fraction(counts[predicted] - runner_votes, q)
        gap_lower = Fraction(max(lower_votes, 0), q)
        error = Fraction(0)
        uncertain_votes = total_unsure
    else:
        sums = [float(s) for s in output.average_sums[index].tolist()]
        predicted = max(range(len(sums)), key=lambda c: (sums[c], -c))
        runner_c = max((c for c in range(len(sums)) if c != predicted), key=lambda c: (sums[c], -c), default=None)
        s_a = Fraction(sums[predicted])
        s_b = Fraction(sums[runner_c]) if runner_c is not None else Fraction(0)
        e_a = accumulation_bound(sums[predicted], q + 1)  # N <= q products w·p, then their sum
        e_b = accumulation_bound(sums[runner_c], q + 1) if runner_c is not None else Fraction(0)
        gap = (s_a - s_b) / q
        if not guard:
            slack = Fraction(0)
        elif output.tolerance_sums is not None:
            slack = 2 * output.tolerance_sums[index] / q  # each class's sum is within Σ_j w_j τ_j of the float64 one
        else:
            slack = Fraction(2) * Fraction(output.atol)
        error = (e_a + e_b) / q
        gap_lower = max(gap - error - slack, Fraction(0))
        uncertain_votes = 0
    gap_lower = min(gap_lower, Fraction(1))
    rechecked = 0 if output.rechecked is None else output.rechecked[index]
    base = ("float64" if output.rechecked is not None else "fast-tolerance") if guard else "fast-unguarded"
    return FastCertificate(
        kind=kind,
        predicted=predicted,
        radius=int(rule(gap_lower, output.lam)),
        gap_lower=gap_lower,
        gap=gap,
        lam=output.lam,
        q=q,
        seed_vector=output.seed_vector,
        mode=output.mode,
        masking=output.masking,
        dtype=output.dtype,
        guarded=guard,
        uncertain_votes=uncertain_votes,
        error_bound=error,
        rechecked=rechecked,
        base=base,
    )


@dataclass(frozen=True)
class CertificatePair:
    """Incremental (at α = φ(x)) and decremental (at α = 1) certificates of one input."""

    incremental: FastCertificate | None
    decremental: FastCertificate

    @property
    def consistent(self) -> bool | None:
        """Def. 2.1 for the smoothed model: the class at φ(x) equals the class at x (None without φ)."""
        if self.incremental is None:
            return None
        return self.incremental.predicted == self.decremental.predicted

    def to_json(self) -> dict[str, Any]:
        return {
            "incremental": None if self.incremental is None else self.incremental.to_json(),
            "decremental": self.decremental.to_json(),
            "consistent": self.consistent,
        }


GUARDS = (True, "tolerance", False)


def check_guard(guard: Any) -> Any:
    if not any(guard is g or (isinstance(g, str) and guard == g) for g in GUARDS):
        raise InvalidArgument("guard", guard, "True (re-check in float64), 'tolerance' (count uncertain votes against) or False (unguarded)")
    return guard


def guarded_smooth(mus: MuS, x: torch.Tensor, alpha: Any = None, guard: Any = True) -> SmoothedOutput:
    """``mus.smooth(x, α)``, re-checked in float64 when ``guard is True`` (see the module docstring)."""
    if check_guard(guard) is True:
        from .recheck import recheck

        if not isinstance(x, torch.Tensor):
            raise InvalidArgument("x", type(x).__name__, "a torch.Tensor")
        return recheck(mus, x, mus.smooth(x, alpha, record_copies=True))
    return mus.smooth(x, alpha)


def certify(mus: MuS, x: torch.Tensor, explanation: Any = None, *, guard: Any = True) -> list[CertificatePair]:
    """Decremental certificates of a batch (α = 1), and incremental ones at ``explanation`` ((n,) or (B, n)) when given.

    The two smoothed evaluations run in one chunked pass each; with
    ``guard=True`` every copy that could change a radius and whose fast margin
    is within its tolerance is re-evaluated in float64, so each certificate is
    that of the float64 evaluation of the same module (``base == "float64"``).
    """
    if not isinstance(mus, MuS):
        raise InvalidArgument("mus", type(mus).__name__, "a MuS smoother")
    full = guarded_smooth(mus, x, None, guard)
    batch = full.probabilities.shape[0]
    at_phi = guarded_smooth(mus, x, explanation, guard) if explanation is not None else None
    pairs = []
    for b in range(batch):
        dec = certificate_from(full, b, kind="decremental", guard=bool(guard))
        inc = certificate_from(at_phi, b, kind="incremental", guard=bool(guard)) if at_phi is not None else None
        pairs.append(CertificatePair(inc, dec))
    return pairs


def certify_dataset(
    mus: MuS,
    data: Iterable[Any],
    *,
    explain: Callable[[torch.Tensor], Any] | None = None,
    guard: Any = True,
    progress: bool = True,
    total: int | None = None,
) -> list[CertificatePair]:
    """Certify every example of ``data`` (an iterable of batches: tensors or (inputs, labels) tuples).

    ``explain`` maps a batch to its (B, n) binary explanations; a progress bar
    counts examples on a terminal.
    """
    results: list[CertificatePair] = []
    if total is None and hasattr(data, "__len__"):
        try:
            total = sum(_inputs(batch).shape[0] for batch in data)
        except TypeError:
            total = None
    with progress_bar(total, "certify", enabled=progress) as advance:
        for batch in data:
            inputs = _inputs(batch)
            explanation = explain(inputs) if explain is not None else None
            pairs = certify(mus, inputs, explanation, guard=guard)
            results.extend(pairs)
            advance(len(pairs))
    return results


def _inputs(batch: Any) -> torch.Tensor:
    if isinstance(batch, torch.Tensor):
        return batch
    if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], torch.Tensor):
        return batch[0]
    raise InvalidArgument("data", type(batch).__name__, "batches that are tensors or (inputs, labels) tuples")


def summarize(pairs: Sequence[CertificatePair]) -> dict[str, Any]:
    """Counts and mean radii over a dataset (for reports)."""
    dec = [p.decremental.radius for p in pairs]
    inc = [p.incremental.radius for p in pairs if p.incremental is not None]
    return {
        "examples": len(pairs),
        "decremental_certified": sum(r >= 0 for r in dec),
        "mean_decremental_radius": sum(max(r, 0) for r in dec) / len(dec) if dec else None,
        "mean_incremental_radius": sum(max(r, 0) for r in inc) / len(inc) if inc else None,
        "consistent": sum(bool(p.consistent) for p in pairs if p.consistent is not None),
    }
