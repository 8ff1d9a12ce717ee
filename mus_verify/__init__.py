"""mus_verify: check the stability guarantees of Multiplicative Smoothing (MuS) exactly.

The exact reference (rational arithmetic) is the single source of truth:

* :mod:`mus_verify.distributions` — exact mask distributions (L_qv(λ), i.i.d. Bernoulli, finite);
* :mod:`mus_verify.smoothing` — g(x, α) = E_s h(x ⊙ α ⊙ s) as exact rationals;
* :mod:`mus_verify.certificates` — the strict, tie-aware stability radius;
* :mod:`mus_verify.results` — verdicts, results and replayable counterexamples;
* :mod:`mus_verify.checks` — the registered checks behind ``mus-verify check``.

Names are loaded lazily so ``import mus_verify`` stays fast and never imports
torch or z3.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "InvalidArgument": "mus_verify.errors",
    "MusVerifyError": "mus_verify.errors",
    "EnvironmentProblem": "mus_verify.errors",
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
    "Verdict": "mus_verify.results",
    "CheckResult": "mus_verify.results",
    "Counterexample": "mus_verify.results",
    "CheckConfig": "mus_verify.checks",
    "run_check": "mus_verify.checks",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mus_verify' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
