"""The exact classifiers the soft-stability checks quantify over, as :class:`~.rates.ScoreTable` s.

Every family of the exhaustive engine (:func:`mus_verify.model.classifiers.classifier_family`:
hash tables, quorum and linear votes, tiny MLPs) at the worst-case input x = (1, …, n)
(distinct and nonzero, so the classifier is an arbitrary function of the mask), and
their exact MuS tables: L_qv(λ) in average and vote mode (the toolkit's g).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from ..distributions import random_seed_vector
from ..model.classifiers import ExactClassifier, classifier_family, from_spec
from ..exhaustive.inputs import worst_case_input
from .rates import ScoreTable, predictions, smooth_lqv

__all__ = ["Case", "base_tables", "smoothed_cases", "vote_table", "case_table"]


@dataclass(frozen=True)
class Case:
    """One smoothed classifier: g = MuS_{L_qv(λ)}(h) in ``mode``, with everything needed to rebuild it."""

    label: str
    spec: Mapping[str, Any]
    n: int
    q: int
    lam: Fraction
    seed_vector: tuple[int, ...]
    mode: str
    base: ScoreTable
    table: ScoreTable

    def data(self) -> dict[str, Any]:
        return {"classifier": dict(self.spec), "n": self.n, "q": self.q, "lam": self.lam, "seed_vector": list(self.seed_vector), "mode": self.mode, "x": worst_case_input(self.n).tolist()}


def vote_table(table: ScoreTable) -> ScoreTable:
    """One-hot of the lowest-index argmax at every mask (the reference's vote rule)."""
    winner = predictions(table, "lowest-index")
    out: np.ndarray = np.zeros(table.numerators.shape, dtype=np.int64)
    out[np.arange(out.shape[0]), winner] = 1
    return ScoreTable(table.n, out, 1)


def base_tables(n: int, classes: int, seed: int, families: str | None = None) -> list[tuple[ExactClassifier, ScoreTable]]:
    x = worst_case_input(n)
    return [(c, ScoreTable.from_classifier(c, x, n)) for c in classifier_family(families, n, classes, seed)]


def case_table(data: Mapping[str, Any]) -> tuple[ScoreTable, ScoreTable]:
    """(h, g) rebuilt from a case's data (the replay path)."""
    n = int(data["n"])
    base = ScoreTable.from_classifier(from_spec(data["classifier"]), np.asarray(data["x"], dtype=np.float64), n)
    source = vote_table(base) if data["mode"] == "vote" else base
    return base, smooth_lqv(source, data["seed_vector"], int(data["q"]), Fraction(str(data["lam"])))


def smoothed_cases(configs: Sequence[tuple[int, int, str]], classes: int, seed: int, families: str | None = None, modes: Sequence[str] = ("average", "vote")) -> Iterator[Case]:
    for n, q, lam in configs:
        seed_vector = random_seed_vector(n, q, seed)
        for classifier, base in base_tables(n, classes, seed, families):
            for mode in modes:
                source = vote_table(base) if mode == "vote" else base
                yield Case(repr(classifier), classifier.spec, n, q, Fraction(lam), seed_vector, mode, base, smooth_lqv(source, seed_vector, q, lam))
