"""``mus-verify bench``: certified images/s of the naive baseline, zero-mask and token-drop paths.

Imports torch only when the command runs. Exit code 0 when the issue's targets
hold for ViT-B/16 size (zero-mask no slower than naive with lower peak
memory, token-drop at least 3x naive; zero-mask-bf16 at least 4x and
token-drop-bf16 at least 20x naive, each with the float32 row's
certificates); 3 when a target is missed (a missed
performance target is not a counterexample) or was not run (``--models``
without vit-b16: reported as "not run", never as failed); 2 on a usage or
environment error. Without ``--json`` each finished worker prints a progress
line with its count, the total and an ETA on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._options import add_threads_option, default_threads
from .output import EXIT_HOLDS, EXIT_INCONCLUSIVE


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "bench",
        parents=[common],
        help="benchmark certified images/s: naive baseline vs zero-mask vs token-drop, float32 and bf16 cascade (ViT-Ti/16, ViT-B/16 sizes)",
        description=(
            "Certified images per second (incremental + decremental certificate per image, voting, q = 64, "
            "λ = 1/4, 196 patch groups) for (a) the naive research-code evaluation, (b) the zero-masking path "
            "and (c) the token-dropping path, in float32 and as a bf16 cascade with float32 votes "
            "(zero-mask-bf16, token-drop-bf16), side by side, each in its own process; with ratios to (a), "
            "peak memory, model FLOP/s and its share of the matmul peak measured in the same run."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="few images (ViT-Ti: 2, ViT-B: 1); a few minutes on 2 CPU cores")
    parser.add_argument("--models", default="vit-ti16,vit-b16", help="comma-separated: vit-ti16, vit-b16 (default both)")
    add_threads_option(parser)
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when available)")
    parser.set_defaults(handler=run_bench_command)


def run_bench_command(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument
    from ..torch_backend.bench import run_bench

    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    for model in models:
        if model not in ("vit-ti16", "vit-b16"):
            raise InvalidArgument("--models", args.models, "a comma-separated subset of vit-ti16, vit-b16")
    if not models:
        raise InvalidArgument("--models", args.models, "a comma-separated subset of vit-ti16, vit-b16")
    device = check_device(args.device)
    threads = args.threads if args.threads is not None else default_threads()
    document = run_bench(quick=args.quick, models=models, device=device, threads=threads, progress=not args.json)
    if args.json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(render(document) + "\n")
    return EXIT_HOLDS if document["ok"] else EXIT_INCONCLUSIVE


def check_device(device: str | None) -> str | None:
    """``cpu``, ``cuda`` or ``cuda:N`` that this machine has; anything else is refused (exit 2)."""
    from ..errors import InvalidArgument

    if device is None or device == "cpu":
        return device
    import re

    import torch

    available = torch.cuda.device_count() if torch.cuda.is_available() else 0
    valid = "cpu" + (f", cuda or cuda:N with N < {available}" if available else " (no CUDA device is available)")
    match = re.fullmatch(r"cuda(?::(\d+))?", device)
    if match is None or not available or int(match.group(1) or 0) >= available:
        raise InvalidArgument("--device", device, valid)
    return device


def render(document: dict) -> str:
    rows = [("model", "variant", "images/s", "x naive", "peak MiB", "GFLOP/s", "peak share", "to fp32", "s", "cpu s")]
    for r in document["results"]:
        peak = "" if r["peak_mem_mb"] is None else f"{r['peak_mem_mb']:.0f}"
        share = "" if r.get("peak_share") is None else f"{100 * r['peak_share']:.1f}%"
        flops = "" if r.get("achieved_flops_per_s") is None else f"{r['achieved_flops_per_s'] / 1e9:.1f}"
        back = "" if not r.get("cascade") else f"{100 * r['cascade']['sent_back_fraction']:.1f}%"
        rows.append((r["model"], r["name"], f"{r['images_per_s']:.4f}", f"{r.get('ratio_to_naive', 0):.2f}", peak, flops, share, back, f"{r['seconds']:.1f}", f"{r['cpu_seconds']:.1f}"))
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[c]) for c, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    machine = document["machine"]
    lines.append(f"device {machine['device']}, {machine['cpu_count']} CPUs, torch {machine['torch']}, load {machine['load_average_before']} -> {machine['load_average_after']}")
    peaks = machine.get("matmul_peak_flops_per_s") or {}
    lines.append("measured matmul peak (2048², this run): " + ", ".join(f"{d} {v / 1e9:.1f} GFLOP/s" for d, v in peaks.items()))
    lines.append(f"criteria: {document['criteria']}")
    targets = document.get("targets", "met" if document["ok"] else "missed")
    lines.append({"met": "targets met", "missed": "targets NOT met", "not run": f"targets not run ({document['criteria']['model']} was not benchmarked): nothing to judge"}[targets])
    return "\n".join(lines)
