"""One figure helper (issue 11): every study and report draws through mus_verify._plotting.

The report, the soft-stability, removal and top-k studies each had their own "Agg backend, savefig at
110 dpi, close" lines; this fails if a copy comes back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import mus_verify

PACKAGE = Path(mus_verify.__file__).parent


def test_only_the_figure_helper_picks_a_backend_or_saves_a_figure() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "_plotting.py" and any(token in path.read_text(encoding="utf-8") for token in ('matplotlib.use(', '.savefig('))
    ]
    assert offenders == []


def test_save_png_writes_and_closes(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from mus_verify._plotting import pyplot, save_png

    plt = pyplot("a test figure")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    path = save_png(fig, tmp_path / "figure.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not plt.fignum_exists(fig.number)
