"""pytest plugin: gate a MuS implementation inside your own test suite.

Registered through the ``pytest11`` entry point ``mus_verify``, so installing
mus-verify makes it available in every pytest run. Loading it costs nothing:
it imports neither torch nor the gate until a test asks for the fixture.

Fixture ``mus_gate``: call it with a factory, an nn.Module-style class or a
TARGET string; the test fails with the gate's report (first counterexample of
each failing property, with a copy-paste reproduction) unless every property
holds, and the :class:`~mus_verify.gate.report.GateReport` is returned::

    def test_my_mus_is_sound(mus_gate):
        mus_gate(my_factory)

    @pytest.mark.mus_gate(profile="thorough", strict=True)
    def test_my_mus_is_the_reference(mus_gate):
        mus_gate("mypkg.smoothing:factory")

``mus_gate.report(impl)`` returns the report without failing. Settings come,
in increasing priority, from the ``mus_gate`` marker's keyword arguments, the
fixture call's keyword arguments (any
:class:`~mus_verify.gate.configs.GateSettings` field: ``profile``, ``strict``,
``seed``, ``ns``, ``qs``, ``lams``, ``properties``, ``adapter``, ``threads``,
``deployed``, ``time_budget``) and the command line (``--mus-gate-profile``,
``--mus-gate-strict``, ``--mus-gate-seed``): an option given for the whole
run, e.g. ``--mus-gate-profile=thorough`` in a nightly job, applies to every
gated test, whatever profile the tests pin for their everyday run.

Hypothesis profiles (defined in :mod:`mus_verify.strategies`):
``--hypothesis-profile=mus-ci`` (derandomised, no database: the same examples
on every CI run) and ``--hypothesis-profile=mus-thorough`` (1000 examples).
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["MARKER", "GateFixture", "mus_gate", "pytest_addoption", "pytest_configure"]

MARKER = "mus_gate"
_OPTIONS = {"profile": "--mus-gate-profile", "strict": "--mus-gate-strict", "seed": "--mus-gate-seed"}


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("mus-verify", "MuS correctness gate (mus_verify)")
    group.addoption("--mus-gate-profile", choices=("quick", "default", "thorough"), default=None, help="profile of the mus_gate fixture (default: default)")
    group.addoption("--mus-gate-strict", action="store_true", default=None, help="mus_gate also fails sound implementations that are not the reference L_qv")
    group.addoption("--mus-gate-seed", type=int, default=None, help="seed of the gate's generator in the mus_gate fixture")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): gate settings for the mus_gate fixture (profile=, strict=, seed=, ns=, qs=, lams=, properties=, adapter=)",
    )
    # Register the Hypothesis profiles before Hypothesis's own plugin loads the one asked for;
    # only then, so a run that does not ask pays nothing.
    try:
        profile = config.getoption("--hypothesis-profile", None)
    except (ValueError, AttributeError):
        profile = None
    if isinstance(profile, str) and profile.startswith("mus-"):
        import mus_verify.strategies  # noqa: F401  (registers mus-ci and mus-thorough)


class GateFixture:
    """The ``mus_gate`` fixture's value: call it to gate (failing the test), or ``report()`` to inspect."""

    def __init__(self, settings: dict[str, Any], forced: dict[str, Any] | None = None) -> None:
        self.settings = {**settings, **(forced or {})}
        self.forced = dict(forced or {})  # command-line options: they win over the call's keywords too

    def report(self, implementation: Any, **overrides: Any) -> Any:
        from mus_verify.gate import gate

        return gate(implementation, **{**self.settings, **overrides, **self.forced})

    def __call__(self, implementation: Any, **overrides: Any) -> Any:
        report = self.report(implementation, **overrides)
        if not report.ok:
            pytest.fail(report.render(), pytrace=False)
        return report


@pytest.fixture
def mus_gate(request: Any) -> GateFixture:
    """Gate a MuS implementation; fails the test with the first counterexample of every broken property."""
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        settings.update(marker.kwargs)
    forced: dict[str, Any] = {}
    for field, option in _OPTIONS.items():
        value = request.config.getoption(option, None)
        if value is not None:
            forced[field] = value
    return GateFixture(settings, forced)
