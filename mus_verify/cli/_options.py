"""Options shared by several sub-commands, defined once.

* ``--threads``: every command that runs torch takes it. The default is one
  thread per core that this process may use, capped at 4, because torch's own
  default (every logical core, plus inter-op threads) makes small-matrix
  workloads 3-8x slower on a shared 2-core machine with identical results.
* ``--q`` / ``--lam K/Q``: q is inferred from the denominator of ``--lam`` when
  ``--q`` is absent, and a conflicting pair is refused (never silently rescaled).
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction
from typing import Any

from .._validation import q_from_lam, resolve_q  # the pure rule lives below the CLI (gate settings use it too)
from ..errors import InvalidArgument

__all__ = ["add_threads_option", "default_threads", "apply_threads", "resolve_q", "q_from_lam", "add_engine_options", "engine_options"]

MAX_DEFAULT_THREADS = 4
MAX_THREADS = 256


def default_threads() -> int:
    """Cores this process may run on, capped at :data:`MAX_DEFAULT_THREADS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_DEFAULT_THREADS, cores))


def _threads_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--threads={text!r} is invalid: expected an integer in 1..{MAX_THREADS}") from None
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"--threads={value} is invalid: expected an integer in 1..{MAX_THREADS}")
    return value


def add_threads_option(parser: argparse.ArgumentParser, help: str | None = None) -> None:
    """Add ``--threads N`` (default None: :func:`default_threads`, or what ``help`` says the command does)."""
    parser.add_argument(
        "--threads",
        type=_threads_type,
        default=None,
        help=help or f"torch intra-op threads, 1..{MAX_THREADS} (default: the usable cores, at most {MAX_DEFAULT_THREADS})",
    )


def apply_threads(threads: int | None) -> int:
    """Set torch's intra-op thread count (imports torch); returns the count used."""
    import torch

    count = default_threads() if threads is None else threads
    if not 1 <= count <= MAX_THREADS:
        raise InvalidArgument("--threads", count, f"an integer in 1..{MAX_THREADS}")
    torch.set_num_threads(count)
    return count


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine {local,ray}``, ``--workers N`` and ``--address`` (sharded runs; docs/scale-out.md)."""
    from ..parallel import ENGINES  # light: ray itself is imported only when --engine ray runs

    group = parser.add_argument_group("scale-out (docs/scale-out.md)")
    group.add_argument("--engine", choices=ENGINES, default="local",
                       help="local: this process (default); ray: shards on Ray, the same result (pip install \"mus-verify[ray]\")")
    group.add_argument("--workers", type=int, default=None, help="with --engine ray and no --address: start a local Ray with N CPUs (default: all)")
    group.add_argument("--address", default=None, help="with --engine ray: join this running Ray cluster (e.g. 'auto'); it is never shut down")


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """``engine``, ``workers`` and ``address`` of :func:`add_engine_options`, checked (InvalidArgument names the option)."""
    from ..parallel import check_engine

    engine, workers, address = args.engine, args.workers, args.address
    check_engine(engine, workers, address)
    return {"engine": engine, "workers": workers, "address": address}
