"""Executors for independent shards of work: in this process (``local``) or on a Ray cluster (``ray``).

An engine-layer package: it runs ``fn(*args)`` for each entry of ``shard_args`` and
returns the results *in shard order*; it knows nothing of checks, gates or the CLI
(how a check is split into shards and merged back lives next to the checks, in
:mod:`mus_verify.checks._sharding`).

Ordered early stop. With ``stop_after_first_failure`` (a predicate on one shard's
result), a failing shard k cancels the shards after it, never the ones before: those
still finish, so the first failure *in shard order* is the one reported, whichever
worker found a failure first. That is what makes a sharded run give the same answer
as one process enumerating the shards in order. Slots of shards that did not run (or
ran after the first failure) are ``None``.

Ray is optional (``pip install "mus-verify[ray]"``) and imported only when the ``ray``
engine runs; see :mod:`.ray_engine` for how a cluster is started, reused and shut down.

>>> run_shards(pow, [(2, 3), (3, 2), (0, 0)], stop_after_first_failure=lambda r: r == 9)
[8, 9, None]
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from ..errors import InvalidArgument
from .local import run_local

__all__ = ["ENGINES", "run_shards", "engine_session", "ShardFailed", "check_engine"]

ENGINES = ("local", "ray")
MAX_WORKERS = 1024

ShardFailed = Callable[[Any], bool]
"""A predicate on one shard's result: True when it should cancel the shards after it."""


def check_engine(engine: str, workers: int | None, address: str | None) -> None:
    """Refuse a bad engine/workers/address combination before anything starts."""
    if engine not in ENGINES:
        raise InvalidArgument("--engine", engine, f"one of {', '.join(ENGINES)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS):
        raise InvalidArgument("--workers", workers, f"an integer in 1..{MAX_WORKERS}")
    if engine == "local" and (workers not in (None, 1) or address is not None):
        which = "--address" if address is not None else "--workers"
        raise InvalidArgument(which, address if address is not None else workers, "used with --engine ray only (the local engine is one process)")
    if address is not None and workers is not None:
        raise InvalidArgument("--workers", workers, "omitted with --address (an existing cluster brings its own workers)")
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise InvalidArgument("--address", address, "a Ray address such as 'auto' or 'ray://host:10001'")


def run_shards(
    fn: Callable[..., Any],
    shard_args: Sequence[tuple[Any, ...]],
    *,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int], None] | None = None,
    stop_after_first_failure: ShardFailed | None = None,
) -> list[Any]:
    """``[fn(*args) for args in shard_args]`` on ``engine``, in shard order (see the module docstring).

    ``progress(1)`` is called once per finished shard. ``workers`` starts a local Ray with that many
    CPUs (default: this machine's); ``address`` joins an existing cluster instead (never shut down here).
    """
    check_engine(engine, workers, address)
    shard_args = [tuple(args) for args in shard_args]
    advance = progress or (lambda _done: None)
    if engine == "local":
        return run_local(fn, shard_args, advance, stop_after_first_failure)
    from .ray_engine import run_ray  # lazy: ray is optional and heavy

    return run_ray(fn, shard_args, workers=workers, address=address, progress=advance, stop_after_first_failure=stop_after_first_failure)


@contextmanager
def engine_session(engine: str = "local", workers: int | None = None, address: str | None = None) -> Iterator[None]:
    """Keep one engine up across several :func:`run_shards` calls (``check all``: one Ray start, not one per check).

    The ``local`` engine needs nothing. For ``ray``, the calls inside find Ray connected and reuse it;
    on the way out a Ray started here is shut down (also after Ctrl-C), a joined cluster only left.
    """
    check_engine(engine, workers, address)
    if engine == "local":
        yield
        return
    from .ray_engine import ray_session

    with ray_session(workers, address):
        yield
