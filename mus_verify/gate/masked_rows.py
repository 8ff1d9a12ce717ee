"""Which rows an implementation may show its base: x_b ⊙ s for one input row b and a binary μ_b ≤ s ≤ α_b.

Used by the masked-inputs watch on every call (:mod:`mus_verify.gate.subject`) and by the
probe test of :mod:`mus_verify.gate.watches`. Values are compared exactly: the gate's
inputs are distinct small integers, exact in every float dtype, so a row's non-zero
entries say which input row it came from and which features were kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["masked_rows_ok", "masked_row_problem"]


def masked_rows_ok(rows: np.ndarray, x: np.ndarray, alpha: np.ndarray, mu: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(ok, matched) per row: ``ok`` — the row is x_b ⊙ s for one input row b and a binary s with
    μ_b ≤ s ≤ α_b; ``matched`` — its non-zero entries are those of some input row (or it is all zero).

    Sets are compared as boolean matrices, never as bit codes, so any n works (a ViT's 196 patches).
    """
    alpha = alpha.astype(bool)
    nonzero = rows != 0
    groups, group_of_row = np.unique(x, axis=0, return_inverse=True)
    group_of_row = np.asarray(group_of_row).reshape(-1)
    ok = ~nonzero.any(axis=1)  # an all-zero row is x ⊙ 0 for every x
    if mu is not None:
        ok &= ~np.any(mu.astype(bool) & (x != 0), axis=1).all()
    matched_any = ~nonzero.any(axis=1)
    for g in range(groups.shape[0]):
        match = np.all(~nonzero | (rows == groups[g][None, :]), axis=1) & nonzero.any(axis=1)
        if not match.any():
            continue
        matched_any |= match
        members = np.flatnonzero(group_of_row == g)
        visible = nonzero[match].astype(np.int64)
        if mu is None:
            # visible ⊆ α_b for some member b: no visible feature outside α_b
            outside = visible @ (~alpha[members]).astype(np.int64).T
            ok[match] |= (outside == 0).any(axis=1)
        else:
            visible_x = groups[g] != 0
            hidden = 1 - visible
            for b in members:
                within = (visible @ (~alpha[b]).astype(np.int64)) == 0
                keeps_mu = (hidden @ (mu[b].astype(bool) & visible_x).astype(np.int64)) == 0
                ok[match] |= within & keeps_mu
    return ok, matched_any


def masked_row_problem(rows: np.ndarray, x: np.ndarray, alpha: np.ndarray, mu: np.ndarray | None) -> dict[str, Any] | None:
    """The first row that is not x_b ⊙ s for one input row b and a binary s with μ_b ≤ s ≤ α_b, or None.

    Values are compared exactly (the gate's inputs are small integers, exact in
    every float dtype). Zero inputs give no information: a zero entry of x_b
    is allowed either way.
    """
    alpha = alpha.astype(bool)
    ok, matched_any = masked_rows_ok(rows, x, alpha, mu)
    if ok.all():
        return None
    r = int(np.argmax(~ok))
    row = rows[r]
    for i in np.flatnonzero(row):
        if not np.any(x[:, i] == row[i]):
            candidates = sorted({float(v) for v in x[:, i]})
            return {"row": row.tolist(), "feature": int(i), "reason": f"feature {int(i)} was shown as {float(row[i])!r}, which is neither 0 nor x[b, {int(i)}] for any input row b (allowed: {candidates})"}
    if not matched_any[r]:
        return {"row": row.tolist(), "reason": "the row mixes entries of different input rows (or moves a value to another feature)"}
    owners = [b for b in range(x.shape[0]) if np.all((row == 0) | (row == x[b]))]
    b = owners[0]
    hidden = [int(i) for i in np.flatnonzero(~alpha[b] & (row != 0))]
    if hidden:
        return {"row": row.tolist(), "input_row": b, "reason": f"features {hidden} are visible although alpha[{b}] hides them"}
    if mu is not None:
        dropped = [int(i) for i in np.flatnonzero(mu[b].astype(bool) & (x[b] != 0) & (row == 0))]
        return {"row": row.tolist(), "input_row": b, "reason": f"features {dropped} are hidden although mu[{b}] keeps them"}
    return {"row": row.tolist(), "input_row": b, "reason": "the visible features are not s ∧ alpha for this input row"}
