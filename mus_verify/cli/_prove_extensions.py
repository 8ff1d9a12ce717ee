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
    # removal-robustness (issue 13): removal-notes §7.5; proofs/removal-*.md
    "removal-theorem1": ("mus_verify.removal.z3_statements:prove_theorem1", "Lin et al. Thm 1 (input perturbation) at K² for every L-Lipschitz model (params summary=loo|shapley|banzhaf|mwi|lime, d<=3, k2=paper|sharp|sharp-EPS|RATIONAL)"),
    "removal-theorem2-box": ("mus_verify.removal.z3_statements:prove_theorem2_box", "Lin et al. Thm 2 (model perturbation), box form max ‖Aw‖² ≤ K² over |w_S| ≤ 1 (params summary, d<=5, k2 default 4, encoding=real|vertex|dual)"),
    # top-k stability (issue 14): r2et-notes §6, queries Z1, Z2, Z5, Z6, Z7
    "topk-certificate": ("mus_verify.topk.z3_queries:prove_certificate", "Z1: certified top-k pair radius sound for every rational g, A (params dim<=3, saliency=signed|absolute|both, rule=sound|t1a|t1d|sign)"),
    "topk-exact-radius": ("mus_verify.topk.z3_queries:prove_exact_radius", "Z2: Z3 Optimize's minimum flip radius equals the exact LP radius (params instance, saliency, k)"),
    "topk-thickness": ("mus_verify.topk.z3_queries:prove_thickness", "Z5: T2 thickness bound for every affine gap (param dim<=3)"),
    "topk-at": ("mus_verify.topk.z3_queries:prove_at", "Z6: exact AT inner maximum = closed form, dominated by R2ET (params eps, k)"),
    "topk-attack-steps": ("mus_verify.topk.z3_queries:prove_steps", "Z7: no ℓ∞ step path flips a pair before ⌈h/(ηL)⌉ steps (params dim<=3, steps<=8)"),
}

SEARCH_PROPERTIES: dict[str, tuple[str, str]] = {
    # same protocol; the function searches for a counterexample and replays it exactly
    "removal-sharp-constant": ("mus_verify.removal.z3_statements:search_sharp_constant", "Lin et al. Thm 1 just below the sharp constant C* (default k2=sharp-1/1000): a witness replayed exactly (params summary, d<=3, k2)"),
    "topk-sign-bound": ("mus_verify.topk.z3_queries:search_sign_bound", "Z3: the official code's sign-based radius is unsound on |gradient| saliency (param dim<=3)"),
    "topk-relu-zero-hessian": ("mus_verify.topk.z3_queries:search_relu_zero_hessian", "Z4: zero Hessian at x does not make a ReLU net's top-k stable (param r)"),
}
