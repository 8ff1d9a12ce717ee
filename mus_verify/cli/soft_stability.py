"""``mus-verify soft-stability``: exact stability rates τ_r beside SCA estimates and MuS's hard radius.

Exit codes: 0 the miss count of the SCA intervals passes the binomial test; 1 too many
misses (REFUTED); 2 usage or environment error. Nothing heavy is imported until the handler runs.
"""

from __future__ import annotations

import argparse

from ._options import add_threads_option


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "soft-stability",
        parents=[common],
        help="exact τ_r, SCA estimates τ̂_r with intervals, and the MuS radius on wine / breast_cancer / digits",
        description=(
            "Train the dataset's model at λ, smooth it (L_qv, vote mode), explain each test point (top ⌈n/4⌉ by exact Shapley) and "
            "print, for r = 1..R, the exact stability rate τ_r (all 2^n masks), the SCA estimate with Hoeffding and Clopper–Pearson "
            "intervals (misses marked '*') and the certified radius; judge the miss count with an exact binomial test."
        ),
        epilog="exit codes: 0 the miss count is within the binomial law; 1 too many misses; 2 usage or environment error.",
    )
    parser.add_argument("--dataset", default="wine", help="wine, breast_cancer or digits (default wine; exact τ_r needs n <= 16 groups)")
    parser.add_argument("--model", choices=("mus", "base"), default="mus", help="whose τ_r: the MuS-smoothed model g (default) or the trained base model h (the paper's soft rates); the certified radius is always g's")
    parser.add_argument("--lam", default="8/64", help="λ = K/Q of training and smoothing (default 8/64)")
    parser.add_argument("--q", type=int, default=None, help="quantisation q (default: the Q of --lam)")
    parser.add_argument("--r-max", type=int, default=5, help="largest r (default 5)")
    parser.add_argument("--eps", default="1/10", help="SCA accuracy ε (default 1/10)")
    parser.add_argument("--delta", default="1/10", help="SCA failure probability δ (default 1/10)")
    parser.add_argument("--level", default="1/1000", help="level of the binomial test on the miss count (default 1/1000)")
    parser.add_argument("--backend", choices=("exact", "torch"), default="exact", help="evaluate SCA's samples on the exact vote table (default) or through torch_backend.MuS (same g, slower: q forwards per sample)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, training, seed vector and SCA draws (default 0)")
    parser.add_argument("--max-points", type=int, default=None, help="test points (default: all)")
    parser.add_argument("--out", required=True, help="output folder (soft_stability.png, soft_stability.json, summary.md)")
    add_threads_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from ..soft_stability.study import render, run_study
    from ._options import apply_threads, resolve_q
    from .output import emit

    args.q = resolve_q(args.q, args.lam) or 64
    apply_threads(getattr(args, "threads", None))
    result, document = run_study(args.dataset, Path(args.out), lam=args.lam, q=args.q, r_max=args.r_max, eps=args.eps, delta=args.delta, seed=args.seed,
                                 max_points=args.max_points, backend=args.backend, level=args.level, show_progress=not args.json, model=args.model)
    if not args.json:
        sys.stdout.write(render(document) + "\n")
    return emit([result], args.json, extra={"soft_stability": {"out": str(args.out), "summary": document["summary"]}})
