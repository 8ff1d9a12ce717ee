"""The Ray executor: one Ray task per shard, retried when its worker dies, cancelled in shard order.

Which Ray. If this process is already connected (``ray.is_initialized()``: a notebook, a test
fixture, an application), that session is used and left as it is. Otherwise ``address`` joins an
existing cluster (``ray.init(address=...)``; on exit the driver only disconnects, the cluster keeps
running), and without it a local Ray is started with ``num_cpus=workers`` and shut down afterwards.

Faults. Each task has ``max_retries`` = :data:`MAX_RETRIES`: a worker process that dies (killed,
out of memory) is replaced and its shard rerun from the start; shards are pure functions of their
arguments, so the result does not change. A Ctrl-C (SIGINT) or SIGTERM in the driver cancels the
pending tasks and shuts down the Ray it started (``try/finally``), so no raylet, GCS or worker
process outlives the command.
"""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from .._optional import require
from ..errors import EnvironmentProblem

__all__ = ["run_ray", "run_shard", "ray_session", "import_ray", "MAX_RETRIES", "OBJECT_STORE_BYTES", "WORKER_ENV"]

MAX_RETRIES = 3
# shards return small result objects: the smallest store Ray accepts (75 MiB) plus headroom
OBJECT_STORE_BYTES = 96 * 2**20
# Each shard takes one CPU (num_cpus=1), so its native thread pools (numba's parallel kernels, BLAS)
# get one thread: otherwise W workers each start one thread per core and fight over the cores.
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def import_ray() -> Any:
    """``import ray``, or EnvironmentProblem (exit 2 in the CLI) saying ``pip install "mus-verify[ray]"``."""
    return require("ray", purpose="--engine ray")


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While Ray runs, SIGTERM raises KeyboardInterrupt like Ctrl-C, so the shutdown below still happens."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def ray_session(workers: int | None = None, address: str | None = None) -> Iterator[Any]:
    """The ``ray`` module, connected (see the module docstring); shuts down only what it started."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    quiet: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": False, "runtime_env": {"env_vars": dict(WORKER_ENV)}}
    with _terminate_as_interrupt():
        try:
            # inside the try: a Ctrl-C while init is starting processes still shuts them down
            if address is not None:
                ray.init(address=address, **quiet)
            else:
                ray.init(num_cpus=workers, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES, **quiet)
            yield ray
        finally:
            ray.shutdown()


def _result(ray: Any, ref: Any, k: int) -> Any:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:  # the shard raised: re-raise what it raised
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BaseException):
            raise cause from None
        raise
    except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError) as exc:
        raise EnvironmentProblem(f"shard {k}: its Ray worker died {MAX_RETRIES + 1} times ({type(exc).__name__}); no result") from None


def run_shard(fn: Callable[..., Any], *args: Any) -> Any:
    """The body of every Ray task (its workers show ``ray::run_shard`` while they run a shard)."""
    return fn(*args)


def run_ray(fn: Callable[..., Any], shard_args: Sequence[tuple[Any, ...]], *, workers: int | None, address: str | None,
            progress: Callable[[int], None], stop_after_first_failure: Callable[[Any], bool] | None) -> list[Any]:
    """Run every shard as a Ray task; results in shard order, later shards cancelled after a failure."""
    out: list[Any] = [None] * len(shard_args)
    if not shard_args:
        return out
    with ray_session(workers, address) as ray:
        task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(run_shard)
        shared = ray.put(fn)  # one copy of the function (and whatever it closes over) for every task
        refs = [task.remote(shared, *args) for args in shard_args]
        index = {ref: k for k, ref in enumerate(refs)}
        pending = list(refs)
        first_failure = len(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for ref in ready:
                    k = index[ref]
                    out[k] = _result(ray, ref, k)
                    progress(1)
                    if stop_after_first_failure is not None and k < first_failure and stop_after_first_failure(out[k]):
                        first_failure = k
                        for later in [r for r in pending if index[r] > k]:
                            ray.cancel(later)
                        pending = [r for r in pending if index[r] < k]
        finally:
            for ref in pending:  # an error or Ctrl-C: nothing left running for us
                ray.cancel(ref)
    # a later shard may have finished before an earlier one failed: one process would never have run it
    return [result if k <= first_failure else None for k, result in enumerate(out)]
