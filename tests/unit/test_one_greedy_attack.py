"""One greedy attack (issue 11): the report's and the torch fast path's attacks are the same search.

The pinned values were recorded with the two separate implementations (report/attack.py's loop and
torch_backend/explain.attack's loop) before they were merged into mus_verify.engines.greedy; the
merged search must walk the same paths (same bounds, same tie-breaks, same evaluation counts).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.distributions import lqv
from mus_verify.engines.greedy import greedy_path
from mus_verify.report.attack import greedy_attack


def _table_classifier(table, n, m):
    def h(inputs):
        codes = ((inputs != 0).astype(np.int64) << np.arange(n)).sum(axis=1)
        return np.eye(m)[table[codes]]

    return h


def test_the_report_and_the_torch_attack_share_the_one_search() -> None:
    import mus_verify.report.attack as report_attack

    assert report_attack.greedy_path is greedy_path
    pytest.importorskip("torch")
    import mus_verify.torch_backend.explain as explain

    assert explain.greedy_path is greedy_path


def test_greedy_path_breaks_ties_to_the_first_candidate_and_respects_frozen_features() -> None:
    calls = []

    def leads(masks):
        calls.append(masks.copy())
        return [1] * masks.shape[0]  # never flips: every step keeps the first candidate

    path = greedy_path(np.ones(4, dtype=bool), leads, add=False, frozen=np.array([True, False, False, False]))
    assert not path.found and path.upper_bound is None and path.leads == (1, 1, 1)
    assert [c.shape[0] for c in calls] == [3, 2, 1] and path.evaluations == 6
    assert all(c[:, 0].all() for c in calls)  # the frozen feature is never removed


def test_report_attack_bounds_are_pinned() -> None:
    rng = np.random.default_rng(11)
    out = []
    for _trial in range(12):
        n, q, k, m = 6, 8, int(rng.integers(1, 5)), int(rng.integers(2, 4))
        table = np.where(rng.random(2**n) < 0.2, rng.integers(0, m, 2**n), 0)
        h = _table_classifier(table, n, m)
        x = np.arange(1.0, n + 1)
        noise = lqv(rng.integers(0, q, n).tolist(), q, Fraction(k, q))
        alpha = rng.integers(0, 2, n).astype(bool)
        for predicted in range(m):
            out.append([greedy_attack(h, x, np.arange(n), noise.masks, alpha, predicted, m, add=True),
                        greedy_attack(h, x, np.arange(n), noise.masks, np.ones(n, bool), predicted, m, add=False)])
    assert out == REPORT_PINNED


def test_torch_attack_paths_are_pinned() -> None:
    torch = pytest.importorskip("torch")
    from mus_verify.torch_backend import GroupMap, MuS, attack, certify

    class Table(torch.nn.Module):
        def __init__(self, table):
            super().__init__()
            self.table = torch.as_tensor(table)

        def forward(self, x):
            codes = ((x != 0).long() << torch.arange(7)).sum(dim=1)
            return torch.nn.functional.one_hot(self.table[codes], 3).double() * 10

    g = np.random.default_rng(5)
    net = Table(np.where(g.random(128) < 0.3, g.integers(0, 3, 128), 0)).eval()
    got = []
    for mode in ("vote", "average"):
        for seed in (1, 2, 3):
            mus = MuS(net, GroupMap(list(range(7))), output="logits", q=4, lam="2/4", mode=mode, seed=seed)
            x = torch.linspace(-1, 1, 7, dtype=torch.float64)
            phi = torch.tensor([1, 0, 1, 0, 0, 1, 0], dtype=torch.bool)
            c = certify(mus, x, phi)[0]
            for cert, kw in ((c.incremental, {}), (c.decremental, {}), (c.decremental, {"max_candidates": 2, "seed": 3})):
                r = attack(mus, x, cert, phi, **kw)
                got.append([r.kind, r.found, r.distance, r.beta, r.upper_bound, r.certified_radius, r.evaluations,
                            r.consistent_with_certificate, list(r.margins)])
    assert len(got) == len(TORCH_PINNED)
    for row, pinned in zip(got, TORCH_PINNED):
        assert row[:8] == pinned[:8]
        assert row[8] == pytest.approx(pinned[8], abs=1e-11)


# Recorded with the two separate loops (before the merge), same code as above.
REPORT_PINNED = [[None, None], [0, 0], [1, None], [0, 0], [0, 0], [None, 1], [0, 0], [None, None], [0, 0], [None, None],
 [0, 0], [None, 3], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [None, 1], [0, 0], [None, None], [0, 0], [0, 0],
 [None, None], [0, 0], [0, 0], [None, None], [0, 0], [None, None], [0, 0]]

TORCH_PINNED = [['incremental', False, None, None, None, 0, 10, True, [0.5, 1.0, 1.0, 1.0]],
 ['decremental', False, None, None, None, 0, 10, True, [1.0, 1.0, 0.5, 0.5]],
 ['decremental', False, None, None, None, 0, 7, True, [1.0, 1.0, 1.0, 0.5]],
 ['incremental', False, None, None, None, 0, 10, True, [0.5, 1.0, 1.0, 1.0]],
 ['decremental', False, None, None, None, 0, 10, True, [0.5, 1.0, 0.5, 0.5]],
 ['decremental', False, None, None, None, 0, 7, True, [1.0, 1.0, 0.5, 0.5]],
 ['incremental', False, None, None, None, 0, 10, True, [0.5, 0.5, 1.0, 1.0]],
 ['decremental', False, None, None, None, 0, 10, True, [1.0, 0.5, 0.5, 0.5]],
 ['decremental', False, None, None, None, 0, 7, True, [1.0, 0.5, 0.5, 0.5]],
 ['incremental', False, None, None, None, 0, 10, True,
  [0.499931906288, 0.999863812577, 0.999863812577, 0.999863812577]],
 ['decremental', False, None, None, None, 0, 10, True,
  [0.999863812577, 0.999863812577, 0.499931906288, 0.499931906288]],
 ['decremental', False, None, None, None, 0, 7, True,
  [0.999863812577, 0.999863812577, 0.999863812577, 0.499931906288]],
 ['incremental', False, None, None, None, 0, 10, True,
  [0.499931906288, 0.999863812577, 0.999863812577, 0.999863812577]],
 ['decremental', False, None, None, None, 0, 10, True,
  [0.499931906288, 0.999863812577, 0.499931906288, 0.499931906288]],
 ['decremental', False, None, None, None, 0, 7, True,
  [0.999863812577, 0.999863812577, 0.499931906288, 0.499931906288]],
 ['incremental', False, None, None, None, 0, 10, True,
  [0.499931906288, 0.499931906288, 0.999863812577, 0.999863812577]],
 ['decremental', False, None, None, None, 0, 10, True,
  [0.999863812577, 0.499931906288, 0.499931906288, 0.499931906288]],
 ['decremental', False, None, None, None, 0, 7, True,
  [0.999863812577, 0.499931906288, 0.499931906288, 0.499931906288]]]
