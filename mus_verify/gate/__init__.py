"""The CI correctness gate for third-party MuS implementations (issue 6).

Contract of an implementation under test: a factory
``factory(base, *, q, lam, seed) -> smoothed`` where ``smoothed(x, alpha)``
returns the (B, m) smoothed probabilities g(x, α) and may have
``smoothed.certify(x, alpha) -> (B,)`` integer radii; or an nn.Module class
``Cls(base_model, q, lambd)`` with ``forward(x, alpha=None[, mu=None])``
(adapted by :class:`~mus_verify.gate.target.ModuleFactory`).

>>> from mus_verify.gate import GateSettings, PROPERTIES
>>> PROPERTIES[:4]
('contract', 'rng_isolation', 'probabilities', 'masked_inputs')
>>> GateSettings(profile="quick").strict
False

Typical use::

    from mus_verify.gate import gate
    report = gate("mypkg.smoothing:factory")        # or gate(factory), gate(MyMuSModule)
    print(report.render()); assert report.ok

The command line is ``mus-verify gate TARGET``; the pytest plugin
(:mod:`mus_verify.pytest_plugin`) offers the ``mus_gate`` fixture. Nothing
here imports torch until an implementation is actually gated.
"""

from __future__ import annotations

from typing import Any

from .._lazy import LazyExports
from ..errors import GateFailed  # defined in errors.py; re-exported here
from ..results import register_replayer

__all__ = [
    "gate",
    "run_gate",
    "assert_gate_passes",
    "GateFailed",
    "GateSettings",
    "GateReport",
    "GateConfig",
    "PROFILES",
    "PROPERTIES",
    "load_target",
    "load_factory",
    "as_factory",
    "ModuleFactory",
]

PROPERTIES = (
    "contract",
    "rng_isolation",
    "probabilities",
    "masked_inputs",
    "unmasked_probes",
    "base_not_copied",
    "inputs_unchanged",
    "determinism",
    "batch_consistency",
    "thread_consistency",
    "keep_rates",
    "seed_use",
    "masking_equivalence",
    "keep_mask",
    "lipschitz",
    "certificate",
    "alpha_validation",
    "conformance",
)

for _name in PROPERTIES:
    register_replayer(f"gate.{_name}", "mus_verify.gate.replay:replay")

_EXPORTS = {
    "run_gate": "mus_verify.gate.runner",
    "GateSettings": "mus_verify.gate.configs",
    "GateConfig": "mus_verify.gate.configs",
    "PROFILES": "mus_verify.gate.configs",
    "GateReport": "mus_verify.gate.report",
    "load_target": "mus_verify.gate.target",
    "load_factory": "mus_verify.gate.target",
    "as_factory": "mus_verify.gate.target",
    "ModuleFactory": "mus_verify.gate.target",
}


def gate(implementation: Any, **settings: Any) -> Any:
    """Gate a factory, an nn.Module-style class or a TARGET string; keyword arguments are :class:`GateSettings` fields."""
    from .._optional import require

    require("torch", purpose="the gate (mus_verify.gate.gate)")
    from .configs import GateSettings
    from .runner import run_gate

    target = settings.pop("target", None)
    progress = settings.pop("progress", None)  # progress(done, total, label), see mus_verify.gate.runner
    return run_gate(implementation, GateSettings(**_tuples(settings)), target=target, progress=progress)


def assert_gate_passes(implementation: Any, **settings: Any) -> Any:
    """:func:`gate`, raising :class:`GateFailed` (an AssertionError) with the rendered report unless every property holds."""
    report = gate(implementation, **settings)
    if not report.ok:
        raise GateFailed(report)
    return report


def _tuples(settings: dict[str, Any]) -> dict[str, Any]:
    for key in ("ns", "qs", "lams", "properties", "deployed"):
        if key in settings and settings[key] is not None and not isinstance(settings[key], tuple):
            value = settings[key]
            settings[key] = tuple(value) if isinstance(value, (list, set, frozenset)) else (value,)
    return settings


_LAZY = LazyExports(__name__, _EXPORTS, eager=__all__)


def __getattr__(name: str) -> Any:
    return _LAZY.get(name)


def __dir__() -> list[str]:
    return _LAZY.dir()
