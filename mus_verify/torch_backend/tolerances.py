"""Documented float tolerances of the fast path, per precision, in ONE place, and the rigorous accumulation bound.

Two different kinds of float error meet in a fast MuS evaluation:

1. **The forward pass** of the base model in a low precision differs from the
   float64 forward of the same module on the same masked input. No rigorous
   bound exists for an arbitrary network, so this module states a
   *documented* tolerance, relative to the size of what the model returned:

   * the **precision** of a copy is observed, never assumed: the narrowest of
     the output tensor's dtype, the input's dtype, every floating parameter
     *and buffer* of the module, the autocast dtype, and the narrowest dtype in
     which every value of that copy's output row is exactly representable
     (:func:`row_precision`);
   * for logits, each logit is assumed within ``LOGIT_RTOL[p] * max(1, max_c |z_c|)``
     of the float64 forward (relative to the logits' magnitude: a float32 head
     with logits near 1e5 cannot resolve differences below ~1e-2); a softmax in
     float64 then moves each probability by at most ``expm1(2 δ)``
     (:func:`copy_tolerances`);
   * for probabilities, each is assumed within ``PROBABILITY_ATOL[p]``.

   A copy's vote is *undetermined* when its top-two probability margin is at
   most twice its tolerance τ. ``certify`` re-evaluates such copies in float64
   whenever they could change a radius (:mod:`.recheck`), so certificates are
   exact for the float64 evaluation of the module; ``mus-verify diff`` checks
   the tolerance itself on every copy it evaluates, adversarial models included.

2. **The accumulation** of the N per-copy probability vectors into g is done in
   float64 and *is* rigorously bounded (Higham, *Accuracy and Stability of
   Numerical Algorithms*, Lemma 3.1 and the inner-product bound of §3.1): any order of summing N
   products ``w_j p_j`` of non-negative floats (any binary tree, any number of
   chunks, atomics included) gives ``|ŝ - s| <= γ_N s`` with
   ``γ_k = k u / (1 - k u)`` and ``u = 2^-53``. Since ``s <= ŝ / (1 - γ_N)``,
   the computable bound is :func:`accumulation_bound` (called with N + 1 terms,
   which covers the products as well as the additions).

>>> accumulation_bound(1.0, 64) < 2 ** -46
True
>>> PROBABILITY_ATOL["float32"]
0.0001
>>> LOGIT_RTOL["float32"]
0.0001
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..core.tolerances import LOGIT_RTOL, PRECISIONS, PROBABILITY_ATOL, SOFTMAX_ATOL, dtype_name
from ..errors import InvalidArgument

__all__ = ["cascade_threshold", "CASCADE_DTYPES", "NATIVE_LOW_PRECISIONS", "low_precisions_for", "check_low_precision_device", "PROBABILITY_ATOL", "LOGIT_RTOL", "PRECISIONS", "UNIT_ROUNDOFF_FLOAT64", "gamma", "accumulation_bound", "atol_for", "dtype_name", "narrowest", "row_precision", "copy_tolerances"]

# PROBABILITY_ATOL (per class), LOGIT_RTOL (per logit), SOFTMAX_ATOL, PRECISIONS (narrowest first) and
# dtype_name come from the one tolerance table, mus_verify.core.tolerances (no torch needed there).

UNIT_ROUNDOFF_FLOAT64 = Fraction(1, 2**53)


def gamma(k: int, u: Fraction = UNIT_ROUNDOFF_FLOAT64) -> Fraction:
    """Higham's γ_k = k·u / (1 − k·u), exactly (requires k·u < 1)."""
    if k < 0 or k * u >= 1:
        raise InvalidArgument("k", k, "an integer with 0 <= k*u < 1 (Higham's γ_k)")
    return k * u / (1 - k * u)


def accumulation_bound(computed_sum: float, terms: int) -> Fraction:
    """Rigorous bound on |ŝ − s| for a float64 sum ŝ of ``terms`` non-negative floats.

    ``|ŝ − s| <= γ_{N−1} s <= γ_{N−1} ŝ / (1 − γ_{N−1})`` (exact rational).
    """
    g = gamma(max(terms - 1, 0))  # callers pass N + 1 for N products w·p (one rounding each)
    return g * Fraction(computed_sum) / (1 - g)


def narrowest(*dtypes: object) -> str:
    """The least precise of ``dtypes`` (names or torch dtypes; non-floating ones are ignored).

    >>> narrowest("float64", "float32", "int64")
    'float32'
    """
    names = [dtype_name(d) for d in dtypes if d is not None and dtype_name(d) in PRECISIONS]
    if not names:
        raise KeyError(f"no floating dtype among {dtypes!r}; known: {PRECISIONS}")
    return min(names, key=PRECISIONS.index)


def row_precision(values: Any, ceiling: str) -> Any:
    """Per row of a (N, m) float tensor: the index in :data:`PRECISIONS` of its observed precision.

    At most ``ceiling``; narrower when every value of the row is exactly
    representable in a narrower dtype (a float16 computation returned as
    float32 is judged as float16).
    """
    import torch

    top = PRECISIONS.index(ceiling)
    result = torch.full((values.shape[0],), top, dtype=torch.int64, device=values.device)
    exact = values.to(torch.float64)
    for index in range(top - 1, -1, -1):  # widest narrower dtype first, so the narrowest match wins last
        dtype = getattr(torch, PRECISIONS[index])
        fits = (exact.to(dtype).to(torch.float64) == exact).all(dim=1)
        result = torch.where(fits, torch.full_like(result, index), result)
    return result


