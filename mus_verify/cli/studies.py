"""The command-line glue of ``mus-verify report --study removal | topk``.

The studies themselves (:mod:`mus_verify.removal.study`, :mod:`mus_verify.topk.study`) compute a
result and a document and know nothing of the command line; this module applies ``--threads``,
calls them and prints the result through :func:`~mus_verify.cli.output.emit` (the app layer never
imports the CLI: see ``mus_verify/_layers.py``). :mod:`mus_verify.cli.report` imports the study's
module first (so a missing one is exit 2 naming the study) and hands it here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType
from typing import Callable

from ..errors import InvalidArgument
from ._options import apply_threads
from .output import emit

__all__ = ["RUNNERS", "run_removal", "run_topk"]


def run_removal(study: ModuleType, args: argparse.Namespace) -> int:
    """``mus-verify report --study removal`` (wine only): ``study`` is :mod:`mus_verify.removal.study`."""
    if args.dataset != "wine":
        raise InvalidArgument("--dataset", args.dataset, "wine for --study removal")
    apply_threads(getattr(args, "threads", None))
    result, document = study.run_study(Path(args.out), seed=args.seed)
    return emit([result], args.json, extra={"report": {"out": str(args.out), "max_ratio_theorem1": document["max_ratio_theorem1"],
                                                      "max_ratio_theorem2": document["max_ratio_theorem2"]}})


def run_topk(study: ModuleType, args: argparse.Namespace) -> int:
    """``mus-verify report --study topk``: ``study`` is :mod:`mus_verify.topk.study`."""
    threads = apply_threads(getattr(args, "threads", None))
    result, document = study.run_study(args.dataset, Path(args.out), seed=args.seed, max_points=args.max_points, show_progress=not args.json)
    return emit([result], args.json, extra={"report": {"out": str(args.out), "study": "topk", "unsound": document["unsound"], "summary": document["summary"], "threads": threads}})


#: study name -> glue(study_module, args) -> exit code
RUNNERS: dict[str, Callable[[ModuleType, argparse.Namespace], int]] = {"removal": run_removal, "topk": run_topk}
