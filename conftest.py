"""Repository-level pytest hook: doctests of modules that need a missing optional extra are skipped.

``--doctest-modules`` (pyproject.toml) imports every ``.py`` under ``mus_verify/`` and ``tests/`` to collect
its doctests. Without torch (or another extra, issue 11) the modules that need it at import time --
``mus_verify/torch_backend/*``, ``mus_verify/topk/torch/*``, the gate's torch implementations under
``tests/gate/impls/`` -- raise ``ModuleNotFoundError`` or :class:`~mus_verify.errors.EnvironmentProblem`
while being imported, which pytest reports as a collection error. This hook turns exactly that case into
a reported skip naming the missing extra; any other import failure (a bug, a broken install, a missing
core dependency) stays an error. Test modules skip themselves (``pytest.importorskip`` or the
``requires_*`` markers, tests/conftest.py); this hook only sees doctest modules.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Generator

import pytest
from _pytest.doctest import DoctestModule
from _pytest.reports import CollectReport

from mus_verify._optional import EXTRAS, missing_message


def _missing_extra(excinfo: Any) -> str | None:
    """The optional module (top-level name) whose absence made this import fail, else None."""
    from mus_verify.errors import EnvironmentProblem

    missing = {name for name in EXTRAS if importlib.util.find_spec(name) is None}
    exc: BaseException | None = excinfo.value
    while exc is not None:  # pytest wraps the ImportError in its CollectError ("from e")
        if isinstance(exc, ModuleNotFoundError) and exc.name and exc.name.split(".", 1)[0] in missing:
            return exc.name.split(".", 1)[0]
        if isinstance(exc, EnvironmentProblem):
            # require() words it with missing_message(): "<purpose> needs <module>, which is not installed"
            for name in sorted(missing):
                if f"needs {name}, which is not installed" in str(exc):
                    return name
        exc = exc.__cause__ or exc.__context__
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report: CollectReport = outcome.get_result()
    if not isinstance(collector, DoctestModule) or report.outcome != "failed":
        return
    try:
        list(collector.collect())  # the import again, to see the exception itself (pytest keeps only its text)
    except Exception:  # noqa: BLE001 -- classified below; anything that is not a missing extra stays the failure
        import sys

        excinfo = pytest.ExceptionInfo.from_exc_info(sys.exc_info())  # type: ignore[arg-type]
        module = _missing_extra(excinfo)
        if module is not None:
            reason = "doctests not collected: " + missing_message(module, purpose=str(collector.path.name))
            outcome.force_result(CollectReport(report.nodeid, "skipped", (str(collector.path), 0, reason), [], sections=report.sections))
