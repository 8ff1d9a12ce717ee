"""The report's markdown summary: the measures per λ and the embedded figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

__all__ = ["write_summary"]


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def write_summary(document: Mapping[str, Any], figures: Sequence[Path], out: Path) -> Path:
    params = document["params"]
    lines = [
        f"# MuS report: {document['dataset']}",
        "",
        f"n = {params['n']} feature groups, q = {params['q']}, voting, seed {params['seed']}, "
        f"explanations: top {params['explanation_size']} groups. Unsound certificates: **{document['unsound']}** "
        f"({params['quantified_over']}).",
        "",
        "| λ | points | base acc. | smoothed acc. | consistency | inc. stable r≥1 (cert / true) | dec. stable r≥1 (cert / true) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for lam, s in document["summary"].items():
        def at_one(kind: str) -> str:
            cert = s[f"certified_stable_{kind}"][1] if len(s["radius"]) > 1 else 0.0
            true = s.get(f"true_stable_{kind}")
            return f"{_percent(cert)} / {_percent(true[1]) if true and len(true) > 1 else 'n/a'}"

        lines.append(
            f"| {lam} | {s['points']} | {_percent(s['base_accuracy'])} | {_percent(s['smoothed_accuracy'])} | "
            f"{_percent(s['consistency_rate'])} | {at_one('inc')} | {at_one('dec')} |"
        )
    lines += ["", "Rows (one per test point and λ) are in `report.json`.", ""]
    for figure in figures:
        lines += [f"![{figure.stem}]({figure.name})", ""]
    path = out / "summary.md"
    path.write_text("\n".join(lines))
    return path
