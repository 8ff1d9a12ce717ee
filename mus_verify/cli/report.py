"""``mus-verify report``: certify a model trained on a scikit-learn dataset and write plots, summary and JSON.

``--study`` picks what is measured: ``stability`` (this package's report, the default),
``removal`` (removal robustness, :mod:`mus_verify.removal.study`) or ``topk``
(top-k stability, :mod:`mus_verify.topk.study`). The other studies live in their own
packages, each exposing ``run_study``; they are imported only when chosen, and their command-line
glue is :mod:`mus_verify.cli.studies` (the app layer never imports the CLI).
"""

from __future__ import annotations

import argparse
import importlib

from ..errors import EnvironmentProblem, InvalidArgument
from ._options import add_engine_options, add_threads_option

STUDIES = {
    "stability": None,
    "removal": "mus_verify.removal.study",
    "topk": "mus_verify.topk.study",
}
DEFAULT_Q = 64


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="train, explain and certify on wine / breast_cancer / digits; write plots, summary.md and report.json",
        description="Exit 0 when no certificate exceeds the true radius (or an attack's bound), 1 when one does.",
    )
    parser.add_argument("--study", choices=sorted(STUDIES), default="stability", help="what to measure (default: stability)")
    parser.add_argument("--dataset", required=True, help="wine, breast_cancer or digits (shipped inside scikit-learn)")
    parser.add_argument("--lam", nargs="+", default=None, help="one or more λ = K/Q (default: 4/64 8/64 16/64)")
    parser.add_argument("--q", type=int, default=None, help=f"quantisation parameter q (default: the Q of --lam K/Q, else {DEFAULT_Q})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, training and seed vector (default 0)")
    parser.add_argument("--max-points", type=int, default=None, help="test points per λ (default: all; digits: 40)")
    parser.add_argument("--out", required=True, help="output folder (created if missing; must be writable)")
    add_threads_option(parser)
    add_engine_options(parser)
    parser.set_defaults(handler=run)


def report_q(q: int | None, lams: list[str] | None) -> int:
    """--q, else the one Q that every ``--lam K/Q`` names, else :data:`DEFAULT_Q`; a conflict is refused."""
    from ._options import q_from_lam, resolve_q

    if q is not None:
        for lam in lams or ():
            resolve_q(q, lam)
        return q
    named = sorted({value for value in (q_from_lam(lam) for lam in lams or ()) if value is not None})
    if len(named) > 1:
        raise InvalidArgument("--lam", " ".join(lams or ()), "λ values over one Q, or --q naming a q for all of them", f"they name Q = {', '.join(map(str, named))}")
    return named[0] if named else DEFAULT_Q


def run(args: argparse.Namespace) -> int:
    from ._options import engine_options

    target = STUDIES[args.study]
    engine = engine_options(args)
    if target is not None:
        if engine["engine"] != "local":
            raise InvalidArgument("--engine", engine["engine"], f"local for --study {args.study} (only the stability report is sharded, one λ per shard)")
        return _run_study(args.study, target, args)
    from ..report.runner import DEFAULT_LAMS, ReportConfig, run_report
    from ._options import apply_threads
    from .output import emit

    config = ReportConfig(
        dataset=args.dataset,
        out=args.out,
        lams=args.lam or DEFAULT_LAMS,
        q=report_q(args.q, args.lam),
        seed=args.seed,
        max_points=args.max_points,
        show_progress=not args.json,
    )
    threads = apply_threads(args.threads)
    if engine["engine"] == "local":
        result, document = run_report(config)
    else:
        from ..report.sharded import run_report_on_engine

        result, document = run_report_on_engine(config, threads=threads, **engine)
    return emit([result], args.json, extra={"report": {"out": str(config.out), "unsound": document["unsound"], "summary": document["summary"], "threads": threads}})


def _run_study(name: str, module_name: str, args: argparse.Namespace) -> int:
    from .studies import RUNNERS

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise EnvironmentProblem(f"--study {name} is not available in this installation ({module_name} is missing)") from None
        from .._optional import extra_of, missing_message

        missing = exc.name or "?"
        raise EnvironmentProblem(missing_message(missing, purpose=f"--study {name}", extra=None if extra_of(missing) else "report")) from None
    if not callable(getattr(module, "run_study", None)):
        raise EnvironmentProblem(f"--study {name}: {module_name} has no run_study")
    return int(RUNNERS[name](module, args))
