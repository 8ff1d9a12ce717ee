"""The same third-party-style implementation as gate_correct.py with one published bug: the radius rule.

    mus-verify gate examples/gate_buggy.py:factory      # exit 1, counterexample on 'certificate'

The radius is stored as the float gap/(2λ) and the certificate is "the largest
r with r <= gap/(2λ)", i.e. ⌊gap/(2λ)⌋ (Pitfall 4). Where gap/(2λ) is an
integer, the top two classes can tie at that distance, so the claim is one
step too far. The smoothing itself is right: every other property passes.
"""

from fractions import Fraction

import torch


def factory(base, *, q, lam, seed):
    lam = Fraction(lam)
    k = int(lam * q)
    v = torch.as_tensor(list(seed), dtype=torch.long)
    j = torch.arange(q, dtype=torch.long)
    masks = ((v[None, :] + j[:, None]) % q < k).to(torch.float64)

    def smoothed(x, alpha):
        if not bool(torch.all((alpha == 0) | (alpha == 1))):
            raise ValueError("alpha must be a 0/1 mask")
        b, n = x.shape
        keep = alpha[:, None, :] * masks[None, :, :]
        inputs = torch.where(keep.bool(), x[:, None, :], torch.zeros((), dtype=x.dtype))
        return base(inputs.reshape(b * q, n)).reshape(b, q, -1).mean(dim=1)

    def certify(x, alpha):
        top = smoothed(x, alpha).topk(2, dim=1).values
        radius = (top[:, 0] - top[:, 1]) / (2 * float(lam))  # a float radius ...
        return torch.floor(radius + 1e-9).long()  # ... and "r <= radius": unsound at ties

    smoothed.certify = certify
    return smoothed
