"""A small, correct SCA certifier (Jin et al. 2025) for `mus-verify gate --kind sca examples/sca_correct.py:certifier`.

Draws N = ceil(ln(2/δ)/(2ε²)) masks uniformly from Δ_r(α): the number of added features j
with integer weights C(m, j), then a uniform j-subset; its own numpy Generator (never the
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
    total = sum(weights)
    masks = np.repeat(alpha[None, :], n_samples, axis=0)
    for i in range(n_samples):
        u = int(rng.integers(0, total))
        j = 0
        while u >= weights[j]:
            u -= weights[j]
            j += 1
        masks[i, rng.choice(zeros, size=j, replace=False)] = True
    reference = int(np.argmax(classifier((x * alpha)[None, :])[0]))
    predicted = np.argmax(classifier(np.where(masks, x[None, :], 0.0)), axis=1)
    return {"estimate": float(np.mean(predicted == reference)), "n_samples": n_samples}
