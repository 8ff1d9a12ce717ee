"""``mus-verify list`` and ``mus-verify check NAME|all``."""

from __future__ import annotations

import argparse
import json
import sys

from .._progress import progress_bar
from ._options import add_engine_options
from .output import emit


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    listing = subparsers.add_parser("list", parents=[common], help="list the registered checks")
    listing.set_defaults(handler=run_list)

    check = subparsers.add_parser(
        "check",
        parents=[common],
        help="run a registered check (or 'all') exhaustively",
        description=(
            "Run a registered check. 'all' runs every check on its built-in defaults. "
            "--variant V runs the checks of a smoothing variant (marginals, lipschitz, incremental-stability, "
            "decremental-stability, masking-equivalence, tightness) on V instead of MuS: V is compiled for "
            "the exhaustive engine with its noise evaluated exactly at the seed vector(s) of --seed-vector / "
            "--seed / --all-seed-vectors; a variant it cannot represent (variable-length, a custom apply or hide, "
            "non-binary noise, symbols other than a seed vector) is exit 2 naming why. 'check all --variant V' "
            "runs only those variant checks, with V; every other check refuses --variant (exit 2). "
            "A counterexample of a user variant replays only when --variant is named again "
            "(mus-verify replay FILE --variant V)."
        ),
    )
    check.add_argument("name", help="a check from 'mus-verify list', or 'all'")
    check.add_argument("--n", type=int, help="number of features (mask bits)")
    check.add_argument("--q", type=int, help="quantisation parameter q (number of structured masks; default: Q of --lam K/Q, else the check's default)")
    check.add_argument("--lam", help="λ as K/Q (e.g. 16/64); must be a multiple of 1/q; without --q, q = Q")
    check.add_argument("--seed-vector", help="comma-separated integers in 0..q-1 (default: drawn from --seed)")
    check.add_argument("--all-seed-vectors", action="store_true", help="enumerate all q^n seed vectors (small q^n only)")
    check.add_argument("--seed", type=int, default=0, help="seed of the dedicated RNG that draws a seed vector (default 0)")
    check.add_argument("--classes", type=int, help="number of classes of the base classifiers")
    check.add_argument("--classifiers", help="base-classifier family (see the check's help)")
    check.add_argument(
        "--variant",
        help="smoothing variant for the variant checks: a built-in (mus = multiplicative, the default; additive; mus-iid; fixed-count), "
             "path/to/file.py:ATTR or package.module:ATTR (see docs/variants.md)",
    )
    add_engine_options(check)
    check.set_defaults(handler=run_check_command)


def run_list(args: argparse.Namespace) -> int:
    from ..checks import available

    specs = available()
    if args.json:
        payload = [{"name": s.name, "summary": s.summary, "options": list(s.options), "in_all": s.in_all} for s in specs]
        # "results" keeps the JSON contract (listing runs no check, so there are none); "checks" lists them
        sys.stdout.write(json.dumps({"ok": True, "results": [], "checks": payload}, indent=2, ensure_ascii=False) + "\n")
    else:
        width = max(len(s.name) for s in specs)
        for s in specs:
            sys.stdout.write(f"{s.name.ljust(width)}  {s.summary}\n")
    return 0


def run_check_command(args: argparse.Namespace) -> int:
    from ..checks import CheckConfig, available, get, run_check
    from ..checks.registry import refuse_unused_variant
    from ..checks._sharding import plan_check, run_plan
    from ..parallel import engine_session
    from ._options import engine_options, resolve_q

    seed_vector = None
    if args.seed_vector is not None:
        seed_vector = tuple(_parse_int(part, "--seed-vector") for part in args.seed_vector.split(",") if part.strip())
    config = CheckConfig(
        n=args.n,
        q=resolve_q(args.q, args.lam),
        lam=args.lam,
        seed_vector=seed_vector,
        all_seed_vectors=args.all_seed_vectors,
        seed=args.seed,
        classes=args.classes,
        classifiers=args.classifiers,
        variant=args.variant,
    )
    names = [s.name for s in available() if s.in_all] if args.name == "all" else [get(args.name).name]
    if args.variant is not None:
        names = [name for name in names if args.name != "all" or "variant" in get(name).options]
        for name in names:
            refuse_unused_variant(name, config)  # before any run: exit 2 naming the check
    results = []
    engine = engine_options(args)
    with engine_session(**engine), progress_bar(len(names), "checks", enabled=len(names) > 1 and not args.json) as advance:
        for name in names:
            if engine["engine"] == "local":
                with progress_bar(None, name, enabled=not args.json) as inner:
                    results.append(run_check(name, config, inner))
            else:  # sharded (mus_verify.checks._sharding): one bar of shard completions
                plan = plan_check(name, config)
                with progress_bar(plan.size, f"{name} shards", enabled=not args.json) as inner:
                    results.append(run_plan(plan, progress=inner, **engine))
            advance(1)
    return emit(results, args.json)


def _parse_int(text: str, argument: str) -> int:
    from ..errors import InvalidArgument

    try:
        return int(text.strip())
    except ValueError:
        raise InvalidArgument(argument, text, "comma-separated integers") from None
