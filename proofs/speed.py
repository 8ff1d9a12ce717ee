"""Regenerate the speed table of proofs/README.md: the largest n each property reaches in 60 s.

For each property, runs ``mus-verify prove PROPERTY --variant V --n N --q Q --lam K/Q --json`` as a
fresh process for growing n (wall clock, process start included) and stops at the first run that
does not finish with PROVED within the limit. Usage::

    python proofs/speed.py [--variant mus] [--q 8] [--lam 2/8] [--limit 60] [--sizes 8,16,32,...]

Prints one markdown row per property. Timings depend on the machine and its load: say how you ran it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

PROPERTIES = ("masking-equivalence", "lipschitz", "stability", "marginals")
SIZES = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def run(prop: str, variant: str, n: int, q: int, lam: str, limit: float) -> tuple[str, float]:
    command = [sys.executable, "-m", "mus_verify", "prove", prop, "--variant", variant, "--n", str(n), "--q", str(q), "--lam", lam, "--json"]
    started = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    try:
        verdict = json.loads(proc.stdout)["results"][0]["verdict"]
    except (ValueError, KeyError, IndexError):
        verdict = f"ERROR (exit {proc.returncode})"
    return verdict, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="mus")
    parser.add_argument("--q", type=int, default=8)
    parser.add_argument("--lam", default="2/8")
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--properties", default=",".join(PROPERTIES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"| property | largest n proved in {args.limit:g} s | its time | next n tried |")
    print("| --- | --- | --- | --- |")
    for prop in args.properties.split(","):
        best, best_time, stopped = None, None, "—"
        for n in sizes:
            verdict, elapsed = run(prop, args.variant, n, args.q, args.lam, args.limit)
            print(f"  {prop} n={n}: {verdict} in {elapsed:.1f} s", file=sys.stderr, flush=True)
            if verdict != "PROVED":
                stopped = f"n = {n}: {verdict} after {elapsed:.0f} s"
                break
            best, best_time = n, elapsed
        shown = "none" if best is None else str(best)
        timing = "—" if best_time is None else f"{best_time:.1f} s"
        print(f"| {prop} | {shown} | {timing} | {stopped} |", flush=True)


if __name__ == "__main__":
    main()
