"""Differential harness: the fast torch path against the float64 / exact-rational reference path.

Statements checked, on the same base model, inputs, q, λ and seed vector:

* **masks** — every fast noise mask equals :func:`mus_verify.distributions.lqv_masks`
  bit for bit (also over a sweep of q, k including q not a power of two), and
  every effective mask the fast path evaluates is one the exact core evaluates;
  masked inputs equal :func:`mus_verify.smoothing.masked_inputs` exactly;
* **probabilities** — each base probability of each copy is within that
  copy's documented tolerance τ (:mod:`.tolerances`: relative to the logits'
  magnitude, precision observed from the outputs) of the float64 forward;
* **votes** — each base vote equals the reference vote, except where the
  reference's own top-two margin is <= 2τ: those are *undetermined*,
  counted and reported, never counted as passes;
* **certificates** — every certificate of :func:`.certify.certify` (re-checked
  in float64, :mod:`.recheck`) is <= the exact reference's strict radius, and
  a certified prediction equals the reference's; the details count how often
  the *uncorrected* fast votes would have over-certified, and how many
  certificates equal the reference's exactly;
* **invariance** — vote counts (exactly), sums (within atol) and certificates
  do not depend on the batch size or the chunk size (nor on the device when a
  GPU is present), except through undetermined votes.

A violation is REFUTED with a counterexample holding the numbers that show it.
A model whose base outputs are NaN or inf on some copy must be refused by both
paths (:func:`diff_refusal`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from .._validation import as_fraction
from ..errors import InternalError
from ..certificates import certified_radius, top_two
from ..distributions import lqv_masks
from ..results import CheckResult, Counterexample, Verdict, register_replayer
from ..smoothing import effective_masks, masked_inputs
from .certify import RadiusRule, certificate_from
from .masks import lqv_mask_tensor
from .recheck import recheck
from .reference import ReferencePath
from .smoother import MuS, SmoothedOutput

__all__ = ["DiffConfig", "diff_mus", "check_masks", "MuSFactory", "explanation_masks"]

MuSFactory = Callable[..., MuS]
"""``factory(mode=..., masking=..., chunk_size=..., device=...) -> MuS`` (a fresh wrapper each call, same base model)."""

MASK_SWEEP = ((1, 1), (2, 1), (3, 2), (5, 3), (7, 1), (12, 5), (64, 16), (100, 29), (100, 33))


@dataclass(frozen=True)
class DiffConfig:
    """What the harness compares: modes, maskings, chunk sizes; the inputs come separately."""

    modes: tuple[str, ...] = ("vote", "average")
    maskings: tuple[str, ...] = ("zero",)
    chunk_sizes: tuple[int, ...] = (1, 5)
    check_devices: bool = True
    rule: RadiusRule = field(default=certified_radius)


def explanation_masks(n: int, batch: int, fraction: Fraction, seed: int) -> torch.Tensor:
    """(batch, n) binary masks keeping ⌈fraction·n⌉ features each, from a dedicated generator."""
    generator = torch.Generator().manual_seed(seed)
    kept = max(1, -(-int(fraction.numerator * n) // fraction.denominator))
    out = torch.zeros(batch, n, dtype=torch.bool)
    for b in range(batch):
        out[b, torch.randperm(n, generator=generator)[:kept]] = True
    return out


class _Tally:
    """Cases, undetermined cases, the worst slack and the first violation of one statement."""

    def __init__(self, name: str, quantified_over: str) -> None:
        self.name = name
        self.quantified_over = quantified_over
        self.cases = 0
        self.undetermined = 0
        self.counterexample: Counterexample | None = None
        self.margin: Fraction | None = None
        self.details: dict[str, Any] = {}

    def ok(self, count: int = 1, margin: Any = None) -> None:
        self.cases += count
        if margin is not None:
            margin = Fraction(margin)
            self.margin = margin if self.margin is None else min(self.margin, margin)

    def fail(self, counterexample: Counterexample, margin: Any = None) -> None:
        self.cases += 1
        if self.counterexample is None:
            self.counterexample = counterexample
        if margin is not None:
            self.margin = Fraction(margin) if self.margin is None else min(self.margin, Fraction(margin))

    def result(self, params: Mapping[str, Any], started: float, message: str) -> CheckResult:
        details = {**self.details, "undetermined": self.undetermined}
        params = {**params, "quantified_over": self.quantified_over}
        if self.counterexample is not None:
            verdict = Verdict.REFUTED
            message = self.counterexample.summary
        elif self.cases == 0:
            verdict = Verdict.VACUOUS
            message = f"nothing determined to compare ({self.undetermined} undetermined)"
        else:
            verdict = Verdict.VERIFIED
            if self.undetermined:
                message += f"; {self.undetermined} undetermined (reported, not counted)"
        return CheckResult(self.name, verdict, "differential", self.cases, params, self.counterexample, self.margin, message, time.perf_counter() - started, details)


def check_masks(muses: Sequence[MuS], devices: Sequence[str] = ("cpu",), name: str = "diff-masks") -> _Tally:
    """Fast masks vs the exact core's, for the given wrappers and a sweep of (q, k); masked inputs too."""
    tally = _Tally(name, "mask rows")
    configs = [(m.seed_vector, m.q, m.k) for m in muses]
    for q, k in MASK_SWEEP:
        vector = tuple(int(v) for v in np.random.default_rng(q * 1000 + k).integers(0, q, size=11))
        configs.append((vector, q, k))
    for device in devices:
        for vector, q, k in configs:
            exact = lqv_masks(vector, q, k)
            fast = lqv_mask_tensor(vector, q, k, device=device).cpu().numpy()
            for j in range(q):
                if not np.array_equal(exact[j], fast[j]):
                    tally.fail(Counterexample("torch-mask-mismatch", f"mask {j} of L_qv(k={k}/q={q}) differs on {device}", {"seed_vector": vector, "q": q, "k": k, "j": j, "fast_row": fast[j].astype(int).tolist()}))
                else:
                    tally.ok()
    for mus in muses:
        fast = mus.noise_masks("cpu").numpy()
        exact = lqv_masks(mus.seed_vector, mus.q, mus.k)
        for j in range(mus.q):
            if not np.array_equal(exact[j], fast[j]):
                tally.fail(Counterexample("torch-mask-mismatch", f"the wrapper's mask {j} differs from L_qv", {"seed_vector": mus.seed_vector, "q": mus.q, "k": mus.k, "j": j, "fast_row": fast[j].astype(int).tolist()}))
    return tally


