"""``mus-verify gate TARGET``: the CI correctness gate for a third-party MuS implementation.

TARGET is ``path/to/file.py:attr`` or ``package.module:attr``: a factory
``factory(base, *, q, lam, seed) -> smoothed`` or an nn.Module class
``Cls(base_model, q, lambd)``; with ``--kind sca``, a soft-stability
certifier (handled by :mod:`mus_verify.soft_stability.gate`, through
:mod:`mus_verify.cli.gate_sca`). Exit codes: 0
every property holds (notices and warnings included), 1 a counterexample that
fails the gate, 2 usage error (bad TARGET or options), 3 inconclusive.
Nothing heavy is imported until the handler runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import TextIO

from ._options import add_threads_option

PROFILE_HELP = "quick (CI smoke), default, thorough (more configurations and samples)"
SCA_MODULE = "mus_verify.cli.gate_sca"  # the glue over mus_verify.soft_stability.gate
# Progress lines start once a run has taken this long (short runs stay quiet).
PROGRESS_AFTER_S = 2.0

SEVERITY_TEXT = (
    "Severity: every property has one class. guarantee (anything that can make g or a certificate false: "
    "contract, probabilities, masked inputs, inputs unchanged, determinism, batch and thread consistency, keep "
    "rates, masking equivalence, keep mask, Lipschitz, certificate): a counterexample fails the gate. "
    "conformance (seed_use, conformance: sound, but not the reference L_qv): passes with a notice unless "
    "--strict. hygiene (alpha_validation, rng_isolation, unmasked_probes, base_not_copied): passes with a "
    "warning unless --strict. One property's verdict never changes another's class. JSON: each result's "
    "details.severity, and top-level notices, warnings and severity_model."
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "gate",
        parents=[common],
        help="gate a third-party MuS implementation (factory or nn.Module class)",
        description=(
            "Run every MuS guarantee against an implementation: determinism, batch and thread consistency, "
            "probabilities, masked inputs, inputs left unchanged (float32 and float64), exact Bernoulli(λ) keep "
            "rates, seed use, masking equivalence, λ-Lipschitz edges, certificate soundness (when smoothed.certify "
            "exists), binary-α validation, RNG isolation, and conformance to the exact reference L_qv. "
            + SEVERITY_TEXT
        ),
        epilog=(
            "exit codes: 0 every property holds (notices and warnings do not fail); 1 a counterexample that fails "
            "the gate (a factory raising or calling sys.exit on valid input included); 2 usage error (bad TARGET or "
            "options, sizes that cannot finish); 3 inconclusive (e.g. the time budget was spent). Each "
            "counterexample carries a copy-paste reproduction (data.reproduce with --json)."
        ),
    )
    parser.add_argument("target", metavar="TARGET", help="path/to/file.py:attr or package.module:attr")
    parser.add_argument("--kind", choices=("smoother", "sca"), default="smoother",
                        help="what TARGET is: a MuS smoother (default) or a soft-stability (SCA) certifier")
    parser.add_argument("--n", type=int, nargs="+", metavar="N", help="numbers of features to test (replaces the default matrix; at most 512)")
    parser.add_argument("--q", type=int, nargs="+", metavar="Q", help="values of q to test (replaces the default matrix; at most 1024)")
    parser.add_argument("--lam", nargs="+", metavar="K/Q",
                        help="values of λ, each used with every q it is a multiple of 1/q for (without --q, q is the Q of K/Q)")
    parser.add_argument("--config", action="append", metavar="N,Q,K/Q", default=None,
                        help="add a deployed configuration, e.g. 196,64,8/64 (repeatable; large n is sampled, not enumerated)")
    parser.add_argument("--time-budget", type=float, default=None, metavar="S",
                        help="seconds for the whole run (default 600); what is left unjudged is UNKNOWN (exit 3), never a pass")
    parser.add_argument("--seed", type=int, default=0, help="seed of the gate's own generator: classifiers, inputs, seed vectors (default 0)")
    parser.add_argument("--strict", action="store_true", help="also fail on conformance notices and hygiene warnings")
    parser.add_argument("--profile", choices=("quick", "default", "thorough"), default=None, help=PROFILE_HELP + " (default: default)")
    parser.add_argument("--adapter", choices=("auto", "factory", "module"), default="auto", help="how to call TARGET (default: a class is nn.Module-style)")
    parser.add_argument("--only", metavar="PROPERTY[,PROPERTY]", help="run only these properties (the watched ones always run)")
    add_threads_option(parser, help=(
        "torch intra-op threads of the main run, 1..256 (default 1: the gate's tensors are tiny); "
        "thread_consistency compares 1 thread with 3 and with this many either way"
    ))
    parser.set_defaults(handler=run_gate_command)


def run_gate_command(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument

    if args.kind == "sca":
        return _run_sca(args)
    from .._optional import require

    require("torch", purpose="mus-verify gate (a MuS smoother target)")
    from ..gate import PROPERTIES
    from ..gate.configs import DEFAULT_TIME_BUDGET, GateSettings
    from ..gate.runner import run_gate

    properties = None
    if args.only:
        properties = tuple(p.strip() for p in args.only.split(",") if p.strip())
        for p in properties:
            if p not in PROPERTIES:
                raise InvalidArgument("--only", p, f"one of {', '.join(PROPERTIES)}")
    settings = GateSettings(
        profile=args.profile or "default",
        ns=tuple(args.n) if args.n else None,
        qs=tuple(args.q) if args.q else None,
        lams=tuple(args.lam) if args.lam else None,
        seed=args.seed,
        strict=args.strict,
        adapter=args.adapter,
        properties=properties,
        threads=1 if args.threads is None else args.threads,
        deployed=tuple(args.config or ()),
        time_budget=DEFAULT_TIME_BUDGET if args.time_budget is None else args.time_budget,
    )
    as_json = bool(getattr(args, "json", False))
    report = run_gate(args.target, settings, progress=None if as_json else ProgressLines(sys.stderr))
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report.render() + "\n")
    return report.exit_code


class ProgressLines:
    """``gate: [3/14] keep_rates, 4 s elapsed, about 12 s left`` on ``stream``, once a run has taken :data:`PROGRESS_AFTER_S`."""

    def __init__(self, stream: TextIO, after_s: float | None = None) -> None:
        self.stream = stream
        self.after_s = PROGRESS_AFTER_S if after_s is None else after_s
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int, label: str) -> None:
        elapsed = time.perf_counter() - self.started
        if elapsed < self.after_s:
            return
        if done >= total:
            line = f"gate: [{total}/{total}] properties done, {elapsed:.0f} s"
        else:
            left = f", about {elapsed / done * (total - done):.0f} s left" if done else ""
            line = f"gate: [{done}/{total}] {label}, {elapsed:.0f} s elapsed{left}"
        self.stream.write(line + "\n")
        self.stream.flush()


def _run_sca(args: argparse.Namespace) -> int:
    """``--kind sca``: the soft-stability certifier gate (engineer F's module), loaded only when asked for."""
    from ..errors import InvalidArgument

    smoother_only = {"--n": args.n, "--q": args.q, "--lam": args.lam, "--config": args.config, "--time-budget": args.time_budget,
                     "--profile": args.profile, "--only": args.only, "--threads": args.threads,
                     "--adapter": None if args.adapter == "auto" else args.adapter}
    for option, value in smoother_only.items():
        if value is not None:
            raise InvalidArgument(option, value, "not given with --kind sca (it applies to --kind smoother only)")
    try:
        module = importlib.import_module(SCA_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and (SCA_MODULE.startswith(exc.name) or "mus_verify.soft_stability.gate".startswith(exc.name)):
            raise InvalidArgument("--kind", "sca", "smoother", f"the SCA gate ({SCA_MODULE}) is not available in this installation") from None
        raise
    return int(module.run_from_cli(args))
