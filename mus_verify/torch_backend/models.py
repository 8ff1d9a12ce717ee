"""Small reference models with seeded random weights (no downloads), for tests, ``diff`` and ``bench``.

Weights are drawn from a dedicated ``torch.Generator``, never from the global
RNG. :class:`VisionTransformer` follows the attribute names of the widely used
timm implementation (``patch_embed.proj``, ``cls_token``, ``pos_embed``,
``blocks``, ``norm``, ``head``), so the token-dropping adapter that reads those
names also reads timm models. :data:`VIT_PRESETS` holds ViT-Ti/16- and
ViT-B/16-sized configurations (Dosovitskiy et al. 2021; Touvron et al. 2021).

:func:`build_model` builds every model the CLI knows by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InvalidArgument

__all__ = [
    "TinyMLP",
    "TinyCNN",
    "TinyTextClassifier",
    "VisionTransformer",
    "ViTConfig",
    "VIT_PRESETS",
    "MODEL_NAMES",
    "ModelSpec",
    "build_model",
    "init_weights",
    "transformers_vit",
]


def init_weights(model: nn.Module, seed: int, *, head_gain: float = 4.0) -> nn.Module:
    """Fill every parameter from ``torch.Generator().manual_seed(seed)``: N(0, 1/fan_in) weights, zero biases, unit norms.

    The last Linear layer (the classifier head) is scaled by ``head_gain`` so
    random models make decisive predictions (large top-two margins) rather
    than near-uniform ones.
    """
    generator = torch.Generator().manual_seed(seed)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    head = linears[-1] if linears else None
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.LayerNorm, nn.GroupNorm)):
                if module.weight is not None:
                    module.weight.fill_(1.0)
                    module.bias.zero_()
                continue
            for name, param in module.named_parameters(recurse=False):
                if name == "bias":
                    param.zero_()
                    continue
                fan_in = param[0].numel() if param.dim() > 1 else param.shape[-1]
                std = 1.0 / math.sqrt(max(fan_in, 1))
                if module is head and name == "weight":
                    std *= head_gain
                param.copy_(torch.randn(param.shape, generator=generator, dtype=param.dtype) * std)
    return model.eval()


class TinyMLP(nn.Module):
    """d -> hidden -> m logits on flat inputs (one feature per coordinate)."""

    def __init__(self, d: int, classes: int = 3, hidden: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class TinyCNN(nn.Module):
    """A two-layer CNN on (C, H, W) images."""

    def __init__(self, channels: int = 3, classes: int = 4, width: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, stride=2)
        self.head = nn.Linear(width, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.head(x.mean(dim=(2, 3)))


class TinyTextClassifier(nn.Module):
    """Text classifier on token embeddings (B, T, D): one attention layer, mean pooling, linear head."""

    def __init__(self, embed_dim: int = 16, classes: int = 2, heads: int = 2) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(embed_dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, classes)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        mixed, _ = self.attn(embeddings, embeddings, embeddings, need_weights=False)
        return self.head(self.norm(embeddings + mixed).mean(dim=1))


class PatchEmbed(nn.Module):
    """Non-overlapping patches -> tokens: (B, C, H, W) -> (B, n, D) (timm's ``patch_embed``)."""

    def __init__(self, image_size: int, patch_size: int, channels: int, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(channels, dim, kernel_size=patch_size, stride=patch_size)
        self.grid_size = (image_size // patch_size, image_size // patch_size)
        self.num_patches = self.grid_size[0] * self.grid_size[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class Block(nn.Module):
    """Pre-norm transformer block (attention + MLP) using ``scaled_dot_product_attention``."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, int(dim * mlp_ratio))
        self.fc2 = nn.Linear(int(dim * mlp_ratio), dim)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, tokens, dim = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(batch, tokens, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=attn_mask)
        x = x + self.proj(attended.transpose(1, 2).reshape(batch, tokens, dim))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


@dataclass(frozen=True)
class ViTConfig:
    image_size: int = 224
    patch_size: int = 16
    channels: int = 3
    classes: int = 10
    dim: int = 192
    depth: int = 12
    heads: int = 3
    mlp_ratio: float = 4.0


VIT_PRESETS: dict[str, ViTConfig] = {
    "vit-ti16": ViTConfig(dim=192, depth=12, heads=3),  # ViT-Ti/16 (DeiT-Ti) size, 5.7M parameters
    "vit-b16": ViTConfig(dim=768, depth=12, heads=12),  # ViT-B/16 size, 86M parameters
    "vit-micro": ViTConfig(image_size=32, patch_size=8, classes=5, dim=32, depth=2, heads=2),
    "vit-nano": ViTConfig(image_size=16, patch_size=8, classes=3, dim=16, depth=1, heads=2),  # 4 patches: exhaustive checks
}


class VisionTransformer(nn.Module):
    """A plain ViT with a class token, learned position embeddings and timm's attribute names."""

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.config = config
        self.patch_embed = PatchEmbed(config.image_size, config.patch_size, config.channels, config.dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.patch_embed.num_patches, config.dim))
        self.num_prefix_tokens = 1
        self.blocks = nn.Sequential(*[Block(config.dim, config.heads, config.mlp_ratio) for _ in range(config.depth)])
        self.norm = nn.LayerNorm(config.dim, eps=1e-6)
        self.head = nn.Linear(config.dim, config.classes)

    def forward_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """Encoder + head on an already embedded sequence (class token first)."""
        return self.head(self.norm(self.blocks(tokens))[:, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        patches = self.patch_embed(x) + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1, -1)
        return self.forward_tokens(torch.cat([cls, patches], dim=1))


def transformers_vit(config: ViTConfig, seed: int) -> nn.Module:
    """Hugging Face ``transformers`` ViTForImageClassification of the given size with random weights.

    Built under ``torch.random.fork_rng`` (transformers draws initial weights
    from the global RNG); the global state is restored afterwards, and the
    weights are then overwritten from a dedicated generator.
    """
    from .._optional import require

    require("transformers", purpose="the 'transformers' ViT")
    from transformers import ViTConfig as HFConfig, ViTForImageClassification
    labels: dict[str, Any] = {"num_labels": config.classes}  # a PretrainedConfig keyword its stubs do not declare
    hf_config = HFConfig(
        hidden_size=config.dim,
        num_hidden_layers=config.depth,
        num_attention_heads=config.heads,
        intermediate_size=int(config.dim * config.mlp_ratio),
        image_size=config.image_size,
        patch_size=config.patch_size,
        num_channels=config.channels,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        **labels,
    )
    with torch.random.fork_rng(devices=[]):
        model = ViTForImageClassification(hf_config)
    return init_weights(model, seed)


@dataclass(frozen=True)
class ModelSpec:
    """A named model for the CLI: how to build it, its feature groups and example inputs."""

    name: str
    summary: str
    build: Callable[[int], nn.Module]
    groups: Callable[[], Any]
    input_shape: tuple[int, ...]
    token_drop: bool = False


def _specs() -> dict[str, ModelSpec]:
    from .groups import GroupMap, PatchGrid, TokenGroups

    from .adversarial_models import adversarial_specs

    micro = VIT_PRESETS["vit-micro"]
    superpixels = [[(r // 3) * 3 + (c // 4) for c in range(12)] for r in range(9)]  # 3x3 irregular blocks on 9x12
    return {
        "tiny-mlp": ModelSpec("tiny-mlp", "MLP on 8 features (one group per coordinate)", lambda s: init_weights(TinyMLP(8, 3), s), lambda: GroupMap(list(range(8))), (8,)),
        "tiny-cnn": ModelSpec("tiny-cnn", "CNN on 3x9x12 images, 3x4 superpixel map shared by channels", lambda s: init_weights(TinyCNN(3, 4), s), lambda: GroupMap(superpixels, (3, 9, 12)), (3, 9, 12)),
        "tiny-text": ModelSpec("tiny-text", "attention text classifier, 6 token groups on 6x16 embeddings (hidden tokens zeroed)", lambda s: init_weights(TinyTextClassifier(16, 2), s), lambda: TokenGroups(6, 16), (6, 16)),
        "tiny-text-mask": ModelSpec("tiny-text-mask", "the same classifier, hidden tokens replaced by a fixed [MASK] embedding", lambda s: init_weights(TinyTextClassifier(16, 2), s), lambda: TokenGroups(6, 16, replacement=_mask_embedding(16)), (6, 16)),
        "vit-nano": ModelSpec("vit-nano", "ViT on 16x16 images, 8x8 patches (4 groups) for exhaustive checks", lambda s: init_weights(VisionTransformer(VIT_PRESETS["vit-nano"]), s), lambda: PatchGrid(16, 8), (3, 16, 16), True),
        "vit-micro": ModelSpec("vit-micro", "ViT on 32x32 images, 8x8 patches (16 groups); zero-mask and token-drop", lambda s: init_weights(VisionTransformer(micro), s), lambda: PatchGrid(32, 8), (3, 32, 32), True),
        "hf-vit-micro": ModelSpec("hf-vit-micro", "transformers ViTForImageClassification, 32x32, 8x8 patches; zero-mask and token-drop", lambda s: transformers_vit(micro, s), lambda: PatchGrid(32, 8), (3, 32, 32), True),
        "vit-b16": ModelSpec("vit-b16", "ViT-B/16-sized at 224x224 (196 groups), random weights; zero-mask and token-drop", lambda s: init_weights(VisionTransformer(VIT_PRESETS["vit-b16"]), s), lambda: PatchGrid(224, 16), (3, 224, 224), True),
        "vit-ti16": ModelSpec("vit-ti16", "ViT-Ti/16-sized at 224x224 (196 groups), random weights; zero-mask and token-drop", lambda s: init_weights(VisionTransformer(VIT_PRESETS["vit-ti16"]), s), lambda: PatchGrid(224, 16), (3, 224, 224), True),
        **adversarial_specs(),  # type: ignore[dict-item]
    }


MODEL_NAMES = ("tiny-mlp", "tiny-cnn", "tiny-text", "tiny-text-mask", "vit-nano", "vit-micro", "hf-vit-micro", "vit-b16", "vit-ti16",
               "adv-temperature64", "adv-buffer-fp16", "adv-cosine-nan", "adv-large-logit", "adv-fp16-autocast")


def _mask_embedding(dim: int) -> torch.Tensor:
    """A fixed stand-in for a [MASK] token embedding (seeded, dedicated generator)."""
    return torch.randn(dim, generator=torch.Generator().manual_seed(12345))


def build_model(name: str, seed: int = 0) -> tuple[nn.Module, ModelSpec]:
    """The named model (eval mode, seeded random weights) and its spec."""
    specs = _specs()
    if name not in specs:
        raise InvalidArgument("--model", name, f"one of {', '.join(specs)}")
    spec = specs[name]
    with torch.random.fork_rng(devices=[]):  # nn layers draw default initial weights from the global RNG
        model = spec.build(seed)
    return model, spec
