"""MuS against the exact reference, chunking invariance, RNG isolation and input validation."""

from __future__ import annotations

import math

from fractions import Fraction

import numpy as np
import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.distributions import lqv
from mus_verify.errors import InvalidArgument
from mus_verify.smoothing import smooth
from mus_verify.torch_backend import GroupMap, MuS, PatchGrid, TokenGroups
from mus_verify.torch_backend.models import TinyCNN, TinyMLP, TinyTextClassifier, init_weights


@pytest.fixture(scope="module")
def mlp() -> torch.nn.Module:
    return init_weights(TinyMLP(6, 3), seed=0).double()


def _exact_h(model: torch.nn.Module, shape: tuple[int, ...]):
    def h(inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(inputs).reshape((-1,) + shape)), dim=-1).numpy()

    return h


@pytest.mark.parametrize("mode", ["vote", "average"])
def test_float64_fast_path_equals_exact_reference(mlp, mode) -> None:
    """In float64 the fast path computes the exact core's g up to the accumulation bound (votes exactly)."""
    x = torch.randn(4, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    alpha = torch.tensor([1, 1, 0, 1, 1, 1], dtype=torch.bool)
    mus = MuS(mlp, GroupMap(list(range(6))), output="logits", q=8, lam="3/8", mode=mode, seed=5)
    out = mus.smooth(x, alpha)
    dist = lqv(mus.seed_vector, 8, "3/8")
    for b in range(4):
        exact = smooth(_exact_h(mlp, (6,)), x[b].numpy(), alpha.numpy(), dist, mode=mode)
        if mode == "vote":
            assert [Fraction(int(c), 8) for c in out.counts[b]] == list(exact)
        else:
            assert max(abs(float(e) - float(f)) for e, f in zip(exact, out.probabilities[b])) < 1e-15


def test_every_result_records_the_smoothed_classifier(mlp) -> None:
    mus = MuS(mlp, GroupMap(list(range(6))), output="logits", q=16, lam="4/16", seed=11)
    out = mus.smooth(torch.zeros(6, dtype=torch.float64))
    assert out.seed_vector == mus.seed_vector and out.seed == 11
    assert (out.q, out.lam, out.mode, out.masking, out.dtype) == (16, Fraction(1, 4), "vote", "zero", "float64")
    assert out.config() == {"q": 16, "lam": Fraction(1, 4), "seed_vector": mus.seed_vector, "mode": "vote", "masking": "zero", "dtype": "float64"}


def test_global_rng_untouched_by_construction_and_calls() -> None:
    model = init_weights(TinyCNN(3, 4), seed=1)
    torch.manual_seed(99)
    state = torch.random.get_rng_state().clone()
    mus = MuS(model, PatchGrid(8, 4), output="logits", q=8, lam="2/8", seed=3)
    mus.smooth(torch.ones(2, 3, 8, 8))
    mus.smooth(torch.ones(3, 8, 8), torch.tensor([1, 0, 1, 1]))
    assert torch.equal(torch.random.get_rng_state(), state)


def test_building_the_named_models_leaves_the_global_rng_alone() -> None:
    from mus_verify.torch_backend.models import build_model

    torch.manual_seed(5)
    state = torch.random.get_rng_state().clone()
    first = build_model("vit-nano", seed=4)[0]
    second = build_model("vit-nano", seed=4)[0]
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(a, b) for a, b in zip(first.parameters(), second.parameters()))


@pytest.mark.parametrize("mode", ["vote", "average"])
def test_chunk_and_batch_size_invariance(mode) -> None:
    model = init_weights(TinyTextClassifier(8, 3), seed=2)
    groups = TokenGroups(5, 8)
    x = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(0))
    phi = torch.tensor([[1, 0, 0, 1, 0], [1, 1, 1, 1, 1], [0, 0, 1, 0, 0]], dtype=torch.bool)
    outs = [MuS(model, groups, output="logits", q=12, lam="4/12", mode=mode, chunk_size=c).smooth(x, phi) for c in (1, 5, 100)]
    singles = [MuS(model, groups, output="logits", q=12, lam="4/12", mode=mode).smooth(x[b], phi[b]) for b in range(3)]
    for out in outs[1:]:
        if mode == "vote":
            assert torch.equal(out.counts, outs[0].counts)
        else:
            assert torch.allclose(out.sums, outs[0].sums, atol=1e-5, rtol=0)
    for b, single in enumerate(singles):
        reference = outs[0].counts[b] if mode == "vote" else outs[0].sums[b]
        mine = single.counts[0] if mode == "vote" else single.sums[0]
        assert torch.allclose(mine.double(), reference.double(), atol=1e-5, rtol=0)


