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
    values: np.ndarray = rng.integers(0, 4, size=(200, m)).astype(dtype)  # few distinct values: many ties
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


# --- the one tolerance table ---------------------------------------------------------------------


def test_every_float_tolerance_table_is_the_core_one() -> None:
    from mus_verify import _validation
    from mus_verify.core import tolerances
    from mus_verify.gate import tolerance as gate_tolerance
    from mus_verify.removal import libraries

    assert tolerances.PROBABILITY_SUM_ATOL is _validation.PROBABILITY_SUM_ATOL
    assert gate_tolerance.EPS is tolerances.MACHINE_EPS
    assert libraries.EXACT_RTOL is tolerances.ATTRIBUTION_RTOL
    torch_tolerances = pytest.importorskip("mus_verify.torch_backend.tolerances")
    assert torch_tolerances.PROBABILITY_ATOL is tolerances.PROBABILITY_ATOL
    assert torch_tolerances.LOGIT_RTOL is tolerances.LOGIT_RTOL
    assert torch_tolerances.PRECISIONS is tolerances.PRECISIONS


def test_machine_eps_and_the_averaging_atol_match_their_definitions() -> None:
    from mus_verify.core.tolerances import MACHINE_EPS, PRECISIONS, averaging_atol

    significand_bits = {"bfloat16": 8, "float16": 11, "float32": 24, "float64": 53}
    assert set(MACHINE_EPS) == set(PRECISIONS) == set(significand_bits)
    for name, bits in significand_bits.items():
        assert MACHINE_EPS[name] == 2.0 ** -(bits - 1)
        if name != "bfloat16":  # numpy has no bfloat16
            assert MACHINE_EPS[name] == float(np.finfo(name).eps)
    for terms in (1, 4, 5, 64):
        assert averaging_atol("float32", terms) == 4 * max(terms, 4) * 2.0**-23
    assert averaging_atol("int64", 8) == averaging_atol("float64", 8)  # non-float dtypes count as float64


def test_the_tolerance_table_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, mus_verify.core.tolerances, mus_verify.gate.tolerance; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


# --- the hash primitives of both exact classifier libraries --------------------------------------


def test_splitmix64_matches_the_reference_in_python_integers() -> None:
    from mus_verify.exhaustive.classifiers import splitmix64

    def reference(z: int) -> int:  # Vigna's splitmix64 finaliser, mod 2^64
        mask = (1 << 64) - 1
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    values = [0, 1, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15, 12345678901234567]
    assert splitmix64(np.array(values, dtype=np.uint64)).tolist() == [reference(v) for v in values]


def test_float64_words_and_stars_and_bars() -> None:
    from mus_verify.exhaustive.classifiers import float64_words, stars_and_bars

    rows = np.array([[0.0, -0.0, 1.5], [2.0, 0.0, -3.25]])
    words = float64_words(rows)
    assert words.shape == (2, 3) and words[0, 0] == words[0, 1] == 0  # -0.0 reads as +0.0
    assert words[0, 2] == np.array([1.5]).view(np.uint64)[0]
    cuts = np.array([[3, 1], [0, 0], [16, 16]])
    parts = stars_and_bars(cuts, 16)
    assert parts.tolist() == [[1, 2, 13], [0, 0, 16], [16, 0, 0]]
    assert stars_and_bars(np.zeros((2, 0), dtype=np.int64), 16).tolist() == [[16], [16]]


def test_both_hash_tables_answer_as_before_the_shared_primitives() -> None:
    """Pinned outputs (recorded before the two libraries shared splitmix64/float64_words/stars_and_bars):
    recorded counterexamples name these tables by seed, so their values must not move."""
    from mus_verify.exhaustive.classifiers import HashTable as ExhaustiveHashTable
    from mus_verify.gate.classifiers import HashTable as GateHashTable, PatternTable

    x = np.array([[0.0, 1.0, -2.5], [0.5, 0.0, 0.0], [-0.0, 0.0, 0.0]])
    assert ExhaustiveHashTable(3, 3).numerators(x).tolist() == EXHAUSTIVE_PINNED
    assert GateHashTable(3, 16, 3).counts(x).tolist() == GATE_PINNED
    assert PatternTable(3, 3, 16, 3).counts(x).tolist() == PATTERN_PINNED


# Computed with the tree before the primitives were shared (commit 1ee87aa), seed 3, m = 3.
EXHAUSTIVE_PINNED = [[25, 188, 43], [5, 122, 129], [32, 103, 121]]
GATE_PINNED = [[4, 10, 2], [0, 8, 8], [1, 8, 7]]
PATTERN_PINNED = [[1, 14, 1], [7, 7, 2], [6, 7, 3]]
