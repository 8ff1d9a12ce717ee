"""Loading a TARGET executes the file the user named and nothing else (issue 10, item 3).

The old loader put the target's folder first on ``sys.path`` for the rest of
the process, so the gate's own ``import torch`` (it comes after the target is
loaded) ran a stray ``torch.py`` lying next to the target. These tests run in
a fresh interpreter, where torch is not imported yet, so the shadowing is
observable.
"""

import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORRECT_SOURCE = (ROOT / "examples" / "gate_correct.py").read_text()


def _target_folder(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    folder = tmp_path / "user code"
    folder.mkdir()
    marker = tmp_path / "stray-torch-ran"
    (folder / "torch.py").write_text(f"open({str(marker)!r}, 'w').write('executed')\nraise ImportError('stray torch.py')\n")
    # The target imports a sibling by name: that import must still work.
    (folder / "b2_sibling_impl.py").write_text(CORRECT_SOURCE)
    (folder / "target.py").write_text("from b2_sibling_impl import factory  # noqa: F401\n")
    return folder, marker


def _python(code: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=cwd)


def test_loading_a_target_does_not_leave_its_folder_on_sys_path(tmp_path):
    folder, marker = _target_folder(tmp_path)
    proc = _python(f"""
        import sys
        from mus_verify.gate import load_target
        factory = load_target({str(folder / 'target.py')!r} + ':factory')
        assert {str(folder)!r} not in sys.path, sys.path
        import torch  # what the gate does next
        assert hasattr(torch, 'tensor'), torch
        print('ok', factory.__name__)
    """, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split() == ["ok", "factory"]
    assert not marker.exists()


def test_a_dotted_target_from_the_current_directory_does_not_stay_on_sys_path(tmp_path):
    folder, marker = _target_folder(tmp_path)
    proc = _python("""
        import os, sys
        sys.path = [p for p in sys.path if p not in ('', os.getcwd())]
        from mus_verify.gate import load_target
        load_target('target:factory')
        assert os.getcwd() not in sys.path and '' not in sys.path, sys.path
        import torch
        print('ok')
    """, folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists()


def test_the_gate_command_does_not_run_a_stray_sibling(tmp_path):
    folder, marker = _target_folder(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "mus_verify", "gate", f"{folder / 'target.py'}:factory", "--profile", "quick", "--only", "determinism", "--json"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists()


def test_the_pytest_fixture_does_not_leave_the_folder_on_sys_path(tmp_path):
    folder, marker = _target_folder(tmp_path)
    test_file = tmp_path / "test_uses_gate.py"
    test_file.write_text(textwrap.dedent(f"""
        import sys

        def test_gate(mus_gate):
            mus_gate({str(folder / 'target.py')!r} + ':factory', profile='quick', properties=('determinism',))
            assert {str(folder)!r} not in sys.path

        def test_later():
            import torch
            assert hasattr(torch, 'tensor')
    """))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0 and "2 passed" in proc.stdout, proc.stdout + proc.stderr
    assert not marker.exists()
