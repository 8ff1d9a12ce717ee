"""Exhaustive check of what survives token dropping, on a ViT small enough to enumerate every mask.

Token dropping replaces h(x ⊙ s) by H(x, s), the ViT run on the kept patch
tokens only. Statements checked exactly (rational g from the reference path,
every α in {0,1}^n, n = 4 by default):

* **Lipschitz (Thm 3.1)** holds: |g_c(x, α) − g_c(x, α ⊕ e_i)| <= λ for every
  edge of the hypercube and every class c, in vote and average mode;
* **certificates (Thm 3.2)** hold: for every α with strict radius r, every β
  with ‖β − α‖₁ <= r has the same unique argmax;
* **masking equivalence** g(x ⊙ α, 1) = g(x, α) is *not* claimed: the check
  counts the α where it fails (for zero masking it holds by construction).
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction
from typing import Any, Mapping

import numpy as np
import torch

from .._validation import as_fraction
from ..certificates import certified_radius, top_two
from ..errors import InvalidArgument
from ..results import CheckResult, Counterexample, Verdict, register_replayer
from .models import build_model
from .reference import ReferencePath
from .smoother import MuS

__all__ = ["check_token_drop", "replay_lipschitz"]


MAX_Q = 256
MAX_EXAMPLES = 16  # each example enumerates all 2^n α in both modes, with one float64 forward per distinct mask


def check_token_drop(model_name: str = "vit-nano", *, q: int = 8, lam: Any = None, seed: int = 0, examples: int = 2) -> CheckResult:
    """Exhaustive Lipschitz, certificate and masking-equivalence check of token dropping (module docstring).

    ``lam`` defaults to q/4 of q (2/8 at the default q).
    """
    from .._validation import as_int, check_lambda, check_q

    started = time.perf_counter()
    q = check_q(q, "--q")
    if q > MAX_Q:
        raise InvalidArgument("--q", q, f"an integer in 1..{MAX_Q} for the token-drop check", "it enumerates every α with q float64 forwards each")
    lam = check_lambda(lam if lam is not None else Fraction(max(1, q // 4), q), q, "--lam (λ)")
    examples = as_int(examples, "--examples", low=1, high=MAX_EXAMPLES)
    model, spec = build_model(model_name, seed)
    groups = spec.groups()
    n = groups.n
    inputs = torch.randn((examples,) + spec.input_shape, generator=torch.Generator().manual_seed(seed + 1))
    alphas = [np.array(bits, dtype=bool) for bits in itertools.product((0, 1), repeat=n)]
    edges = certificates = 0
    worst = Fraction(0)
    equivalence_failures = 0
    counterexample = None
    mus = MuS(model, groups, output="logits", q=q, lam=lam, seed=seed, masking="drop")
    reference = ReferencePath(mus)  # one float64 forward per distinct mask, shared by both modes
    for mode in ("vote", "average"):
        for b in range(examples):
            g = {a.tobytes(): reference.smooth(inputs[b], a, mode=mode, example_key=b).probabilities for a in alphas}
            for alpha in alphas:
                here = g[alpha.tobytes()]
                for i in range(n):
                    if alpha[i]:
                        continue
                    beta = alpha.copy()
                    beta[i] = True
                    there = g[beta.tobytes()]
                    for c in range(len(here)):
                        edges += 1
                        delta = abs(here[c] - there[c])
                        worst = max(worst, delta)
                        if delta > mus.lam and counterexample is None:
                            data = {"mode": mode, "alpha": alpha.astype(int).tolist(), "beta": beta.astype(int).tolist(), "class": c, "g_alpha": here[c], "g_beta": there[c], "lam": mus.lam}
                            counterexample = Counterexample("torch-drop-lipschitz", f"|g_{c}(α) − g_{c}(β)| = {delta} > λ = {mus.lam} on an edge", data)
                best = top_two(here)
                radius = certified_radius(best.gap, mus.lam)
                for beta in alphas:
                    if int(np.sum(beta != alpha)) <= radius:
                        certificates += 1
                        if top_two(g[beta.tobytes()]).predicted != best.predicted and counterexample is None:
                            data = {"mode": mode, "alpha": alpha.astype(int).tolist(), "beta": beta.astype(int).tolist(), "radius": radius, "g_alpha": list(here), "g_beta": list(g[beta.tobytes()])}
                            counterexample = Counterexample("torch-drop-certificate", f"β at distance <= {radius} changes the certified class", data)
                zeroed = groups.apply(inputs[b : b + 1], torch.from_numpy(alpha)[None])[0]
                if reference.smooth(zeroed, None, mode=mode, example_key=-1 - b * 2**n - int(alpha.dot(1 << np.arange(n)))).probabilities != here:
                    equivalence_failures += 1
    params = {"model": model_name, "n": n, "q": q, "lam": as_fraction(lam, "lam"), "examples": examples, "modes": ["vote", "average"], "quantified_over": "hypercube edges x classes, and every β within each certified radius"}
    details = {"edges_checked": edges, "certificate_cases": certificates, "max_edge_change": worst, "masking_equivalence": {"alphas": 2 * examples * len(alphas), "fails_at": equivalence_failures, "claimed": False}}
    if counterexample is not None:
        return CheckResult("token-drop", Verdict.REFUTED, "exhaustive", edges + certificates, params, counterexample, None, counterexample.summary, time.perf_counter() - started, details)
    message = f"token dropping: λ-Lipschitz on all {edges} edge/class cases (max change {worst} <= λ), all {certificates} certified β keep the class; masking equivalence fails at {equivalence_failures} of {2 * examples * len(alphas)} α (not claimed)"
    return CheckResult("token-drop", Verdict.VERIFIED, "exhaustive", edges + certificates, params, None, as_fraction(lam, "lam") - worst, message, time.perf_counter() - started, details)


def replay_lipschitz(data: Mapping[str, Any]) -> bool:
    """True iff the recorded exact values still violate |g(α) − g(β)| <= λ."""
    return abs(as_fraction(data["g_alpha"], "g_alpha") - as_fraction(data["g_beta"], "g_beta")) > as_fraction(data["lam"], "lam")


def replay_drop_certificate(data: Mapping[str, Any]) -> bool:
    """True iff β's exact argmax differs from α's certified class."""
    here = [as_fraction(v, "g_alpha") for v in data["g_alpha"]]
    there = [as_fraction(v, "g_beta") for v in data["g_beta"]]
    return top_two(there).predicted != top_two(here).predicted


register_replayer("torch-drop-lipschitz", "mus_verify.torch_backend.drop_check:replay_lipschitz")
register_replayer("torch-drop-certificate", "mus_verify.torch_backend.drop_check:replay_drop_certificate")
