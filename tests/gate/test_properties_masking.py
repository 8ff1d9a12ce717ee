"""The masked-inputs check works for any n (issue 10: a 196-patch ViT setting), and judges rows exactly."""

import numpy as np

from mus_verify.gate.configs import distinct_inputs
from mus_verify.gate.masked_rows import masked_row_problem, masked_rows_ok


def _setting(n=196, rows=2, seed=0):
    rng = np.random.default_rng(seed)
    x = distinct_inputs(rng, n, rows)
    alpha = rng.random((rows, n)) < 0.7
    return rng, x, alpha


def test_rows_that_are_x_times_a_mask_below_alpha_are_accepted_at_n_196():
    rng, x, alpha = _setting()
    masks = (rng.random((64, x.shape[1])) < 0.3) & alpha[0]
    rows = np.concatenate([np.where(masks, x[0], 0.0), np.zeros((1, x.shape[1]))])
    ok, matched = masked_rows_ok(rows, x, alpha, None)
    assert ok.all() and matched.all()
    assert masked_row_problem(rows, x, alpha, None) is None


def test_a_hidden_feature_shown_is_named_at_n_196():
    _, x, alpha = _setting()
    hidden = int(np.flatnonzero(~alpha[1])[0])
    row = np.where(alpha[1], x[1], 0.0)
    row[hidden] = x[1, hidden]
    problem = masked_row_problem(row[None, :], x, alpha, None)
    assert problem is not None and problem["input_row"] == 1
    assert problem["reason"] == f"features [{hidden}] are visible although alpha[1] hides them"


def test_mu_features_must_stay_visible():
    _, x, alpha = _setting(n=70)
    mu = alpha & (np.arange(70) % 5 == 0)[None, :]
    keep = mu[0] | (alpha[0] & (np.arange(70) % 2 == 0))
    good = np.where(keep, x[0], 0.0)
    dropped = good.copy()
    i = int(np.flatnonzero(mu[0])[0])
    dropped[i] = 0.0
    assert masked_row_problem(good[None, :], x[:1], alpha[:1], mu[:1]) is None
    problem = masked_row_problem(dropped[None, :], x[:1], alpha[:1], mu[:1])
    assert problem is not None and f"[{i}" in problem["reason"] and "mu[0] keeps them" in problem["reason"]


def test_a_value_that_is_not_x_is_refused():
    _, x, alpha = _setting(n=100, rows=1)
    row = np.where(alpha[0], x[0], 0.0)
    j = int(np.flatnonzero(alpha[0])[0])
    row[j] *= 0.99999
    problem = masked_row_problem(row[None, :], x, alpha, None)
    assert problem is not None and problem["feature"] == j
