"""A variant's smoothed classifier on torch tensors, from the same definition as the exact one.

This is the definitional torch path (one forward pass per noise draw, a Python
loop over features), meant for checking a variant on a real model against the
exact reference, not for speed. Floats enter here: noise weights and rational
noise values become float64; the result is compared with the exact one within
the tolerances of :data:`mus_verify._validation.PROBABILITY_SUM_ATOL`.

The classifier receives a (B, n) tensor; for a variable-length variant
(``variant.variable_length``) absent slots hold 0 and ``h`` is also passed
``present=`` a (B, n) bool tensor.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import torch

from .base import Variant, VariantParams
from .exact import check_symbols
from .guard import run_apply, run_check, run_noise

__all__ = ["TorchOps", "TORCH", "smooth_torch"]


def _is_tensor(value: Any) -> bool:
    return isinstance(value, torch.Tensor)


class TorchOps:
    """Torch backend: bool/float tensors broadcast over the batch; Python constants stay Python until mixed."""

    name = "torch"
    true = True
    false = False

    @staticmethod
    def const(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, numbers.Integral):
            return int(value)
        return float(Fraction(value))

    @staticmethod
    def _tensor(value: Any, like: Any = None) -> torch.Tensor:
        if _is_tensor(value):
            return value
        if isinstance(value, bool):
            return torch.tensor(value)
        if isinstance(value, numbers.Integral):
            return torch.tensor(int(value))
        return torch.tensor(float(value), dtype=torch.float64)

    def and_(self, *bools: Any) -> Any:
        if not any(_is_tensor(b) for b in bools):
            return all(bool(b) for b in bools)
        out = torch.tensor(True)
        for b in bools:
            out = torch.logical_and(out, self._tensor(b))
        return out

    def or_(self, *bools: Any) -> Any:
        if not any(_is_tensor(b) for b in bools):
            return any(bool(b) for b in bools)
        out = torch.tensor(False)
        for b in bools:
            out = torch.logical_or(out, self._tensor(b))
        return out

    def not_(self, b: Any) -> Any:
        return torch.logical_not(b) if _is_tensor(b) else not bool(b)

    def eq(self, a: Any, b: Any) -> Any:
        if _is_tensor(a) or _is_tensor(b):
            return torch.eq(self._tensor(a), self._tensor(b))
        return a == b

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        if not _is_tensor(condition):
            return a if bool(condition) else b
        a_t, b_t = self._tensor(a), self._tensor(b)
        dtype = torch.promote_types(a_t.dtype, b_t.dtype)
        return torch.where(condition, a_t.to(dtype), b_t.to(dtype))

    @staticmethod
    def mod(a: Any, m: int) -> Any:
        return a % int(m)

    def lookup(self, table: Sequence[Any], index: Any) -> Any:
        if not _is_tensor(index) or index.ndim == 0:
            return table[int(index)]
        stacked = torch.stack([self._tensor(t).to(torch.float64) for t in table])
        return stacked[index]

    def count(self, bools: Sequence[Any]) -> Any:
        total: Any = 0
        for b in bools:
            total = total + (b.to(torch.int64) if _is_tensor(b) else int(bool(b)))
        return total

    def present(self, value: Any) -> tuple[Any, Any]:
        return (True, value)

    @staticmethod
    def absent() -> tuple[Any, Any]:
        return (False, 0.0)

    def pick(self, condition: Any, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
        return (self.where(condition, a[0], b[0]), self.where(condition, a[1], b[1]))

    @staticmethod
    def value(slot: tuple[Any, Any]) -> Any:
        return slot[1]

    @staticmethod
    def is_present(slot: tuple[Any, Any]) -> Any:
        return slot[0]


TORCH = TorchOps()


def smooth_torch(
    variant: Variant,
    h: Callable[..., torch.Tensor],
    x: torch.Tensor,
    alpha: torch.Tensor,
    params: VariantParams,
    symbols: Mapping[str, Any] | None = None,
    *,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """g(x, α) for a batch: x (B, n) values, alpha (B, n) or (n,) 0/1; returns (B, m) in ``dtype``."""
    run_check(variant, params)
    sym = check_symbols(variant, params, symbols)
    x = torch.as_tensor(x)
    batch = x.shape[0]
    alpha = torch.as_tensor(alpha).to(torch.bool).expand(batch, params.n)
    slots = [TORCH.present(x[:, i]) for i in range(params.n)]
    bits = [alpha[:, i] for i in range(params.n)]
    total: torch.Tensor | None = None
    for weight, s in run_noise(variant, TORCH, params, sym):
        inputs = run_apply(variant, TORCH, slots, bits, s, params, sym)
        values = torch.stack([_column(TORCH.value(slot), batch, x.dtype) for slot in inputs], dim=1)
        if variant.variable_length:
            present = torch.stack([_column(TORCH.is_present(slot), batch, torch.bool) for slot in inputs], dim=1)
            out = h(values, present=present)
        else:
            out = h(values)
        term = float(Fraction(weight)) * out.to(dtype)
        total = term if total is None else total + term
    assert total is not None
    return total


def _column(value: Any, batch: int, dtype: torch.dtype) -> torch.Tensor:
    tensor = value if _is_tensor(value) else torch.tensor(value)
    return tensor.to(dtype).expand(batch)
