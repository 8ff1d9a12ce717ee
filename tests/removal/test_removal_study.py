"""The wine study's sound Lipschitz bound, and (slow) the study itself."""

from fractions import Fraction as F

import numpy as np
import pytest

from mus_verify.removal.lipschitz_bound import lipschitz_upper, psd_certified, spectral_norm_upper


def test_spectral_bound_is_certified_and_tight():
    w = np.random.default_rng(0).normal(size=(7, 5))
    t = spectral_norm_upper(w)
    assert np.linalg.norm(w, 2) <= float(t) <= np.linalg.norm(w, 2) * (1 + 1e-5)
    assert not psd_certified([[F(1), F(2)], [F(2), F(1)]])  # eigenvalue −1
    assert psd_certified([[F(1), F(1)], [F(1), F(1)]])


def test_lipschitz_upper_bounds_observed_slopes():
    rng = np.random.default_rng(1)
    layers = [rng.normal(size=(6, 4)), rng.normal(size=(1, 6))]
    bound = float(lipschitz_upper([w.tolist() for w in layers]))
    f = lambda x: layers[1] @ np.maximum(layers[0] @ x, 0)  # noqa: E731
    for _ in range(200):
        a, b = rng.normal(size=4), rng.normal(size=4)
        assert abs(f(a) - f(b))[0] <= bound * np.linalg.norm(a - b)


@pytest.mark.slow
def test_study_runs_and_no_point_exceeds_its_bound(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    from mus_verify.removal.study import run_study

    result, document = run_study(tmp_path, seed=0)
    assert result.holds and document["violation"] is None
    assert all((tmp_path / name).exists() for name in document["plots"] + ["study.json", "summary.md"])
