"""Adversarial base models for the fast path's guard (issue 10, item 4): each defeated the old guard.

All take 8 flat features and return 3 logits, with weights drawn from a
dedicated generator. Each is built so that rounding in its compute precision
is as large as the true differences between classes, which is exactly where a
guard that *assumes* its tolerance certifies the wrong votes:

* ``adv-temperature64`` — float32 weights with a float64 temperature
  registered *first*: the old guard read the first parameter's dtype and
  judged float32 arithmetic at float64 tolerance;
* ``adv-buffer-fp16`` — weights held as float32 *buffers* (no parameters),
  fed float16 inputs, so the forward runs in float16: the old guard fell
  back to float32;
* ``adv-cosine-nan`` — a cosine-similarity head, NaN on the all-hidden copy
  that zero masking produces on purpose (0/0): the old path counted NaN as a
  vote for class 0; both paths must refuse it;
* ``adv-large-logit`` — a float32 linear head with logits near 1e5 (the float32
  spacing there is 2^-7): a tolerance fixed in probability units is meaningless;
* ``adv-fp16-autocast`` — the same kind of head with logits near 2e3, run under
  float16 autocast (spacing 1 or 2 there).

Every trap votes decisively on the all-hidden copy (small logits there), so
the vote statement of ``mus-verify diff`` is never vacuous.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ADVERSARIAL", "RoundingTrap", "Float64TemperatureFirst", "BufferWeights", "CosineHead", "adversarial_specs"]

FEATURES = 8
CLASSES = 3


def _weights(seed: int, shape: tuple[int, ...], scale: float = 1.0) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * scale


class RoundingTrap(nn.Module):
    """logits = (OFF + a) + b(x) per class, OFF a large common logit, computed in two roundings.

    With U the spacing of the compute dtype at OFF: class 0 adds 0.4U then
    0.4U (both round away: the fast logit stays OFF, the exact one is
    OFF + 0.8U); class 1 adds 0.6U (rounds up to OFF + U) then
    U·(0.1 + 0.3·tanh(w·x)) (rounds back to OFF + U), exactly OFF + 0.7U ± 0.3U.
    So the fast path votes class 1 with a margin of U on every copy, while the
    float64 votes split between classes 0 and 1 with x. The all-hidden copy
    (x = 0) drops OFF and votes class 2 decisively in every precision.
    """

    def __init__(self, seed: int = 0, offset: float = 98304.0, unit: float = 2.0**-7) -> None:
        super().__init__()
        self.offset = nn.Linear(FEATURES, CLASSES)
        self.first = nn.Linear(FEATURES, CLASSES)
        self.mixer = nn.Linear(FEATURES, CLASSES, bias=False)
        self.unit = unit
        with torch.no_grad():
            self.offset.weight.zero_()
            self.offset.bias.fill_(offset)
            self.first.weight.zero_()
            self.first.bias.copy_(torch.tensor([0.4, 0.6, 0.0]) * unit)
            self.mixer.weight.copy_(_weights(seed, (CLASSES, FEATURES)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = self.unit
        empty = (x.abs().sum(dim=1, keepdim=True) == 0)
        offset = self.offset(x)  # float16 under float16 autocast, like every Linear here
        big = offset * (~empty).to(offset.dtype)
        first = big + self.first(x)  # one rounding at OFF's spacing
        mixed = torch.tanh(self.mixer(x))
        second = torch.stack([0.4 * u + 0 * mixed[:, 0], u * (0.1 + 0.3 * mixed[:, 1]), 3.0 * empty[:, 0].to(mixed.dtype)], dim=1)
        return first + second.to(first.dtype)  # the second rounding


class Float64TemperatureFirst(nn.Module):
    """A float32 :class:`RoundingTrap` (OFF = 1.5) divided by a float64 temperature registered *first*."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.temperature = nn.Parameter(torch.tensor(2.0, dtype=torch.float64))  # 0-dim: the quotient stays float32
        self.trap = RoundingTrap(seed, offset=1.5, unit=2.0**-23)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trap(x) / self.temperature


class BufferWeights(nn.Module):
    """A :class:`RoundingTrap` (OFF = 6, float16 spacing 2^-8) whose weights are float32 buffers, run in the input's dtype."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        trap = RoundingTrap(seed, offset=6.0, unit=2.0**-8)
        self.unit = trap.unit
        self.offset_bias: torch.Tensor
        self.first_bias: torch.Tensor
        self.mixer: torch.Tensor
        for name, tensor in (("offset_bias", trap.offset.bias), ("first_bias", trap.first.bias), ("mixer", trap.mixer.weight)):
            self.register_buffer(name, tensor.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u, dtype = self.unit, x.dtype
        empty = (x.abs().sum(dim=1, keepdim=True) == 0)
        big = self.offset_bias.to(dtype)[None, :] * (~empty).to(dtype)
        first = big + self.first_bias.to(dtype)[None, :]
        mixed = torch.tanh(x @ self.mixer.to(dtype).T)
        second = torch.stack([0.4 * u + 0 * mixed[:, 0], u * (0.1 + 0.3 * mixed[:, 1]), 3.0 * empty[:, 0].to(dtype)], dim=1)
        return first + second


class CosineHead(nn.Module):
    """logits_c = 5·cos(w_c, tanh(W x)): undefined (0/0 = NaN) when every feature is hidden."""

    def __init__(self, seed: int = 0, hidden: int = 16) -> None:
        super().__init__()
        self.hidden = nn.Linear(FEATURES, hidden, bias=False)
        self.directions = nn.Parameter(_weights(seed + 1, (CLASSES, hidden)))
        with torch.no_grad():
            self.hidden.weight.copy_(_weights(seed, (hidden, FEATURES), FEATURES**-0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.hidden(x))
        dots = h @ self.directions.T
        return 5 * dots / (h.norm(dim=1, keepdim=True) * self.directions.norm(dim=1)[None, :])


ADVERSARIAL = ("adv-temperature64", "adv-buffer-fp16", "adv-cosine-nan", "adv-large-logit", "adv-fp16-autocast")


def adversarial_specs() -> dict[str, object]:
    """ModelSpecs of :data:`ADVERSARIAL` for :func:`.models.build_model` (weights from ``seed``)."""
    from .groups import GroupMap
    from .models import ModelSpec

    def groups() -> GroupMap:
        return GroupMap(list(range(FEATURES)))

    shape = (FEATURES,)
    return {
        "adv-temperature64": ModelSpec("adv-temperature64", "float32 MLP with a float64 temperature registered first (old guard: float64 tolerance)", lambda s: Float64TemperatureFirst(s).eval(), groups, shape),
        "adv-buffer-fp16": ModelSpec("adv-buffer-fp16", "MLP with buffer weights fed float16 inputs (old guard: float32 tolerance)", lambda s: BufferWeights(s).eval(), groups, shape),
        "adv-cosine-nan": ModelSpec("adv-cosine-nan", "cosine head, NaN on the all-hidden copy (must be refused)", lambda s: CosineHead(s).eval(), groups, shape),
        "adv-large-logit": ModelSpec("adv-large-logit", "float32 linear head with logits near 1e5", lambda s: RoundingTrap(s, offset=98304.0, unit=2.0**-7).eval(), groups, shape),
        "adv-fp16-autocast": ModelSpec("adv-fp16-autocast", "linear head with logits near 2e3 under float16 autocast", lambda s: RoundingTrap(s, offset=1536.0, unit=1.0).eval(), groups, shape),
    }
