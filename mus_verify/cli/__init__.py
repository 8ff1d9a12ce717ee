"""The ``mus-verify`` command line: a thin layer over the library.

``main(argv) -> int`` runs in-process (tests call it directly). Sub-commands
live in their own modules listed in ``COMMAND_MODULES``; each exposes
``register(subparsers, common)``, sets ``handler`` and imports nothing heavy
at module level so ``--help`` stays fast. Exit codes are in
:mod:`mus_verify.cli.output`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..errors import MusVerifyError, UsageError  # UsageError: defined in errors.py, re-exported here
from .._optional import extra_of, missing_message
from .output import EXIT_INCONCLUSIVE, EXIT_USAGE, emit_error, error_document

__all__ = ["main", "main_exit", "build_parser", "COMMAND_MODULES", "EPILOG", "INTERRUPTED_MESSAGE", "UsageError"]

COMMAND_MODULES = ("mus_verify.cli.check", "mus_verify.cli.report", "mus_verify.cli.prove", "mus_verify.cli.diff", "mus_verify.cli.gate", "mus_verify.cli.bench", "mus_verify.cli.replay", "mus_verify.cli.soft_stability", "mus_verify.cli.attribution_diff")

EPILOG = """exit codes: 0 every result holds; 1 a counterexample was found; 2 usage or
environment error; 3 inconclusive (UNKNOWN or VACUOUS, or interrupted by Ctrl-C;
never a pass).
--json prints one object {"ok": bool, "results": [...]} on stdout."""


INTERRUPTED_MESSAGE = "interrupted: nothing was decided"


def _emit_interrupted(as_json: bool) -> int:
    """Ctrl-C (or SIGTERM under the Ray engine): one line, not a traceback; exit 3, the run did not finish.

    The JSON object has the error shape of :func:`~mus_verify.cli.output.emit_error` plus ``"interrupted": true``.
    """
    sys.stderr.write(f"mus-verify: {INTERRUPTED_MESSAGE}\n")
    if as_json:
        sys.stdout.write(error_document(INTERRUPTED_MESSAGE, interrupted=True))
    sys.stdout.flush()
    return EXIT_INCONCLUSIVE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    # SUPPRESS keeps a sub-command's default from overwriting a --json given before it.
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object on stdout")
    parser = _Parser(
        prog="mus-verify",
        description="Check the stability guarantees of Multiplicative Smoothing (MuS) exactly.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", default=False, help="print one JSON object on stdout")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    wants_json = "--json" in argv
    command = next((word for word in argv if not word.startswith("-")), None)
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:  # --help and --version only: a SystemExit from user code is not a result
            return int(exc.code or 0)
        if getattr(args, "handler", None) is None:
            build_parser().print_help(sys.stderr)
            return EXIT_USAGE
        return int(args.handler(args))
    except UsageError as exc:
        return emit_error(str(exc), wants_json)
    except MusVerifyError as exc:
        return emit_error(str(exc), wants_json)
    except ModuleNotFoundError as exc:  # an optional extra (torch, scikit-learn, ...) is missing: say how to install it
        if exc.name is None or extra_of(exc.name) is None:
            raise
        return emit_error(missing_message(exc.name, purpose=f"mus-verify {command or ''}".strip()), wants_json)
    except KeyboardInterrupt:  # Ctrl-C: no verdict was reached, so inconclusive (3), never a pass or a usage error
        return _emit_interrupted(wants_json)
    except SystemExit as exc:  # from code a command ran (a user variant or target), never a result: not exit 0
        return emit_error(f"the command was ended by SystemExit({exc.code!r}) raised by code it ran (sys.exit in a variant or target?); no result was produced", wants_json)


def main_exit() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
