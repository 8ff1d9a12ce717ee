"""The curated public API of ``mus_verify`` (issue 11): lazy, light, complete, and one lazy helper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mus_verify

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "z3", "numpy", "scipy", "sklearn", "matplotlib", "shap", "captum", "ray", "transformers", "hypothesis")


def _modules_after(code: str) -> set[str]:
    """Top-level names in sys.modules after running ``code`` in a fresh interpreter."""
    script = code + "\nimport sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_import_mus_verify_is_light() -> None:
    loaded = _modules_after("import mus_verify; dir(mus_verify)")
    assert not loaded & set(HEAVY), f"import mus_verify loaded {sorted(loaded & set(HEAVY))}"


def test_the_exact_api_and_the_cli_parser_need_neither_torch_nor_z3() -> None:
    loaded = _modules_after(
        "from mus_verify import lqv, smooth, certified_radius, Variant, load_variant, check, Verdict, CheckResult, "
        "Counterexample, InvalidArgument\n"
        "from mus_verify.cli import build_parser; build_parser()"
    )
    assert not loaded & {"torch", "z3", "sklearn", "matplotlib", "shap", "captum", "ray"}


CURATED = [
    "lqv", "smooth", "certified_radius", "Variant", "load_variant", "check", "run_check", "prove", "search",
    "assert_gate_passes", "Verdict", "CheckResult", "Counterexample", "MuS",
    "MusVerifyError", "InvalidArgument", "EnvironmentProblem", "InternalError", "ImplementationError", "GateFailed",
    "BudgetExhausted", "BackendTruthValue", "VariantCodeError", "MissingInput", "UsageError",
]


def test_the_curated_names_are_listed_and_resolve_to_the_library_objects() -> None:
    from mus_verify import errors
    from mus_verify.checks import run_check
    from mus_verify.distributions import lqv
    from mus_verify.variants import Variant

    assert set(CURATED) <= set(mus_verify.__all__) and set(mus_verify.__all__) <= set(dir(mus_verify))
    assert mus_verify.check is run_check and mus_verify.run_check is run_check
    assert mus_verify.lqv is lqv and mus_verify.Variant is Variant
    assert all(getattr(mus_verify, name) is getattr(errors, name) for name in errors.__all__)
    for name in CURATED:
        if name != "MuS":
            assert getattr(mus_verify, name) is not None


def test_mus_is_the_torch_smoother() -> None:
    pytest.importorskip("torch")
    from mus_verify.torch_backend import MuS

    assert mus_verify.MuS is MuS


def test_gate_stays_the_package() -> None:
    """``mus_verify.gate`` is the package (the function is ``mus_verify.gate.gate``), whatever was loaded first."""
    import mus_verify.gate as gate_package

    assert mus_verify.assert_gate_passes is gate_package.assert_gate_passes
    assert mus_verify.gate is gate_package and callable(gate_package.gate)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        mus_verify.no_such_name  # noqa: B018


def test_every_package_with_lazy_names_uses_the_one_helper() -> None:
    """One PEP 562 implementation (mus_verify/_lazy.py): a package's __getattr__ only delegates to it."""
    copies = []
    for path in sorted((ROOT / "mus_verify").rglob("__init__.py")):
        text = path.read_text(encoding="utf-8")
        if "def __getattr__" in text and "LazyExports(" not in text:
            copies.append(str(path.relative_to(ROOT)))
    assert copies == []


@pytest.mark.parametrize("package", ["mus_verify", "mus_verify.gate", "mus_verify.smt", "mus_verify.soft_stability"])
def test_lazy_packages_list_what_they_export(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    assert module.__all__ and all(hasattr(module, name) for name in module.__all__ if name != "MuS")


PUBLIC = [
    "mus_verify.errors", "mus_verify.distributions", "mus_verify.smoothing", "mus_verify.certificates",
    "mus_verify.results", "mus_verify.variants", "mus_verify.checks", "mus_verify.smt", "mus_verify.gate",
    "mus_verify.strategies", "mus_verify.pytest_plugin", "mus_verify.soft_stability", "mus_verify.removal",
    "mus_verify.topk", "mus_verify.cli",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_module_has_an_all_that_resolves(name: str) -> None:
    """The public modules named in mus_verify/__init__'s docstring each curate their names (``__all__``)."""
    import importlib

    module = importlib.import_module(name)
    assert isinstance(module.__all__, list)
    assert [n for n in module.__all__ if not hasattr(module, n)] == []
    assert f":mod:`{name}`" in (mus_verify.__doc__ or "")
