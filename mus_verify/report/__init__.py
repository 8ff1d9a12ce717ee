"""Certify real models on real data: ``mus-verify report``.

Pipeline (one module each): :mod:`.datasets` loads a dataset shipped inside
scikit-learn; :mod:`.training` trains a base model with random feature masking
at λ; :mod:`.enumeration` computes the smoothed model's vote counts at every
mask α (n <= 16), the exact true radii and exact Shapley values; :mod:`.attack`
upper-bounds the true radius for larger n; :mod:`.measures` aggregates;
:mod:`.plots` draws; :mod:`.runner` ties it together and writes the report.
"""

from ..results import register_replayer

__all__: list[str] = []  # nothing re-exported: the public entry is ``mus-verify report`` (runner.run_report from Python)

register_replayer("report-unsound", "mus_verify.report.runner:replay_unsound")
