"""The one way the studies and reports draw figures: matplotlib on the Agg backend, PNGs at 110 dpi.

matplotlib is optional: :func:`pyplot` raises :class:`~mus_verify.errors.EnvironmentProblem` (exit 2)
saying how to install it, and is imported only when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._optional import require

__all__ = ["DPI", "pyplot", "save_png"]

DPI = 110


def pyplot(purpose: str) -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed); ``purpose`` names what needs it."""
    matplotlib = require("matplotlib", purpose=purpose)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` at :data:`DPI` and close it (figures are not kept open); returns ``path``."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
