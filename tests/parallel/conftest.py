"""Helpers of the scale-out tests: comparing results without their timings, and Linux process trees.

No psutil: /proc is read directly (these tests run on Linux CI; elsewhere the process checks skip).
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

# the fields a sharded run may legitimately change: its own wall times and throughput (every "*_s" key,
# at any depth: elapsed_s, masks_per_s, a solver's build_s / solve_s, ...), and the fields it adds
ADDED_DETAILS = ("engine", "shards")
THROUGHPUT = re.compile(r"[\d,]+ masks evaluated in [\d.]+ s \([\d.]+ M masks/s\)$")
SECONDS = re.compile(r"\b\d+(?:\.\d+)? s\b")


def without_timings(result: Any) -> dict[str, Any]:
    """A result's JSON (a CheckResult or its to_json() dict) minus timing fields and the engine's added fields."""
    data = dict(result if isinstance(result, dict) else result.to_json())
    data.pop("elapsed_s", None)
    # the message ends with the throughput line of Clock.line(): its seconds are timing, its mask count is kept
    data["message"] = THROUGHPUT.sub(lambda m: m.group(0).split(" in ")[0], data["message"])
    data["message"] = SECONDS.sub("<t> s", data["message"])  # other checks' own "(N cases, 1.63 s)"
    data["details"] = _untimed({k: v for k, v in data["details"].items() if k not in ADDED_DETAILS})
    return data


def _untimed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if not k.endswith("_s")}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


class Procs:
    """Process-tree reading from /proc."""

    @staticmethod
    def parent(pid: int) -> int | None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        return int(stat.rsplit(")", 1)[1].split()[1])

    @staticmethod
    def cmdline(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            return ""

    @staticmethod
    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state not in ("Z", "X")  # a zombie has exited; only its exit status is left

    @classmethod
    def descendants(cls, root: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                ppid = cls.parent(int(entry))
                if ppid is not None:
                    children.setdefault(ppid, []).append(int(entry))
        out: set[int] = set()
        todo = [root]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    @classmethod
    def ray_processes(cls, root: int) -> dict[int, str]:
        """Ray's processes under ``root``: raylet, gcs_server and the ``ray::`` workers (and Ray's helpers)."""
        found = {}
        for pid in cls.descendants(root):
            line = cls.cmdline(pid)
            if "ray" in line:
                found[pid] = line
        return found

    @classmethod
    def wait_gone(cls, pids: set[int] | dict[int, str], timeout: float = 20.0) -> dict[int, str]:
        """Wait until none of ``pids`` is alive; return those still alive after ``timeout`` (with their cmdline)."""
        deadline = time.monotonic() + timeout
        while True:
            left = {pid: cls.cmdline(pid) for pid in pids if cls.alive(pid)}
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)


@pytest.fixture(scope="session")
def procs() -> Procs:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the process tree from /proc")
    return Procs()


@pytest.fixture(scope="module")
def ray_cluster(procs: Procs) -> Iterator[Any]:
    """One local 2-CPU Ray for a test module; afterwards, no process it started may be left."""
    ray = pytest.importorskip("ray")
    from mus_verify.parallel.ray_engine import OBJECT_STORE_BYTES, WORKER_ENV

    assert not ray.is_initialized()
    import logging

    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=OBJECT_STORE_BYTES, logging_level=logging.ERROR, log_to_driver=False,
             runtime_env={"env_vars": dict(WORKER_ENV)})
    started: dict[int, str] = {}
    try:
        started.update(procs.ray_processes(os.getpid()))
        yield ray
        started.update(procs.ray_processes(os.getpid()))  # workers spawned since
    finally:
        ray.shutdown()
    assert any("raylet" in line for line in started.values()) and any("gcs_server" in line for line in started.values()), started
    left = procs.wait_gone(started)
    assert not left, f"Ray processes outlived the test module: {left}"
