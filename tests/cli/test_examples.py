"""The foundation's example runs and prints certificates."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_exact_reference_example_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "exact_reference.py")], capture_output=True, text=True, check=True)
    assert "incremental: class" in proc.stdout and "radius" in proc.stdout
