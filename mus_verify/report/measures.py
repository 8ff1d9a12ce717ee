"""Aggregate per-point rows into the report's measures.

A row (one test point at one λ) holds the label, the base and smoothed
predictions, the explanation, the certified incremental/decremental radii and
the true radii (exact by enumeration) or their attack upper bounds.

* consistency: f(x ⊙ φ(x)) has the same unique class as f(x);
* stable at radius r: certified radius >= r (and, for the truth, true radius >= r);
* certified accuracy at r: correct prediction and certified radius >= r
  (incremental also requires consistency, so the certified class is f(x)'s);
* unsound: a certified radius larger than the true radius or than an attack's
  upper bound. It must be 0. A true radius marked ``true_*_unbounded`` (no β in
  the whole cube changes the class; the stored number is then the largest
  reachable distance) is at least every certificate: a radius ⌈1/(2λ)⌉ − 1 > n,
  as small λ gives, claims nothing the cube can refute.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["summarise", "unsound_rows", "unbounded"]


def _fraction(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def unbounded(row: dict[str, Any], kind: str) -> bool:
    """No β in the whole cube changes the class: the true radius is every distance there is."""
    return row[f"true_{kind}"] is not None and bool(row.get(f"true_{kind}_unbounded", False))


def unsound_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """(row, kind) for every certificate that claims more than the truth or an attack allows."""
    out = []
    for row in rows:
        for kind in ("inc", "dec"):
            if unbounded(row, kind):
                continue
            bound = row[f"true_{kind}"] if row[f"true_{kind}"] is not None else row[f"attack_{kind}"]
            if bound is not None and row[f"cert_{kind}"] > bound:
                out.append((row, kind))
    return out


def summarise(rows: Sequence[dict[str, Any]], n: int) -> dict[str, Any]:
    """Measures for the rows of one λ."""
    radii = range(0, n + 1)
    correct = [r["smoothed_pred"] == r["label"] for r in rows]
    consistent = [r["consistent"] for r in rows]
    summary: dict[str, Any] = {
        "points": len(rows),
        "base_accuracy": _fraction([r["base_pred"] == r["label"] for r in rows]),
        "smoothed_accuracy": _fraction(correct),
        "consistency_rate": _fraction(consistent),
        "radius": list(radii),
    }
    for kind in ("inc", "dec"):
        summary[f"certified_stable_{kind}"] = [_fraction([row[f"cert_{kind}"] >= r for row in rows]) for r in radii]
        truth = [row[f"true_{kind}"] for row in rows]
        if all(t is not None for t in truth) and rows:
            summary[f"true_stable_{kind}"] = [_fraction([t >= r for t in truth]) for r in radii]
            # an unbounded truth against a certificate beyond the cube: the certificate is tight (slack 0)
            gaps = [t - (min(row[f"cert_{kind}"], t) if unbounded(row, kind) else row[f"cert_{kind}"])
                    for t, row in zip(truth, rows) if row[f"cert_{kind}"] >= 0]
            summary[f"tightness_{kind}"] = {str(g): gaps.count(g) for g in sorted(set(gaps))}
        needs = consistent if kind == "inc" else [True] * len(rows)
        summary[f"certified_accuracy_{kind}"] = [
            _fraction([c and ok and row[f"cert_{kind}"] >= r for c, ok, row in zip(correct, needs, rows)]) for r in radii
        ]
    summary["unsound"] = len(unsound_rows(rows))
    return summary
