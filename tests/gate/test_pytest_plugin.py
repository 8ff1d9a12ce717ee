"""The pytest plugin: registered through its entry point, cheap to load, and its fixture gates."""

import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORRECT = str(ROOT / "examples" / "gate_correct.py") + ":factory"
BUGGY = str(ROOT / "examples" / "gate_buggy.py") + ":factory"


def test_plugin_is_loaded_through_its_entry_point(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("mus_verify")
    assert any(line.startswith("mus_gate(") for line in pytestconfig.getini("markers"))


def test_loading_the_plugin_imports_neither_torch_nor_the_gate():
    code = "import sys, mus_verify.pytest_plugin; print(sorted(m for m in ('torch', 'mus_verify.gate', 'hypothesis') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.mus_gate(profile="quick", properties=("certificate",))
def test_fixture_passes_a_correct_implementation_with_marker_settings(mus_gate):
    assert mus_gate.settings["profile"] == "quick"
    report = mus_gate(CORRECT)
    assert report.ok and {r.name for r in report.results} >= {"certificate", "contract"}


@pytest.mark.mus_gate(profile="quick", properties=("certificate",))
def test_fixture_fails_a_buggy_implementation_with_the_counterexample(mus_gate):
    with pytest.raises(pytest.fail.Exception) as failure:
        mus_gate(BUGGY)
    assert "FAIL certificate" in str(failure.value) and "reproduce:" in str(failure.value)
    assert not mus_gate.report(BUGGY).ok  # report() inspects without failing


def test_hypothesis_ci_profile_loads_from_the_command_line(tmp_path):
    test_file = tmp_path / "test_profile.py"
    test_file.write_text(textwrap.dedent("""
        from hypothesis import settings

        def test_profile():
            assert settings.get_current_profile_name() == "mus-ci"
            assert settings.default.derandomize is True
    """))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "no:cacheprovider", "--hypothesis-profile=mus-ci", "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_command_line_profile_overrides_markers_and_call_keywords(tmp_path):
    """``--mus-gate-profile=thorough`` had no effect: a marker (or the call) pinning a profile won."""
    test_file = tmp_path / "test_profiles.py"
    test_file.write_text(textwrap.dedent(f"""
        import pytest

        @pytest.mark.mus_gate(profile="default", properties=("keep_rates",))
        def test_marker_pinned(mus_gate):
            assert mus_gate.settings["profile"] == "quick"
            report = mus_gate.report({CORRECT!r}, profile="thorough")
            assert report.settings.profile == "quick", report.settings
            assert report.settings.properties == ("keep_rates",)
    """))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "no:cacheprovider", "--mus-gate-profile=quick", "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout + proc.stderr


def test_the_plugin_example_passes_from_another_directory(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "examples" / "gate_pytest_example.py"), "-q", "-p", "no:cacheprovider"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and "4 passed" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.slow
def test_the_plugin_example_runs():
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "examples" / "gate_pytest_example.py"), "-q", "-p", "no:cacheprovider"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "4 passed" in proc.stdout, proc.stdout + proc.stderr
