"""PNG figures of a report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .._plotting import pyplot, save_png

__all__ = ["write_plots"]


def write_plots(per_lam: Mapping[str, Mapping[str, Any]], out: Path, dataset: str, exhaustive: bool) -> list[Path]:
    """stability.png, certified_accuracy.png, tightness.png (n <= 16 only) and accuracy.png."""
    plt = pyplot("the report's plots")

    figures = []
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, kind, title in zip(axes, ("inc", "dec"), ("incremental (add features to φ(x))", "decremental (remove features from x)")):
        for colour, (lam, s) in zip(colours, per_lam.items()):
            ax.step(s["radius"], s[f"certified_stable_{kind}"], where="post", color=colour, label=f"λ={lam} certified")
            if f"true_stable_{kind}" in s:
                ax.step(s["radius"], s[f"true_stable_{kind}"], where="post", color=colour, linestyle="--", label=f"λ={lam} true (enumerated)")
        ax.set_title(title)
        ax.set_xlabel("radius r (features changed)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of test points stable at radius ≥ r")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"{dataset}: certified vs true stability radius")
    fig.tight_layout()
    figures.append(_save(fig, out / "stability.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    for colour, (lam, s) in zip(colours, per_lam.items()):
        ax.step(s["radius"], s["certified_accuracy_inc"], where="post", color=colour, label=f"λ={lam} incremental")
        ax.step(s["radius"], s["certified_accuracy_dec"], where="post", color=colour, linestyle=":", label=f"λ={lam} decremental")
    ax.set_xlabel("radius r")
    ax.set_ylabel("certified accuracy")
    ax.set_title(f"{dataset}: correct and certified at radius ≥ r")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    figures.append(_save(fig, out / "certified_accuracy.png"))

    if exhaustive:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        for ax, kind in zip(axes, ("inc", "dec")):
            width = 0.8 / max(1, len(per_lam))
            for offset, (colour, (lam, s)) in enumerate(zip(colours, per_lam.items())):
                hist = {int(g): c for g, c in s.get(f"tightness_{kind}", {}).items()}
                xs = sorted(hist)
                ax.bar([g + offset * width for g in xs], [hist[g] for g in xs], width=width, color=colour, label=f"λ={lam}")
            ax.set_title(f"{'incremental' if kind == 'inc' else 'decremental'}: true − certified radius")
            ax.set_xlabel("slack (0 = certificate is tight)")
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("test points")
        axes[1].legend(fontsize=8)
        fig.tight_layout()
        figures.append(_save(fig, out / "tightness.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    lams = list(per_lam)
    positions = range(len(lams))
    ax.bar([p - 0.2 for p in positions], [per_lam[l]["base_accuracy"] for l in lams], width=0.4, label="base model")
    ax.bar([p + 0.2 for p in positions], [per_lam[l]["smoothed_accuracy"] for l in lams], width=0.4, label="smoothed (vote)")
    ax.set_xticks(list(positions), [f"λ={l}" for l in lams])
    ax.set_ylim(0, 1)
    ax.set_ylabel("test accuracy")
    ax.set_title(f"{dataset}: accuracy cost of smoothing")
    ax.legend()
    fig.tight_layout()
    figures.append(_save(fig, out / "accuracy.png"))
    return figures


def _save(fig: Any, path: Path) -> Path:
    return save_png(fig, path)
