"""``mus-verify soft-stability``: exact τ_r beside SCA estimates and MuS's hard radius on a real dataset.

For a scikit-learn dataset of the report (wine, breast_cancer, digits): train the
base model with masking at λ (``report.training``), smooth it with L_qv(λ) in vote
mode, explain each test point by the top ⌈n/4⌉ groups of exact Shapley value (n <= 16,
as the report) and, for r = 1..R:

* the exact τ_r of the smoothed classifier g (n <= 16: all 2^n masks enumerated,
  :class:`~.rates.ScoreTable` of exact vote counts) and its exact hard radius R*;
* the SCA estimate τ̂_r at (ε, δ) with its Hoeffding and Clopper–Pearson intervals,
  its samples evaluated on the exact vote table (default), or through the fast path
  ``torch_backend.MuS`` with the same seed vector (``--backend torch``: q forwards per sample);
* MuS's certified radius ⌈gap/(2λ)⌉ − 1 for the same explanation.

Where τ_r is exact, each interval τ̂ ± ε that misses it is marked, and the miss count is
judged: misses are a sum of independent Bernoulli(p_i), p_i the exact binomial miss
probability of run i (rounded up to a 64-bit dyadic, which only makes the test more lenient);
the count is REFUTED when P(misses >= observed) < ``--level``
(default 1e-3). A single miss is expected (rate <= δ) and is not a refutation.
Writes soft_stability.png, soft_stability.json and summary.md into --out.
"""

from __future__ import annotations

import json
import math
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._plotting import pyplot, save_png
from .._progress import progress_bar
from .._validation import as_int, check_lambda, check_q
from ..certificates import certified_radius, top_two
from ..distributions import lqv, random_seed_vector
from ..errors import InvalidArgument
from ..results import CheckResult, Verdict, jsonable
from .bounds import binomial_miss_probability, check_eps_delta, hoeffding_samples, upper_dyadic
from .rates import ScoreTable, hard_radius, rate_curve
from .sca import sca, table_classifier, torch_mus_classifier

__all__ = ["run_study", "render", "poisson_binomial_tail"]  # the CLI glue: mus_verify.cli.soft_stability


def poisson_binomial_tail(probabilities: list[Fraction], k: int) -> Fraction:
    """P(Σ Bernoulli(p_i) >= k) exactly (dynamic programming over the runs; pass short rationals, e.g. upper_dyadic)."""
    law = [Fraction(1)]
    for p in probabilities:
        nxt = [Fraction(0)] * (len(law) + 1)
        for i, mass in enumerate(law):
            nxt[i] += mass * (1 - p)
            nxt[i + 1] += mass * p
        law = nxt
    return sum(law[k:], Fraction(0))


def _explain(table: Any, target: int, size: int) -> int:
    """Top ``size`` groups by exact Shapley value of the smoothed class (integer numerators; ties to the lower index)."""
    scores = [int(v) for v in table.shapley_numerators(target)]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return int(sum(1 << i for i in order[:size]))