def _masked_inputs_equal(mus: MuS, x: torch.Tensor, tally: _Tally) -> None:
    """groups.apply vs the exact core's masked_inputs on the q noise masks, bit for bit (zero fill)."""
    if mus.groups.fill is not None or mus.masking != "zero":
        return
    masks = mus.noise_masks("cpu")
    fast = mus.groups.apply(x[:1].cpu(), masks).reshape(masks.shape[0], -1).numpy()
    exact = masked_inputs(x[0].cpu().reshape(-1).numpy(), mus.groups.coordinate_ids(), masks.numpy())
    for j in range(masks.shape[0]):
        if fast[j].tobytes() != exact[j].tobytes():
            bits = f"u{fast.itemsize}"
            bad = int(np.flatnonzero(fast[j].view(bits) != exact[j].astype(fast.dtype).view(bits))[0])
            data = {"j": j, "coordinate": bad, "fast_hex": float(fast[j][bad]).hex(), "exact_hex": float(exact[j][bad]).hex()}
            tally.fail(Counterexample("torch-masked-input-mismatch", f"masked input {j} differs from the exact core at coordinate {bad}", data))
        else:
            tally.ok()


def diff_mus(factory: MuSFactory, inputs: torch.Tensor, explanations: torch.Tensor, config: DiffConfig, *, label: str) -> list[CheckResult]:
    """Run every statement of the module docstring for the wrappers ``factory`` builds; one result per statement."""
    started = time.perf_counter()
    tallies = {
        "masks": _Tally(f"diff:{label}:masks", "mask rows and masked inputs"),
        "probabilities": _Tally(f"diff:{label}:probabilities", "class probabilities of evaluated copies"),
        "votes": _Tally(f"diff:{label}:votes", "base votes (distinct effective masks)"),
        "certificates": _Tally(f"diff:{label}:certificates", "certificates (example x α x mode x masking)"),
        "invariance": _Tally(f"diff:{label}:invariance", "batch/chunk/device variants x examples"),
    }
    devices = ["cpu"] + (["cuda"] if config.check_devices and torch.cuda.is_available() else [])
    first: MuS | None = None
    worst_error = 0.0
    model64 = None
    for masking in config.maskings:
        reference: ReferencePath | None = None
        for mode in config.modes:
            fast = factory(mode=mode, masking=masking, chunk_size=None, device="cpu")
            first = first or fast
            if reference is None:
                reference = ReferencePath(fast, model64)
                model64 = reference.model64
                _masked_inputs_equal(fast, inputs, tallies["masks"])
            outputs = {"phi": fast.smooth(inputs, explanations, record_copies=True), "one": fast.smooth(inputs, None, record_copies=True)}
            for where, out in outputs.items():
                checked = recheck(fast, inputs, out, rule=config.rule)
                for b in range(inputs.shape[0]):
                    alpha = explanations[b] if where == "phi" else None
                    ref = reference.smooth(inputs[b], alpha, mode=fast.mode, example_key=b)  # the mode fast was built with
                    keep = None if fast.keep is None else fast.keep.int().tolist()
                    worst_error = max(worst_error, _compare_copies(out, b, ref, tallies, masking, keep))
                    _compare_certificate(checked, b, ref, tallies["certificates"], config.rule, where, masking, uncorrected=out)
            _check_invariance(factory, fast, outputs, inputs, explanations, config, devices, tallies["invariance"], mode, masking)
    mask_tally = check_masks([first] if first else [], devices, tallies["masks"].name)
    tallies["masks"].cases += mask_tally.cases
    tallies["masks"].counterexample = tallies["masks"].counterexample or mask_tally.counterexample
    tallies["probabilities"].details["max_abs_error"] = worst_error
    cert = tallies["certificates"].details
    certificate_note = f"; {cert.get('equal_to_reference', 0)} of {tallies['certificates'].cases} equal to it, {cert.get('rechecked_copies', 0)} copies re-checked in float64, the uncorrected fast votes would over-certify {cert.get('uncorrected_over_certified', 0)}"
    params = {"model": label, **({} if first is None else {k: v for k, v in first.config().items() if k not in ("masking", "mode")}), "maskings": list(config.maskings), "modes": list(config.modes), "examples": int(inputs.shape[0]), "devices": devices}
    dtype = first.config()["dtype"] if first else None
    messages = {
        "masks": "fast masks and masked inputs equal the exact core's bit for bit",
        "probabilities": f"every copy's class probabilities within its tolerance of the float64 forward (observed {dtype}, max error {worst_error:.2e})",
        "votes": "every determined base vote equals the float64 reference vote",
        "certificates": "no certificate exceeds the exact reference's strict radius" + certificate_note,
        "invariance": "results do not depend on batch size, chunk size" + (" or device" if len(devices) > 1 else ""),
    }
    return [tally.result(params, started, messages[key]) for key, tally in tallies.items()]


