"""``mus-verify diff``: the fast torch path against the float64 / exact-rational reference path.

Imports torch only when the command runs, so ``mus-verify --help`` stays fast.
"""

from __future__ import annotations

import argparse

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
    from ..torch_backend.diff_models import diff_default, diff_named_model
    from ..torch_backend.drop_check import check_token_drop

    dtype = args.dtype or "float32"
    autocast = None if dtype == "float32" else getattr(torch, dtype)
    skipped: list[str] = []
    if args.model is None:
        results, skipped = diff_default(seed=args.seed, autocast_dtype=autocast)
    elif args.model == "token-drop":
        options = {k: v for k, v in (("q", q), ("lam", args.lam), ("examples", args.examples)) if v is not None}
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
