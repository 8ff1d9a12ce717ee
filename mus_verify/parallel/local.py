"""The in-process executor: shards one after the other, in order, stopping after the first failure."""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["run_local"]


def run_local(fn: Callable[..., Any], shard_args: Sequence[tuple[Any, ...]], progress: Callable[[int], None],
              stop_after_first_failure: Callable[[Any], bool] | None) -> list[Any]:
    out: list[Any] = [None] * len(shard_args)
    for k, args in enumerate(shard_args):
        out[k] = fn(*args)
        progress(1)
        if stop_after_first_failure is not None and stop_after_first_failure(out[k]):
            break
    return out
