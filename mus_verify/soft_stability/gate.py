"""The gate's second target kind: a third-party soft-stability certifier (SCA), checked against the exact τ_r.

Protocol (documented in docs/soft-stability.md)::

    certifier(classifier, x, alpha, r, eps, delta, seed) -> estimate

``classifier`` is a batched numpy function (B, n) masked inputs -> (B, C) class scores
(hidden features are 0); ``x`` a float array (n,); ``alpha`` a list of 0/1; ``eps`` and
``delta`` floats; ``seed`` an int. ``estimate`` is a number (τ̂), or an object / dict
with ``estimate`` (and optionally ``n_samples``). Properties (each a CheckResult):

* ``sca-sample-size``: one call at ε = δ = 0.1 evaluates at least ⌈ln(2/δ)/(2ε²)⌉ = 150
  inputs and reports no smaller ``n_samples`` (the classifier is instrumented and counts rows;
  only certain shortfalls are refuted);
* ``sca-sampler-law``: every evaluated mask lies in Δ_r(α), and the masks adding j >= 1
  features fit the uniform law on Δ_r conditioned on j >= 1 (χ², fixed seeds, false-alarm 1e-6;
  j = 0 is left out because a certifier may evaluate α itself as its reference);
* ``sca-coverage``: over K seeds on exact cases (exact τ_r with ties broken by the lowest
  class index, as argmax does), the misses |τ̂ − τ_r| > ε pass the one-sided
  binomial test (level 1e-6, as ``soft-stability-coverage``);
* ``sca-determinism``: the same seed gives the same estimate;
* ``sca-rng-isolation``: the global ``random``, numpy and torch RNG states are untouched, and
  the estimate does not depend on them.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import random
import sys
import time
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import InvalidArgument
from ..results import CheckResult, Verdict
from ._kinds import counterexample
from .bounds import binomial_miss_probability, binomial_upper_tail, hoeffding_samples, upper_dyadic
from .check_coverage import LEVEL, _select
from .check_sampler import FALSE_ALARM, chi_square
from .perturbations import supersets
from .rates import ScoreTable, stability_rate

__all__ = ["gate_certifier", "replay_gate", "PROPERTIES"]  # the CLI glue: mus_verify.cli.gate_sca

PROPERTIES = ("sca-sample-size", "sca-sampler-law", "sca-coverage", "sca-determinism", "sca-rng-isolation")
EPS = DELTA = 0.1


class _Instrumented:
    """h on x ⊙ mask backed by an exact table (x = 1..n, so the mask is the nonzero pattern); records every mask."""

    def __init__(self, table: ScoreTable) -> None:
        self.table = table
        self.scores = np.asarray(table.numerators, dtype=np.float64) / table.denominator
        self.rows = 0
        self.codes: list[int] = []

    def __call__(self, inputs: Any) -> np.ndarray:
        array = np.asarray(inputs, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != self.table.n:
            raise InvalidArgument("classifier input", f"array of shape {array.shape}", f"(B, {self.table.n}) masked inputs")
        codes = ((array != 0).astype(np.int64) << np.arange(self.table.n, dtype=np.int64)).sum(axis=1)
        self.rows += array.shape[0]
        self.codes.extend(int(c) for c in codes)
        return self.scores[codes]


def _estimate(value: Any) -> tuple[Fraction, int | None]:
    if isinstance(value, Mapping):
        return Fraction(value["estimate"]), value.get("n_samples")
    if hasattr(value, "estimate"):
        return Fraction(getattr(value, "estimate")), getattr(value, "n_samples", None)
    return Fraction(value), None


def _rng_digest() -> str:
    legacy: Any = np.random.get_state()  # the legacy tuple (its stubs also allow the dict form)
    state = [random.getstate(), legacy[1].tobytes()]
    if "torch" in sys.modules:
        state.append(sys.modules["torch"].random.get_rng_state().numpy().tobytes())
    return hashlib.sha256(pickle.dumps(state)).hexdigest()[:16]


def _call(certifier: Callable[..., Any], table: ScoreTable, alpha: int, r: int, seed: int) -> tuple[Fraction, _Instrumented]:
    h = _Instrumented(table)
    x = np.arange(1, table.n + 1, dtype=np.float64)
    bits = [(alpha >> i) & 1 for i in range(table.n)]
    value, _ = _estimate(certifier(h, x, bits, r, EPS, DELTA, seed))
    return value, h


def _result(name: str, verdict: Verdict, cases: int, message: str, started: float, data: dict[str, Any] | None = None, details: dict[str, Any] | None = None) -> CheckResult:
    found = counterexample("soft-stability-gate", message, {"property": name, **(data or {})}) if verdict is Verdict.REFUTED else None
    return CheckResult(name, verdict, "black-box", cases, {"eps": EPS, "delta": DELTA, "quantified_over": "certifier calls"}, found, None, message, time.perf_counter() - started, details or {})


def gate_certifier(certifier: Callable[..., Any], *, seed: int = 0, seeds: int = 25, properties: Sequence[str] | None = None) -> list[CheckResult]:
    """Run the gate's SCA properties against ``certifier``; one CheckResult per property."""
    chosen = PROPERTIES if properties is None else tuple(properties)
    for name in chosen:
        if name not in PROPERTIES:
            raise InvalidArgument("properties", name, f"one of {', '.join(PROPERTIES)}")
    # a numpy/torch certifier breaks ties by argmax (lowest index): the exact τ_r uses the same rule here
    cases = [(c, a, rr, stability_rate(c.table, a, rr, tie="lowest-index").rate) for c, a, rr, _ in _select(seed, 3)]
    case, alpha, r, tau = cases[0]
    results = []
    required = hoeffding_samples(Fraction(1, 10), Fraction(1, 10))
    if "sca-sample-size" in chosen:
        started = time.perf_counter()
        h = _Instrumented(case.table)
        x = np.arange(1, case.n + 1, dtype=np.float64)
        _, reported = _estimate(certifier(h, x, [(alpha >> i) & 1 for i in range(case.n)], r, EPS, DELTA, seed))
        # certain violations only: fewer classifier rows than N, or a reported N below it
        short = h.rows < required or (reported is not None and int(reported) < required)
        message = f"{h.rows} classifier rows (reported n_samples {reported}) for ε = δ = 0.1; Hoeffding needs N >= {required}"
        results.append(_result("sca-sample-size", Verdict.REFUTED if short else Verdict.VERIFIED, 1, message, started, {"rows": h.rows, "reported": reported, "required": required}))
    if "sca-sampler-law" in chosen:
        started = time.perf_counter()
        n_law, alpha_law, r_law = 6, 0, 3
        table = ScoreTable(n_law, np.tile(np.array([[1, 0]], dtype=np.int64), (1 << n_law, 1)), 1)
        codes: list[int] = []
        for k in range(20):
            codes.extend(_call(certifier, table, alpha_law, r_law, seed + k)[1].codes)
        states = [c for c in supersets(alpha_law, n_law, r_law) if c != alpha_law]
        outside = [c for c in codes if c not in set(states) and c != alpha_law]
        counts = [codes.count(c) for c in states]
        statistic, dof, p = chi_square(counts, [Fraction(1, len(states))] * len(states))
        bad = bool(outside) or p < FALSE_ALARM or sum(counts) == 0
        data = {"n": n_law, "alpha": alpha_law, "r": r_law, "counts": counts, "probabilities": [Fraction(1, len(states))] * len(states), "threshold": FALSE_ALARM,
                "outside": len(outside), "first_outside": outside[0] if outside else None, "statistic": statistic, "p_value": p}
        message = f"{len(codes)} masks over 20 calls: {len(outside)} outside Δ_{r_law}; χ² p = {p:.3g} (threshold {FALSE_ALARM}) for masks adding j >= 1"
        results.append(_result("sca-sampler-law", Verdict.REFUTED if bad else Verdict.NO_COUNTEREXAMPLE, len(codes), message, started, data))
    if "sca-coverage" in chosen:
        started = time.perf_counter()
        threshold = LEVEL / len(cases)
        rows, failure = [], None
        for index, (c, a, rr, t) in enumerate(cases):
            estimates = [_call(certifier, c.table, a, rr, seed * 7919 + index * 1009 + k)[0] for k in range(seeds)]
            misses = sum(abs(e - t) > Fraction(1, 10) for e in estimates)
            miss_p = upper_dyadic(binomial_miss_probability(required, t, Fraction(1, 10)))  # >= the exact p: a refutation stays sound
            tail = binomial_upper_tail(seeds, miss_p, misses)
            rows.append({"tau": t, "misses": misses, "p_value": float(tail)})
            if tail < threshold and failure is None:
                failure = {"tau": t, "estimates": estimates, "miss_probability": miss_p, "misses": misses, "seeds": seeds, "threshold": threshold, "eps": Fraction(1, 10), **c.data(), "alpha": a, "r": rr}
        message = f"{seeds * len(cases)} calls over {len(cases)} exact cases: misses {[row['misses'] for row in rows]}" + ("" if failure is None else f"; τ = {failure['tau']} missed {failure['misses']} times (P = {float(binomial_upper_tail(seeds, failure['miss_probability'], failure['misses'])):.3g})")
        results.append(_result("sca-coverage", Verdict.REFUTED if failure else Verdict.NO_COUNTEREXAMPLE, seeds * len(cases), message, started, failure, {"cases": rows}))
    if "sca-determinism" in chosen:
        started = time.perf_counter()
        first, second = _call(certifier, case.table, alpha, r, seed + 5)[0], _call(certifier, case.table, alpha, r, seed + 5)[0]
        verdict = Verdict.REFUTED if first != second else Verdict.VERIFIED
        results.append(_result("sca-determinism", verdict, 2, f"seed {seed + 5} twice: {first} and {second}", started, {"first": first, "second": second}))
    if "sca-rng-isolation" in chosen:
        started = time.perf_counter()
        random.seed(12345)
        np.random.seed(12345)
        before = _rng_digest()
        one = _call(certifier, case.table, alpha, r, seed + 9)[0]
        after = _rng_digest()
        random.seed(999)
        np.random.seed(999)
        two = _call(certifier, case.table, alpha, r, seed + 9)[0]
        bad = before != after or one != two
        message = f"global RNG digest {before} -> {after}; estimate under two global states: {one}, {two}"
        results.append(_result("sca-rng-isolation", Verdict.REFUTED if bad else Verdict.VERIFIED, 2, message, started, {"before": before, "after": after, "first": one, "second": two}))
    return results


