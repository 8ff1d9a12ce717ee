"""Sharded exhaustive check on Ray: the local engine vs Ray with 1 and 2 workers, side by side (issue 16).

One process runs, in this order, the same check on the same configuration:

1. ``--engine local`` (the in-process path, no shards), as it runs by default (numba's parallel kernels
   on every core) and again with one kernel thread (what each Ray worker uses);
2. Ray with ``--workers 1`` and then ``--workers 2`` (each: a fresh local Ray, started and shut down
   here; its start-up time is measured apart, and the check runs twice in it: the first run also pays
   for starting the worker processes and their imports, the second is the steady state);
3. the same three at a small n, to show what Ray's fixed costs are when the work is small.

Every Ray result is compared with the local one (all fields but timings: ``"same": true``), and the
per-shard cost measured at the large n is used to project, on paper, how many workers a run at
n = 30 needs to finish in an hour. It prints a human summary on stderr and ONE JSON line on stdout
(paste it into benchmarks/RESULTS.md). Timings depend on the machine and its load: the load average
before and after is part of the line.

    python benchmarks/ray_scaling.py                        # incremental-stability, n = 24 and n = 12
    python benchmarks/ray_scaling.py --check lipschitz --n 20 --small-n 10
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks._sharding import THROUGHPUT_LINE, plan_check, run_plan
from mus_verify.parallel import engine_session

TIMING = ("elapsed_s", "masks_per_s", "engine", "shards")


def _comparable(result: Any) -> dict[str, Any]:
    data = result.to_json()
    data.pop("elapsed_s")
    data["message"] = THROUGHPUT_LINE.sub(lambda m: m.group(0).split(" in ")[0], data["message"])
    data["details"] = {k: v for k, v in data["details"].items() if k not in TIMING}
    return data


def _loadavg() -> list[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # not on this platform
        return []


def _local_threads() -> int | None:
    """Threads of the local engine's compiled kernels (numba's parallel loops), None without numba."""
    try:
        import numba
    except ImportError:
        return None
    return int(getattr(numba.config, "NUMBA_NUM_THREADS"))


def measure(check: str, n: int, workers_list: list[int]) -> dict[str, Any]:
    """Wall times of the local engine and of Ray per worker count, at one n (Ray's start-up apart)."""
    config = CheckConfig(n=n)
    started = time.perf_counter()
    local = run_check(check, config)
    local_s = time.perf_counter() - started
    plan = plan_check(check, config)
    row: dict[str, Any] = {"n": n, "verdict": local.verdict.value, "shards": plan.size, "local_s": round(local_s, 2)}
    threads = _local_threads()
    if threads is not None and threads > 1:  # the local engine again with one kernel thread, like one Ray worker
        import numba

        numba.set_num_threads(1)
        try:
            began = time.perf_counter()
            run_check(check, config)
            row["local_1thread_s"] = round(time.perf_counter() - began, 2)
        finally:
            numba.set_num_threads(threads)
    for workers in workers_list:
        began = time.perf_counter()
        with engine_session("ray", workers=workers):
            up = time.perf_counter()
            first = run_plan(plan, engine="ray", workers=workers)  # fresh worker processes: imports, kernel cache loads
            warm = time.perf_counter()
            sharded = run_plan(plan, engine="ray", workers=workers)  # the same workers again: the steady state
            ran = time.perf_counter()
        row[f"ray{workers}_start_s"] = round(up - began, 2)
        row[f"ray{workers}_first_s"] = round(warm - up, 2)
        row[f"ray{workers}_s"] = round(ran - warm, 2)
        row[f"ray{workers}_shutdown_s"] = round(time.perf_counter() - ran, 2)
        row[f"ray{workers}_same"] = _comparable(sharded) == _comparable(local) == _comparable(first)
        sys.stderr.write(f"  n={n} ray workers={workers}: start {up - began:.1f} s, first run {warm - up:.1f} s, warm run {ran - warm:.1f} s, "
                         f"same as local: {row[f'ray{workers}_same']}\n")
    sys.stderr.write(f"  n={n} local: {local_s:.1f} s ({local.verdict.value}, {plan.size} shards)\n")
    return row


def project_n30(check: str, n: int, row: dict[str, Any], hour_s: float = 3600.0) -> dict[str, Any]:
    """On paper: the per-shard cost at n scaled to n = 30, and the workers that finish in an hour.

    The per-shard cost is the warm 1-worker Ray run divided by its shards (one worker runs them all in turn).
    A shard is one (input, classifier) of one seed vector, both modes: its cost is dominated by the
    smoothing and the distance transforms over all 2^n masks, O(n · 2^n). So t(30) = t(n) · 2^(30-n) · 30/n.
    With S shards and W workers the run takes ceil(S / W) shard times (a shard is not split further).
    """
    shards = row["shards"]
    per_shard = row["ray1_s"] / shards  # one warm worker runs every shard, one after the other
    at_30 = per_shard * 2 ** (30 - n) * 30 / n
    rounds = math.floor(hour_s / at_30) if at_30 <= hour_s else 0
    workers = math.ceil(shards / rounds) if rounds else None
    # one run's table of smoothed numerators alone: 2^30 masks × 3 classes × 4-8 bytes, per worker
    memory_gib = 2**30 * 3 * 4 / 2**30
    return {"check": check, "measured_n": n, "per_shard_s": round(per_shard, 3), "shards_per_seed_vector": shards,
            "per_shard_s_at_n30": round(at_30), "workers_for_one_hour": workers, "rounds_per_hour": rounds,
            "table_gib_per_worker_at_n30_at_least": round(memory_gib)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", default="incremental-stability", choices=["lipschitz", "incremental-stability", "decremental-stability"])
    parser.add_argument("--n", type=int, default=24, help="the large n (default 24: the largest the compiled engine accepts at the defaults)")
    parser.add_argument("--small-n", type=int, default=12, help="a small n, to show Ray's fixed costs")
    args = parser.parse_args(argv)
    load_before = _loadavg()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sys.stderr.write(f"{args.check}: n = {args.n} and n = {args.small_n}, local vs Ray 1 and 2 workers (load {load_before})\n")
    # warm-up, untimed: the first run in a process pays one-off costs (imports, a JIT kernel's compile or cache load)
    run_check(args.check, CheckConfig(n=args.small_n))
    large = measure(args.check, args.n, [1, 2])
    small = measure(args.check, args.small_n, [2])
    line = {
        "benchmark": "ray_scaling",
        "date": date,
        "command": "python benchmarks/ray_scaling.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
        "check": args.check,
        "local_threads": _local_threads(),
        "large": large,
        "speedup_1_to_2_workers": round(large["ray1_s"] / large["ray2_s"], 2),
        "small": small,
        "n30": project_n30(args.check, args.n, large),
    }
    sys.stdout.write(json.dumps(line) + "\n")
    return 0 if large["ray1_same"] and large["ray2_same"] and small["ray2_same"] else 1


if __name__ == "__main__":
    sys.exit(main())