def _reference_vote(probs: np.ndarray) -> tuple[int, float]:
    order = sorted(range(probs.shape[0]), key=lambda c: (-probs[c], c))
    margin = float(probs[order[0]] - probs[order[1]]) if probs.shape[0] > 1 else float(probs[order[0]])
    return order[0], margin


def _compare_copies(out: SmoothedOutput, b: int, ref: Any, tallies: dict[str, _Tally], masking: str, keep: Any = None) -> float:
    if out.copies is None:
        raise InternalError("the differential comparison needs the copies (smooth(..., record_copies=True))")
    copies = out.copies[b]
    worst = 0.0
    for mask, weight, fast_probs, atol in zip(copies["masks"].numpy(), copies["weights"].tolist(), copies["probabilities"].numpy(), copies["tolerance"].tolist()):
        key = mask.tobytes()
        if key not in ref.per_mask:
            data = {"mask": mask.astype(int).tolist(), "alpha": out.alpha[b].int().tolist(), "seed_vector": out.seed_vector, "q": out.q, "lam": out.lam, "keep": keep}
            tallies["masks"].fail(Counterexample("torch-effective-mask-mismatch", "the fast path evaluated an effective mask the exact core never formed", data))
            continue
        tallies["masks"].ok()
        ref_probs = ref.per_mask[key]
        error = float(np.max(np.abs(fast_probs.astype(np.float64) - ref_probs)))
        worst = max(worst, error)
        data = {"masking": masking, "mask": mask.astype(int).tolist(), "fast": fast_probs.astype(float).tolist(), "reference": ref_probs.tolist(), "atol": atol}
        if error > atol:
            tallies["probabilities"].fail(Counterexample("torch-probability-mismatch", f"a copy's probabilities differ by {error:.3g} > atol {atol:g}", data), atol - error)
        else:
            tallies["probabilities"].ok(1, atol - error)
        if out.mode != "vote":
            continue
        ref_vote, margin = _reference_vote(ref_probs)
        if margin <= 2 * atol:
            tallies["votes"].undetermined += weight
            continue
        fast_vote = int(np.argmax(fast_probs))
        if fast_vote != ref_vote:
            tallies["votes"].fail(Counterexample("torch-vote-mismatch", f"fast vote {fast_vote} but the reference votes {ref_vote} with margin {margin:.3g} > 2·atol", {**data, "fast_vote": fast_vote}))
        else:
            tallies["votes"].ok(weight)
    return worst


