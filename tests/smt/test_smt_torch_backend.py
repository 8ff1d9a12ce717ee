"""The same variant definitions on torch tensors agree with the exact evaluation.

Tolerance: float64 throughout (inputs, weights, outputs), so the only error is
float64 rounding of rational weights and sums of at most 2^n terms: 1e-12.
"""

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.variants import load_variant, make_params, smooth_variant

torch = pytest.importorskip("torch")
from mus_verify.variants.torch_backend import smooth_torch  # noqa: E402

ATOL = 1e-12

CASES = [
    ("mus", make_params(3, 4, "1/4"), {"seed_vector": [0, 3, 1]}),
    ("mus-iid", make_params(3, 4, "1/3", quantized=False), {}),
    ("additive", make_params(3, 4, "2/4"), {"seed_vector": [2, 0, 1]}),
    ("ramp", make_params(3, 3, "1/3"), {"seed_vector": [0, 1, 2]}),
    ("baseline", make_params(3, 4, "1/4"), {"seed_vector": [0, 3, 1], "baseline": ["1/2", "-1", "0"]}),
    ("fixed-count", make_params(3, 4, "1/2", quantized=False), {}),
    ("token-drop", make_params(3, 2, "1/2"), {"seed_vector": [1, 0, 1]}),
]


def weights():
    return torch.tensor([0.7, -1.3, 2.1], dtype=torch.float64)


def h_torch(values, present=None):
    """A smooth, input-sensitive classifier: softmax of a linear score (absent slots score as 0 plus a length term)."""
    score = values @ weights()
    if present is not None:
        score = score + 0.37 * present.to(torch.float64).sum(dim=1)
    p = torch.sigmoid(score)
    return torch.stack([p, 1 - p], dim=1)


def exact_classifier(variable_length):
    """h_torch on the exact evaluator's slot inputs (Fraction or None), in float64."""

    def h(inputs):
        out = []
        for row in np.asarray(inputs, dtype=object):
            values = torch.tensor([[0.0 if v is None else float(v) for v in row]], dtype=torch.float64)
            present = torch.tensor([[v is not None for v in row]]) if variable_length else None
            p = float(h_torch(values, present)[0, 0])
            out.append([p, 1.0 - p])
        return np.array(out, dtype=np.float64)

    return h


@pytest.mark.parametrize("name,params,symbols", CASES, ids=[c[0] for c in CASES])
def test_torch_matches_exact(name, params, symbols):
    variant = load_variant(name)
    h_exact = exact_classifier(variant.variable_length)
    x = torch.tensor([[1.5, -0.25, 2.0], [0.5, 1.0, -3.0]], dtype=torch.float64)
    for alpha in ([1, 1, 1], [0, 1, 1], [1, 0, 0]):
        fast = smooth_torch(variant, h_torch, x, torch.tensor(alpha), params, symbols)
        for b in range(x.shape[0]):
            exact = smooth_variant(variant, h_exact, [Fraction(float(v)) for v in x[b]], alpha, params, symbols)
            assert np.allclose(fast[b].numpy(), [float(p) for p in exact], atol=ATOL, rtol=0), (name, alpha, b)
