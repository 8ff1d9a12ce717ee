"""PLANTED BUG: an SCA certifier whose sampler picks j uniformly (Jin et al. 2025) for `mus-verify gate --kind sca examples/sca_buggy.py:certifier`.

Draws N = ceil(ln(2/δ)/(2ε²)) masks uniformly from Δ_r(α): the number of added features j
uniformly from 0..min(r, m) (NOT ∝ C(m, j)), then a uniform j-subset; its own numpy Generator (never the
global RNG); τ̂ = fraction of masks whose argmax equals the argmax at α.
"""

import math

import numpy as np


def certifier(classifier, x, alpha, r, eps, delta, seed):
    rng = np.random.default_rng(seed)
    alpha = np.asarray(alpha, dtype=bool)
    zeros = np.flatnonzero(~alpha)
    m = zeros.size
    weights = [math.comb(m, j) for j in range(min(r, m) + 1)]
    n_samples = math.ceil(math.log(2 / delta) / (2 * eps**2))
    masks = np.repeat(alpha[None, :], n_samples, axis=0)
    for i in range(n_samples):
        j = int(rng.integers(0, len(weights)))  # the bug: every j equally likely
        masks[i, rng.choice(zeros, size=j, replace=False)] = True
    reference = int(np.argmax(classifier((x * alpha)[None, :])[0]))
    predicted = np.argmax(classifier(np.where(masks, x[None, :], 0.0)), axis=1)
    return {"estimate": float(np.mean(predicted == reference)), "n_samples": n_samples}
