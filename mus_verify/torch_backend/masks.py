"""L_qv(λ) noise masks as torch tensors, bit-identical to the exact core on every device.

``s[j, i] = (v_i + j) mod q < k`` (λ = k/q) is evaluated in int64 arithmetic,
so every device computes the same bits as
:func:`mus_verify.distributions.lqv_masks`; there is no float ramp (the
research code's clamped ramp yields 0.99998 instead of 1 when q is not a power
of two).

The seed vector of ``seed`` is :func:`mus_verify.distributions.seed_vector`, the
one seed convention (``mus-verify check --seed`` draws the same vector); a
caller's own ``torch.Generator`` is drawn from instead when given. The global
torch RNG is never read or re-seeded (the research code re-seeds it, silently
making the caller's random stream irreproducible).

>>> lqv_mask_tensor([0, 1, 3], q=4, k=2).int().tolist()
[[1, 1, 0], [1, 0, 1], [0, 0, 1], [0, 1, 0]]
"""

from __future__ import annotations

from typing import Any, Sequence

import torch

from .._validation import as_int, check_q, check_seed_vector

__all__ = ["draw_seed_vector", "lqv_mask_tensor"]


def draw_seed_vector(n: int, q: int, *, seed: int | None = None, generator: torch.Generator | None = None) -> tuple[int, ...]:
    """n integers uniform in 0..q-1: ``distributions.seed_vector(n, q, seed)``, or drawn from the caller's own ``generator``.

    Exactly one of ``seed`` and ``generator`` is used; the global RNG is untouched either way.
    """
    n = as_int(n, "n", low=1)
    q = check_q(q)
    if generator is None:
        from ..distributions import seed_vector

        return seed_vector(n, q, as_int(0 if seed is None else seed, "seed", low=0))  # the one seed convention
    if seed is not None:
        from ..errors import InvalidArgument

        raise InvalidArgument("seed", seed, "omitted when a generator is given (one source of randomness)")
    draws = torch.randint(0, q, (n,), generator=generator, dtype=torch.int64, device=generator.device)
    return tuple(int(v) for v in draws.tolist())


def lqv_mask_tensor(seed_vector: Sequence[int] | Any, q: int, k: int, device: Any = None) -> torch.Tensor:
    """The (q, n) bool masks of L_qv(k/q) on ``device``: ``(v_i + j) mod q < k`` in int64."""
    q = check_q(q)
    k = as_int(k, "k", low=0, high=q)
    values = seed_vector.tolist() if hasattr(seed_vector, "tolist") else list(seed_vector)
    v = torch.as_tensor(check_seed_vector(values, q), dtype=torch.int64, device=device)
    j = torch.arange(q, dtype=torch.int64, device=device)[:, None]
    return torch.remainder(v[None, :] + j, q) < k