def run_study(dataset_name: str, out: Path, *, lam: Any = "8/64", q: int = 64, r_max: int = 5, eps: Any = "1/10", delta: Any = "1/10", seed: int = 0,
              max_points: int | None = None, backend: str = "exact", level: Any = "1/1000", show_progress: bool = True, model: str = "mus") -> tuple[CheckResult, dict[str, Any]]:
    from ..report.datasets import load
    from ..report.enumeration import MAX_ENUMERATION_GROUPS, vote_table
    from ..report.training import train

    started = time.perf_counter()
    q = check_q(q, "--q")
    lam = check_lambda(lam, q, "--lam")
    r_max = as_int(r_max, "--r-max", low=1, high=64)
    eps, delta = check_eps_delta(eps, delta)
    level = Fraction(str(level))
    if backend not in ("torch", "exact"):
        raise InvalidArgument("--backend", backend, "torch or exact")
    if model not in ("mus", "base"):
        raise InvalidArgument("--model", model, "mus (the smoothed g) or base (the trained model h, as the paper's soft rates)")
    if model == "base" and backend == "torch":
        raise InvalidArgument("--backend", backend, "exact with --model base (the torch path smooths)")
    dataset = load(dataset_name, seed=seed)
    n, m_classes = dataset.n_groups, dataset.n_classes
    if n > MAX_ENUMERATION_GROUPS:
        raise InvalidArgument("--dataset", dataset_name, f"a dataset with at most {MAX_ENUMERATION_GROUPS} feature groups (exact τ_r needs all 2^n masks)")
    seed_vector = random_seed_vector(n, q, seed)
    noise = lqv(seed_vector, q, lam)
    k = int(lam * q)
    trained = train(dataset, lam, seed=seed)  # not `model`: that is --model (whose τ_r), read below
    h = trained.classifier()
    mus = None
    if backend == "torch":
        from ..torch_backend import GroupMap, MuS

        mus = MuS(trained.module, GroupMap(dataset.groups.tolist(), n=n), output="logits", q=q, lam=lam, mode="vote", seed_vector=seed_vector)
        mus.eval()
    size = math.ceil(n / 4)
    count = len(dataset.x_test) if max_points is None else min(as_int(max_points, "--max-points", low=1), len(dataset.x_test))
    N = hoeffding_samples(eps, delta)
    rows, probabilities, misses = [], [], 0
    with progress_bar(count, f"soft stability {dataset_name}", enabled=show_progress) as advance:
        for index in range(count):
            x = dataset.x_test[index]
            votes = vote_table(h, x, dataset.groups, noise.masks, k, m_classes)
            g = ScoreTable(n, votes.votes.astype(np.int64), q)
            target = int(np.argmax(votes.votes[votes.full]))
            alpha = _explain(votes, target, size)
            best = top_two(g.value(alpha))
            cert = certified_radius(best.gap, lam) if best.predicted is not None else -1
            measured = g
            if model == "base":  # the paper's soft rates are of the unsmoothed model: its argmax at every mask
                measured = ScoreTable(n, np.eye(m_classes, dtype=np.int64)[np.asarray(votes.base_classes, dtype=np.int64)], 1)
            exact = rate_curve(measured, alpha, r_max)
            classifier = torch_mus_classifier(mus, x) if mus is not None else table_classifier(measured)
            row: dict[str, Any] = {"index": index, "alpha": [i for i in range(n) if (alpha >> i) & 1], "predicted": best.predicted, "gap": best.gap,
                                   "certified_radius": cert, "hard_radius": hard_radius(measured, alpha), "r": []}
            for r in range(1, r_max + 1):
                estimate = sca(classifier, alpha, r, eps=eps, delta=delta, seed=seed * 1_000_003 + index * 101 + r)
                miss = estimate.misses(exact[r])
                misses += miss
                probabilities.append(upper_dyadic(binomial_miss_probability(N, exact[r], eps)))  # short, and >= the exact p_i
                row["r"].append({"r": r, "tau": exact[r], "estimate": estimate.estimate, "hoeffding": list(estimate.hoeffding), "clopper_pearson": None if estimate.clopper_pearson is None else list(estimate.clopper_pearson),
                                 "miss": bool(miss), "cp_miss": estimate.misses(exact[r], "clopper-pearson")})
            rows.append(row)
            advance(1)
    runs = len(probabilities)
    p_value = poisson_binomial_tail(probabilities, misses)
    p_delta = poisson_binomial_tail([delta] * runs, misses)
    verdict = Verdict.REFUTED if p_value < level else Verdict.NO_COUNTEREXAMPLE
    params = {"dataset": dataset_name, "n": n, "q": q, "lam": lam, "seed": seed, "seed_vector": seed_vector, "eps": eps, "delta": delta, "n_samples": N, "r_max": r_max,
              "backend": backend, "level": level, "classifier": "MuS g, L_qv(λ), vote mode" if model == "mus" else "base model h (argmax); certified radius of its MuS g", "model": model, "tie": "strict", "quantified_over": "SCA runs (test points × r), each against the exact τ_r"}
    summary = {"points": count, "runs": runs, "misses": misses, "expected_misses": float(sum(probabilities)), "p_value": float(p_value), "p_value_at_delta": float(p_delta),
               "mean_tau": [float(sum(row["r"][r - 1]["tau"] for row in rows) / max(1, count)) for r in range(1, r_max + 1)],
               "mean_estimate": [float(sum(row["r"][r - 1]["estimate"] for row in rows) / max(1, count)) for r in range(1, r_max + 1)],
               "certified_at": [sum(row["certified_radius"] >= r for row in rows) / max(1, count) for r in range(0, r_max + 1)],
               "hard_stable_at": [sum(row["hard_radius"] >= r for row in rows) / max(1, count) for r in range(0, r_max + 1)]}
    document = {"params": jsonable(params), "summary": jsonable(summary), "rows": jsonable(rows)}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "soft_stability.json").write_text(json.dumps(document, indent=1, ensure_ascii=False))
    figure = _plot(summary, rows, r_max, out, dataset_name, lam, eps, delta)
    _write_summary(out, params, summary, rows, figure)
    found = None
    if verdict is Verdict.REFUTED:
        from ._kinds import counterexample

        found = counterexample("soft-stability-misses", f"{misses} of {runs} intervals miss the exact τ_r: P(>= {misses}) = {float(p_value):.3g} < {float(level)}",
                                        {"probabilities": probabilities, "misses": misses, "level": level})
    message = (f"{count} test points × r = 1..{r_max}: {misses} of {runs} intervals τ̂ ± ε miss the exact τ_r (expected {float(sum(probabilities)):.2f}); "
               f"P(>= {misses} misses) = {float(p_value):.3g} ({'<' if verdict is Verdict.REFUTED else '>='} level {float(level)}); written to {out}")
    result = CheckResult(f"soft-stability:{dataset_name}", verdict, "sampled", runs, params, found, None, message, time.perf_counter() - started,
                         {"out": str(out), "figure": figure.name, **jsonable(summary)})
    return result, document


