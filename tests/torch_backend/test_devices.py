"""Device-dependent choices in one place (tolerances.NATIVE_LOW_PRECISIONS), tested on CPU with device strings; GPU differential tests.

The CPU tests never touch a device: ``torch.device("cuda:1")`` is only a
name. The CUDA tests run the same smoothers on CPU and on the GPU and compare
masks, votes and certificates; they skip where no CUDA device is present (this
project's CI machine has none), and would run unchanged on one.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.errors import InvalidArgument
from mus_verify.torch_backend import MuS
from mus_verify.torch_backend.cascade import full_recheck
from mus_verify.torch_backend.cascade_diff import check_cascade_dtype
from mus_verify.torch_backend.certify import certify
from mus_verify.torch_backend.diff import explanation_masks
from mus_verify.torch_backend.masks import lqv_mask_tensor
from mus_verify.torch_backend.models import build_model
from mus_verify.torch_backend.tolerances import LOGIT_RTOL, cascade_threshold, check_low_precision_device, low_precisions_for

CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device (this project's CI machine has none)")


@pytest.mark.parametrize("device, allowed", [("cpu", ("bfloat16",)), (torch.device("cpu"), ("bfloat16",)), ("cuda", ("bfloat16", "float16")),
                                             ("cuda:1", ("bfloat16", "float16")), (torch.device("cuda", 0), ("bfloat16", "float16")), ("meta", ("bfloat16",))])
def test_low_precisions_per_device_from_one_rule(device, allowed) -> None:
    assert low_precisions_for(device) == allowed
    for dtype in ("bfloat16", "float16", torch.float16):
        name = str(dtype).replace("torch.", "")
        if name in allowed:
            check_low_precision_device(dtype, device)
        else:
            with pytest.raises(InvalidArgument, match="CUDA") as info:
                check_low_precision_device(dtype, device)
            assert info.value.argument == "cascade"


def test_the_cli_and_the_cascade_use_the_same_rule() -> None:
    check_cascade_dtype("float16", "cuda:0")  # a device string only: nothing is allocated
    check_cascade_dtype("bfloat16", "cpu")
    with pytest.raises(InvalidArgument, match="CUDA") as info:
        check_cascade_dtype("float16", "cpu")
    assert info.value.argument == "--cascade"
    model, spec = build_model("tiny-mlp", 0)
    mus = MuS(model, spec.groups(), output="logits", q=8, lam="2/8", cascade="float16")
    with pytest.raises(InvalidArgument, match="CUDA"):  # checked when the copies' device is known
        mus.smooth(torch.zeros((1,) + spec.input_shape))


def test_cascade_threshold_per_dtype() -> None:
    scale = torch.tensor([0.25, 1.0, 40.0], dtype=torch.float64)
    for dtype in ("bfloat16", "float16"):
        threshold = cascade_threshold(scale, "logits", dtype)
        assert threshold.tolist() == pytest.approx([2 * LOGIT_RTOL[dtype], 2 * LOGIT_RTOL[dtype], 80 * LOGIT_RTOL[dtype]])
    assert bool((cascade_threshold(scale, "logits", "float16") < cascade_threshold(scale, "logits", "bfloat16")).all())
    with pytest.raises(InvalidArgument):
        cascade_threshold(scale, "logits", "float32")


# -- on a GPU: the same smoother on CPU and CUDA ---------------------------------------------------------------


def _pair(name: str, masking: str, mode: str = "vote", **kwargs):
    model, spec = build_model(name, 0)
    groups = spec.groups()
    cpu = MuS(model, groups, output="logits", q=32, lam="8/32", masking=masking, mode=mode, **kwargs)
    gpu = MuS(build_model(name, 0)[0].cuda(), groups, output="logits", q=32, lam="8/32", masking=masking, mode=mode, **kwargs)
    x = torch.randn((3,) + spec.input_shape, generator=torch.Generator().manual_seed(1))
    phi = explanation_masks(groups.n, 3, Fraction(1, 4), 2)
    return cpu, gpu, x, phi


@needs_cuda
@pytest.mark.parametrize("seed_vector, q, k", [((0, 5, 17, 31), 32, 8), ((3, 1, 4, 1, 5, 9, 2, 6), 64, 16), ((0,), 1, 1)])
def test_cuda_masks_equal_cpu(seed_vector, q, k) -> None:
    assert torch.equal(lqv_mask_tensor(seed_vector, q, k, device="cpu"), lqv_mask_tensor(seed_vector, q, k, device="cuda").cpu())


@needs_cuda
@pytest.mark.parametrize("name, masking", [("tiny-mlp", "zero"), ("tiny-cnn", "zero"), ("vit-micro", "zero"), ("vit-micro", "drop")])
def test_cuda_votes_and_certificates_equal_cpu(name, masking) -> None:
    """float32 on both devices: equal vote counts wherever neither side has an undetermined copy; equal certificates (float64-settled)."""
    cpu, gpu, x, phi = _pair(name, masking)
    for alpha in (phi, None):
        a = cpu.smooth(x, alpha)
        b = gpu.smooth(x.cuda(), None if alpha is None else alpha.cuda())
        settled = (a.vote_uncertain.sum(dim=1) == 0) & (b.vote_uncertain.sum(dim=1) == 0)
        assert bool(settled.any()), "no settled example: the comparison would be vacuous"
        assert torch.equal(a.vote_counts[settled], b.vote_counts[settled])
    for pa, pb in zip(certify(cpu, x, phi), certify(gpu, x.cuda(), phi.cuda())):
        for fa, fb in ((pa.incremental, pb.incremental), (pa.decremental, pb.decremental)):
            assert fa is not None and fb is not None
            assert (fa.predicted, fa.radius, fa.base) == (fb.predicted, fb.radius, fb.base)


@needs_cuda
def test_cuda_average_mode_within_the_tolerance_sums() -> None:
    cpu, gpu, x, _ = _pair("vit-micro", "zero", mode="average")
    a, b = cpu.smooth(x), gpu.smooth(x.cuda())
    for i in range(x.shape[0]):
        bound = float((a.tolerance_sums[i] + b.tolerance_sums[i]))  # each sum is within Σ w τ of the float64 one
        assert float((a.average_sums[i] - b.average_sums[i]).abs().max()) <= bound


@needs_cuda
@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("masking", ["zero", "drop"])
def test_cuda_cascade_full_recheck_has_no_vote_mismatch(low, masking) -> None:
    _, gpu, x, phi = _pair("vit-micro", masking, cascade=low)
    for alpha in (phi.cuda(), None):
        report = full_recheck(gpu, x.cuda(), alpha)
        assert report["mismatches"] == 0 and report["copies"] > report["sent_back"]
