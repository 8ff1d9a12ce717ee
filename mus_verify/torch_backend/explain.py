"""Explanations for the smoothed model: attribution -> binary top-k, stability per input, and an empirical attack.

* :func:`top_k` turns any attribution (n scores) into a binary explanation
  φ(x) keeping the k highest (ties to the lower index).
* :func:`exact_shapley` computes exact Shapley values (Shapley 1953) over all
  2^n coalitions for small n; :func:`captum_attribution` uses captum's
  KernelShap / ShapleyValueSampling / FeatureAblation with the group map as
  captum's ``feature_mask`` for large n; any callable of the caller's works too.
* :func:`stability` reports, per input, consistency (Def. 2.1), the
  incremental and decremental radii (Defs. 2.3, 2.4 via Thm 3.2) and whether
  they cover every α ⪰ φ(x) (full stability, Def. 2.2).
* :func:`attack` searches greedily over added (or removed) features for a β
  that changes the class of *the same* smoothed classifier that was certified
  (same q, λ, seed vector, mode, masking, dtype; anything else is refused):
  a flip at distance d shows the true radius is at most d − 1, an upper bound
  to compare with the certified lower bound.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from .._validation import as_int
from ..engines.greedy import greedy_path
from ..errors import InvalidArgument
from .certify import FastCertificate, certificate_from
from .groups import FeatureGroups
from .smoother import MuS, SmoothedOutput

__all__ = ["top_k", "exact_shapley", "base_value_function", "captum_attribution", "StabilityReport", "stability", "AttackResult", "attack", "MAX_EXACT_SHAPLEY"]

MAX_EXACT_SHAPLEY = 16


def top_k(attribution: Any, k: int) -> torch.Tensor:
    """Binary explanation keeping the k largest scores of an (n,) or (B, n) attribution (ties to the lower index)."""
    try:
        scores = torch.as_tensor(attribution, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise InvalidArgument("attribution", type(attribution).__name__, "an (n,) or (B, n) array of real scores") from exc
    if scores.dim() not in (1, 2):
        raise InvalidArgument("attribution", f"an array of shape {tuple(scores.shape)}", "an (n,) or (B, n) array of real scores")
    single = scores.dim() == 1
    scores = scores.reshape(1, -1) if single else scores
    n = scores.shape[1]
    k = as_int(k, "k", low=0, high=n)
    if not bool(torch.isfinite(scores).all()):
        raise InvalidArgument("attribution", "scores with NaN or inf", "finite attribution scores")
    out = torch.zeros_like(scores, dtype=torch.bool)
    for b in range(scores.shape[0]):
        order = sorted(range(n), key=lambda i: (-float(scores[b, i]), i))
        out[b, order[:k]] = True
    return out[0] if single else out


def exact_shapley(value: Callable[[torch.Tensor], torch.Tensor], n: int) -> torch.Tensor:
    """Exact Shapley values φ_i = Σ_{S ⊆ N∖i} |S|!(n−|S|−1)!/n! · (v(S ∪ i) − v(S)), in float64.

    ``value`` maps a (2^n, n) bool tensor of coalitions to their (2^n,) values.
    n is limited to :data:`MAX_EXACT_SHAPLEY`.

    >>> exact_shapley(lambda s: s[:, 0].double() * 2 + (s[:, 0] & s[:, 1]).double(), 2).tolist()
    [2.5, 0.5]
    """
    n = as_int(n, "n", low=1, high=MAX_EXACT_SHAPLEY)
    codes = torch.arange(2**n)
    coalitions = ((codes[:, None] >> torch.arange(n)) & 1).bool()
    values = torch.as_tensor(value(coalitions), dtype=torch.float64).reshape(-1)
    if values.shape[0] != 2**n or not bool(torch.isfinite(values).all()):
        raise InvalidArgument("value", f"a function returning {values.shape[0]} values", f"one finite value per coalition: {2**n} for n = {n}")
    sizes = coalitions.sum(dim=1)
    weights = torch.tensor([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) if s < n else 0.0 for s in range(n + 1)], dtype=torch.float64)
    phi = torch.zeros(n, dtype=torch.float64)
    for i in range(n):
        without = ~coalitions[:, i]
        with_i = codes[without] | (1 << i)
        phi[i] = (weights[sizes[without]] * (values[with_i] - values[without])).sum()
    return phi


def base_value_function(base: Callable[[torch.Tensor], Any], groups: FeatureGroups, x: torch.Tensor, target: int, *, output: str = "logits", chunk_size: int = 64) -> Callable[[torch.Tensor], torch.Tensor]:
    """v(S) = the base model's probability of ``target`` on x with only the groups in S shown."""
    from .evaluators import to_probabilities

    def value(coalitions: torch.Tensor) -> torch.Tensor:
        pieces = []
        with torch.inference_mode():
            for start in range(0, coalitions.shape[0], chunk_size):
                masks = coalitions[start : start + chunk_size].to(x.device)
                probs = to_probabilities(base(groups.apply(x.reshape((1,) + groups.input_shape), masks)), output, torch.float64)
                pieces.append(probs[:, target].cpu())
        return torch.cat(pieces)

    return value


