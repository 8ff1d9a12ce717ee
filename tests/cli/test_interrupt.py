"""Ctrl-C in any command: one line on stderr, exit 3 (inconclusive: nothing was decided), never a traceback or a pass."""

from __future__ import annotations

import argparse
import json

import pytest

import mus_verify.cli.check as check_cli
from mus_verify.cli import INTERRUPTED_MESSAGE, main
from mus_verify.cli.output import EXIT_INCONCLUSIVE


def _interrupt(args: argparse.Namespace) -> int:
    raise KeyboardInterrupt


@pytest.fixture
def interrupted_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """``check`` whose handler is interrupted as Ctrl-C would interrupt it mid-run."""
    real = check_cli.register

    def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
        real(subparsers, common)
        subparsers.choices["check"].set_defaults(handler=_interrupt)

    monkeypatch.setattr(check_cli, "register", register)


def test_ctrl_c_exits_3_with_one_line(interrupted_check: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "marginals"])
    out, err = capsys.readouterr()
    assert code == EXIT_INCONCLUSIVE == 3
    assert err == f"mus-verify: {INTERRUPTED_MESSAGE}\n"
    assert "Traceback" not in out + err and out == ""


def test_ctrl_c_with_json_prints_the_error_shape_marked_interrupted(interrupted_check: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--json", "check", "marginals"])
    document = json.loads(capsys.readouterr().out)
    assert code == 3
    assert document == {"ok": False, "results": [], "error": INTERRUPTED_MESSAGE, "interrupted": True}
