"""The one implementation of each small shared concept (issue 11), against a brute-force definition.

* mask codes and popcount: :mod:`mus_verify.exhaustive.bits` (gate, report and soft_stability call it);
* the top two of integer score rows: :func:`mus_verify.certificates.top_two_rows`, the array form of
  :func:`mus_verify.certificates.top_two` (gate/noise.py and report/enumeration.py call it).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mus_verify.certificates import top_two, top_two_rows
from mus_verify.errors import InvalidArgument
from mus_verify.exhaustive.bits import bits_of, code_from_bits, codes_from_masks, masks_from_codes, popcount


@pytest.mark.parametrize("n", [1, 3, 8, 17, 62])
def test_mask_codes_and_popcount_match_the_definition(n: int) -> None:
    rng = np.random.default_rng(n)
    masks = rng.random((64, n)) < 0.5
    codes = codes_from_masks(masks)
    expected = [sum(1 << i for i in range(n) if row[i]) for row in masks]
    assert codes.dtype == np.int64 and codes.tolist() == expected
    assert masks_from_codes(codes, n).tolist() == masks.tolist()
    assert popcount(codes).tolist() == [bin(c).count("1") for c in expected]
    for row, code in zip(masks.tolist(), expected):
        assert code_from_bits(np.asarray(row, dtype=int)) == code_from_bits(row) == code
        assert bits_of(code, n) == [int(b) for b in row]


def test_mask_codes_of_non_bool_masks_are_the_visibility_pattern() -> None:
    # gate.classifiers.pattern_index and report's replay pass `rows != 0`; the code is the same as for bools
    rows = np.array([[0.0, 2.5, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    assert codes_from_masks(rows != 0).tolist() == [0b1010, 0]
    assert popcount(np.arange(1 << 5)).tolist() == [bin(c).count("1") for c in range(1 << 5)]


def _brute_top_two(row: list[int]) -> tuple[int, int, int, int]:
    """(predicted or -1, runner-up or -1, top, second) from the definition: sort by (-value, index)."""
    order = sorted(range(len(row)), key=lambda c: (-row[c], c))
    if len(row) == 1:
        return 0, -1, row[0], 0
    top, second = row[order[0]], row[order[1]]
    return (order[0] if top > second else -1), order[1], top, second


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("m", [1, 2, 3, 5])
def test_top_two_rows_matches_the_definition_and_the_scalar_top_two(dtype: type, m: int) -> None:
    rng = np.random.default_rng(m * 7 + np.dtype(dtype).itemsize)
    values = rng.integers(0, 4, size=(200, m)).astype(dtype)  # few distinct values: many ties
    best = top_two_rows(values)
    for r, row in enumerate(values.tolist()):
        predicted, runner_up, top, second = _brute_top_two(row)
        assert (int(best.predicted[r]), int(best.runner_up[r]), int(best.top[r]), int(best.second[r])) == (predicted, runner_up, top, second)
        scalar = top_two([Fraction(v) for v in row])
        assert (scalar.predicted if scalar.predicted is not None else -1) == predicted
        assert scalar.gap == int(best.gap[r])


def test_top_two_rows_does_not_overflow_at_the_dtype_extremes() -> None:
    low, high = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    best = top_two_rows(np.array([[low, high], [low, low], [high, 0]], dtype=np.int64))
    assert best.predicted.tolist() == [1, -1, 0]
    assert best.runner_up.tolist() == [0, 1, 1]


@pytest.mark.parametrize("bad", [np.zeros((3, 0), dtype=int), np.zeros(3, dtype=int), np.array([[0.5, 0.5]]), [[Fraction(1, 2)]]])
def test_top_two_rows_refuses_what_is_not_an_integer_table(bad: object) -> None:
    with pytest.raises(InvalidArgument, match="values"):
        top_two_rows(bad)
