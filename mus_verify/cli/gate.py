"""``mus-verify gate TARGET``: the CI correctness gate for a third-party MuS implementation.

TARGET is ``path/to/file.py:attr`` or ``package.module:attr``: a factory
``factory(base, *, q, lam, seed) -> smoothed`` or an nn.Module class
``Cls(base_model, q, lambd)``. Exit codes: 0 every property holds, 1 a
counterexample (including a factory that raises on valid input), 2 usage
error (bad TARGET or options), 3 inconclusive. Nothing heavy is imported
until the handler runs.
"""

from __future__ import annotations

import argparse
import json
import sys

PROFILE_HELP = "quick (CI smoke), default, thorough (more configurations and samples)"


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "gate",
        parents=[common],
        help="gate a third-party MuS implementation (factory or nn.Module class)",
        description=(
            "Run every MuS guarantee against an implementation: determinism, batch consistency, probabilities, "
            "masked inputs, exact Bernoulli(λ) keep rates, seed use, masking equivalence, λ-Lipschitz edges, "
            "certificate soundness (when smoothed.certify exists), binary-α validation, RNG isolation, and "
            "conformance to the exact reference L_qv (a sound non-conformant implementation passes unless --strict)."
        ),
        epilog=(
            "exit codes: 0 every property holds; 1 a counterexample (a factory raising on valid input included); "
            "2 usage error (bad TARGET or options); 3 inconclusive. Each counterexample carries a copy-paste "
            "reproduction (data.reproduce with --json)."
        ),
    )
    parser.add_argument("target", metavar="TARGET", help="path/to/file.py:attr or package.module:attr")
    parser.add_argument("--n", type=int, nargs="+", metavar="N", help="numbers of features to test (replaces the default matrix)")
    parser.add_argument("--q", type=int, nargs="+", metavar="Q", help="values of q to test (replaces the default matrix)")
    parser.add_argument("--lam", nargs="+", metavar="K/Q", help="values of λ (each used with every q it is a multiple of 1/q for)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the gate's own generator: classifiers, inputs, seed vectors (default 0)")
    parser.add_argument("--strict", action="store_true", help="also fail an implementation that is sound but not the reference L_qv")
    parser.add_argument("--profile", choices=("quick", "default", "thorough"), default="default", help=PROFILE_HELP)
    parser.add_argument("--adapter", choices=("auto", "factory", "module"), default="auto", help="how to call TARGET (default: a class is nn.Module-style)")
    parser.add_argument("--only", metavar="PROPERTY[,PROPERTY]", help="run only these properties (the watched ones always run)")
    parser.set_defaults(handler=run_gate_command)


def run_gate_command(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument
    from ..gate import PROPERTIES
    from ..gate.configs import GateSettings
    from ..gate.runner import run_gate
    from .output import exit_code, json_document

    properties = None
    if args.only:
        properties = tuple(p.strip() for p in args.only.split(",") if p.strip())
        for p in properties:
            if p not in PROPERTIES:
                raise InvalidArgument("--only", p, f"one of {', '.join(PROPERTIES)}")
    settings = GateSettings(
        profile=args.profile,
        ns=tuple(args.n) if args.n else None,
        qs=tuple(args.q) if args.q else None,
        lams=tuple(args.lam) if args.lam else None,
        seed=args.seed,
        strict=args.strict,
        adapter=args.adapter,
        properties=properties,
    )
    report = run_gate(args.target, settings)
    if args.json:
        sys.stdout.write(json.dumps(json_document(report.results, report.extra()), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report.render() + "\n")
    return exit_code(report.results)
