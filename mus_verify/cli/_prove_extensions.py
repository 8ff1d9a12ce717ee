"""Z3 statements of the other guarantee families, reachable through ``mus-verify prove`` / ``search``.

The MuS variant properties (masking-equivalence, lipschitz, ...) take ``--variant``. The families
below are statements about removal-based attribution operators (``mus_verify.removal``) and top-k
explanations (``mus_verify.topk``); they take no variant. Each entry maps a property name to
``("module:function", one-line help)``. The function is called as
``function(params, rlimit=..., seed=...)`` with ``params`` the ``--param KEY=VALUE`` pairs (strings)
and returns a list of :class:`mus_verify.results.CheckResult`. Strings keep ``--help`` light: no
module is imported until its property is run.
"""

from __future__ import annotations

PROVE_PROPERTIES: dict[str, tuple[str, str]] = {
    # removal-robustness (issue 13): entries added by mus_verify.removal
    # top-k stability (issue 14): entries added by mus_verify.topk
}

SEARCH_PROPERTIES: dict[str, tuple[str, str]] = {
    # same protocol; the function searches for a counterexample and replays it exactly
}
