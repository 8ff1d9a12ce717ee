"""``mus-verify report``: certify a model trained on a scikit-learn dataset and write plots, summary and JSON."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=[common],
        help="train, explain and certify on wine / breast_cancer / digits; write plots, summary.md and report.json",
        description="Exit 0 when no certificate exceeds the true radius (or an attack's bound), 1 when one does.",
    )
    parser.add_argument("--dataset", required=True, help="wine, breast_cancer or digits (shipped inside scikit-learn)")
    parser.add_argument("--lam", nargs="+", default=None, help="one or more λ = K/Q (default: 4/64 8/64 16/64)")
    parser.add_argument("--q", type=int, default=64, help="quantisation parameter q (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, training and seed vector (default 0)")
    parser.add_argument("--max-points", type=int, default=None, help="test points per λ (default: all; digits: 40)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report.runner import DEFAULT_LAMS, ReportConfig, run_report
    from .output import emit

    config = ReportConfig(
        dataset=args.dataset,
        out=args.out,
        lams=args.lam or DEFAULT_LAMS,
        q=args.q,
        seed=args.seed,
        max_points=args.max_points,
        show_progress=not args.json,
    )
    result, document = run_report(config)
    return emit([result], args.json, extra={"report": {"out": str(config.out), "unsound": document["unsound"], "summary": document["summary"]}})
