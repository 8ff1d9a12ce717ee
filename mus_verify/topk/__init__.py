"""Top-k explanation stability (R2ET; Chen et al., NeurIPS 2024), exactly.

MuS certifies that the *prediction* survives changes to the explanation; this family asks whether
the *explanation itself* (the set of the k most salient features) survives small changes to the
input. Statements follow ``shared/reference/r2et-notes.md``: the rigorous forms [D] T1a–T1e
(certified top-k radii), T2 (thickness), T3 (R2ET vs adversarial training), T4 (attacker steps)
and the P@k / flipped-pairs lemma of §3.3.

Layers, lower first (none imports upward):

* :mod:`.ranking`: top-k sets with an explicit tie policy, P@k, flipped cross pairs (exact);
* :mod:`.affine`: the exact model family with affine saliency ``I(x + δ) = g + Aδ`` (a quadratic
  model's gradient; ``A`` symmetric then), signed or absolute, and its exact flip radii;
* :mod:`.radii`: certified top-k radius rules (the sound T1a–T1d and two planted unsound rules);
* :mod:`.thickness`: exact ranking thickness for affine gaps and the T2 bound;
* :mod:`.theorems`: one judge per statement, with typed witnesses and replay from numbers;
* :mod:`.checks`: the exhaustive checks behind ``mus-verify check topk-*``.

Norms: ``p`` is the perturbation norm ("inf" or "2"), ``q`` its dual (1 or 2). ℓ2 radii are
handled as exact squares so every quantity stays rational.
"""

__all__: list[str] = []  # nothing re-exported: import from the modules above (the public ones are listed there)
