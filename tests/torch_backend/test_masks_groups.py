"""Masks bit-identical to the exact core, RNG isolation, and feature groups (patch grids, maps, tokens)."""

from __future__ import annotations

import numpy as np
import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.distributions import lqv_masks, random_seed_vector
from mus_verify.errors import InvalidArgument
from mus_verify.smoothing import masked_inputs
from mus_verify.torch_backend import GroupMap, PatchGrid, TokenGroups, draw_seed_vector, lqv_mask_tensor

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("q", [1, 2, 3, 5, 7, 12, 64, 100, 127])
def test_masks_bit_identical_to_exact_core(q: int, device: str) -> None:
    vector = random_seed_vector(23, q, seed=q)
    for k in sorted({1, max(1, q // 4), max(1, q // 3), q}):
        fast = lqv_mask_tensor(vector, q, k, device=device).cpu().numpy()
        assert fast.dtype == bool
        assert np.array_equal(fast, lqv_masks(vector, q, k))
        # every feature kept in exactly k of the q masks: no float ramp can lose a step
        assert (fast.sum(axis=0) == k).all()


def test_seed_vector_uses_a_dedicated_generator() -> None:
    torch.manual_seed(1234)
    before = torch.random.get_rng_state().clone()
    first = draw_seed_vector(50, 64, seed=7)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert first == draw_seed_vector(50, 64, seed=7)
    assert first != draw_seed_vector(50, 64, seed=8)
    assert all(0 <= v < 64 for v in first)
    # seed=7 is the one seed convention (mus_verify.distributions.seed_vector, as `check --seed 7`);
    # a caller's own generator is drawn from instead, deterministically
    from mus_verify.distributions import seed_vector

    assert first == seed_vector(50, 64, 7)
    drawn = draw_seed_vector(50, 64, generator=torch.Generator().manual_seed(7))
    assert drawn == draw_seed_vector(50, 64, generator=torch.Generator().manual_seed(7)) and all(0 <= v < 64 for v in drawn)
    with pytest.raises(InvalidArgument):
        draw_seed_vector(5, 4, seed=1, generator=torch.Generator())


@pytest.mark.parametrize("patch", [4, 5, (3, 7), 16])
def test_patch_grid_any_patch_size(patch) -> None:
    grid = PatchGrid((16, 20), patch, channels=2)
    ph, pw = (patch, patch) if isinstance(patch, int) else patch
    assert grid.grid == (-(-16 // ph), -(-20 // pw))
    ids = grid.coordinate_ids().reshape(2, 16, 20)
    assert (ids[0] == ids[1]).all()  # one map shared by the channels
    assert ids[0, 15, 19] == grid.n - 1 and ids[0, 0, 0] == 0
    assert ids[0, ph - 1, pw - 1] == 0 and (ph >= 16 or ids[0, ph, 0] == grid.grid[1])


@pytest.mark.parametrize(
    "groups,shape",
    [
        (PatchGrid(8, 4, channels=3), (3, 8, 8)),
        (PatchGrid((9, 10), (4, 3), channels=1), (1, 9, 10)),
        (GroupMap([[0, 0, 2], [1, 1, 2]], (3, 2, 3)), (3, 2, 3)),
        (GroupMap(np.array([3, 1, 0, 2, 2, 0])), (6,)),
        (TokenGroups(5, 4), (5, 4)),
    ],
)
def test_masking_bit_identical_to_exact_core(groups, shape) -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn((1,) + shape, generator=generator)
    x[x.abs() < 0.3] *= -1  # negative values must stay +0 when hidden, never -0.0
    masks = torch.rand(9, groups.n, generator=generator) < 0.5
    fast = groups.apply(x, masks).reshape(9, -1).numpy()
    exact = masked_inputs(x[0].reshape(-1).numpy(), groups.coordinate_ids(), masks.numpy())
    assert fast.tobytes() == exact.tobytes()


def test_token_groups_replace_hidden_embeddings() -> None:
    replacement = torch.arange(4, dtype=torch.float32)
    groups = TokenGroups(3, 4, replacement=replacement)
    x = torch.ones(1, 3, 4)
    out = groups.apply(x, torch.tensor([[True, False, True]]))
    assert torch.equal(out[0, 1], replacement) and torch.equal(out[0, 0], torch.ones(4))
    with pytest.raises(InvalidArgument, match="replacement"):
        TokenGroups(3, 4, replacement=torch.zeros(5))


def test_group_maps_are_validated() -> None:
    with pytest.raises(InvalidArgument, match="group 1 is empty"):
        GroupMap([0, 2, 2], n=3)
    with pytest.raises(InvalidArgument, match="broadcastable"):
        GroupMap([[0, 1]], (3, 4))
    with pytest.raises(InvalidArgument):
        GroupMap([0.0, 1.0])
    with pytest.raises(InvalidArgument, match="patch_size"):
        PatchGrid(8, (2, 2, 2))