def test_duplicate_masks_are_evaluated_once(mlp) -> None:
    mus = MuS(mlp, GroupMap(list(range(6))), output="logits", q=16, lam="4/16")
    out = mus.smooth(torch.ones(6, dtype=torch.float64), torch.zeros(6, dtype=torch.bool))
    assert out.forwards == 1 and int(out.counts.sum()) == 16  # all 16 masks coincide at α = 0


def test_memory_cap_bounds_the_chunk() -> None:
    model = init_weights(TinyCNN(3, 4), seed=1)
    small = MuS(model, PatchGrid(8, 4), output="logits", q=8, lam="2/8", memory_cap_mb=0.001)
    large = MuS(model, PatchGrid(8, 4), output="logits", q=8, lam="2/8", memory_cap_mb=1000)
    x = torch.ones(3, 8, 8)
    assert torch.equal(small.smooth(x).counts, large.smooth(x).counts)
    assert small.chunk_size == 1 and large.chunk_size > 8


def test_autocast_option_runs_and_records_its_dtype() -> None:
    model = init_weights(TinyCNN(3, 4), seed=1)
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    bf16 = MuS(model, PatchGrid(8, 4), output="logits", q=4, lam="1/4", autocast_dtype=torch.bfloat16).smooth(x)
    assert bf16.dtype == "bfloat16" and int(bf16.counts.sum()) == 8
    # the tolerance is relative to the logits' size, at least the bfloat16 logit tolerance for |z| <= 1
    assert bf16.atol >= math.expm1(2 * 5e-2) and bf16.precisions == {"bfloat16": 8}


@pytest.mark.slow
def test_compile_option_runs() -> None:
    model = init_weights(TinyCNN(3, 4), seed=1)
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    compiled = MuS(model, PatchGrid(8, 4), output="logits", q=4, lam="1/4", compile={"backend": "eager"}).smooth(x)
    plain = MuS(model, PatchGrid(8, 4), output="logits", q=4, lam="1/4").smooth(x)
    assert torch.equal(compiled.counts, plain.counts)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"lam": 0.3}, "nearest valid: 19/64, 20/64"),
        ({"lam": "0"}, "lam"),
        ({"q": 0}, "q"),
        ({"mode": "mean"}, "mode"),
        ({"seed_vector": [0, 1, 2, 64, 0, 0]}, r"seed_vector\[3\]"),
        ({"seed_vector": [0, 1]}, "length"),
        ({"masking": "blur"}, "masking"),
        ({"output": "scores"}, "output"),
    ],
)
def test_invalid_configuration_is_refused(mlp, kwargs, match) -> None:
    options = {"output": "logits", "q": 64, "lam": "16/64", **kwargs}
    with pytest.raises(InvalidArgument, match=match):
        MuS(mlp, GroupMap(list(range(6))), **options)


def test_invalid_inputs_are_refused_never_repaired(mlp) -> None:
    mus = MuS(mlp, GroupMap(list(range(6))), output="logits", q=4, lam="1/4", keep=[1, 0, 0, 0, 0, 0])
    x = torch.zeros(2, 6, dtype=torch.float64)
    with pytest.raises(InvalidArgument, match=r"alpha\[2\]"):
        mus.smooth(x, [1, 1, 0.5, 1, 1, 1])
    with pytest.raises(InvalidArgument, match="keep"):
        mus.smooth(x, [0, 1, 1, 1, 1, 1])
    bad = x.clone()
    bad[1, 4] = float("nan")
    with pytest.raises(InvalidArgument, match=r"x\[1, 4\]"):
        mus.smooth(bad)
    with pytest.raises(InvalidArgument, match="shape"):
        mus.smooth(torch.zeros(2, 7))
    mlp.train()
    try:
        with pytest.raises(InvalidArgument, match="eval mode"):
            mus.smooth(x)
    finally:
        mlp.eval()


def test_probability_outputs_are_checked_not_renormalised() -> None:
    class Fixed(torch.nn.Module):
        def __init__(self, row):
            super().__init__()
            self.row = torch.tensor(row)

        def forward(self, x):
            return self.row.expand(x.shape[0], -1)

    good = MuS(Fixed([0.25, 0.75]).eval(), GroupMap([0, 1]), output="probabilities", q=2, lam="1/2")
    assert good.smooth(torch.ones(2)).counts.tolist() == [[0, 2]]
    for row, match in (([0.5, 0.6], "summing to 1"), ([1.5, -0.5], r"\[0, 1\]")):
        with pytest.raises(InvalidArgument, match=match):
            MuS(Fixed(row).eval(), GroupMap([0, 1]), output="probabilities", q=2, lam="1/2").smooth(torch.ones(2))