def captum_attribution(base: Callable[[torch.Tensor], Any], groups: FeatureGroups, x: torch.Tensor, target: int, *, method: str = "KernelShap", output: str = "logits", n_samples: int = 200, seed: int = 0) -> torch.Tensor:
    """(n,) group attributions from captum (``KernelShap``, ``ShapleyValueSampling`` or ``FeatureAblation``).

    Groups are captum's ``feature_mask``; the baseline is the groups' fill
    (zeros by default), so "absent" means the same as in the smoothed model.
    captum's sampling draws from the global torch RNG (and its helpers from
    Python's ``random`` and NumPy's global RNG), so it runs seeded with
    ``seed`` and the caller's torch, ``random`` and NumPy global states are
    all restored afterwards, also when captum raises.
    """
    from .._optional import require

    attr = require("captum.attr", purpose="captum attributions")
    methods = {"KernelShap": attr.KernelShap, "ShapleyValueSampling": attr.ShapleyValueSampling, "FeatureAblation": attr.FeatureAblation}
    if method not in methods:
        raise InvalidArgument("method", method, f"one of {sorted(methods)}")
    from .evaluators import to_probabilities

    def forward(inputs: torch.Tensor) -> torch.Tensor:
        return to_probabilities(base(inputs), output, torch.float32)

    example = x.reshape((1,) + groups.input_shape)
    with torch.inference_mode():
        classes = int(forward(example).shape[1])
    if isinstance(target, bool) or not isinstance(target, numbers.Integral) or not 0 <= int(target) < classes:
        raise InvalidArgument("target", target, f"a class index in 0..{classes - 1}")
    ids = torch.as_tensor(groups.coordinate_ids()).reshape((1,) + groups.input_shape).to(example.device)
    baseline = groups.apply(example, torch.zeros(1, groups.n, dtype=torch.bool, device=example.device))
    explainer = methods[method](forward)
    kwargs: dict[str, Any] = {"target": int(target), "feature_mask": ids, "baselines": baseline}
    if method == "KernelShap":
        kwargs["n_samples"] = n_samples
    elif method == "ShapleyValueSampling":
        kwargs["n_samples"] = max(1, n_samples // groups.n)
    seed = as_int(seed, "seed", low=0)
    n_samples = as_int(n_samples, "n_samples", low=1)
    if "n_samples" in kwargs:
        kwargs["n_samples"] = n_samples if method == "KernelShap" else max(1, n_samples // groups.n)
    import random

    import numpy as np

    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            scores = explainer.attribute(example, **kwargs).detach()
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    flat = scores.reshape(-1).cpu()
    per_group = torch.zeros(groups.n, dtype=torch.float64)
    per_group.index_add_(0, ids.reshape(-1).cpu(), flat.double())
    counts = torch.bincount(ids.reshape(-1).cpu(), minlength=groups.n).double()
    return per_group / counts  # captum repeats a group's score on each of its coordinates


@dataclass(frozen=True)
class StabilityReport:
    """Consistency and stability of ⟨f, φ⟩ at one input, from the two certificates."""

    explanation: tuple[int, ...]
    incremental: FastCertificate
    decremental: FastCertificate
    consistent: bool
    stable: bool

    def to_json(self) -> dict[str, Any]:
        return {"explanation": list(self.explanation), "incremental": self.incremental.to_json(), "decremental": self.decremental.to_json(), "consistent": self.consistent, "stable": self.stable}


def stability(mus: MuS, x: torch.Tensor, explanation: Any, *, guard: Any = True) -> list[StabilityReport]:
    """Per-input consistency (Def. 2.1), incremental/decremental radii and certified full stability (Def. 2.2).

    Every α ⪰ φ has ‖α − φ‖₁ + ‖1 − α‖₁ = n − |φ|, so both radii cover all of
    them when r_inc + r_dec + 1 >= n − |φ| (and both predict the same class).
    """
    from .certify import guarded_smooth

    at_phi = guarded_smooth(mus, x, explanation, guard)
    full = guarded_smooth(mus, x, None, guard)
    reports = []
    for b in range(at_phi.probabilities.shape[0]):
        inc = certificate_from(at_phi, b, kind="incremental", guard=bool(guard))
        dec = certificate_from(full, b, kind="decremental", guard=bool(guard))
        phi = at_phi.alpha[b]
        consistent = inc.predicted == dec.predicted and inc.certified and dec.certified
        stable = consistent and inc.radius + dec.radius + 1 >= mus.n - int(phi.sum())
        reports.append(StabilityReport(tuple(int(v) for v in phi.tolist()), inc, dec, consistent, stable))
    return reports


@dataclass(frozen=True)
class AttackResult:
    """Outcome of the greedy search: ``found`` a β changing the class at ``distance`` (true radius <= distance − 1)."""

    kind: str
    found: bool
    distance: int | None
    beta: tuple[int, ...] | None
    upper_bound: int | None
    certified_radius: int
    evaluations: int
    consistent_with_certificate: bool
    margins: tuple[float, ...]


def _margin(out: SmoothedOutput, b: int, target: int) -> float:
    """g_target − max_{c≠target} g_c (<= 0: target is not the unique argmax); exact integers in vote mode."""
    values = out.vote_counts[b].tolist() if out.mode == "vote" else out.average_sums[b].tolist()
    others = [v for c, v in enumerate(values) if c != target]
    return (values[target] - max(others)) / out.q if others else float(values[target])


def attack(
    mus: MuS,
    x: torch.Tensor,
    certificate: FastCertificate,
    explanation: Any = None,
    *,
    budget: int | None = None,
    max_candidates: int | None = None,
    seed: int = 0,
) -> AttackResult:
    """Greedy search for a β ⪰ φ that changes the certified class of *this* smoothed classifier.

    Incremental (``certificate.kind == "incremental"``): start at φ and add one
    feature per step; decremental: start at 1 and remove features outside φ.
    Each step evaluates up to ``max_candidates`` single-feature moves (a
    random subset from a dedicated generator) in one chunked call and keeps
    the one with the smallest margin. The certificate must come from the same
    configuration as ``mus`` (q, λ, seed vector, mode, masking, dtype).
    """
    if not isinstance(certificate, FastCertificate):
        raise InvalidArgument("certificate", type(certificate).__name__, "a FastCertificate from certify() or certificate_from()")
    if certificate.config() != {k: v for k, v in mus.config().items() if k in certificate.config()}:
        raise InvalidArgument("certificate", certificate.config(), f"a certificate of this smoothed classifier {dict((k, v) for k, v in mus.config().items() if k in certificate.config())}", "an attack on another classifier bounds nothing")
    if certificate.kind not in ("incremental", "decremental"):
        raise InvalidArgument("certificate.kind", certificate.kind, "'incremental' or 'decremental'")
    n = mus.n
    x = mus._check_x(x)[:1]  # the same shape and finiteness checks as smooth()
    if max_candidates is not None:
        max_candidates = as_int(max_candidates, "max_candidates", low=1)
    phi = torch.zeros(n, dtype=torch.bool) if explanation is None else torch.as_tensor(explanation).reshape(-1).bool().cpu()
    if certificate.kind == "incremental":
        if explanation is None:
            raise InvalidArgument("explanation", None, "the explanation φ(x) the incremental certificate was computed at")
        beta = phi.clone()
    else:
        beta = torch.ones(n, dtype=torch.bool)
    budget = n if budget is None else as_int(budget, "budget", low=1)
    generator = torch.Generator().manual_seed(seed)
    target = certificate.predicted
    cap = max_candidates

    def subset(movable: np.ndarray) -> np.ndarray:
        if cap is None or movable.size <= cap:
            return movable
        return movable[torch.randperm(movable.size, generator=generator)[:cap].numpy()]

    def leads(candidates: np.ndarray) -> list[float]:
        out = mus.smooth(x.expand((candidates.shape[0],) + tuple(x.shape[1:])), torch.from_numpy(candidates))
        return [_margin(out, b, target) for b in range(candidates.shape[0])]

    incremental = certificate.kind == "incremental"
    path = greedy_path(
        beta.numpy(), leads, add=incremental, frozen=None if incremental else phi.numpy(), budget=budget, subset=subset
    )
    if path.found:
        assert path.beta is not None and path.distance is not None
        upper = path.distance - 1
        return AttackResult(certificate.kind, True, path.distance, tuple(int(v) for v in path.beta.tolist()), upper, certificate.radius, path.evaluations, upper >= certificate.radius, path.leads)
    return AttackResult(certificate.kind, False, None, None, None, certificate.radius, path.evaluations, True, path.leads)
