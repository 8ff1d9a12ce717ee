"""A small third-party-style MuS implementation that the gate accepts.

    mus-verify gate examples/gate_correct.py:factory

It follows the gate's contract: ``factory(base, *, q, lam, seed)`` returns a
``smoothed(x, alpha)`` with a ``certify`` method. Written the way a user
would write it from the paper, in plain torch, with the pitfalls avoided:
integer masks ``(v_i + j) mod q < k`` (no float ramp), λ taken exactly
(``k = lam * q`` is an integer), binary α checked, no global RNG use, and a
radius ⌈gap/(2λ)⌉ − 1 computed with a small safety margin so that float
rounding of the gap can never push it one step too far.
"""

from fractions import Fraction

import torch

# The float gap can exceed the exact one by a few ulps; shaving this much off
# keeps ⌈gap/(2λ)⌉ − 1 on the sound side (it can only lower a radius).
GAP_MARGIN = 1e-9


def factory(base, *, q, lam, seed):
    lam = Fraction(lam)
    k = lam * q
    if k.denominator != 1 or not 1 <= k <= q:
        raise ValueError(f"lam={lam} is not k/q for an integer k in 1..{q}")
    k = int(k)
    v = torch.as_tensor(list(seed), dtype=torch.long)
    j = torch.arange(q, dtype=torch.long)
    masks = ((v[None, :] + j[:, None]) % q < k).to(torch.float64)  # (q, n): mask j keeps feature i

    def smoothed(x, alpha):
        if not bool(torch.all((alpha == 0) | (alpha == 1))):
            raise ValueError("alpha must be a 0/1 mask")
        b, n = x.shape
        keep = alpha[:, None, :] * masks[None, :, :]  # (B, q, n)
        inputs = torch.where(keep.bool(), x[:, None, :], torch.zeros((), dtype=x.dtype))
        probabilities = base(inputs.reshape(b * q, n)).reshape(b, q, -1)
        return probabilities.mean(dim=1)

    def certify(x, alpha):
        top = smoothed(x, alpha).topk(2, dim=1).values
        gap = (top[:, 0] - top[:, 1] - GAP_MARGIN).clamp(min=0)
        return torch.ceil(gap / (2 * float(lam))).long() - 1

    smoothed.certify = certify
    return smoothed
