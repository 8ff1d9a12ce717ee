"""``mus-verify report --study removal --dataset wine``: Theorems 1 and 2 measured on trained MLPs.

* MLPs 13-16-16-3 trained on scikit-learn's wine data (standardised) with increasing weight decay;
  the explained output f is the class-0 logit.
* L̄ ≥ L(f): the product of per-layer spectral-norm bounds, each certified exactly
  (:mod:`.lipschitz_bound`), so the Theorem 1 line is a sound bound.
* Input perturbation: test points x, x' = x + δ with random directions and ‖δ‖ ∈ SIZES; φ by full
  enumeration of the 2^13 coalitions in float64 for Shapley, Banzhaf and LOO, baseline removal
  (b = training mean) and marginal removal (uniform weights on BACKGROUND training rows).
  Bound: ‖Δφ‖ ≤ 2√d · L̄ · ‖δ‖ (Theorem 1); the "sharp" line is the best proven constant: √2 for
  Banzhaf (spectral route), √d + √(d−1) for LOO (closed form), 2√d for Shapley (no better one is
  known at d = 13).
* Model perturbation: cascading randomisation (Adebayo et al.) of the top k layers; bound
  ‖Δφ‖ ≤ 2√d · max |f − f'| over every point the removal queried (Lemma B1 with X' = those points, Q = 1).

A point above its bound is REFUTED. Writes plots, study.json and summary.md into --out.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import require
from .._plotting import pyplot, save_png
from ..results import CheckResult, Counterexample, Verdict, jsonable

__all__ = ["run_study", "WEIGHT_DECAYS", "SIZES"]  # the CLI glue: mus_verify.cli.studies

WEIGHT_DECAYS = (0.0, 1e-3, 1e-2, 5e-2)
SIZES = (0.01, 0.03, 0.1, 0.3, 1.0)
SUMMARIES = ("shapley", "banzhaf", "loo")
BACKGROUND = 8
POINTS = 6
DIRECTIONS = 2


def _operators(d: int) -> dict[str, np.ndarray]:
    from .operators import by_name

    return {name: np.array([[float(a) for a in row] for row in by_name(name, d).rows]) for name in SUMMARIES}


def _sharp(name: str, d: int) -> float:
    return {"shapley": 2 * math.sqrt(d), "banzhaf": math.sqrt(2), "loo": math.sqrt(d) + math.sqrt(d - 1)}[name]


def _masks(d: int) -> np.ndarray:
    return ((np.arange(1 << d)[:, None] >> np.arange(d)[None, :]) & 1).astype(bool)


def _train(x: np.ndarray, y: np.ndarray, weight_decay: float, seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).double()
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=weight_decay) if weight_decay else torch.optim.Adam(model.parameters(), lr=1e-2)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(300):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), targets) + weight_decay * sum((p ** 2).sum() for n, p in model.named_parameters() if "weight" in n)
        loss.backward()
        optimiser.step()
    return model


def _layers(model: Any) -> list[np.ndarray]:
    linear = [m for m in model if hasattr(m, "weight")]
    weights = [m.weight.detach().numpy().copy() for m in linear]
    weights[-1] = weights[-1][:1]  # f = class-0 logit
    return weights


def _forward(model: Any) -> Any:
    import torch

    def f(points: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(points)).numpy()[:, 0]

    return f


def _games(f: Any, x: np.ndarray, masks: np.ndarray, baseline: np.ndarray, background: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """v for baseline and marginal removal, and the points each queried."""
    hybrid_b = np.where(masks, x[None, :], baseline[None, :])
    hybrid_m = np.where(masks[:, None, :], x[None, None, :], background[None, :, :]).reshape(-1, x.size)
    v_b = f(hybrid_b)
    v_m = f(hybrid_m).reshape(masks.shape[0], background.shape[0]).mean(axis=1)
    return {"baseline": v_b, "marginal": v_m}, {"baseline": hybrid_b, "marginal": hybrid_m}


def run_study(out: Path, *, seed: int = 0, threads: int | None = None) -> tuple[CheckResult, dict[str, Any]]:
    require("torch", purpose="the removal study")
    require("sklearn", purpose="the removal study")
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split
    from .lipschitz_bound import lipschitz_upper

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    data = load_wine()
    x_train, x_test, y_train, _ = train_test_split(data.data.astype(np.float64), data.target, test_size=0.3, random_state=seed, stratify=data.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    d = x_train.shape[1]
    masks = _masks(d)
    operators = _operators(d)
    h = 2 * math.sqrt(d)
    rng = np.random.default_rng(seed)
    baseline = x_train.mean(axis=0)
    background = x_train[rng.choice(len(x_train), BACKGROUND, replace=False)]
    points = x_test[rng.choice(len(x_test), POINTS, replace=False)]
    directions = rng.normal(size=(POINTS, DIRECTIONS, d))
    directions /= np.linalg.norm(directions, axis=2, keepdims=True)
    rows: list[dict[str, Any]] = []
    model_rows: list[dict[str, Any]] = []
    models: dict[str, Any] = {}
    violation: dict[str, Any] | None = None
    for wd in WEIGHT_DECAYS:
        model = _train(x_train, y_train.astype(np.int64), wd, seed)
        L = float(lipschitz_upper([w.tolist() for w in _layers(model)]))
        models[str(wd)] = {"lipschitz_upper": L}
        f = _forward(model)
        for p, x in enumerate(points):
            v, _ = _games(f, x, masks, baseline, background)
            for k, size in ((k, s) for k in range(DIRECTIONS) for s in SIZES):
                delta = size * directions[p, k]
                v2, _ = _games(f, x + delta, masks, baseline, background)
                for removal in ("baseline", "marginal"):
                    for name, A in operators.items():
                        change = float(np.linalg.norm(A @ (v[removal] - v2[removal])))
                        bound = h * L * size
                        row = {"weight_decay": wd, "removal": removal, "summary": name, "delta_norm": size, "change": change,
                               "bound": bound, "sharp": _sharp(name, d) * L * size, "lipschitz_upper": L}
                        rows.append(row)
                        if change > bound and violation is None:
                            violation = {**row, "x": x.tolist(), "delta": delta.tolist()}
        # cascading randomisation: re-initialise the top k layers
        import copy
        import torch

        linear = [i for i, m in enumerate(model) if hasattr(m, "weight")]
        for k in range(1, len(linear) + 1):
            torch.manual_seed(seed + 100 + k)
            randomised = copy.deepcopy(model)
            for index in linear[-k:]:
                randomised[index].reset_parameters()
            g = _forward(randomised)
            for x in points:
                v, queried = _games(f, x, masks, baseline, background)
                for removal in ("baseline", "marginal"):
                    sup = float(np.max(np.abs(f(queried[removal]) - g(queried[removal]))))
                    v_prime = g(queried[removal]) if removal == "baseline" else g(queried[removal]).reshape(masks.shape[0], -1).mean(axis=1)
                    for name, A in operators.items():
                        change = float(np.linalg.norm(A @ (v[removal] - v_prime)))
                        row = {"weight_decay": wd, "layers_randomised": k, "removal": removal, "summary": name, "change": change, "bound": h * sup, "sup": sup}
                        model_rows.append(row)
                        if change > h * sup and violation is None:
                            violation = {**row, "x": x.tolist()}
    elapsed = time.perf_counter() - started
    plots = _plots(rows, model_rows, out, d)
    worst = max(r["change"] / r["bound"] for r in rows if r["bound"] > 0)
    worst_model = max((r["change"] / r["bound"] for r in model_rows if r["bound"] > 0), default=0.0)
    document = {"dataset": "wine", "d": d, "seed": seed, "weight_decays": list(WEIGHT_DECAYS), "sizes": list(SIZES), "models": models,
                "max_ratio_theorem1": worst, "max_ratio_theorem2": worst_model, "input_perturbation": rows, "model_perturbation": model_rows,
                "plots": [p.name for p in plots], "elapsed_s": elapsed, "violation": violation}
    (out / "study.json").write_text(json.dumps(jsonable(document), indent=1))
    _summary(document, out)
    cases = len(rows) + len(model_rows)
    params = {"dataset": "wine", "d": d, "quantified_over": "trained models × test points × perturbation sizes × removals × summaries (sampled)", "seed": seed}
    if violation is not None:
        text = f"a point exceeds its bound: {violation['summary']} under {violation['removal']} removal, ‖Δφ‖ = {violation['change']:.4g} > {violation['bound']:.4g}"
        result = CheckResult("removal-study", Verdict.REFUTED, "sampled", cases, params, Counterexample("removal-study-point", text, violation), None, text, elapsed, {"out": str(out)})
    else:
        result = CheckResult("removal-study", Verdict.NO_COUNTEREXAMPLE, "sampled", cases, params, None, None,
                             f"no point above its bound: max ‖Δφ‖/bound = {worst:.3g} (Theorem 1), {worst_model:.3g} (Theorem 2); plots in {out}",
                             elapsed, {"out": str(out), "lipschitz_upper": models})
    return result, document


def _plots(rows: list[dict[str, Any]], model_rows: list[dict[str, Any]], out: Path, d: int) -> list[Path]:
    plt = pyplot("the removal study's plots")

    paths = []
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharex=True)
    colours = dict(zip(WEIGHT_DECAYS, ("tab:red", "tab:orange", "tab:green", "tab:blue")))
    sizes = np.array(SIZES)
    for r, removal in enumerate(("baseline", "marginal")):
        for c, name in enumerate(SUMMARIES):
            ax = axes[r][c]
            for wd in WEIGHT_DECAYS:
                chosen = [row for row in rows if row["removal"] == removal and row["summary"] == name and row["weight_decay"] == wd]
                ax.scatter([row["delta_norm"] for row in chosen], [row["change"] / row["lipschitz_upper"] for row in chosen], s=9, color=colours[wd], label=f"wd={wd:g}")
            ax.plot(sizes, 2 * math.sqrt(d) * sizes, "k-", label="Thm 1: 2√d·‖δ‖")
            ax.plot(sizes, _sharp(name, d) * sizes, "k--", label="best proven constant")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{name}, {removal} removal")
            if r == 1:
                ax.set_xlabel("‖δ‖₂")
            if c == 0:
                ax.set_ylabel("‖Δφ‖₂ / L̄")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("wine MLPs: attribution change under input perturbation, normalised by the certified L̄")
    fig.tight_layout()
    paths.append(save_png(fig, out / "removal_input_perturbation.png"))
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for name, marker in zip(SUMMARIES, "osd"):
        for removal, style in (("baseline", "-"), ("marginal", ":")):
            means = [np.mean([row["change"] for row in rows if row["summary"] == name and row["removal"] == removal and row["weight_decay"] == wd and row["delta_norm"] == 0.1]) for wd in WEIGHT_DECAYS]
            ax.plot(range(len(WEIGHT_DECAYS)), means, style, marker=marker, label=f"{name} ({removal})")
    ax.set_xticks(range(len(WEIGHT_DECAYS)), [f"{wd:g}" for wd in WEIGHT_DECAYS])
    ax.set_xlabel("weight decay")
    ax.set_ylabel("mean ‖Δφ‖₂ at ‖δ‖ = 0.1")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(save_png(fig, out / "removal_weight_decay.png"))
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for name, marker in zip(SUMMARIES, "osd"):
        chosen = [row for row in model_rows if row["summary"] == name]
        ax.scatter([row["bound"] for row in chosen], [row["change"] for row in chosen], s=10, marker=marker, label=name)
    limit = max(row["bound"] for row in model_rows)
    ax.plot([0, limit], [0, limit], "k-", label="Thm 2 bound (2√d·max|f − f'|)")
    ax.set_xlabel("Theorem 2 bound")
    ax.set_ylabel("‖φ(f) − φ(f')‖₂")
    ax.set_title("cascading layer randomisation")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(save_png(fig, out / "removal_model_perturbation.png"))
    return paths


def _summary(document: dict[str, Any], out: Path) -> None:
    lines = ["# Removal-robustness study (wine)", "",
             f"d = {document['d']}, seed {document['seed']}, {len(document['input_perturbation'])} input-perturbation and "
             f"{len(document['model_perturbation'])} model-perturbation measurements, {document['elapsed_s']:.1f} s.", "",
             "| weight decay | certified L̄ | mean ‖Δφ‖ (Shapley, baseline, ‖δ‖ = 0.1) | max ‖Δφ‖ / Thm 1 bound |", "| --- | --- | --- | --- |"]
    for wd in document["weight_decays"]:
        chosen = [r for r in document["input_perturbation"] if r["weight_decay"] == wd]
        mean = np.mean([r["change"] for r in chosen if r["summary"] == "shapley" and r["removal"] == "baseline" and r["delta_norm"] == 0.1])
        lines.append(f"| {wd:g} | {document['models'][str(wd)]['lipschitz_upper']:.4g} | {mean:.4g} | {max(r['change'] / r['bound'] for r in chosen):.3g} |")
    lines += ["", f"Largest ratio to the Theorem 1 bound: {document['max_ratio_theorem1']:.3g}; to the Theorem 2 bound: {document['max_ratio_theorem2']:.3g}.",
              "No point exceeds its bound." if document["violation"] is None else f"VIOLATION: {document['violation']}", "",
              "Plots: " + ", ".join(document["plots"])]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