def replay_misses(data: Any) -> bool:
    """True iff the recorded miss count is improbable under the recorded per-run miss probabilities."""
    return poisson_binomial_tail([Fraction(str(p)) for p in data["probabilities"]], int(data["misses"])) < Fraction(str(data["level"]))


def _plot(summary: dict[str, Any], rows: list[dict[str, Any]], r_max: int, out: Path, dataset: str, lam: Fraction, eps: Fraction, delta: Fraction) -> Path:
    plt = pyplot("the soft-stability study's plot")
    radii = list(range(0, r_max + 1))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    ax = axes[0]
    ax.plot(radii, [1.0] + summary["mean_tau"], "o-", label="exact τ_r (mean over points)")
    ax.plot(radii, [1.0] + summary["mean_estimate"], "s--", label=f"SCA τ̂_r (ε = δ = {float(eps):g})" if eps == delta else "SCA τ̂_r")
    ax.step(radii, summary["certified_at"], where="post", label="MuS-certified at r (fraction)")
    ax.step(radii, summary["hard_stable_at"], where="post", linestyle=":", label="hard-stable at r (exact)")
    ax.set_xlabel("r (features added)")
    ax.set_ylabel("rate")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"{dataset}: stability rate vs r, λ = {lam}")
    ax.legend(fontsize=8)
    # one point: its exact curve, estimates with Hoeffding intervals, and its hard radius marked
    def value(v: Any) -> float:
        return float(Fraction(str(v)))

    # the point with the largest certificate among those whose τ_r drops below 1 by r_max (else any)
    dropping = [rw for rw in rows if value(rw["r"][-1]["tau"]) < 1] or rows
    row = max(dropping, key=lambda rw: (rw["certified_radius"], -rw["index"]))
    ax = axes[1]
    taus = [1.0] + [value(e["tau"]) for e in row["r"]]
    est = [value(e["estimate"]) for e in row["r"]]
    ax.plot(radii, taus, "o-", label="exact τ_r")
    ax.errorbar(radii[1:], est, yerr=float(eps), fmt="s", capsize=3, label="τ̂_r ± ε")
    ax.axvline(row["certified_radius"] + 0.5, color="red", linestyle="--", label=f"certified radius {row['certified_radius']}" + (" = exact hard radius" if row["hard_radius"] == row["certified_radius"] else ""))
    if row["hard_radius"] != row["certified_radius"]:
        ax.axvline(min(row["hard_radius"] + 0.5, r_max), color="grey", linestyle=":", label=f"exact hard radius {row['hard_radius']}")
    ax.set_xlabel("r")
    ax.set_ylim(-0.02, 1.12)
    ax.set_title(f"test point {row['index']}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_png(fig, out / "soft_stability.png")


def _write_summary(out: Path, params: dict[str, Any], summary: dict[str, Any], rows: list[dict[str, Any]], figure: Path) -> None:
    lines = [f"# Soft stability on {params['dataset']}", "",
             f"λ = {params['lam']}, q = {params['q']}, ε = {params['eps']}, δ = {params['delta']}, N = {params['n_samples']}, backend {params['backend']}.", "",
             f"Misses: {summary['misses']} of {summary['runs']} (expected {summary['expected_misses']:.2f}); P(>= misses) = {float(summary['p_value']):.3g}.", "",
             f"![]({figure.name})", "", "| r | mean exact τ_r | mean τ̂_r | certified at r | hard-stable at r |", "|---|---|---|---|---|"]
    for r in range(1, params["r_max"] + 1):
        lines.append(f"| {r} | {summary['mean_tau'][r - 1]:.3f} | {summary['mean_estimate'][r - 1]:.3f} | {summary['certified_at'][r]:.3f} | {summary['hard_stable_at'][r]:.3f} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")


def render(document: dict[str, Any]) -> str:
    """The per-point table: exact τ_r, τ̂_r and its Clopper–Pearson interval, '*' where τ̂ ± ε misses τ_r."""
    params = document["params"]
    lines = [f"point  cert  R*   " + "  ".join(f"r={r}: τ_r / τ̂_r [CP]".ljust(30) for r in range(1, int(params["r_max"]) + 1))]
    for row in document["rows"]:
        cells = []
        for e in row["r"]:
            tau = float(Fraction(e["tau"]))
            est = float(Fraction(e["estimate"]))
            low, high = e["clopper_pearson"]
            cells.append(f"{tau:.3f} / {est:.3f} [{low:.2f},{high:.2f}]{'*' if e['miss'] else ' '}".ljust(30))
        lines.append(f"{row['index']:>5}  {row['certified_radius']:>4}  {row['hard_radius']:>3}  " + "  ".join(cells))
    return "\n".join(lines)
