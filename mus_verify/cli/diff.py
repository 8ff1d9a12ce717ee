"""``mus-verify diff``: the fast torch path against the float64 / exact-rational reference path.

Imports torch only when the command runs, so ``mus-verify --help`` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._options import add_threads_option, apply_threads, resolve_q
from .output import emit

DTYPES = ("float32", "bfloat16", "float16")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "diff",
        parents=[common],
        help="differential test: fast torch MuS vs the exact reference (masks, votes, probabilities, certificates)",
        description=(
            "Compare the fast torch path with the reference path (one float64 forward per mask, exact rational "
            "averaging) on the same base model and inputs. Masks must be equal bit for bit; votes equal except "
            "where the reference's own top-two margin is within the fast dtype's tolerance (reported as "
            "undetermined); probabilities within the documented per-dtype tolerance; fast certificates never "
            "larger than the reference's; results invariant to batch and chunk size. Without --model: the tiny "
            "default models, the adversarial models that defeated the old guard (adv-*: float64 temperature first, "
            "buffer weights fed float16, a cosine head that is NaN on the all-hidden copy and must be refused, "
            "large-logit heads in float32 and under float16 autocast; they keep their own dtypes) and the "
            "exhaustive token-drop check. --q, --lam and --examples need --model; --dtype applies to the models "
            "without dtypes of their own."
        ),
    )
    parser.add_argument("--model", help="one built-in model: tiny-mlp, tiny-cnn, tiny-text, tiny-text-mask, vit-nano, vit-micro, hf-vit-micro, vit-ti16, vit-b16 (ViT-B/16-sized smoke test), adv-temperature64, adv-buffer-fp16, adv-cosine-nan, adv-large-logit, adv-fp16-autocast, or token-drop")
    parser.add_argument("--q", type=int, help="quantisation parameter q (default: per model; inferred from --lam K/Q)")
    parser.add_argument("--lam", help="λ as K/Q (default: per model)")
    parser.add_argument("--examples", type=int, help="number of random inputs (default: per model; examples x q <= 65536)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model weights, inputs, explanations and seed vector (default 0)")
    parser.add_argument("--dtype", choices=DTYPES, default=None, help="fast-path compute dtype (bfloat16/float16 via autocast; default float32)")
    parser.add_argument("--cascade", choices=("bfloat16", "float16"), default=None,
                        help="instead: re-evaluate every copy of the bf16 (fp16: CUDA only) cascade in float32 and count vote "
                             "mismatches, with the fraction of copies the threshold sends back (q = 64, λ = 16/64 unless given)")
    parser.add_argument("--device", default="cpu", help="with --cascade: cpu, cuda or cuda:N (default cpu)")
    add_threads_option(parser)
    parser.set_defaults(handler=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from ..errors import InvalidArgument

    q = resolve_q(args.q, args.lam)
    if args.seed < 0:
        raise InvalidArgument("--seed", args.seed, "a non-negative integer")
    if args.model is None:
        for option, value in (("--q", q), ("--lam", args.lam), ("--examples", args.examples)):
            if value is not None:  # never silently ignored: the default set has per-model settings
                raise InvalidArgument(option, value, "omitted without --model (the default set uses per-model settings)", "name a model with --model to set it")
    if args.model == "token-drop" and args.dtype not in (None, "float32"):
        raise InvalidArgument("--dtype", args.dtype, "float32 (the default) with --model token-drop", "the token-drop check is exact: it evaluates the float64 reference only")
    import torch

    apply_threads(args.threads)
    if args.cascade is not None:
        return _run_cascade(args, q)
    if args.device != "cpu":
        raise InvalidArgument("--device", args.device, "cpu (the default) without --cascade", "the float64 reference harness runs on CPU and checks CUDA itself when present")
    from ..torch_backend.diff_models import diff_default, diff_named_model
    from ..torch_backend.drop_check import check_token_drop

    dtype = args.dtype or "float32"
    autocast = None if dtype == "float32" else getattr(torch, dtype)
    skipped: list[str] = []
    if args.model is None:
        results, skipped = diff_default(seed=args.seed, autocast_dtype=autocast)
    elif args.model == "token-drop":
        options: dict[str, Any] = {k: v for k, v in (("q", q), ("lam", args.lam), ("examples", args.examples)) if v is not None}
        results = [check_token_drop(seed=args.seed, **options)]
    else:
        results = diff_named_model(args.model, q=q, lam=args.lam, examples=args.examples, seed=args.seed, autocast_dtype=autocast)
    undetermined = sum(int(r.details.get("undetermined", 0)) for r in results if r.name.endswith(":votes"))
    extra = {"undetermined_votes": undetermined, "skipped": skipped, "gpu": torch.cuda.is_available(), "dtype": dtype, "threads": torch.get_num_threads()}
    code = emit(results, args.json, extra=extra)
    if not args.json:
        print(f"undetermined votes (reference margin within 2·atol, not counted): {undetermined}")
        for line in skipped:
            print(f"skipped: {line}")
    return code


def _run_cascade(args: argparse.Namespace, q: int | None) -> int:
    """``diff --cascade DTYPE``: the full float32 re-check of the cascade (:mod:`mus_verify.torch_backend.cascade_diff`)."""
    import torch

    from ..errors import InvalidArgument
    from ..torch_backend.cascade_diff import CASCADE_LAM, CASCADE_Q, check_cascade_dtype, diff_cascade
    from .bench import check_device

    if args.dtype not in (None, "float32"):
        raise InvalidArgument("--dtype", args.dtype, "omitted with --cascade", "the cascade's reference precision is the module's float32")
    if args.model == "token-drop":
        raise InvalidArgument("--model", args.model, "a built-in model name with --cascade (token-drop is the exact float64 check)")
    device = check_device(args.device) or "cpu"
    check_cascade_dtype(args.cascade, device)
    models = None if args.model is None else [args.model]
    results, skipped = diff_cascade(models, dtype=args.cascade, q=q or CASCADE_Q, lam=args.lam or (CASCADE_LAM if q is None else f"{q // 4}/{q}"),
                                    examples=args.examples, seed=args.seed, device=device)
    mismatches = sum(int(r.details.get("mismatches", 0)) for r in results)
    copies = sum(int(r.details.get("copies", 0)) for r in results)
    sent = sum(int(r.details.get("sent_back", 0)) for r in results)
    extra = {"cascade": args.cascade, "vote_mismatches": mismatches, "copies": copies, "sent_back": sent,
             "sent_back_fraction": sent / copies if copies else 0.0, "skipped": skipped, "gpu": torch.cuda.is_available(), "threads": torch.get_num_threads()}
    code = emit(results, args.json, extra=extra)
    if not args.json:
        print(f"cascade {args.cascade}: {mismatches} vote mismatches; {sent} of {copies} copies sent back to float32")
        for line in skipped:
            print(f"skipped: {line}")
    return code
