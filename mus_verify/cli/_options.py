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

from ..errors import InvalidArgument

__all__ = ["add_threads_option", "default_threads", "apply_threads", "resolve_q", "q_from_lam"]

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


def q_from_lam(lam: str | Fraction | None) -> int | None:
    """The Q of a ``K/Q`` string (as written, not reduced: 2/8 gives 8), else None."""
    if lam is None or isinstance(lam, Fraction):
        return None
    text = str(lam).strip()
    if "/" not in text:
        return None
    denominator = text.split("/", 1)[1].strip()
    return int(denominator) if denominator.isdigit() and int(denominator) > 0 else None


def resolve_q(q: int | None, lam: str | Fraction | None, *, argument: str = "--q") -> int | None:
    """``--q`` if given, else the denominator of ``--lam K/Q``; refuse a q that cannot carry λ.

    ``--q 64 --lam 2/8`` is fine (2/8 = 16/64); ``--q 6 --lam 1/4`` is refused
    here with both values named, rather than later with a message about λ alone.
    """
    inferred = q_from_lam(lam)
    if q is None:
        return inferred
    if inferred is not None:
        value = Fraction(str(lam).strip())
        if (value * q).denominator != 1:
            raise InvalidArgument(
                argument, q, f"a q for which --lam {lam} is a multiple of 1/q (e.g. {inferred})",
                f"--lam {lam} was given with Q = {inferred}",
            )
    return q
