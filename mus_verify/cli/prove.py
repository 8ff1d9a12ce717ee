"""``mus-verify prove PROPERTY --variant V --n N`` and ``mus-verify search V --property P``.

Z3 proofs for bounded n (PROVED: UNSAT for every base classifier, input, mask
and seed vector), counterexamples replayed in the exact reference before they
are printed (REFUTED, exit 1), UNKNOWN when the deterministic budget runs out
(exit 3). Nothing heavy is imported until a handler runs.
"""

from __future__ import annotations

import argparse

from .._progress import progress_bar
from .output import emit

PROPERTIES = ("masking-equivalence", "lipschitz", "stability", "marginals", "reference")
RULES = ("strict", "floor", "ceil")
VARIANT_HELP = "a built-in (mus, mus-iid, additive, ramp, baseline, fixed-count, token-drop), path/to/file.py:ATTR or package.module:ATTR"


def _solver_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--radius-rule", choices=RULES, default="strict", help="stability radius rule: strict ⌈gap/2λ⌉-1 (sound), floor ⌊gap/2λ⌋, ceil ⌈gap/2λ⌉ (default strict)")
    parser.add_argument("--direction", choices=("any", "incremental", "decremental"), default="any", help="stability: β anywhere within the radius, β ⪰ α (incremental), or α = 1 (decremental); default any")
    parser.add_argument("--classes", type=int, default=2, help="number of classes of the base classifier (default 2)")
    parser.add_argument("--mode", choices=("average", "vote"), default="average", help="average probabilities (default) or one-hot votes")
    parser.add_argument("--rlimit", type=int, default=None, help="Z3 resource limit per query (deterministic budget; default 50000000)")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    prove = subparsers.add_parser(
        "prove",
        parents=[common],
        help="prove or refute a property of a smoothing variant at one size with Z3",
        description="PROVED: no base classifier, input, mask or seed vector violates the property at this size. "
        "REFUTED: a counterexample, replayed in the exact reference. UNKNOWN: the rlimit budget ran out.",
    )
    prove.add_argument("property", choices=PROPERTIES, help="the property")
    prove.add_argument("--variant", required=True, help=VARIANT_HELP)
    prove.add_argument("--n", type=int, required=True, help="number of features (mask bits)")
    prove.add_argument("--q", type=int, help="quantisation parameter q (default 4, or Q of --lam K/Q)")
    prove.add_argument("--lam", help="λ as K/Q (default ⌊q/4⌋/q)")
    _solver_options(prove)
    prove.set_defaults(handler=run_prove)

    search = subparsers.add_parser(
        "search",
        parents=[common],
        help="search sizes from the smallest upward for a counterexample to a property of a variant",
        description="Proves the property at n = 1..max-n for each q and λ = k/q (k = 1..q-1) in turn and stops at "
        "the first counterexample (exit 1); exit 0 lists the sizes proved.",
    )
    search.add_argument("variant", help=VARIANT_HELP)
    search.add_argument("--property", required=True, choices=PROPERTIES, help="the property")
    search.add_argument("--max-n", type=int, default=None, help="largest n to try (default 4)")
    search.add_argument("--q", help="q values to try, comma-separated (default 2,3,4, or Q of --lam K/Q)")
    search.add_argument("--lam", help="fix λ as K/Q instead of trying every k/q")
    _solver_options(search)
    search.set_defaults(handler=run_search)


def _q_from_lam(text: str | None) -> int | None:
    if text and "/" in text:
        denominator = text.split("/", 1)[1].strip()
        if denominator.isdigit():
            return int(denominator)
    return None


def _rlimit(args: argparse.Namespace) -> int:
    from ..smt.prover import DEFAULT_RLIMIT

    return DEFAULT_RLIMIT if args.rlimit is None else args.rlimit


def run_prove(args: argparse.Namespace) -> int:
    from ..smt.prover import prove

    q = args.q if args.q is not None else _q_from_lam(args.lam)
    with progress_bar(None, f"prove {args.property}", enabled=not args.json):
        result = prove(
            args.property, args.variant, args.n, q, args.lam,
            radius_rule=args.radius_rule, direction=args.direction, classes=args.classes, mode=args.mode, rlimit=_rlimit(args),
        )
    return emit([result], args.json)


def run_search(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument
    from ..smt.size_search import DEFAULT_MAX_N, search, search_sizes, summarize

    qs = None
    if args.q is not None:
        try:
            qs = [int(part) for part in args.q.split(",") if part.strip()]
        except ValueError:
            raise InvalidArgument("--q", args.q, "comma-separated integers such as 2,3,4") from None
    elif _q_from_lam(args.lam) is not None:
        qs = [_q_from_lam(args.lam)]
    max_n = DEFAULT_MAX_N if args.max_n is None else args.max_n
    total = len(list(search_sizes(args.variant, max_n, qs, args.lam)))
    with progress_bar(total, f"search {args.property}", enabled=not args.json) as advance:
        results = search(
            args.variant, args.property, max_n=max_n, qs=qs, lam=args.lam,
            radius_rule=args.radius_rule, direction=args.direction, classes=args.classes, mode=args.mode,
            rlimit=_rlimit(args), progress=advance,
        )
    found = summarize(results)
    code = emit(results, args.json, extra={"search": _jsonable(found)})
    if not args.json:
        _print_summary(found)
    return code


def _jsonable(found: dict) -> dict:
    from ..results import jsonable

    return jsonable(found)


def _print_summary(found: dict) -> None:
    import sys

    def text(size: dict) -> str:
        return f"n={size['n']} q={size['q']} λ={size['lam']}"

    if found["smallest_counterexample"]:
        before = len(found["proved"])
        sys.stdout.write(f"smallest counterexample at {text(found['smallest_counterexample'])} ({before} smaller size(s) proved first)\n")
    else:
        sys.stdout.write(f"proved at {len(found['proved'])} size(s): " + ", ".join(text(s) for s in found["proved"]) + "\n")
    if found["unknown"]:
        sys.stdout.write("unknown (budget) at: " + ", ".join(text(s) for s in found["unknown"]) + "\n")
