"""``mus-verify report``: train, explain, certify and measure on a real dataset.

For each λ: train the base model with masking at λ; for each test point,
explain f(x) with the top 25% of feature groups (⌈n/4⌉) by exact Shapley value
of the smoothed class probability (n <= 16) or by captum's Integrated
Gradients on the base model (larger n); certify incremental and decremental
stability with the exact reference in voting mode (exact integer votes, strict
radius); and measure the truth: for n <= 16 the exact true radius by
enumerating all 2^n masks, otherwise a greedy attack's upper bound on the same
smoothed classifier. A certificate above the truth is *unsound*; the report
counts them (must be 0) and the first one becomes a replayable counterexample.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._progress import progress_bar
from .._validation import as_int, check_lambda, check_q
from ..certificates import RADIUS_RULES, certify_decremental, certify_incremental
from ..distributions import check_lqv_size, lqv, random_seed_vector
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict, jsonable
from .attack import greedy_attack
from .datasets import DATASETS, load
from ..core.bits import bits_of, codes_from_masks
from .enumeration import MAX_ENUMERATION_GROUPS, vote_table
from .measures import summarise, unsound_rows
from .shapley import rank_features
from .training import train

__all__ = ["ReportConfig", "run_report", "DEFAULT_LAMS", "DEFAULT_MAX_POINTS"]

DEFAULT_LAMS = ("4/64", "8/64", "16/64")
DEFAULT_MAX_POINTS = {"wine": None, "breast_cancer": None, "digits": 40}


@dataclass(frozen=True)
class ReportConfig:
    """What to run. ``radius_rule`` exists only so tests can plant the unsound rules; the CLI always uses "strict"."""

    dataset: str
    out: Path
    lams: Sequence[Any] = DEFAULT_LAMS
    q: int = 64
    seed: int = 0
    max_points: int | None = None
    epochs: int | None = None
    radius_rule: str = "strict"
    show_progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _explain(scores: Any, size: int) -> np.ndarray:
    """The top ``size`` features; exact ties go to the lower index (exact integer Shapley numerators
    for n <= 16, so tied means equal; Integrated Gradients floats otherwise)."""
    alpha = np.zeros(len(scores), dtype=bool)
    alpha[rank_features(list(scores), size)] = True
    return alpha


def _writable_folder(out: Any) -> Path:
    """``--out`` as a folder that exists and takes files, checked before minutes of training."""
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".mus-verify-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InvalidArgument("--out", str(out), "a folder that can be created and written to", exc.strerror or str(exc)) from None
    return path


def _integrated_gradients(model: Any, x: np.ndarray, target: int) -> np.ndarray:
    import torch
    from captum.attr import IntegratedGradients

    def probabilities(inputs: "torch.Tensor") -> "torch.Tensor":
        return torch.softmax(model(inputs), dim=1)

    inputs = torch.as_tensor(x[None, :], dtype=torch.float64)
    attributions = IntegratedGradients(probabilities).attribute(inputs, baselines=torch.zeros_like(inputs), target=int(target), n_steps=32)
    return attributions.detach().numpy()[0]


def _group_scores(coordinate_scores: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(groups, weights=coordinate_scores, minlength=n)


def run_report(config: ReportConfig) -> tuple[CheckResult, dict[str, Any]]:
    """Run the report, write it to ``config.out`` and return the soundness result and the JSON document."""
    started = time.perf_counter()
    if config.dataset not in DATASETS:
        raise InvalidArgument("--dataset", config.dataset, f"one of {', '.join(DATASETS)}")
    q = check_q(config.q, "--q")
    lams = [check_lambda(lam, q, "--lam (λ)") for lam in config.lams]
    if not lams:
        raise InvalidArgument("--lam", [], "at least one λ = K/Q")
    if config.radius_rule not in RADIUS_RULES:
        raise InvalidArgument("radius_rule", config.radius_rule, f"one of {sorted(RADIUS_RULES)}")
    max_points = config.max_points if config.max_points is not None else DEFAULT_MAX_POINTS[config.dataset]
    if max_points is not None:
        max_points = as_int(max_points, "--max-points", low=1)
    seed = as_int(config.seed, "--seed", low=0, high=2**32 - 1)  # scikit-learn's split takes a 32-bit seed
    if config.epochs is not None:
        as_int(config.epochs, "epochs", low=1)
    out = _writable_folder(config.out)
    dataset = load(config.dataset, seed=seed)
    n, m = dataset.n_groups, dataset.n_classes
    check_lqv_size(n, q, ("--q", "--dataset"))  # before drawing a seed vector for a huge --q
    exhaustive = n <= MAX_ENUMERATION_GROUPS
    size = math.ceil(n / 4)
    seed_vector = random_seed_vector(n, q, seed)
    points = range(len(dataset.x_test) if max_points is None else min(max_points, len(dataset.x_test)))
    rule = RADIUS_RULES[config.radius_rule]

    rows: list[dict[str, Any]] = []
    tables: dict[tuple[str, int], Any] = {}
    for lam in lams:
        model = train(dataset, lam, seed=seed, epochs=config.epochs)
        h = model.classifier()
        noise = lqv(seed_vector, q, lam)
        k = int(lam * q)
        base_pred = h(dataset.x_test).argmax(axis=1)
        with progress_bar(len(points), f"{config.dataset} λ={lam}", enabled=config.show_progress) as advance:
            for index in points:
                x = dataset.x_test[index]
                kwargs = dict(mode="vote", groups=dataset.groups)
                dec = certify_decremental(h, x, noise, **kwargs)
                target = dec.predicted if dec.predicted is not None else int(np.argmax(np.array(dec.probabilities, dtype=object)))
                scores: Any  # exact integer Shapley numerators, or Integrated Gradients floats per group
                if exhaustive:
                    table = vote_table(h, x, dataset.groups, noise.masks, k, m)
                    scores = table.shapley_numerators(target)
                else:
                    scores = _group_scores(_integrated_gradients(model.module, x, target), dataset.groups, n)
                alpha = _explain(scores, size)
                inc = certify_incremental(h, x, alpha, noise, **kwargs)
                row: dict[str, Any] = {
                    "index": int(index),
                    "lam": lam,
                    "label": int(dataset.y_test[index]),
                    "base_pred": int(base_pred[index]),
                    "smoothed_pred": -1 if dec.predicted is None else dec.predicted,
                    "explanation": [int(i) for i in np.flatnonzero(alpha)],
                    "consistent": inc.predicted is not None and inc.predicted == dec.predicted,
                    "gap_inc": inc.gap,
                    "gap_dec": dec.gap,
                    "cert_inc": rule(inc.gap, lam) if inc.predicted is not None else -1,
                    "cert_dec": rule(dec.gap, lam) if dec.predicted is not None else -1,
                }
                if exhaustive:
                    code = int(codes_from_masks(alpha[None, :])[0])
                    if table.certified_radius(code) != certify_incremental(h, x, alpha, noise, **kwargs).radius:
                        raise AssertionError("enumeration and exact reference disagree")  # both are exact: a bug
                    # "unbounded": no β in the whole cube (or cone) changes the class, so the true radius is
                    # every reachable distance and no certificate, however large, can exceed it
                    for key, source, cone in (("inc", code, False), ("inc_supersets", code, True), ("dec", table.full, False)):
                        distance, beta = table.nearest_change(source, supersets_only=cone)
                        row[f"true_{key}"] = distance - 1
                        row[f"true_{key}_unbounded"] = beta is None
                    row["attack_inc"] = row["attack_dec"] = None
                    tables[(str(lam), int(index))] = table
                else:
                    row["true_inc"] = row["true_inc_supersets"] = row["true_dec"] = None
                    row["attack_inc"] = greedy_attack(h, x, dataset.groups, noise.masks, alpha, inc.predicted, m, add=True) if inc.predicted is not None else None
                    row["attack_dec"] = greedy_attack(h, x, dataset.groups, noise.masks, np.ones(n, bool), dec.predicted, m, add=False) if dec.predicted is not None else None
                rows.append(row)
                advance(1)

    per_lam = {str(lam): summarise([r for r in rows if r["lam"] == lam], n) for lam in lams}
    unsound = unsound_rows(rows)
    params = {
        "dataset": config.dataset,
        "n": n,
        "q": q,
        "lams": lams,
        "seed": seed,
        "seed_vector": seed_vector,
        "mode": "vote",
        "radius_rule": config.radius_rule,
        "explanation_size": size,
        "quantified_over": "certificates (2 per test point per λ)" + (", each against all 2^n masks" if exhaustive else ", each against a greedy attack"),
    }
    cases = 2 * len(rows)
    if unsound:
        verdict, counterexample = Verdict.REFUTED, _counterexample(*unsound[0], tables, noise_masks=lqv(seed_vector, q, unsound[0][0]["lam"]).masks, exhaustive=exhaustive)
    elif cases == 0:
        verdict, counterexample = Verdict.VACUOUS, None
    else:
        verdict, counterexample = (Verdict.VERIFIED if exhaustive else Verdict.NO_COUNTEREXAMPLE), None
    document = {
        "dataset": config.dataset,
        "params": jsonable(params),
        "unsound": len(unsound),
        "summary": jsonable(per_lam),
        "rows": jsonable(rows),
    }
    from .plots import write_plots
    from .summary import write_summary

    try:
        (out / "report.json").write_text(json.dumps(document, indent=1, ensure_ascii=False))
        figures = write_plots(per_lam, out, config.dataset, exhaustive)
        write_summary(document, figures, out)
    except OSError as exc:  # the folder was writable at the start; it stopped being so (disk full, removed)
        raise InvalidArgument("--out", str(out), "a folder that stays writable while the report runs", exc.strerror or str(exc)) from None
    result = CheckResult(
        name=f"report:{config.dataset}",
        verdict=verdict,
        method="exhaustive" if exhaustive else "sampled",
        cases=cases if verdict is not Verdict.VACUOUS else 0,
        params=params,
        counterexample=counterexample,
        message=f"{len(unsound)} unsound certificate(s) among {cases}; report written to {out}",
        elapsed_s=time.perf_counter() - started,
        details={"out": str(out), "unsound": len(unsound), "figures": [f.name for f in figures], "summary": per_lam},
    )
    return result, document


def _counterexample(row: dict[str, Any], kind: str, tables: dict, *, noise_masks: np.ndarray, exhaustive: bool) -> Counterexample:
    truth = row[f"true_{kind}"] if exhaustive else row[f"attack_{kind}"]
    summary = f"test point {row['index']} at λ = {row['lam']}: certified {kind} radius {row[f'cert_{kind}']} exceeds the true radius {truth}"
    data: dict[str, Any] = {"index": row["index"], "lam": row["lam"], "kind": kind, "certified": row[f"cert_{kind}"], "explanation": row["explanation"]}
    if exhaustive:
        table = tables[(str(row["lam"]), row["index"])]
        source = sum(1 << i for i in row["explanation"]) if kind == "inc" else table.full
        distance, beta = table.nearest_change(source, supersets_only=False)
        data.update(
            {
                "n": table.n,
                "m": int(table.votes.shape[1]),
                "base_classes": table.base_classes,
                "noise_masks": noise_masks.astype(int),
                "alpha": bits_of(source, table.n),
                "beta": bits_of(beta, table.n),
                "distance": distance,
            }
        )
    return Counterexample("report-unsound", summary, data)


def replay_unsound(data: dict[str, Any]) -> Any:
    """Replay in the exact reference: the base classifier is the recorded vote table over effective masks
    (inputs 1..n are distinct and nonzero, so a masked input identifies its mask). True iff the certified
    radius at α reaches β and β's class is not α's unique class."""
    from ..certificates import top_two
    from ..distributions import finite
    from ..smoothing import smooth

    if "base_classes" not in data:
        from ..replaying import Replay, ReplayStatus

        return Replay(ReplayStatus.NOT_REPLAYED, "not replayed: an attack-only counterexample has no truth table to replay")
    n, m = int(data["n"]), int(data["m"])
    classes = np.asarray(data["base_classes"], dtype=np.int64)

    def h(inputs: np.ndarray) -> np.ndarray:
        codes = codes_from_masks(inputs != 0)
        return np.eye(m)[classes[codes]]

    masks = data["noise_masks"]
    noise = finite(masks, [Fraction(1, len(masks))] * len(masks))
    x = np.arange(1, n + 1, dtype=np.float64)
    at_alpha = top_two(smooth(h, x, data["alpha"], noise, mode="vote"))
    at_beta = top_two(smooth(h, x, data["beta"], noise, mode="vote"))
    distance = sum(a != b for a, b in zip(data["alpha"], data["beta"]))
    moved = at_beta.predicted is None or at_beta.predicted != at_alpha.predicted
    return at_alpha.predicted is not None and moved and distance <= int(data["certified"])
