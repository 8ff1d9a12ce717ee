"""Progress bars on a terminal only: tqdm on stderr when it is a TTY, nothing otherwise."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator


@contextmanager
def progress_bar(total: int | None, description: str, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(k)`` callback; draws a bar only when enabled and stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _done: None
        return
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is a dependency, but a bar is never worth a crash
        yield lambda _done: None
        return
    with tqdm(total=total, desc=description, unit="case", leave=False, file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update
