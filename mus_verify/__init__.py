"""mus_verify: check the stability guarantees of Multiplicative Smoothing (MuS) exactly.

The curated public API (everything below is importable from ``mus_verify`` itself, loaded lazily so
``import mus_verify`` imports neither torch nor z3 nor numpy):

* exact reference — :func:`lqv`, :func:`bernoulli_iid`, :func:`finite`, :class:`MaskDistribution`
  (:mod:`mus_verify.distributions`); :func:`smooth`, :func:`smooth_f` (:mod:`mus_verify.smoothing`);
  :func:`certified_radius`, :func:`certify`, :func:`top_two` (:mod:`mus_verify.certificates`);
* variants — :class:`Variant`, :func:`load_variant` (:mod:`mus_verify.variants`);
* checking — :func:`check` (= :func:`run_check`, the registry behind ``mus-verify check``),
  :func:`prove` and :func:`search` (Z3, :mod:`mus_verify.smt`), :func:`assert_gate_passes` (the gate;
  ``mus_verify.gate.gate`` returns its report: the name ``mus_verify.gate`` is the package);
* results — :class:`Verdict`, :class:`CheckResult`, :class:`Counterexample` (:mod:`mus_verify.results`);
* errors — every exception class (:mod:`mus_verify.errors`);
* torch (optional extra ``pip install "mus-verify[torch]"``) — :class:`MuS` (:mod:`mus_verify.torch_backend`).

Public modules (stable names; import from them freely): :mod:`mus_verify.errors`,
:mod:`mus_verify.distributions`, :mod:`mus_verify.smoothing`, :mod:`mus_verify.certificates`,
:mod:`mus_verify.results`, :mod:`mus_verify.variants`, :mod:`mus_verify.checks`, :mod:`mus_verify.smt`,
:mod:`mus_verify.gate`, :mod:`mus_verify.torch_backend`, :mod:`mus_verify.strategies`,
:mod:`mus_verify.pytest_plugin`, :mod:`mus_verify.soft_stability`, :mod:`mus_verify.removal`,
:mod:`mus_verify.topk`, :mod:`mus_verify.cli` (``main(argv) -> int``) — each through the names in its
``__all__``. Everything else (``_``-prefixed modules, and the sub-modules of the packages above that
their ``__init__`` does not re-export: ``exhaustive``, ``report``, ``replaying``, ``gate.properties``,
...) is internal and may change without notice. The layer order the package keeps is declared in
:mod:`mus_verify._layers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._lazy import LazyExports

__version__ = "0.1.0"

_ERRORS = (
    "MusVerifyError", "InvalidArgument", "EnvironmentProblem", "InternalError", "ImplementationError", "GateFailed",
    "BudgetExhausted", "BackendTruthValue", "VariantCodeError", "MissingInput", "UsageError",
)

_EXPORTS = {
    **{name: "mus_verify.errors" for name in _ERRORS},
    "MaskDistribution": "mus_verify.distributions",
    "lqv": "mus_verify.distributions",
    "bernoulli_iid": "mus_verify.distributions",
    "finite": "mus_verify.distributions",
    "random_seed_vector": "mus_verify.distributions",
    "smooth": "mus_verify.smoothing",
    "smooth_f": "mus_verify.smoothing",
    "certified_radius": "mus_verify.certificates",
    "certify": "mus_verify.certificates",
    "certify_incremental": "mus_verify.certificates",
    "certify_decremental": "mus_verify.certificates",
    "top_two": "mus_verify.certificates",
    "Certificate": "mus_verify.certificates",
    "Variant": "mus_verify.variants",
    "load_variant": "mus_verify.variants",
    "Verdict": "mus_verify.results",
    "CheckResult": "mus_verify.results",
    "Counterexample": "mus_verify.results",
    "CheckConfig": "mus_verify.checks",
    "run_check": "mus_verify.checks",
    "check": "mus_verify.checks:run_check",
    "prove": "mus_verify.smt.prover:prove",
    "search": "mus_verify.smt.size_search:search",
    "assert_gate_passes": "mus_verify.gate:assert_gate_passes",
    "MuS": "mus_verify.torch_backend:MuS",
}

_LAZY = LazyExports(__name__, _EXPORTS, eager=("__version__",))
__all__ = _LAZY.names()

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time every name is loaded on first use
    from .certificates import Certificate, certified_radius, certify, certify_decremental, certify_incremental, top_two
    from .checks import CheckConfig, run_check
    from .checks import run_check as check
    from .distributions import MaskDistribution, bernoulli_iid, finite, lqv, random_seed_vector
    from .errors import (
        BackendTruthValue, BudgetExhausted, EnvironmentProblem, GateFailed, ImplementationError, InternalError,
        InvalidArgument, MissingInput, MusVerifyError, UsageError, VariantCodeError,
    )
    from .gate import assert_gate_passes
    from .results import CheckResult, Counterexample, Verdict
    from .smoothing import smooth, smooth_f
    from .smt.prover import prove
    from .smt.size_search import search
    from .torch_backend import MuS
    from .variants import Variant, load_variant


def __getattr__(name: str) -> Any:
    return _LAZY.get(name)


def __dir__() -> list[str]:
    return _LAZY.dir()
