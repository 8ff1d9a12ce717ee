"""Does ``torch.compile`` help the fast path here? Does scaled-dot-product attention? (issue 15, item 2: measure, keep optional)

Times one smoothed evaluation (q = 64, λ = 16/64, α = 1, vote mode) of a
ViT-sized model, eager vs ``MuS(..., compile=True)``, float32 and the bf16
cascade, for each masking asked for. Every variant is built and called once
untimed first (for the compiled variants this call includes compilation; its
wall time is reported as ``first_call_s``), then the variants are timed in
``--rounds`` interleaved rounds (variant 1, 2, 3, 4, 1, 2, ...), so that a
change of the shared machine's load hits every variant alike; ``best_s`` and
``median_s`` are over the rounds, and ``speedup`` is eager / compiled of the
same (masking, cascade). Vote counts must be equal across the variants of one
masking (compilation must not change a vote).

``--attention`` also times the attention kernel alone on the shapes of the
zero-mask path (chunk of copies x heads x 197 tokens x 64): PyTorch's
``scaled_dot_product_attention`` (what ``models.Block`` calls) against the
explicit softmax(QKᵀ/√d)V it replaces, float32 and bf16.

    python benchmarks/bench_compile.py [--model vit-ti16] [--masking zero,drop] [--threads 2] [--rounds 3] [--attention] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any


def _variants(maskings: list[str]) -> list[tuple[str, str | None, bool]]:
    return [(masking, cascade, compiled) for masking in maskings for cascade in (None, "bfloat16") for compiled in (False, True)]


def _attention_rows(config: Any, chunk: int, threads: int, repeats: int = 5) -> list[dict[str, Any]]:
    """SDPA vs explicit attention on (chunk, heads, tokens, head_dim) tensors, best of ``repeats``."""
    import torch
    import torch.nn.functional as F

    heads, tokens = config.heads, (config.image_size // config.patch_size) ** 2 + 1
    head_dim = config.dim // heads
    rows = []
    for dtype in (torch.float32, torch.bfloat16):
        generator = torch.Generator().manual_seed(0)
        q, k, v = (torch.randn(chunk, heads, tokens, head_dim, generator=generator).to(dtype) for _ in range(3))

        def explicit() -> Any:
            weights = torch.softmax((q @ k.transpose(-2, -1)) / head_dim**0.5, dim=-1)
            return weights @ v

        def fused() -> Any:
            return F.scaled_dot_product_attention(q, k, v)

        times = {}
        with torch.inference_mode():
            error = float((explicit().float() - fused().float()).abs().max())
            for name, function in (("explicit", explicit), ("sdpa", fused)):
                function()
                best = float("inf")
                for _ in range(repeats):
                    started = time.perf_counter()
                    function()
                    best = min(best, time.perf_counter() - started)
                times[name] = best
        rows.append({"dtype": str(dtype).replace("torch.", ""), "shape": [chunk, heads, tokens, head_dim], "threads": threads,
                     "explicit_ms": round(1e3 * times["explicit"], 2), "sdpa_ms": round(1e3 * times["sdpa"], 2),
                     "speedup": round(times["explicit"] / times["sdpa"], 2), "max_abs_difference": error})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default="vit-ti16")
    parser.add_argument("--masking", default="zero", help="comma-separated: zero, drop")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--attention", action="store_true", help="also time SDPA against explicit attention")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    maskings = [m.strip() for m in args.masking.split(",") if m.strip()]
    if not maskings or any(m not in ("zero", "drop") for m in maskings):
        parser.error(f"--masking {args.masking!r}: comma-separated values from zero, drop")
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: at least 1")

    import torch

    from mus_verify.torch_backend.models import VIT_PRESETS, build_model
    from mus_verify.torch_backend.smoother import MuS

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    started_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    model, spec = build_model(args.model, 0)
    x = torch.randn((1,) + spec.input_shape, generator=torch.Generator().manual_seed(1))
    built: dict[tuple[str, str | None, bool], Any] = {}
    rows: dict[tuple[str, str | None, bool], dict[str, Any]] = {}
    votes: dict[tuple[str, str | None, bool], list[Any]] = {}
    for key in _variants(maskings):
        masking, cascade, compiled = key
        row: dict[str, Any] = {"masking": masking, "cascade": cascade, "compile": compiled}
        rows[key] = row
        mus = MuS(model, spec.groups(), output="logits", q=64, lam="16/64", masking=masking, chunk_size=16, cascade=cascade, compile=compiled)
        started = time.perf_counter()
        try:
            out = mus.smooth(x)
        except Exception as exc:  # compilation needs a C++ toolchain: report, never hide
            row["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
            continue
        row["first_call_s"] = round(time.perf_counter() - started, 2)
        row["sent_back"] = (out.cascade or {}).get("sent_back")
        votes[key] = out.vote_counts.tolist()
        built[key] = mus
        row["times"] = []
    for _ in range(args.rounds):
        for key, mus in built.items():
            started = time.perf_counter()
            out = mus.smooth(x)
            rows[key]["times"].append(time.perf_counter() - started)
            if out.vote_counts.tolist() != votes[key]:
                rows[key]["error"] = "vote counts changed between calls"
    for key, row in rows.items():
        times = row.pop("times", [])
        if times:
            row["best_s"] = round(min(times), 3)
            row["median_s"] = round(statistics.median(times), 3)
    for (masking, cascade, compiled), row in rows.items():
        eager = rows.get((masking, cascade, False), {})
        if compiled and "median_s" in row and "median_s" in eager:
            row["speedup"] = round(eager["median_s"] / row["median_s"], 2)  # eager / compiled, > 1: compile helps
    same = {m: len({json.dumps(v) for k, v in votes.items() if k[0] == m}) <= 1 for m in maskings}
    document: dict[str, Any] = {
        "command": "python benchmarks/bench_compile.py " + " ".join(f"--{k.replace('_', '-')} {v}" if not isinstance(v, bool) else (f"--{k}" if v else "") for k, v in vars(args).items()).strip(),
        "started": started_at, "model": args.model, "threads": args.threads, "rounds": args.rounds, "torch": torch.__version__,
        "load_average_before": load_before, "rows": list(rows.values()), "equal_vote_counts": same,
    }
    if args.attention:
        chunk = 16  # the zero-mask chunk used above
        document["attention"] = _attention_rows(VIT_PRESETS[args.model], chunk, args.threads)
    document["load_average_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        for row in document["rows"]:
            print(row)
        for row in document.get("attention", []):
            print(row)
        print("equal vote counts across variants:", same, "load", load_before, "->", document["load_average_after"])


if __name__ == "__main__":
    main()
