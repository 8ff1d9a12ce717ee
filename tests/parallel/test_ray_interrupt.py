"""Ctrl-C (SIGINT) in ``mus-verify check --engine ray``: the Ray the command started is shut down, and
none of its processes (GCS, raylet, workers, helpers) is left running."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("ray")


def test_sigint_leaves_no_ray_process_behind(procs):
    # n = 19: about 10-20 s of shards on two workers, so the interrupt lands mid-run
    cli = subprocess.Popen([sys.executable, "-m", "mus_verify", "check", "incremental-stability", "--n", "19", "--engine", "ray", "--workers", "2", "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        started: dict[int, str] = {}
        while time.monotonic() < deadline and cli.poll() is None:
            started = procs.ray_processes(cli.pid)
            if any(line.startswith("ray::run_shard") for line in started.values()):
                break
            time.sleep(0.05)
        assert any(line.startswith("ray::run_shard") for line in started.values()), f"no shard started: {started}"
        assert any("raylet" in line for line in started.values()) and any("gcs_server" in line for line in started.values())
        started.update(procs.ray_processes(cli.pid))
        cli.send_signal(signal.SIGINT)
        cli.wait(60)
    finally:
        if cli.poll() is None:  # pragma: no cover - only if the interrupt was ignored
            cli.kill()
            cli.wait()
    assert cli.returncode == 3  # interrupted: no verdict, so inconclusive (never a pass, never a traceback)
    assert procs.wait_gone(started) == {}, "Ray processes outlived the interrupted command"
