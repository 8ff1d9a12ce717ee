"""Precision is judged from the output values, whatever dtype they come back in (issue 10)."""

import numpy as np
import pytest

from mus_verify.gate.tolerance import exact_grain, precision_of


def _float16_average(counts: np.ndarray, q: int, resolution: int = 16) -> np.ndarray:
    """What an implementation averaging k/R outputs in float16 returns: the float16 rounding of c/(R·q)."""
    return (counts / (resolution * q)).astype(np.float16)


@pytest.mark.parametrize("q", [3, 5, 6, 7, 10, 22, 25, 47])
@pytest.mark.parametrize("declared", ["float64", "float32"])
def test_float16_arithmetic_is_float16_whatever_dtype_it_is_returned_in(q, declared):
    counts = np.arange(1, 16 * q, 7)
    values = _float16_average(counts, q).astype(declared)
    assert precision_of(values, declared, exact_grain(16, q)) == "float16"
    assert precision_of(_float16_average(counts, q), "float16", exact_grain(16, q)) == "float16"


@pytest.mark.parametrize("q", [2, 3, 4, 6, 7, 16, 22, 64, 100, 256])
def test_exact_float64_averages_are_never_taken_for_float16(q):
    # c/(R·q) in float64: dyadic ones are float16 numbers too, and must still be judged as float64.
    counts = np.arange(0, 16 * q + 1)
    values = counts / (16 * q)
    assert precision_of(values, "float64", exact_grain(16, q)) == "float64"
    dyadic = values[values.astype(np.float16).astype(np.float64) == values]  # the float16 numbers among them
    assert dyadic.size and precision_of(dyadic, "float64", exact_grain(16, q)) == "float64"


def test_without_a_grain_float16_is_never_inferred():
    assert precision_of(np.array([np.float16(1 / 3)], dtype=np.float64), "float64") == "float64"


def test_grain_is_the_dyadic_part_of_q():
    assert exact_grain(16, 22) == 1 / 32 and exact_grain(16, 64) == 1 / 1024 and exact_grain(None, 3) == 1 / 16


def test_float16_averaging_is_recognised_from_the_base_outputs_in_either_row_order():
    from mus_verify.gate.tolerance import float16_average_seen

    rng = np.random.default_rng(0)
    base = rng.integers(0, 17, size=(2 * 3, 4)) / 16.0  # B = 2 inputs, N = 3 copies each, m = 4
    by_input = base.reshape(2, 3, 4).mean(axis=1)
    by_copy = base.reshape(3, 2, 4).mean(axis=0)
    assert float16_average_seen(by_input.astype(np.float16).astype(np.float64), base)
    assert float16_average_seen(by_copy.astype(np.float16).astype(np.float64), base)
    assert not float16_average_seen(by_input, base)  # exact float64 averages are no evidence


def test_exact_dyadic_weights_of_a_float64_implementation_keep_float64_tolerance():
    # i.i.d. Bernoulli(1/4) weights (3^b / 4^n) are float16 numbers at n = 4; on this configuration alone
    # they were taken for float16 arithmetic, which made every mask set "uniform" and keep_rates false-alarm.
    import pathlib

    from mus_verify.gate import gate

    impl = pathlib.Path(__file__).resolve().parent / "impls" / "valid.py"
    report = gate(f"{impl}:iid_bernoulli", profile="quick", ns=(4,), qs=(300,), lams=("75/300",), properties=("keep_rates", "lipschitz"))
    assert not report.refuted, report.render()
