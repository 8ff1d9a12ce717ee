"""``mus-verify search --engine ray``: the sizes of a size search proved in parallel, the same answer.

:func:`mus_verify.smt.size_search.search` proves a property at each (n, q, λ) from the smallest up and
stops at the first counterexample. Each size is an independent, deterministic Z3 run (a resource
limit and a random seed, never a wall clock), so the sizes are shards: a refuted size k cancels the
sizes after it only (:func:`mus_verify.parallel.run_shards`), the sizes before it still finish, and the
list returned is exactly the local one: every size up to and including the first refuted one.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any, Callable, Sequence

from ..parallel import run_shards
from ..results import CheckResult, Verdict
from ..smt.prover import prove
from ..smt.size_search import DEFAULT_MAX_N, search, search_sizes

__all__ = ["search_on_engine"]


def search_on_engine(variant: Any, prop: str, *, max_n: int = DEFAULT_MAX_N, qs: Sequence[int] | None = None, lam: Any = None,
                     engine: str = "local", workers: int | None = None, address: str | None = None,
                     progress: Callable[[int], None] | None = None, **options: Any) -> list[CheckResult]:
    """:func:`~mus_verify.smt.size_search.search` with its sizes on ``engine`` (``options``: prove()'s keywords)."""
    sizes = list(search_sizes(variant, max_n, qs, lam))
    if engine == "local" or not sizes:  # no sizes: search() raises the error that says why
        return search(variant, prop, max_n=max_n, qs=qs, lam=lam, progress=progress, **options)
    one_size = functools.partial(prove, prop, variant, **options)
    results = run_shards(one_size, sizes, engine=engine, workers=workers, address=address, progress=progress,
                         stop_after_first_failure=lambda r: r.verdict is Verdict.REFUTED)
    done = [r for r in results if r is not None]  # a prefix: the sizes after the first refuted one are cancelled
    return [replace(r, details={**r.details, "engine": engine}) for r in done]
