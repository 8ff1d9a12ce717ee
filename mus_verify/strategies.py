"""Public Hypothesis strategies for testing MuS code, and two settings profiles.

Strategies (all shrink toward small, simple values):

* :func:`masks` — binary masks of length n with popcount bounds (bool arrays);
* :func:`seed_vectors` — the paper's seed vector times q: n ints in 0..q−1;
* :func:`lambdas` — λ = k/q as an exact ``Fraction`` (optionally within bounds);
* :func:`configs` — (n, q, λ, m, seed vector) as a :class:`~mus_verify.gate.configs.GateConfig`;
* :func:`truth_table_classifiers` — explicit truth tables over visibility
  patterns (exact outputs k/R, or one-hot votes), callable on numpy rows (for
  :func:`mus_verify.smooth`) and on torch tensors (as a base classifier);
* :func:`torch_classifiers` — small float64 ``torch.nn.Module`` classifiers
  (tanh MLP + softmax); torch is imported only when one is drawn;
* :func:`inputs` — inputs with distinct non-zero integer entries (so the masks
  applied can be read off what a classifier is shown), optionally with zeros.

Profiles, registered on import (and by the pytest plugin for
``--hypothesis-profile=mus-ci`` / ``mus-thorough``):

=================  ===========================================================
``mus-ci``         derandomised, no example database, 50 examples, no deadline:
                   the same examples on every CI run
``mus-thorough``   1000 examples, no deadline: for nightly or pre-release runs
=================  ===========================================================

>>> from hypothesis import given
>>> @given(masks(4, min_ones=1, max_ones=2))
... def test(mask):
...     assert 1 <= mask.sum() <= 2
>>> test()
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ._validation import as_int, check_q
from .errors import InvalidArgument

__all__ = [
    "masks",
    "seed_vectors",
    "lambdas",
    "configs",
    "truth_table_classifiers",
    "torch_classifiers",
    "inputs",
    "CI_PROFILE",
    "THOROUGH_PROFILE",
    "register_profiles",
]

CI_PROFILE = "mus-ci"
THOROUGH_PROFILE = "mus-thorough"


def register_profiles() -> None:
    """Register ``mus-ci`` and ``mus-thorough`` (idempotent)."""
    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        database=None,
        max_examples=50,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(THOROUGH_PROFILE, max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


register_profiles()


def masks(n: int, *, min_ones: int = 0, max_ones: int | None = None) -> st.SearchStrategy[np.ndarray]:
    """Bool masks of length n with ``min_ones <= popcount <= max_ones`` (shrinks toward fewer, lower bits)."""
    n = as_int(n, "n", low=1)
    max_ones = n if max_ones is None else as_int(max_ones, "max_ones", low=0, high=n)
    min_ones = as_int(min_ones, "min_ones", low=0, high=max_ones)

    def to_mask(kept: frozenset[int]) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        mask[sorted(kept)] = True
        return mask

    return st.frozensets(st.integers(0, n - 1), min_size=min_ones, max_size=max_ones).map(to_mask)


def seed_vectors(n: int, q: int) -> st.SearchStrategy[tuple[int, ...]]:
    """Seed vectors: n integers in 0..q−1 (the paper's v times q)."""
    n = as_int(n, "n", low=1)
    q = check_q(q)
    return st.lists(st.integers(0, q - 1), min_size=n, max_size=n).map(tuple)


def lambdas(q: int, *, min_value: Any = None, max_value: Any = None) -> st.SearchStrategy[Fraction]:
    """λ = k/q with k in 1..q, as a Fraction, within [min_value, max_value] when given."""
    q = check_q(q)
    low = 1 if min_value is None else max(1, -(-Fraction(min_value) * q // 1))
    high = q if max_value is None else min(q, Fraction(max_value) * q // 1)
    if low > high:
        raise InvalidArgument("min_value/max_value", (min_value, max_value), f"bounds containing a multiple of 1/q = 1/{q} in (0, 1]")
    return st.integers(int(low), int(high)).map(lambda k: Fraction(k, q))


@st.composite
def configs(draw: Any, *, max_n: int = 8, max_q: int = 16, max_classes: int = 4) -> Any:
    """A gate configuration: n features, q masks, λ = k/q, m classes and a seed vector."""
    from .gate.configs import GateConfig

    n = draw(st.integers(1, max_n))
    q = draw(st.integers(1, max_q))
    lam = draw(lambdas(q))
    m = draw(st.integers(2, max(2, max_classes)))
    seed = draw(seed_vectors(n, q))
    return GateConfig(n, q, int(lam * q), m, seed, "hypothesis")


@st.composite
def truth_table_classifiers(draw: Any, n: int, m: int = 2, *, vote: bool = False, resolution: int = 16) -> Any:
    """Explicit truth tables over the 2^n visibility patterns (n <= 10).

    ``vote=True`` gives one-hot outputs (a voting classifier, which can create
    exact ties after smoothing); otherwise each row is m counts summing to
    ``resolution`` (a power of two), so outputs are exact in every float dtype.
    """
    from .gate.classifiers import TruthTable

    n = as_int(n, "n", low=1, high=10)
    m = as_int(m, "m", low=1)
    if vote:
        winners = draw(st.lists(st.integers(0, m - 1), min_size=2**n, max_size=2**n))
        table = [tuple(resolution if c == w else 0 for c in range(m)) for w in winners]
    else:
        rows = draw(st.lists(st.lists(st.integers(0, resolution), min_size=m - 1, max_size=m - 1), min_size=2**n, max_size=2**n))
        table = []
        for cuts in rows:
            edges = [0, *sorted(cuts), resolution]
            table.append(tuple(edges[c + 1] - edges[c] for c in range(m)))
    return TruthTable(n, m, tuple(table), resolution)


@st.composite
def torch_classifiers(draw: Any, n: int, m: int = 2, *, max_hidden: int = 8) -> Any:
    """A small float64 ``torch.nn.Module``: Linear(n, h) → tanh → Linear(h, m) → softmax (weights from a drawn seed)."""
    from .gate.classifiers import MLP

    hidden = draw(st.integers(1, max_hidden))
    seed = draw(st.integers(0, 2**32 - 1))
    return MLP(as_int(n, "n", low=1), as_int(m, "m", low=1), hidden, seed).module()


@st.composite
def inputs(draw: Any, n: int, *, rows: int | None = None, allow_zero: bool = False, max_magnitude: int = 2**10) -> np.ndarray:
    """float64 inputs of shape (n,) or (rows, n) whose non-zero entries are distinct integers.

    Integers of magnitude <= 2^10 are exact in float16, float32 and float64, so
    a classifier shown x ⊙ s sees exactly x_i or 0 in every coordinate. With
    ``allow_zero`` some entries may be 0 (the mask is then invisible there).
    """
    n = as_int(n, "n", low=1)
    count = n * (1 if rows is None else as_int(rows, "rows", low=1))
    if count > max_magnitude:
        raise InvalidArgument("max_magnitude", max_magnitude, f"at least the number of entries ({count})")
    values = draw(st.lists(st.integers(1, max_magnitude), min_size=count, max_size=count, unique=True))
    signs = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    zeros = draw(st.lists(st.booleans(), min_size=count, max_size=count)) if allow_zero else [False] * count
    array = np.array([0.0 if z else float(-v if s else v) for v, s, z in zip(values, signs, zeros)])
    return array if rows is None else array.reshape(rows, n)
