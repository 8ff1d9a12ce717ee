"""``search``: prove a property at every size from the smallest upward; stop at the first counterexample.

Sizes are ordered by n, then q, then λ = k/q: for each n in 1..max_n, each q in
the given list (default 2..4) and each k in 1..q-1 (λ < 1: λ = 1 is no
smoothing at all). A fixed ``lam`` restricts λ; variants whose noise does not
depend on q (``quantized = False``) are searched once per distinct λ. The
first REFUTED size is the smallest counterexample in that order; if every
size is PROVED, the list of results is the set of sizes proved.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterator, Sequence

from .._validation import as_fraction, as_int, check_q
from ..errors import InvalidArgument
from ..results import CheckResult, Verdict
from ..variants.loader import load_variant
from .prover import DEFAULT_RLIMIT, MAX_N, prove

__all__ = ["search", "search_sizes", "DEFAULT_MAX_N", "DEFAULT_QS"]

DEFAULT_MAX_N = 4
DEFAULT_QS = (2, 3, 4)


def search_sizes(variant: Any, max_n: int, qs: Sequence[int] | None = None, lam: Any = None) -> Iterator[tuple[int, int, Fraction]]:
    """The (n, q, λ) sizes a search visits, smallest first."""
    variant_obj = load_variant(variant)
    max_n = as_int(max_n, "max_n", low=1, high=MAX_N)  # prove() refuses larger n; say so before running the smaller ones
    explicit = qs is not None
    qs = tuple(check_q(q, "q") for q in (qs or DEFAULT_QS))
    fixed = None if lam is None else as_fraction(lam, "lam")
    for n in range(1, max_n + 1):
        seen: set[Fraction] = set()
        for q in qs:
            lams = [fixed] if fixed is not None else [Fraction(k, q) for k in range(1, q)]
            for value in lams:
                if not variant_obj.quantized:
                    if value in seen:
                        continue
                    seen.add(value)
                elif (value * q).denominator != 1:
                    if not explicit:
                        continue  # a fixed λ only pairs with the default q's it is a multiple of
                    raise InvalidArgument("lam", value, f"a multiple of 1/q = 1/{q} for {variant_obj.name}")
                yield n, q, value


def search(
    variant: Any,
    prop: str,
    *,
    max_n: int = DEFAULT_MAX_N,
    qs: Sequence[int] | None = None,
    lam: Any = None,
    radius_rule: str = "strict",
    direction: str = "any",
    classes: int = 2,
    mode: str = "average",
    rlimit: int = DEFAULT_RLIMIT,
    random_seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> list[CheckResult]:
    """Results for every size visited, ending at the first REFUTED one (if any)."""
    sizes = list(search_sizes(variant, max_n, qs, lam))
    if not sizes:
        raise InvalidArgument("lam", lam, f"a multiple of 1/q for some q in {list(qs or DEFAULT_QS)} (or give --q)")
    results = []
    for n, q, value in sizes:
        result = prove(prop, variant, n, q, value, radius_rule=radius_rule, direction=direction, classes=classes, mode=mode, rlimit=rlimit, random_seed=random_seed)
        results.append(result)
        if progress:
            progress(1)
        if result.verdict is Verdict.REFUTED:
            break
    return results


def summarize(results: Sequence[CheckResult]) -> dict[str, Any]:
    """What a search found: the counterexample size, the sizes proved and those left unknown."""
    def size(r: CheckResult) -> dict[str, Any]:
        return {"n": r.params["n"], "q": r.params["q"], "lam": r.params["lam"]}

    refuted = [size(r) for r in results if r.verdict is Verdict.REFUTED]
    return {
        "smallest_counterexample": refuted[0] if refuted else None,
        "proved": [size(r) for r in results if r.verdict is Verdict.PROVED],
        "unknown": [size(r) for r in results if r.verdict is Verdict.UNKNOWN],
    }
