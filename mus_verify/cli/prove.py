"""``mus-verify prove PROPERTY --variant V --n N`` and ``mus-verify search V --property P``.

Z3 proofs for bounded n (PROVED: UNSAT for every base classifier, input, mask
and seed vector), counterexamples replayed in the exact reference before they
are printed (REFUTED, exit 1), UNKNOWN when the deterministic budget runs out
(exit 3). Nothing heavy is imported until a handler runs.

Besides the variant properties, both commands accept the statements of the
other guarantee families registered in :mod:`._prove_extensions` (no
``--variant``; ``--param KEY=VALUE`` instead). Options that a property does not
use are refused, never silently ignored.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any, Callable

from .._progress import progress_bar
from ..errors import InvalidArgument
from . import _prove_extensions
from ._options import add_engine_options, engine_options, resolve_q
from .output import emit

PROPERTIES = ("masking-equivalence", "lipschitz", "stability", "marginals", "reference")
RULES = ("strict", "floor", "ceil")
VARIANT_HELP = "a built-in (mus, mus-iid, additive, ramp, baseline, fixed-count, token-drop), path/to/file.py:ATTR or package.module:ATTR"
# Options of the variant properties, with the value that means "not given"; an extension property refuses them.
_VARIANT_ONLY = ("variant", "n", "q", "lam", "radius_rule", "direction", "classes", "mode", "max_n")


def _extension_help(registry: dict[str, tuple[str, str]]) -> str:
    if not registry:
        return ""
    return " Other guarantee families (no --variant; use --param KEY=VALUE): " + "; ".join(
        f"{name}: {text}" for name, (_, text) in registry.items()
    )


def _solver_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--radius-rule", choices=RULES, default=None, help="stability radius rule: strict ⌈gap/2λ⌉-1 (sound), floor ⌊gap/2λ⌋, ceil ⌈gap/2λ⌉ (default strict)")
    parser.add_argument("--direction", choices=("any", "incremental", "decremental"), default=None, help="stability: β anywhere within the radius, β ⪰ α (incremental), or α = 1 (decremental); default any")
    parser.add_argument("--classes", type=int, default=None, help="number of classes of the base classifier (default 2)")
    parser.add_argument("--mode", choices=("average", "vote"), default=None, help="average probabilities (default) or one-hot votes")
    parser.add_argument("--rlimit", type=int, default=None, help="Z3 resource limit per query (deterministic budget; default 50000000)")
    parser.add_argument("--seed", type=int, default=None, help="Z3 random_seed (default 0; recorded in params)")
    parser.add_argument(
        "--param", action="append", default=None, metavar="KEY=VALUE",
        help="a parameter of a registered guarantee-family property (repeatable; refused for the variant properties)",
    )


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    prove_choices = PROPERTIES + tuple(p for p in _prove_extensions.PROVE_PROPERTIES if p not in PROPERTIES)
    prove = subparsers.add_parser(
        "prove",
        parents=[common],
        help="prove or refute a property of a smoothing variant at one size with Z3",
        description="PROVED: no base classifier, input, mask or seed vector violates the property at this size. "
        "REFUTED: a counterexample, replayed in the exact reference. UNKNOWN: the rlimit budget ran out."
        + _extension_help(_prove_extensions.PROVE_PROPERTIES),
    )
    prove.add_argument("property", choices=prove_choices, help="the property")
    prove.add_argument("--variant", default=None, help=VARIANT_HELP + " (required for the variant properties)")
    prove.add_argument("--n", type=int, default=None, help="number of features (mask bits; required for the variant properties)")
    prove.add_argument("--q", type=int, help="quantisation parameter q (default 4, or Q of --lam K/Q)")
    prove.add_argument("--lam", help="λ as K/Q (default ⌊q/4⌋/q)")
    _solver_options(prove)
    prove.set_defaults(handler=run_prove)

    search_choices = PROPERTIES + tuple(p for p in _prove_extensions.SEARCH_PROPERTIES if p not in PROPERTIES)
    search = subparsers.add_parser(
        "search",
        parents=[common],
        help="search sizes from the smallest upward for a counterexample to a property of a variant",
        description="Proves the property at n = 1..max-n for each q and λ = k/q (k = 1..q-1) in turn and stops at "
        "the first counterexample (exit 1); exit 0 lists the sizes proved."
        + _extension_help(_prove_extensions.SEARCH_PROPERTIES),
    )
    search.add_argument("variant", nargs="?", default=None, help=VARIANT_HELP + " (required for the variant properties)")
    search.add_argument("--property", required=True, choices=search_choices, help="the property")
    search.add_argument("--max-n", type=int, default=None, help="largest n to try (default 4)")
    search.add_argument("--q", help="q values to try, comma-separated (default 2,3,4, or Q of --lam K/Q)")
    search.add_argument("--lam", help="fix λ as K/Q instead of trying every k/q")
    _solver_options(search)
    add_engine_options(search)
    search.set_defaults(handler=run_search)


# -- the registered guarantee families ------------------------------------------------------------

def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``--param KEY=VALUE`` pairs as a dict of strings; a pair without '=' or a repeated key is refused."""
    params: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidArgument("--param", pair, "KEY=VALUE")
        if key in params:
            raise InvalidArgument("--param", pair, "each KEY at most once", f"{key} was already given as {params[key]!r}")
        params[key] = value
    return params


