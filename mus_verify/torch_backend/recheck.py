"""Settle in float64 every fast result that the documented tolerance cannot settle (issue 10, item 4).

A fast copy is *determined* when its top-two probability margin exceeds 2τ
(τ: the copy's tolerance, relative to the logits' magnitude, see
:mod:`.tolerances`): its vote is then the vote of the float64 evaluation of
the same module. For each example the fast result gives an interval
``[gap_lower, gap_upper]`` that holds the float64 evaluation's gap:

* vote: the uncertain votes of each class counted against, then for, the
  prediction;
* average: ``gap ± (accumulation bound + 2·Σ_j w_j τ_j / q)``.

When the strict rule r = ⌈gap/(2λ)⌉ − 1 gives the same radius at both ends
(and ``gap_lower > 0``, so the predicted class is the float64 one), the radius
is that of the float64 evaluation already. Otherwise the example is settled
by re-evaluating in float64, one copy per forward exactly as the reference
path does (:meth:`.reference.ReferencePath.copy_probabilities`):

* vote: every uncertain copy of the example (its vote is replaced by the
  float64 vote, so the counts are the float64 counts);
* average: every copy (the exact rational g of the float64 evaluation).

So a certificate from a rechecked output is the certificate of **the float64
evaluation of the same module** (``FastCertificate.base == "float64"``),
exact for it whenever the determined copies are within tolerance, which
``mus-verify diff`` checks. The float64 copy of the module is made only when
a re-evaluation is needed; a base that cannot be copied is refused with a
message (certify with ``guard="tolerance"`` to count uncertain votes against
the prediction instead).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any, Callable

import numpy as np
import torch

from ..certificates import certified_radius
from ..errors import EnvironmentProblem, InvalidArgument
from .smoother import MuS, SmoothedOutput
from .tolerances import accumulation_bound

__all__ = ["recheck", "gap_interval"]

RadiusRule = Callable[[Any, Any], int]


def gap_interval(output: SmoothedOutput, index: int) -> tuple[int, Fraction, Fraction]:
    """(predicted, gap_lower, gap_upper) of example ``index``: the float64 evaluation's gap lies inside when the tolerance holds."""
    q = output.q
    if output.mode == "vote":
        counts = [int(c) for c in output.vote_counts[index].tolist()]
        unsure = [int(u) for u in output.vote_uncertain[index].tolist()]
        predicted = max(range(len(counts)), key=lambda c: (counts[c], -c))
        total = sum(unsure)
        others = [c for c in range(len(counts)) if c != predicted]
        lower = counts[predicted] - unsure[predicted] - max((counts[c] + total - unsure[c] for c in others), default=0)
        upper = counts[predicted] + total - unsure[predicted] - max((counts[c] - unsure[c] for c in others), default=0)
        return predicted, Fraction(lower, q), Fraction(upper, q)
    sums = [float(s) for s in output.average_sums[index].tolist()]
    predicted = max(range(len(sums)), key=lambda c: (sums[c], -c))
    runner = max((c for c in range(len(sums)) if c != predicted), key=lambda c: (sums[c], -c), default=None)
    s_b = Fraction(sums[runner]) if runner is not None else Fraction(0)
    gap = (Fraction(sums[predicted]) - s_b) / q
    error = (accumulation_bound(sums[predicted], q + 1) + (accumulation_bound(sums[runner], q + 1) if runner is not None else 0)) / q
    slack = 2 * output.tolerance_sums[index] / q if output.tolerance_sums is not None else Fraction(2) * Fraction(output.atol)
    return predicted, gap - error - slack, gap + error + slack


def _settled(output: SmoothedOutput, index: int, rule: RadiusRule) -> bool:
    _, lower, upper = gap_interval(output, index)
    if lower <= 0:
        return lower == upper  # nothing uncertain and an exact tie (vote mode) is settled; anything else is not
    return rule(min(lower, Fraction(1)), output.lam) == rule(min(upper, Fraction(1)), output.lam)


def recheck(mus: MuS, x: torch.Tensor, output: SmoothedOutput, *, rule: RadiusRule = certified_radius) -> SmoothedOutput:
    """``output`` (from ``mus.smooth(x, α, record_copies=True)``) with every unsettled example settled in float64."""
    if output.copies is None:
        raise InvalidArgument("output", "a SmoothedOutput without its copies", "the output of mus.smooth(..., record_copies=True) (the re-check needs every copy)")
    x = x.reshape((-1,) + mus.groups.input_shape)
    batch = output.probabilities.shape[0]
    counts = None if output.counts is None else output.counts.clone()
    uncertain = None if output.uncertain is None else output.uncertain.clone()
    exact: list[tuple[Fraction, ...] | None] = [None] * batch
    rechecked = [0] * batch
    for b in range(batch):
        if _settled(output, b, rule):
            continue
        reference = _reference(mus, b)
        copies = output.copies[b]
        if counts is not None and uncertain is not None:  # vote mode
            for mask, weight, probs, unsure in zip(copies["masks"], copies["weights"].tolist(), copies["probabilities"], copies["uncertain"].tolist()):
                if not unsure:
                    continue
                float64_vote = int(np.argmax(reference.copy_probabilities(x[b], mask)))  # first maximum: ties to the lowest class
                fast_vote = int(torch.argmax(probs))
                counts[b, fast_vote] -= weight
                counts[b, float64_vote] += weight
                rechecked[b] += 1
            uncertain[b].zero_()
        else:
            result = reference.smooth(x[b], output.alpha[b], mode="average")
            exact[b] = result.probabilities
            rechecked[b] = len(result.per_mask)
    probabilities = output.probabilities.clone()
    if counts is not None:
        probabilities = counts.to(torch.float64) / output.q
    for b, values in enumerate(exact):
        if values is not None:
            probabilities[b] = torch.tensor([float(v) for v in values], dtype=torch.float64)
    return dataclasses.replace(
        output,
        probabilities=probabilities,
        counts=counts,
        uncertain=uncertain,
        rechecked=tuple(rechecked),
        exact=tuple(exact),
    )


def _reference(mus: MuS, b: int) -> Any:
    try:
        return mus.float64_reference()
    except EnvironmentProblem as exc:
        raise EnvironmentProblem(
            f"example {b} needs a float64 re-evaluation (a copy's fast margin is within the tolerance, and it could "
            f"change the radius), but {exc}; certify with guard='tolerance' to count such votes against the prediction instead"
        ) from exc