def replay_gate(data: Mapping[str, Any]) -> bool:
    """Re-judge a gate counterexample from its numbers alone."""
    prop = data["property"]
    if prop == "sca-sample-size":
        reported = data.get("reported")
        return int(data["rows"]) < int(data["required"]) or (reported is not None and int(reported) < int(data["required"]))
    if prop == "sca-sampler-law":
        _, _, p = chi_square([int(c) for c in data["counts"]], [Fraction(str(v)) for v in data["probabilities"]])
        return int(data["outside"]) > 0 or p < float(data["threshold"])
    if prop == "sca-coverage":
        tau, eps = Fraction(str(data["tau"])), Fraction(str(data["eps"]))
        misses = sum(abs(Fraction(str(e)) - tau) > eps for e in data["estimates"])
        return binomial_upper_tail(len(data["estimates"]), Fraction(str(data["miss_probability"])), misses) < Fraction(str(data["threshold"]))
    if prop == "sca-determinism":
        return str(data["first"]) != str(data["second"])
    if prop == "sca-rng-isolation":
        return data["before"] != data["after"] or str(data["first"]) != str(data["second"])
    return False


if __name__ == "__main__":  # an entry point, not a dependency: the CLI glue lives in mus_verify.cli.gate_sca
    from ..cli.gate_sca import main

    sys.exit(main())