def _registered(registry: dict[str, tuple[str, str]], prop: str) -> Callable[..., Any]:
    target = registry[prop][0]
    module_name, _, function_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        from ..errors import EnvironmentProblem

        raise EnvironmentProblem(f"property {prop} needs {module_name}, which cannot be imported: {exc}") from exc
    function = getattr(module, function_name, None)
    if not callable(function):
        from ..errors import InternalError

        raise InternalError(f"property {prop} is registered as {target!r}, which is not a function")
    return function


def _run_extension(args: argparse.Namespace, registry: dict[str, tuple[str, str]], command: str) -> int:
    for option in _VARIANT_ONLY:
        if getattr(args, option, None) is not None:
            flag = option if option == "variant" and command == "search" else "--" + option.replace("_", "-")
            raise InvalidArgument(flag, getattr(args, option), f"not given: {args.property} is not a variant property (use --param KEY=VALUE)")
    function = _registered(registry, args.property)
    with progress_bar(None, f"{command} {args.property}", enabled=not args.json):
        results = function(parse_params(args.param), rlimit=_rlimit(args), seed=_seed(args))
    results = list(results) if isinstance(results, (list, tuple)) else results
    from ..results import CheckResult

    if not isinstance(results, list) or not results or not all(isinstance(r, CheckResult) for r in results):
        from ..errors import InternalError

        raise InternalError(f"property {args.property} ({registry[args.property][0]}) returned {type(results).__name__}, not a non-empty list of CheckResult")
    return emit(results, args.json)


# -- the variant properties ------------------------------------------------------------------------

def _rlimit(args: argparse.Namespace) -> int:
    from ..smt.prover import DEFAULT_RLIMIT

    return DEFAULT_RLIMIT if args.rlimit is None else args.rlimit


def _seed(args: argparse.Namespace) -> int:
    return 0 if args.seed is None else args.seed


def _variant_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.param:
        raise InvalidArgument("--param", args.param, f"not given: {args.property} is a variant property (its options are --variant, --n, --q, --lam, ...)")
    return {
        "radius_rule": args.radius_rule or "strict",
        "direction": args.direction or "any",
        "classes": 2 if args.classes is None else args.classes,
        "mode": args.mode or "average",
        "rlimit": _rlimit(args),
    }


def run_prove(args: argparse.Namespace) -> int:
    if args.property not in PROPERTIES:
        return _run_extension(args, _prove_extensions.PROVE_PROPERTIES, "prove")
    from ..smt.prover import prove

    if args.variant is None:
        raise InvalidArgument("--variant", None, VARIANT_HELP, f"required for {args.property}")
    if args.n is None:
        raise InvalidArgument("--n", None, "the number of features, an integer >= 1", f"required for {args.property}")
    options = _variant_options(args)
    q = resolve_q(args.q, args.lam)
    with progress_bar(None, f"prove {args.property}", enabled=not args.json):
        result = prove(args.property, args.variant, args.n, q, args.lam, random_seed=_seed(args), **options)
    return emit([result], args.json)


def run_search(args: argparse.Namespace) -> int:
    engine = engine_options(args)
    if args.property not in PROPERTIES:
        if engine["engine"] != "local":
            raise InvalidArgument("--engine", engine["engine"], f"local for {args.property} (only the variant properties' size search is sharded)")
        return _run_extension(args, _prove_extensions.SEARCH_PROPERTIES, "search")
    from ..checks._sharded_search import search_on_engine
    from ..smt.size_search import DEFAULT_MAX_N, search_sizes, summarize

    if args.variant is None:
        raise InvalidArgument("variant", None, VARIANT_HELP, f"required for {args.property}")
    options = _variant_options(args)
    qs = None
    if args.q is not None:
        try:
            qs = [int(part) for part in args.q.split(",") if part.strip()]
        except ValueError:
            raise InvalidArgument("--q", args.q, "comma-separated integers such as 2,3,4") from None
        for q in qs:
            resolve_q(q, args.lam)
    elif (inferred := resolve_q(None, args.lam)) is not None:
        qs = [inferred]
    max_n = DEFAULT_MAX_N if args.max_n is None else args.max_n
    total = len(list(search_sizes(args.variant, max_n, qs, args.lam)))
    with progress_bar(total, f"search {args.property}", enabled=not args.json) as advance:
        results = search_on_engine(args.variant, args.property, max_n=max_n, qs=qs, lam=args.lam, random_seed=_seed(args), progress=advance,
                                   **engine, **options)
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