def _compare_certificate(out: SmoothedOutput, b: int, ref: Any, tally: _Tally, rule: RadiusRule, where: str, masking: str, uncorrected: SmoothedOutput | None = None) -> None:
    kind = "incremental" if where == "phi" else "decremental"
    fast = certificate_from(out, b, kind=kind, guard=True, rule=rule)
    best = top_two(ref.probabilities)
    ref_radius = certified_radius(best.gap, out.lam)
    details = tally.details
    details["equal_to_reference"] = details.get("equal_to_reference", 0) + int(fast.radius == ref_radius)
    details["rechecked_copies"] = details.get("rechecked_copies", 0) + fast.rechecked
    if uncorrected is not None:  # what the fast votes alone, taken at face value, would have certified
        raw = certificate_from(uncorrected, b, kind=kind, guard=False, rule=rule)
        over = raw.radius > ref_radius or (raw.radius >= 0 and raw.predicted != best.predicted)
        details["uncorrected_over_certified"] = details.get("uncorrected_over_certified", 0) + int(over)
    data = {"kind": kind, "masking": masking, "mode": out.mode, "reference_probabilities": list(ref.probabilities), "lam": out.lam, "fast_radius": fast.radius, "fast_predicted": fast.predicted, "reference_radius": ref_radius}
    if fast.radius > ref_radius:
        tally.fail(Counterexample("torch-certificate-too-large", f"{kind} fast radius {fast.radius} > reference radius {ref_radius}", data), ref_radius - fast.radius)
    elif fast.radius >= 0 and fast.predicted != best.predicted:
        tally.fail(Counterexample("torch-certificate-too-large", f"{kind} certificate for class {fast.predicted} but the reference predicts {best.predicted}", data))
    else:
        tally.ok(1, ref_radius - fast.radius)


def _signature(out: SmoothedOutput, b: int) -> tuple[Any, ...]:
    if out.mode == "vote":
        return tuple(out.vote_counts[b].tolist())
    return tuple(out.average_sums[b].tolist())


def _check_invariance(factory: MuSFactory, base: MuS, outputs: dict[str, SmoothedOutput], inputs: torch.Tensor, explanations: torch.Tensor, config: DiffConfig, devices: Sequence[str], tally: _Tally, mode: str, masking: str) -> None:
    variants: list[tuple[str, dict[str, SmoothedOutput]]] = []
    for chunk in config.chunk_sizes:
        mus = factory(mode=mode, masking=masking, chunk_size=chunk, device="cpu")
        variants.append((f"chunk_size={chunk}", {"phi": mus.smooth(inputs, explanations), "one": mus.smooth(inputs)}))
    batch = inputs.shape[0]
    singles: dict[str, list[SmoothedOutput]] = {"phi": [], "one": []}
    if batch > 1:  # with one example the batch-size variant is the baseline itself
        singles = {"phi": [base.smooth(inputs[b : b + 1], explanations[b]) for b in range(batch)], "one": [base.smooth(inputs[b : b + 1]) for b in range(batch)]}
    for device in devices[1:]:
        mus = factory(mode=mode, masking=masking, chunk_size=None, device=device)
        variants.append((f"device={device}", {"phi": mus.smooth(inputs.to(device), explanations.to(device)), "one": mus.smooth(inputs.to(device))}))
    for where, reference in outputs.items():
        for b in range(inputs.shape[0]):
            candidates = [(name, out, b) for name, out_map in variants for out in [out_map[where]]]
            if singles[where]:
                candidates.append(("batch_size=1", singles[where][b], 0))
            # two averaged sums may differ by both copies' tolerances (each within Σ_j w_j τ_j of the float64 sum)
            atol = float(2 * reference.tolerance_sums[b]) / reference.q if reference.tolerance_sums is not None else reference.atol
            for name, out, index in candidates:
                if _same(reference, b, out, index, atol):
                    tally.ok()
                elif reference.uncertain is not None and int(reference.uncertain[b].sum()) > 0:
                    tally.undetermined += 1
                else:
                    tally.fail(Counterexample("torch-invariance", f"{mode}/{masking} result at α={where} of example {b} changes with {name}", {"variant": name, "mode": mode, "masking": masking, "baseline": list(_signature(reference, b)), "variant_result": list(_signature(out, index)), "tolerance": 0 if mode == "vote" else atol * reference.q}))


