"""Sample sizes and intervals of the SCA certifier (notes §2.2, §2.4), decided exactly where possible.

* :func:`hoeffding_samples`: N = ⌈ln(2/δ) / (2ε²)⌉, the smallest N with the
  two-sided Hoeffding bound 2·exp(−2Nε²) <= δ. **Ceiling**, because Hoeffding
  needs N >= ln(2/δ)/(2ε²); for rational ε, δ in (0, 1) the quotient is
  irrational (ln of a rational ≠ 1 is transcendental), so ⌈·⌉ equals the
  research code's ``floor(·) + 1`` (150 for ε = δ = 0.1). The comparison is
  decided in 60-digit decimal arithmetic with the margin checked, not in floats.
* :func:`binomial_miss_probability`: with i.i.d. uniform draws N·τ̂ ~ Binomial(N, τ)
  exactly, so P(|τ̂ − τ| > ε) is a finite sum of rationals.
* :func:`clopper_pearson`: the exact binomial (Clopper–Pearson) interval at level δ.
  Its endpoints come from ``scipy.stats.beta`` in **floats**; to stay valid they are
  widened outward by :data:`CP_WIDEN` (1e-9, far above scipy's ~1e-13 error) and,
  for N <= :data:`CP_EXACT_MAX_N`, each endpoint is verified with the exact
  binomial tail at its exact float value (widened again until it holds).
* :func:`binomial_upper_tail`: P(Bin(K, p) >= k) exactly: the one-sided binomial
  test of a miss count.

>>> hoeffding_samples("1/10", "1/10"), hoeffding_samples("1/10", "1/20"), hoeffding_samples("1/20", "1/20"), hoeffding_samples("1/100", "1/10")
(150, 185, 738, 14979)
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from .._validation import as_fraction, as_int
from ..errors import InvalidArgument

__all__ = [
    "check_eps_delta",
    "hoeffding_samples",
    "one_sided_samples",
    "hoeffding_miss_bound",
    "hoeffding_guarantees",
    "binomial_pmf",
    "binomial_upper_tail",
    "binomial_miss_probability",
    "upper_dyadic",
    "clopper_pearson",
    "hoeffding_interval",
    "CP_WIDEN",
    "CP_EXACT_MAX_N",
]

CP_WIDEN = 1e-9
CP_EXACT_MAX_N = 2000
_DIGITS = 60


def check_eps_delta(eps: Any, delta: Any) -> tuple[Fraction, Fraction]:
    eps = as_fraction(eps, "eps")
    delta = as_fraction(delta, "delta")
    if not 0 < eps < 1:
        raise InvalidArgument("eps", eps, "an accuracy ε in (0, 1)")
    if not 0 < delta < 1:
        raise InvalidArgument("delta", delta, "a failure probability δ in (0, 1)")
    return eps, delta


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _ceil_log_ratio(numerator: Fraction, eps: Fraction) -> int:
    """⌈ln(numerator) / (2ε²)⌉ decided in 60-digit decimals (refuses a quotient within 1e-40 of an integer)."""
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        quotient = _dec(numerator).ln() / (2 * _dec(eps) ** 2)
        ceiling = int(quotient.to_integral_value(rounding="ROUND_CEILING"))
        if abs(quotient - ceiling) < Decimal(10) ** -40 or abs(quotient - (ceiling - 1)) < Decimal(10) ** -40:
            raise InvalidArgument("eps, delta", (eps, numerator), "values whose Hoeffding quotient is not within 1e-40 of an integer")
    return max(1, ceiling)


def hoeffding_samples(eps: Any, delta: Any) -> int:
    """N = ⌈ln(2/δ) / (2ε²)⌉: two-sided Hoeffding, P(|τ̂ − τ| > ε) <= 2·exp(−2Nε²) <= δ."""
    eps, delta = check_eps_delta(eps, delta)
    return _ceil_log_ratio(2 / delta, eps)


def one_sided_samples(eps: Any, delta: Any) -> int:
    """⌈ln(1/δ) / (2ε²)⌉: enough for the one-sided τ >= τ̂ − ε only (a planted bug when used two-sided)."""
    eps, delta = check_eps_delta(eps, delta)
    return _ceil_log_ratio(1 / delta, eps)


def hoeffding_miss_bound(n_samples: int, eps: Any) -> Decimal:
    """2·exp(−2Nε²) in 60-digit decimals."""
    eps = as_fraction(eps, "eps")
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return 2 * (-(2 * n_samples * _dec(eps) ** 2)).exp()


def hoeffding_guarantees(n_samples: int, eps: Any, delta: Any) -> bool:
    """True iff 2·exp(−2Nε²) <= δ, i.e. N >= :func:`hoeffding_samples` (decided exactly, see module)."""
    eps, delta = check_eps_delta(eps, delta)
    return as_int(n_samples, "n_samples", low=0) >= hoeffding_samples(eps, delta)


def binomial_pmf(n: int, p: Fraction) -> list[Fraction]:
    """[P(Bin(n, p) = i) for i = 0..n] as exact rationals."""
    p = as_fraction(p, "p")
    if not 0 <= p <= 1:
        raise InvalidArgument("p", p, "a probability in [0, 1]")
    return [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]


def binomial_upper_tail(n: int, p: Any, k: int) -> Fraction:
    """P(Bin(n, p) >= k) exactly (1 when k <= 0)."""
    p = as_fraction(p, "p")
    if k <= 0:
        return Fraction(1)
    if k > n:
        return Fraction(0)
    return sum(binomial_pmf(n, p)[k:], Fraction(0))


def binomial_miss_probability(n_samples: int, tau: Any, eps: Any) -> Fraction:
    """P(|X/N − τ| > ε) for X ~ Binomial(N, τ): the exact miss probability of the SCA interval τ̂ ± ε."""
    tau, eps = as_fraction(tau, "tau"), as_fraction(eps, "eps")
    pmf = binomial_pmf(n_samples, tau)
    return sum((pmf[i] for i in range(n_samples + 1) if abs(Fraction(i, n_samples) - tau) > eps), Fraction(0))


def upper_dyadic(p: Fraction, bits: int = 64) -> Fraction:
    """⌈p·2^bits⌉ / 2^bits >= p: a short rational upper bound (binomial tails are increasing in p,
    so a test that refutes with the bound also refutes with p itself)."""
    return Fraction(-((-p.numerator << bits) // p.denominator), 1 << bits)


def hoeffding_interval(stable: int, n_samples: int, eps: Any) -> tuple[Fraction, Fraction]:
    """[τ̂ − ε, τ̂ + ε] clipped to [0, 1], exact."""
    eps = as_fraction(eps, "eps")
    tau = Fraction(stable, n_samples)
    return max(Fraction(0), tau - eps), min(Fraction(1), tau + eps)


def _tail_at_least(n: int, k: int, p: Fraction) -> Fraction:
    """P(Bin(n, p) >= k) with integer arithmetic (p = a/b): Σ C(n,i) a^i (b−a)^(n−i) / b^n."""
    a, b = p.numerator, p.denominator
    total = sum(math.comb(n, i) * a**i * (b - a) ** (n - i) for i in range(k, n + 1))
    return Fraction(total, b**n)


def clopper_pearson(stable: int, n_samples: int, delta: Any) -> tuple[float, float]:
    """Exact-binomial interval [L, U] with P(L <= τ <= U) >= 1 − δ (δ/2 per side), conservative floats.

    L solves P(Bin(N, L) >= k) = δ/2 (L = 0 when k = 0), U solves P(Bin(N, U) <= k) = δ/2
    (U = 1 when k = N). Floats from scipy, widened outward; see the module docstring.
    """
    from scipy.stats import beta

    n = as_int(n_samples, "n_samples", low=1)
    k = as_int(stable, "stable", low=0, high=n)
    delta = as_fraction(delta, "delta")
    if not 0 < delta < 1:
        raise InvalidArgument("delta", delta, "a failure probability δ in (0, 1)")
    half = float(delta) / 2
    lower = 0.0 if k == 0 else max(0.0, float(beta.ppf(half, k, n - k + 1)) - CP_WIDEN)
    upper = 1.0 if k == n else min(1.0, float(beta.ppf(1 - half, k + 1, n - k)) + CP_WIDEN)
    if n <= CP_EXACT_MAX_N:
        widen = CP_WIDEN
        # a valid lower end has P(X >= k | L) <= δ/2; a valid upper end has P(X <= k | U) <= δ/2
        while k > 0 and lower > 0 and _tail_at_least(n, k, Fraction(lower)) > delta / 2:
            widen *= 10
            lower = max(0.0, lower - widen)
        widen = CP_WIDEN
        while k < n and upper < 1 and 1 - _tail_at_least(n, k + 1, Fraction(upper)) > delta / 2:
            widen *= 10
            upper = min(1.0, upper + widen)
    return lower, upper
