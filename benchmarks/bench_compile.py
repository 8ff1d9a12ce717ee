"""Does ``torch.compile`` help the fast path here? (issue 15, item 2: measure, keep optional)

Times one smoothed evaluation (q = 64, λ = 16/64, α = 1, vote mode) of a
ViT-sized model, eager vs ``MuS(..., compile=True)``, float32 and the bf16
cascade, after one untimed warm-up call each (the warm-up of the compiled
variants includes compilation, reported separately). All variants run in this
one process, so their ratios share the machine's load.

    python benchmarks/bench_compile.py [--model vit-ti16] [--masking zero|drop] [--threads 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="vit-ti16")
    parser.add_argument("--masking", default="zero", choices=("zero", "drop"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import torch

    from mus_verify.torch_backend.models import build_model
    from mus_verify.torch_backend.smoother import MuS

    torch.set_num_threads(args.threads)
    model, spec = build_model(args.model, 0)
    x = torch.randn((1,) + spec.input_shape, generator=torch.Generator().manual_seed(1))
    rows = []
    votes = {}
    for cascade in (None, "bfloat16"):
        for compiled in (False, True):
            mus = MuS(model, spec.groups(), output="logits", q=64, lam="16/64", masking=args.masking, chunk_size=16, cascade=cascade, compile=compiled)
            started = time.perf_counter()
            try:
                first = mus.smooth(x)
            except Exception as exc:  # compilation needs a C++ toolchain: report, never hide
                rows.append({"cascade": cascade, "compile": compiled, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
                continue
            warm = time.perf_counter() - started
            best = float("inf")
            for _ in range(args.repeats):
                started = time.perf_counter()
                out = mus.smooth(x)
                best = min(best, time.perf_counter() - started)
            votes[(cascade, compiled)] = out.counts.tolist()
            rows.append({"cascade": cascade, "compile": compiled, "first_call_s": round(warm, 2), "best_s": round(best, 3), "sent_back": (out.cascade or {}).get("sent_back")})
    same = len({json.dumps(v) for v in votes.values()}) <= 1
    document = {"model": args.model, "masking": args.masking, "threads": args.threads, "torch": torch.__version__, "load_average": os.getloadavg(), "rows": rows, "equal_vote_counts": same}
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        for row in rows:
            print(row)
        print("equal vote counts across variants:", same, "load", document["load_average"])


if __name__ == "__main__":
    main()
