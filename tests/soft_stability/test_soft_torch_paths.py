"""SCA through torch_backend.MuS and through a plain torch model equals SCA on the exact reference (same seed)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mus_verify.soft_stability.rates import ScoreTable, predictions, smooth_lqv  # noqa: E402
from mus_verify.soft_stability.sca import sca, table_classifier, torch_model_classifier, torch_mus_classifier  # noqa: E402


def _model(n: int) -> "torch.nn.Module":
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(n, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double().eval()
    return model


def _base_table(model, x, n):
    def h(inputs):
        with torch.no_grad():
            return torch.softmax(model(torch.as_tensor(inputs)), dim=1).numpy()

    return ScoreTable.from_classifier(h, x, n)


def test_torch_model_matches_exact_table():
    n = 6
    model, x = _model(n), np.linspace(0.5, 3.0, n)
    exact = table_classifier(_base_table(model, x, n), tie="lowest-index")
    fast = torch_model_classifier(model, torch.as_tensor(x), n, tie="lowest-index")
    for r in (1, 3):
        assert sca(fast, 0b11, r, seed=7, intervals=False) == sca(exact, 0b11, r, seed=7, intervals=False)


def test_torch_mus_matches_exact_mus():
    from mus_verify.torch_backend import GroupMap, MuS

    n, q, lam, seed_vector = 6, 8, "2/8", [0, 3, 5, 1, 7, 2]
    model, x = _model(n), np.linspace(0.5, 3.0, n)
    mus = MuS(model, GroupMap(list(range(n)), n=n), output="logits", q=q, lam=lam, mode="vote", seed_vector=seed_vector).eval()
    base = _base_table(model, x, n)
    votes = np.eye(3, dtype=np.int64)[predictions(base, "lowest-index")]
    g = smooth_lqv(ScoreTable(n, votes, 1), seed_vector, q, lam)
    fast = torch_mus_classifier(mus, torch.as_tensor(x))
    for r in (1, 2, 4):
        assert sca(fast, 0b101, r, seed=3, intervals=False) == sca(table_classifier(g), 0b101, r, seed=3, intervals=False)
