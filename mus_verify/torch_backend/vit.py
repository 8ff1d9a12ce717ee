"""The pieces of a Vision Transformer that token dropping needs, read from common implementations.

:class:`ViTParts` is the contract: a patch embedding ``(B, C, H, W) -> (B, n, D)``,
position embeddings for the prefix (class) tokens and the n patches, the prefix
tokens themselves, an encoder ``(B, T, D) -> (B, T, D)`` (final norm included)
and a head ``(B, T, D) -> logits``. Any model exposing those works: build
``ViTParts`` by hand, or let :func:`vit_parts` read

* Hugging Face ``transformers`` ``ViTForImageClassification`` (4.x layout
  ``vit.encoder.layer`` and 5.x layout ``vit.layers``), and
* timm-style models (``patch_embed``, ``cls_token``, ``pos_embed``,
  ``blocks``, ``norm``, ``head``), including :class:`~.models.VisionTransformer`.

The encoder is called on sequences of *kept* patch tokens only (no padding,
no attention mask), so it must accept any sequence length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

from ..errors import InvalidArgument

__all__ = ["ViTParts", "vit_parts"]


@dataclass
class ViTParts:
    """What token dropping needs from a ViT (see the module docstring)."""

    patch_embed: Callable[[torch.Tensor], torch.Tensor]
    pos_embed: torch.Tensor  # (1, P + n, D): P prefix positions first
    prefix_tokens: torch.Tensor | None  # (1, P, D) before position embedding, or None (P = 0)
    encoder: Callable[[torch.Tensor], torch.Tensor]
    head: Callable[[torch.Tensor], torch.Tensor]
    num_patches: int
    module: nn.Module | None = None  # the model the parts belong to (for dtype/device and train-mode checks)
    # Optional: the encoder with a key-padding mask (B, T) bool, True = real token. With it,
    # sequences of different lengths are padded into one batch; without it they are bucketed by length.
    encoder_masked: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    @property
    def num_prefix(self) -> int:
        return 0 if self.prefix_tokens is None else int(self.prefix_tokens.shape[1])

    def embed_patches(self, images: torch.Tensor) -> torch.Tensor:
        """Patch tokens with their position embeddings: (E, n, D)."""
        tokens = self.patch_embed(images)
        if tokens.shape[1] != self.num_patches:
            raise InvalidArgument("x", f"images giving {tokens.shape[1]} patches", f"images giving the model's {self.num_patches} patches")
        return tokens + self.pos_embed[:, self.num_prefix :].to(tokens.dtype)

    def prefix(self, batch: int, dtype: torch.dtype) -> torch.Tensor | None:
        """Prefix tokens with their position embeddings, expanded to ``batch``."""
        if self.prefix_tokens is None:
            return None
        prefix = self.prefix_tokens.to(dtype) + self.pos_embed[:, : self.num_prefix].to(dtype)
        return prefix.expand(batch, -1, -1)

    def forward_kept(self, patch_tokens: torch.Tensor) -> torch.Tensor:
        """Logits of the model that sees only ``patch_tokens`` (B, t, D) plus the prefix tokens."""
        prefix = self.prefix(patch_tokens.shape[0], patch_tokens.dtype)
        sequence = patch_tokens if prefix is None else torch.cat([prefix, patch_tokens], dim=1)
        return self.head(self.encoder(sequence))


def _sequential(layers: nn.ModuleList | nn.Sequential, final: nn.Module | None) -> Callable[[torch.Tensor], torch.Tensor]:
    def encode(hidden: torch.Tensor) -> torch.Tensor:
        for layer in layers:
            out = layer(hidden)
            hidden = out[0] if isinstance(out, (tuple, list)) else out
        return final(hidden) if final is not None else hidden

    return encode


def _sequential_masked(layers: nn.ModuleList | nn.Sequential, final: nn.Module | None, keyword: str | None) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Encoder whose attention ignores padded keys: an additive (B, 1, 1, T) mask, 0 for real tokens.

    finfo.min rather than -inf (as transformers does): exp underflows to exactly 0, and a
    padded *query* row never becomes NaN. Padded positions are discarded by the head.
    """

    def encode(hidden: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        additive = torch.zeros(real.shape, dtype=hidden.dtype, device=hidden.device).masked_fill(~real, torch.finfo(hidden.dtype).min)
        mask = additive[:, None, None, :]
        for layer in layers:
            out = layer(hidden, **{keyword: mask}) if keyword else layer(hidden, mask)
            hidden = out[0] if isinstance(out, (tuple, list)) else out
        return final(hidden) if final is not None else hidden

    return encode


def _mask_keyword(layer: nn.Module) -> str | None:
    """The name of a block's attention-mask argument, or None when it takes none."""
    import inspect

    try:
        names = list(inspect.signature(layer.forward).parameters)
    except (TypeError, ValueError):
        return None
    for name in ("attn_mask", "attention_mask"):
        if name in names:
            return name
    return None


def vit_parts(model: nn.Module) -> ViTParts:
    """Read :class:`ViTParts` from a transformers ViTForImageClassification or a timm-style ViT."""
    vit = getattr(model, "vit", None)
    if vit is not None and hasattr(vit, "embeddings") and hasattr(model, "classifier"):
        embeddings = vit.embeddings
        layers = getattr(vit, "layers", None)
        if layers is None and hasattr(vit, "encoder"):
            layers = vit.encoder.layer  # transformers 4.x layout
        if layers is None:
            raise InvalidArgument("model", type(model).__name__, "a transformers ViT with `vit.layers` or `vit.encoder.layer`")
        classifier: Any = model.classifier
        keyword = _mask_keyword(layers[0]) if len(layers) else None
        return ViTParts(
            patch_embed=embeddings.patch_embeddings,
            pos_embed=embeddings.position_embeddings,
            prefix_tokens=embeddings.cls_token,
            encoder=_sequential(layers, vit.layernorm),
            head=lambda hidden: classifier(hidden[:, 0]),
            num_patches=int(embeddings.patch_embeddings.num_patches),
            module=model,
            encoder_masked=_sequential_masked(layers, vit.layernorm, keyword) if keyword else None,
        )
    needed = ("patch_embed", "pos_embed", "blocks", "head")
    if all(hasattr(model, name) for name in needed):
        timm: Any = model  # duck-typed timm layout: its attributes are modules and tensors mypy cannot see
        cls = getattr(model, "cls_token", None)
        prefix = cls
        reg = getattr(model, "reg_token", None)
        if reg is not None:
            raise InvalidArgument("model", type(model).__name__, "a ViT without register tokens (build ViTParts by hand)")
        norm = getattr(model, "norm", None)
        head = timm.head
        fc_norm = getattr(model, "fc_norm", None)
        pool = getattr(model, "global_pool", "token")
        if pool not in ("token", None, ""):
            raise InvalidArgument("model", f"global_pool={pool!r}", "class-token pooling (build ViTParts by hand for other pooling)")

        def head_fn(hidden: torch.Tensor) -> torch.Tensor:
            pooled = hidden[:, 0]
            if isinstance(fc_norm, nn.Module):
                pooled = fc_norm(pooled)
            return head(pooled)

        blocks = timm.blocks
        keyword = _mask_keyword(blocks[0]) if len(blocks) else None
        final = norm if isinstance(norm, nn.Module) else None
        return ViTParts(
            patch_embed=timm.patch_embed,
            pos_embed=timm.pos_embed,
            prefix_tokens=prefix,
            encoder=_sequential(blocks, norm if isinstance(norm, nn.Module) else None),
            head=head_fn,
            num_patches=int(timm.patch_embed.num_patches),
            module=model,
            encoder_masked=_sequential_masked(blocks, final, keyword) if keyword else None,
        )
    raise InvalidArgument(
        "model",
        type(model).__name__,
        "a transformers ViTForImageClassification, a timm-style ViT (patch_embed, pos_embed, cls_token, blocks, norm, head), or ViTParts built by hand",
    )
