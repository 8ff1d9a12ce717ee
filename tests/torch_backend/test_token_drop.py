"""Token dropping: ViT adapters (built-in timm-style and transformers), padding equivalence, what survives."""

from __future__ import annotations

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.errors import InvalidArgument
from mus_verify.results import Verdict
from mus_verify.torch_backend import GroupMap, MuS, PatchGrid, ViTParts, check_token_drop, vit_parts
from mus_verify.torch_backend.models import build_model


@pytest.fixture(scope="module")
def micro():
    model, spec = build_model("vit-micro", seed=0)
    x = torch.randn((3,) + spec.input_shape, generator=torch.Generator().manual_seed(0))
    return model, spec, x


def test_all_tokens_kept_is_the_model_itself(micro) -> None:
    model, _, x = micro
    parts = vit_parts(model)
    assert torch.allclose(parts.forward_kept(parts.embed_patches(x)), model(x), atol=1e-6)


def test_padded_batches_equal_unpadded_sequences(micro) -> None:
    """The padded path (masked keys) and the equal-length bucketing path agree copy by copy."""
    model, spec, x = micro
    parts = vit_parts(model)
    assert parts.encoder_masked is not None
    bucketed = ViTParts(parts.patch_embed, parts.pos_embed, parts.prefix_tokens, parts.encoder, parts.head, parts.num_patches, model)
    alpha = torch.rand(3, 16, generator=torch.Generator().manual_seed(1)) < 0.7
    runs = [MuS(model, spec.groups(), output="logits", q=16, lam="5/16", mode="average", masking="drop", vit=p).smooth(x, alpha, record_copies=True) for p in (parts, bucketed)]
    for a, b in zip(runs[0].copies, runs[1].copies):
        assert torch.equal(a["masks"], b["masks"])
        assert torch.allclose(a["probabilities"], b["probabilities"], atol=1e-6, rtol=0)


def test_dropping_saves_tokens_and_changes_the_classifier(micro) -> None:
    model, spec, x = micro
    zero = MuS(model, spec.groups(), output="logits", q=16, lam="4/16", mode="average").smooth(x)
    drop = MuS(model, spec.groups(), output="logits", q=16, lam="4/16", mode="average", masking="drop").smooth(x)
    assert drop.masking == "drop" and zero.masking == "zero"
    assert not torch.allclose(zero.probabilities, drop.probabilities, atol=1e-3)  # a different base classifier


def test_transformers_vit_is_supported() -> None:
    pytest.importorskip("transformers")  # in the [test] extra; the suite installs it
    model, spec = build_model("hf-vit-micro", seed=0)
    x = torch.randn((2,) + spec.input_shape, generator=torch.Generator().manual_seed(0))
    parts = vit_parts(model)
    assert parts.num_patches == 16 and parts.num_prefix == 1  # transformers 5.x also gives encoder_masked; 4.x buckets
    assert torch.allclose(parts.forward_kept(parts.embed_patches(x)), model(x).logits, atol=1e-5)
    # the same random weights in the built-in timm-style ViT give the same smoothed votes
    ours, _ = build_model("vit-micro", seed=0)
    for masking in ("zero", "drop"):
        a = MuS(model, spec.groups(), output="logits", q=8, lam="2/8", masking=masking).smooth(x)
        b = MuS(ours, spec.groups(), output="logits", q=8, lam="2/8", masking=masking).smooth(x)
        assert torch.equal(a.counts, b.counts)


def test_token_drop_needs_a_matching_patch_grid(micro) -> None:
    model, _, _ = micro
    with pytest.raises(InvalidArgument, match="16 patch tokens"):
        MuS(model, PatchGrid(32, 16), output="logits", q=4, lam="1/4", masking="drop")
    with pytest.raises(InvalidArgument, match="PatchGrid"):
        MuS(model, GroupMap(list(range(16))), output="logits", q=4, lam="1/4", masking="drop")
    with pytest.raises(InvalidArgument, match="timm-style"):
        MuS(torch.nn.Linear(3, 3), PatchGrid(32, 8), output="logits", q=4, lam="1/4", masking="drop")


def test_lipschitz_and_certificates_survive_masking_equivalence_does_not() -> None:
    result = check_token_drop(q=4, lam="1/4", examples=1)
    assert result.verdict is Verdict.VERIFIED and result.method == "exhaustive"
    assert result.details["edges_checked"] == 2 * 32 * 3  # modes x hypercube edges (n = 4) x classes
    assert result.margin >= 0
    equivalence = result.details["masking_equivalence"]
    assert equivalence["claimed"] is False and equivalence["fails_at"] > 0
