"""Z3 proofs for bounded n and counterexample search for smoothing variants.

* :func:`prove` (:mod:`.prover`) — one property of one variant at one size: PROVED (UNSAT for every
  base classifier, input, mask and seed vector), REFUTED (a model confirmed by the exact judge) or
  UNKNOWN (the deterministic ``rlimit`` budget ran out);
* :func:`search` (:mod:`.size_search`) — sizes from the smallest upward until a counterexample;
* :mod:`.judges` — the exact (Z3-free) judges, registered as replayers of the ``smt-*`` kinds;
* :mod:`.crosscheck` — what every Z3 verdict is checked against before it is printed (the exact
  statement on a bounded sample of points, and Z3/exact agreement of the variant's terms);
* :mod:`.encoding`, :mod:`.ops_z3`, :mod:`.properties` — the encoding; :mod:`.lipschitz_pairs` — Thm 3.1's
  edge queries as the per-term relaxation that is the paper's proof (tried first; its UNSAT is a proof).

Importing this package registers the replayers but does not import z3; ``prove`` and ``search`` do.
"""

from __future__ import annotations

from typing import Any

from .._lazy import LazyExports
from ..results import register_replayer

PROPERTY_NAMES = ("masking-equivalence", "lipschitz", "stability", "marginals", "reference")

for _name in PROPERTY_NAMES:
    register_replayer(f"smt-{_name}", f"mus_verify.smt.judges:replay_{_name.replace('-', '_')}")

_EXPORTS = {
    "prove": "mus_verify.smt.prover",
    "DEFAULT_RLIMIT": "mus_verify.smt.prover",
    "search": "mus_verify.smt.size_search",
    "search_sizes": "mus_verify.smt.size_search",
    "judge": "mus_verify.smt.judges",
    "PROPERTIES": "mus_verify.smt.properties",
}

__all__ = ["PROPERTY_NAMES", *_EXPORTS]


_LAZY = LazyExports(__name__, _EXPORTS, eager=("PROPERTY_NAMES",))


def __getattr__(name: str) -> Any:
    return _LAZY.get(name)


def __dir__() -> list[str]:
    return _LAZY.dir()
