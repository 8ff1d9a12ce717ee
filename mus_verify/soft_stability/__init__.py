"""Soft stability (Jin, Xue, You, Goel, Wong, NeurIPS 2025): exact stability rates, the SCA certifier, checks.

Layers, lower first (none imports upward):

* exact core: :mod:`.perturbations` (Δ_r), :mod:`.rates` (τ_r, R*, exact MuS tables),
  :mod:`.bounds` (Hoeffding N, exact binomial law, Clopper–Pearson), :mod:`.theory`
  (Möbius / Fourier transforms, the MuS operator, the §3.3 bounds);
* sampling: :mod:`.sampler` (exactly uniform on Δ_r, integer weights), :mod:`.sca` (the certifier);
* judges and checks: :mod:`.judges`, :mod:`.checks` (``mus-verify check soft-stability-*``),
  :mod:`.planted` (planted bugs, never defaults);
* apps: :mod:`.study` (``mus-verify soft-stability``), :mod:`.gate` (``mus-verify gate --kind sca``).

Importing this package imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

from .._lazy import LazyExports

_EXPORTS = {
    "delta_size": ".perturbations",
    "supersets": ".perturbations",
    "subsets": ".perturbations",
    "ScoreTable": ".rates",
    "Rate": ".rates",
    "stability_rate": ".rates",
    "rate_curve": ".rates",
    "hard_radius": ".rates",
    "smooth_lqv": ".rates",
    "smooth_iid": ".rates",
    "hoeffding_samples": ".bounds",
    "clopper_pearson": ".bounds",
    "UniformSupersetSampler": ".sampler",
    "SCAEstimate": ".sca",
}

_LAZY = LazyExports(__name__, _EXPORTS)
__all__ = _LAZY.names()


def __getattr__(name: str) -> Any:
    return _LAZY.get(name)


def __dir__() -> list[str]:
    return _LAZY.dir()
