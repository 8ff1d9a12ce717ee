"""Classifiers that make the stability bound of Thm 3.2 tight, built from the noise an implementation applies.

Given the masks s_1..s_N (uniform weights) and a path length d, pick d
features P whose keep sets I_P (the masks keeping them) are pairwise disjoint,
let α keep every other feature, and let a voting classifier say

* class B when any feature of P is visible;
* class B on a chosen set of α-patterns covering exactly b masks outside ∪ I_P;
* class A otherwise.

Then g_B(x, α) = b/N and adding the features of P one by one raises g_B by
|I_P|/N = λ per step while g_A falls by the same amount: the Lipschitz bound
is met with equality along the whole path. With b = N/2 − dλN the two classes
*tie* at distance d, where gap/(2λ) = d exactly: the strict radius is d − 1,
the floor rule and "≥ r" claim d, and so does any rule fed with a λ rounded
down (0.3333 for 1/3). With b = ⌊N/2⌋ + 1 − dλN the classes *swap* at d
while gap/(2λ) is just below d: the ceil rule of Remark 2.6 claims d. d = 0
(b = N/2) is a tie at α itself, where only r = −1 is sound.

The gate then asks the implementation's ``certify`` for α and checks every β in
the claimed Hamming ball, so a rule that claims one step too many is caught
with the witness β = α ∪ P. The seed vector is chosen so that such feature
sets exist (:func:`spread_seed`); for classes that draw their own v the
construction uses whatever masks they apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.bits import codes_from_masks
from ...model.classifiers import PatternVotes

__all__ = ["Construction", "constructions", "spread_seed"]


@dataclass
class Construction:
    classifier: PatternVotes
    alpha: np.ndarray  # bool (n,)
    witness: np.ndarray  # bool (n,): α ∪ P, where the tie or swap happens
    distance: int
    kind: str  # "tie" or "swap"


def spread_seed(n: int, q: int, k: int, rng: np.random.Generator) -> tuple[int, ...]:
    """Seed vector whose first ⌊q/k⌋ features keep pairwise disjoint runs of masks; the rest random."""
    seed = [int(rng.integers(q)) for _ in range(n)]
    for i in range(min(n, q // k if k else 0)):
        seed[i] = (i * k) % q
    return tuple(seed)


def _disjoint(masks: np.ndarray, d: int) -> list[int] | None:
    """d features with pairwise disjoint, equal-size, non-empty keep sets (greedy in feature order)."""
    if d == 0:
        return []
    sizes = masks.sum(axis=0)
    chosen: list[int] = []
    used = np.zeros(masks.shape[0], dtype=bool)
    for i in range(masks.shape[1]):
        if sizes[i] == 0 or (chosen and sizes[i] != sizes[chosen[0]]):
            continue
        if not (used & masks[:, i]).any():
            chosen.append(i)
            used |= masks[:, i]
            if len(chosen) == d:
                return chosen
    return None


def _subset_sum(sizes: list[int], target: int) -> list[int] | None:
    """Indices of ``sizes`` summing to ``target`` exactly (dynamic programming), or None."""
    if target < 0:
        return None
    reach: dict[int, list[int]] = {0: []}
    for index, size in enumerate(sizes):
        for total, picked in list(reach.items()):
            new = total + size
            if new <= target and new not in reach:
                reach[new] = picked + [index]
        if target in reach:
            break
    return reach.get(target)


def constructions(masks: np.ndarray, m: int, max_distance: int) -> list[Construction]:
    """Tight tie and swap cases at distances 0..max_distance for these masks (uniform weights)."""
    total, n = masks.shape
    out: list[Construction] = []
    for d in range(0, max_distance + 1):
        path = _disjoint(masks, d)
        if path is None or len(path) == n:
            break
        alpha = np.ones(n, dtype=bool)
        alpha[path] = False
        covered = np.asarray(masks[:, path].any(axis=1)) if path else np.zeros(total, dtype=bool)
        added = int(covered.sum())
        patterns = codes_from_masks(masks & alpha[None, :])
        classes: dict[int, list[int]] = {}
        for j, code in enumerate(patterns.tolist()):
            classes.setdefault(code, []).append(j)
        eligible = [code for code, members in classes.items() if not covered[members].any()]
        sizes = [len(classes[code]) for code in eligible]
        targets = []
        if total % 2 == 0:
            targets.append(("tie", total // 2 - added))
        swap = max(0, total // 2 + 1 - added)
        if 2 * swap < total and swap + added > total / 2:
            targets.append(("swap", swap))
        step = added // d if d else 0
        cases: list[tuple[str, int, int]] = [(kind, b, 0) for kind, b in targets]
        if m >= 3:
            cases += [("tie", b, c) for b, c in _third_class_ties(total, added, step, d)]
        for kind, b, c in cases:
            if d and 2 * (b + added - step) >= total - c:
                continue  # the classes would already tie or swap at distance d - 1: not tight at d
            picked = _subset_sum(sizes, b)
            if picked is None:
                continue
            rest = [p for p in range(len(sizes)) if p not in set(picked)]
            third = _subset_sum([sizes[p] for p in rest], c) if c else []
            if third is None:
                continue
            a_class, b_class = (0, 1) if (d + len(out)) % 2 == 0 else (1, 0)
            votes = {int(eligible[rest[p]]): 2 for p in third}
            votes.update({int(eligible[p]): b_class for p in picked})
            any_mask = int(sum(1 << i for i in path))
            classifier = PatternVotes(n, m, votes=votes, default=a_class, any_mask=any_mask, any_class=b_class)
            witness = np.ones(n, dtype=bool)
            out.append(Construction(classifier, alpha, witness, d, kind))
    return out


# At most this many third-class sizes per distance (spread over the range; q = 300 has ~100 candidates).
THIRD_CLASS_CASES = 6


def _third_class_ties(total: int, added: int, step: int, d: int) -> list[tuple[int, int]]:
    """(b, c) for ties of A and B at distance d while a third class C holds c of the N masks throughout.

    With C fixed, A and B share N − c masks, so they can tie at distance d for odd N
    too (b = (N − c)/2 − added), and the float gap at the tie, (A − B)/N with A, B, C all
    non-zero, takes values that two-class ties never produce: 18/25 − 4/25 exceeds
    2·(7/25) in float32, so a radius rule without a rounding margin claims one step too
    many there. C stays below B at α (so the gap at α is A − B) and below the tie.
    """
    options = []
    for c in range(1, total):
        if (total - c) % 2:
            continue
        b = (total - c) // 2 - added
        if b < c:
            break  # b falls as c grows: no larger c keeps C below B
        options.append((b, c))
    if len(options) > THIRD_CLASS_CASES:
        picks = np.linspace(0, len(options) - 1, THIRD_CLASS_CASES).round().astype(int)
        options = [options[i] for i in sorted(set(picks.tolist()))]
    return options

