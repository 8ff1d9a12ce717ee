"""How far each exhaustive check gets in a time budget: the README's "largest n in 60 s" table.

Runs ``mus-verify check NAME --n N --q Q --lam K/Q --json`` in a fresh process for
N = start, start + 1, ... until a run does not finish within the budget (it is
killed at the budget) or fails, and prints one markdown row per check with the
largest N that finished, its wall time (process start included) and the
throughput the check reports. Timings depend on the machine and its load: the
load average is printed with the table.

    python benchmarks/exhaustive.py                       # all exhaustive checks, 60 s budget
    python benchmarks/exhaustive.py --checks lipschitz --start 16 --budget 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHECKS = ["lipschitz", "masking-equivalence", "incremental-stability", "decremental-stability", "tightness"]


def run_once(name: str, n: int, q: int, lam: str, budget: float) -> tuple[float, dict | None, str]:
    """Wall time, the check's JSON result (None if it did not finish) and why not: timeout / refused / exit N."""
    command = [sys.executable, "-m", "mus_verify", "check", name, "--n", str(n), "--q", str(q), "--lam", lam, "--json"]
    started = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=budget)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, None, "timeout"
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(f"{name} n={n}: exit {proc.returncode}\n{proc.stderr[-2000:]}\n")
        # exit 2 is a usage error: the work limit refused the size before running it
        return wall, None, "refused" if proc.returncode == 2 else f"exit {proc.returncode}"
    (result,) = json.loads(proc.stdout)["results"]
    return wall, result, result["verdict"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", nargs="*", default=CHECKS)
    parser.add_argument("--start", type=int, default=16)
    parser.add_argument("--stop", type=int, default=24)
    parser.add_argument("--q", type=int, default=64)
    parser.add_argument("--lam", default="16/64")
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args(argv)
    rows = []
    for name in args.checks:
        best = None
        for n in range(args.start, args.stop + 1):
            wall, result, status = run_once(name, n, args.q, args.lam, args.budget)
            rate = "" if result is None else f"{result['details']['masks_per_s'] / 1e6:.1f} M masks/s"
            print(f"{name:24s} n={n:2d}  {wall:6.1f} s  {status:9s} {rate}  (load {os.getloadavg()[0]:.1f})", flush=True)
            if result is None:
                break
            best = (n, wall, result)
        if best is None:
            rows.append(f"| `{name}` | < {args.start} | | | |")
        else:
            n, wall, result = best
            rows.append(f"| `{name}` | {n} | {wall:.1f} s | {result['details']['masks_per_s'] / 1e6:.1f} M | {result['verdict']} |")
    print()
    print(f"q = {args.q}, λ = {args.lam}, budget {args.budget:.0f} s, load average now {os.getloadavg()[0]:.1f}")
    print("| check | largest n in budget | wall time | masks/s | verdict |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