def copy_tolerances(values: Any, output: str, ceiling: str) -> tuple[Any, Any]:
    """(τ, precision index) per row of a model output: τ bounds |p_c − p64_c| for every class c.

    ``output="logits"``: δ = LOGIT_RTOL[p]·max(1, max|z|) per logit, so the
    float64 softmax moves each probability by at most expm1(2δ) (log p_c moves
    by at most 2δ); ``"probabilities"``: τ = PROBABILITY_ATOL[p]. τ <= 1.
    """
    import torch

    precision = row_precision(values, ceiling)
    if output == "logits":
        rtol = torch.tensor([LOGIT_RTOL[p] for p in PRECISIONS], dtype=torch.float64, device=values.device)[precision]
        scale = values.to(torch.float64).abs().amax(dim=1).clamp(min=1.0)
        tau = torch.expm1(2 * rtol * scale) + SOFTMAX_ATOL
    else:
        tau = torch.tensor([PROBABILITY_ATOL[p] for p in PRECISIONS], dtype=torch.float64, device=values.device)[precision]
    return tau.clamp(max=1.0), precision


CASCADE_DTYPES = ("bfloat16", "float16")
"""Low precisions the cascade (:mod:`.cascade`) evaluates copies in: bf16 on CPU and CUDA, fp16 on CUDA only."""

NATIVE_LOW_PRECISIONS: dict[str, tuple[str, ...]] = {"cuda": ("bfloat16", "float16")}
"""Low precisions with native matmul kernels, per device type; every other device type (cpu): bf16 only.

The one device-dependent dtype rule of the fast path (the cascade refuses the
others; the benchmark measures the peak of these). Measured on this project's
CPU with 2 threads on a 2048² matmul: bf16 ~2.3-5x float32, fp16 ~200x
*slower* than float32 (no native fp16 kernels)."""


def low_precisions_for(device: Any) -> tuple[str, ...]:
    """The low precisions worth computing in on ``device`` (a torch.device or a string such as 'cuda:1'; no device is touched).

    >>> low_precisions_for("cpu"), low_precisions_for("cuda:3")
    (('bfloat16',), ('bfloat16', 'float16'))
    """
    import torch

    return NATIVE_LOW_PRECISIONS.get(torch.device(device).type, ("bfloat16",))


def check_low_precision_device(dtype: str, device: Any, argument: str = "cascade") -> None:
    """InvalidArgument unless ``dtype`` has native kernels on ``device`` (:data:`NATIVE_LOW_PRECISIONS`)."""
    import torch

    kind = torch.device(device).type
    if dtype_name(dtype) not in low_precisions_for(device):
        raise InvalidArgument(argument, dtype_name(dtype), f"one of {low_precisions_for(device)} on a {kind} device (float16 on CUDA only)",
                              f"no native {dtype_name(dtype)} matmul kernels on {kind}: a float16 matmul ran ~200x slower than float32 on this project's CPU")


def cascade_threshold(scale: Any, output: str, dtype: str) -> Any:
    """Top-two margin (per copy) at or below which a low-precision vote is sent back to the reference precision.

    Derivation. The vote of a copy changes only if its top-two order changes.
    If every logit of the low-precision forward is within δ of the reference
    forward, a low-precision margin z_(1) − z_(2) > 2δ keeps the same argmax
    (the winner loses at most δ, every other class gains at most δ). With the
    documented per-logit tolerance δ = ``LOGIT_RTOL[dtype]`` · max(1, max_c |z_c|)
    (bf16: 5e-2, fp16: 1e-2, relative to the logits' magnitude: the forward's
    rounding error scales with the numbers it handles; bf16 keeps 8 significand
    bits, u = 3.9e-3, and a ViT-B/16 forward showed at most 2.5e-2 on our
    random models, fp16 u = 4.9e-4) the threshold is ``2δ``. For models that
    return probabilities the same argument with ``PROBABILITY_ATOL[dtype]``
    gives ``2·PROBABILITY_ATOL[dtype]`` on the probability margin.

    δ is a documented tolerance, not a rigorous bound (none exists for an
    arbitrary network); ``mus-verify diff --cascade`` re-evaluates every copy at
    the reference precision, counts vote mismatches and reports the largest
    margin error as a share of the threshold.

    >>> float(cascade_threshold(__import__("torch").tensor([0.5, 10.0]), "logits", "bfloat16")[1])
    1.0
    """
    import torch

    if dtype not in CASCADE_DTYPES:
        raise InvalidArgument("cascade", dtype, f"one of {CASCADE_DTYPES}")
    if output == "logits":
        return 2 * LOGIT_RTOL[dtype] * scale.to(torch.float64).clamp(min=1.0)
    return torch.full_like(scale, 2 * PROBABILITY_ATOL[dtype], dtype=torch.float64)


def atol_for(dtype: object) -> float:
    """The per-class probability tolerance of :data:`PROBABILITY_ATOL` for ``dtype``."""
    name = dtype_name(dtype)
    if name not in PROBABILITY_ATOL:
        raise InvalidArgument("dtype", name, f"a dtype with a documented tolerance: one of {sorted(PROBABILITY_ATOL)}")
    return PROBABILITY_ATOL[name]
