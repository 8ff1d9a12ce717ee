"""``mus-verify attribution-diff``: shap and captum against the exact removal games (Lin et al. 2023)."""

from __future__ import annotations

import argparse

from ._options import add_threads_option


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "attribution-diff",
        parents=[common],
        help="run shap and captum on a small model and compare each method with the exact value of the game it computes",
        description="Each shap/captum method is mapped to its game (baseline or marginal removal) and summary (Shapley, LOO, "
        "Banzhaf) and compared with the exact rational value. Exact methods must agree to the tolerance of the dtype they "
        "return (float64: 1e-9, relative to max(1, |φ|)); sampled methods are reported with their sample counts and errors. "
        'Needs the optional extra: pip install "mus-verify[attribution]".',
    )
    parser.add_argument("--d", type=int, default=6, help="number of features, 2..10 (default 6)")
    parser.add_argument("--inputs", type=int, default=2, help="inputs explained, 1..20 (default 2)")
    parser.add_argument("--background", type=int, default=5, help="background rows for marginal removal, 1..50 (default 5)")
    parser.add_argument("--library", default="both", choices=("shap", "captum", "both"), help="which library to run (default both)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model, inputs and the libraries' sampling (default 0)")
    add_threads_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..removal.libraries import make_setup, run_libraries
    from ..results import jsonable
    from ._options import apply_threads
    from .output import emit

    setup = make_setup(args.d, inputs=args.inputs, background=args.background, seed=args.seed)
    apply_threads(args.threads)
    results = run_libraries(setup, which=args.library, seed=args.seed)
    return emit(results, args.json, extra={"attribution_diff": jsonable({"d": setup.d, "model": setup.model.spec(), "inputs": [list(x) for x in setup.inputs],
                                                                "baseline": list(setup.baseline), "background": [list(p) for p in setup.background]})})
