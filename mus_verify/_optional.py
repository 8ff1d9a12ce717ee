"""Optional dependencies: one check, one message (issue 11).

The exact core, the exhaustive engine and Z3 need only numpy, scipy and z3-solver. torch (the fast path:
``diff``, ``bench``, the gate's nn.Module targets, reports, :class:`~mus_verify.torch_backend.MuS`),
scikit-learn, matplotlib, captum, shap, transformers and ray are optional extras. Code that needs one
calls :func:`require` where it first needs it, and the CLI turns a missing one into exit 2 with the same
message (:func:`missing_message`), never a traceback.

>>> require("fractions", extra="torch", purpose="a doctest").__name__
'fractions'
>>> print(missing_message("torch", purpose="mus-verify diff"))  # doctest: +ELLIPSIS
mus-verify diff needs torch, which is not installed: pip install "mus-verify[torch]" ...
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import EnvironmentProblem

__all__ = ["EXTRAS", "require", "missing_message", "extra_of"]

#: importable top-level name -> (pip distribution, the mus-verify extra that installs it)
EXTRAS: dict[str, tuple[str, str]] = {
    "torch": ("torch", "torch"),
    "sklearn": ("scikit-learn", "report"),
    "matplotlib": ("matplotlib", "report"),
    "captum": ("captum", "report"),
    "shap": ("shap", "attribution"),
    "transformers": ("transformers", "test"),
    "ray": ("ray", "ray"),
    "mpmath": ("mpmath", "torch"),  # ships with torch (through sympy)
}

# torch's wheels: the pinned version takes a local CPU wheel where one is offered (as on the project's
# machines) instead of pulling several GB of CUDA packages; GPU users pick the CUDA build's index.
TORCH_NOTE = (
    "(pip install torch==2.13.0 gets the CPU build where a local CPU wheel is offered; for a GPU install the "
    "CUDA build first, e.g. pip install torch --index-url https://download.pytorch.org/whl/cu128, see "
    "https://pytorch.org/get-started/locally/)"
)


def extra_of(module: str) -> str | None:
    """The extra that installs ``module`` (its top-level name), or None when it is not an optional dependency."""
    entry = EXTRAS.get(module.split(".", 1)[0])
    return None if entry is None else entry[1]


def missing_message(module: str, *, purpose: str, extra: str | None = None) -> str:
    """``PURPOSE needs MODULE, which is not installed: pip install "mus-verify[EXTRA]"`` (+ torch's wheel note)."""
    top = module.split(".", 1)[0]
    distribution, known_extra = EXTRAS.get(top, (top, None))
    extra = extra or known_extra
    install = f'pip install "mus-verify[{extra}]"' if extra else f"pip install {distribution}"
    message = f"{purpose} needs {top}, which is not installed: {install}"
    return message + (" " + TORCH_NOTE if top == "torch" else "")


def require(module: str, *, extra: str | None = None, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`~mus_verify.errors.EnvironmentProblem` (exit 2) saying how to install it.

    Only a missing ``module`` itself is turned into the message; an error inside it (a broken install)
    propagates unchanged.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module.startswith(exc.name):
            raise
        raise EnvironmentProblem(missing_message(module, purpose=purpose, extra=extra)) from None
