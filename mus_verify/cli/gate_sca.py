"""``mus-verify gate --kind sca TARGET``: the command-line glue of the soft-stability (SCA) certifier gate.

The gate itself is :func:`mus_verify.soft_stability.gate.gate_certifier` (an app; it never imports the
CLI). :mod:`mus_verify.cli.gate` imports this module only for ``--kind sca``.
``python -m mus_verify.soft_stability.gate TARGET`` runs :func:`main` too.
"""

from __future__ import annotations

import argparse
from typing import Any, Sequence

from ..errors import InvalidArgument, MusVerifyError
from ..soft_stability.gate import gate_certifier
from .output import emit, emit_error

__all__ = ["run_from_cli", "main"]


def run_from_cli(args: Any) -> int:
    """``mus-verify gate --kind sca TARGET``: args.target, args.json, args.seed (args.strict has no effect here)."""
    from .._loading import load_attribute

    certifier = load_attribute(args.target, argument="TARGET")
    if not callable(certifier):
        raise InvalidArgument("TARGET", args.target, "a callable certifier(classifier, x, alpha, r, eps, delta, seed) -> estimate")
    results = gate_certifier(certifier, seed=int(getattr(args, "seed", 0) or 0))
    return emit(results, bool(getattr(args, "json", False)), extra={"gate": {"kind": "sca", "target": args.target}})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mus_verify.soft_stability.gate TARGET [--seed S] [--json]`` (the same as ``mus-verify gate --kind sca``)."""
    parser = argparse.ArgumentParser(prog="python -m mus_verify.soft_stability.gate")
    parser.add_argument("target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    try:
        return run_from_cli(args)
    except MusVerifyError as exc:
        return emit_error(str(exc), args.json)