def _same(a: SmoothedOutput, i: int, b: SmoothedOutput, j: int, atol: float) -> bool:
    if a.mode == "vote":
        return a.vote_counts[i].tolist() == b.vote_counts[j].tolist()
    return bool(torch.all((a.average_sums[i] - b.average_sums[j]).abs() <= atol * a.q))


# -- replayers: each re-checks the recorded numbers against the exact rule ------------------------


def replay_mask(data: Mapping[str, Any]) -> bool:
    exact = lqv_masks(data["seed_vector"], int(data["q"]), int(data["k"]))[int(data["j"])]
    return exact.astype(int).tolist() != list(data["fast_row"])


def replay_vote(data: Mapping[str, Any]) -> bool:
    vote, margin = _reference_vote(np.asarray(data["reference"], dtype=np.float64))
    return margin > 2 * float(data["atol"]) and vote != int(data["fast_vote"])


def replay_probability(data: Mapping[str, Any]) -> bool:
    return float(np.max(np.abs(np.asarray(data["fast"]) - np.asarray(data["reference"])))) > float(data["atol"])


def replay_certificate(data: Mapping[str, Any]) -> bool:
    probabilities = [as_fraction(p, "reference_probabilities") for p in data["reference_probabilities"]]
    best = top_two(probabilities)
    radius = certified_radius(best.gap, as_fraction(data["lam"], "lam"))
    return int(data["fast_radius"]) > radius or (int(data["fast_radius"]) >= 0 and best.predicted != int(data["fast_predicted"]))


def replay_invariance(data: Mapping[str, Any]) -> bool:
    a, b = np.asarray(data["baseline"], dtype=float), np.asarray(data["variant_result"], dtype=float)
    return a.shape != b.shape or bool(np.any(np.abs(a - b) > float(data["tolerance"])))


def replay_masked_input(data: Mapping[str, Any]) -> bool:
    return str(data["fast_hex"]) != str(data["exact_hex"])  # bitwise: -0.0 and 0.0 differ


register_replayer("torch-mask-mismatch", "mus_verify.torch_backend.diff:replay_mask")
register_replayer("torch-effective-mask-mismatch", "mus_verify.torch_backend.diff:replay_effective_mask")
register_replayer("torch-vote-mismatch", "mus_verify.torch_backend.diff:replay_vote")
register_replayer("torch-probability-mismatch", "mus_verify.torch_backend.diff:replay_probability")
register_replayer("torch-certificate-too-large", "mus_verify.torch_backend.diff:replay_certificate")
register_replayer("torch-invariance", "mus_verify.torch_backend.diff:replay_invariance")
register_replayer("torch-masked-input-mismatch", "mus_verify.torch_backend.diff:replay_masked_input")


def replay_effective_mask(data: Mapping[str, Any]) -> bool:
    """True iff the recorded mask is none of the exact core's effective masks μ ∨ (α ∧ s_j)."""
    q = int(data["q"])
    k = int(as_fraction(data["lam"], "lam") * q)
    keep = None if data.get("keep") is None else np.asarray(data["keep"], dtype=bool)
    rows = effective_masks(np.asarray(data["alpha"], dtype=bool), lqv_masks(data["seed_vector"], q, k), keep)
    return not any(np.array_equal(row, np.asarray(data["mask"], dtype=bool)) for row in rows)
