"""Smooth a tiny classifier exactly and certify an explanation, with the exact reference.

Run: python examples/exact_reference.py
"""

from fractions import Fraction

import numpy as np

from mus_verify import certify_decremental, certify_incremental, lqv, random_seed_vector, smooth


def base_classifier(inputs: np.ndarray) -> np.ndarray:
    """Class 1 when features 0 and 1 together outweigh feature 2; soft scores in [0, 1]."""
    score = 1 / (1 + np.exp(-(inputs[:, 0] + inputs[:, 1] - inputs[:, 2])))
    return np.stack([1 - score, score], axis=1)


n, q, lam = 4, 16, Fraction(4, 16)
noise = lqv(random_seed_vector(n, q, seed=0), q, lam)
x = np.array([2.0, 1.5, 0.5, -1.0])
explanation = [1, 1, 0, 0]  # keep features 0 and 1

for mode in ("average", "vote"):
    g = smooth(base_classifier, x, explanation, noise, mode=mode)
    print(f"g(x, explanation), {mode}:", ", ".join(f"{float(p):.4f}" for p in g), "(exact:", ", ".join(map(str, g)) + ")")
inc = certify_incremental(base_classifier, x, explanation, noise, mode="vote")
dec = certify_decremental(base_classifier, x, noise, mode="vote")
print(f"incremental: class {inc.predicted}, gap {inc.gap}, radius {inc.radius}")
print(f"decremental: class {dec.predicted}, gap {dec.gap}, radius {dec.radius}")
