"""The bf16 cascade (issue 15, item 1): equal certificates, exact votes, refusals, the full float32 re-check and its planted bug."""

from __future__ import annotations

import json

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it
from torch import nn

from mus_verify.cli import main
from mus_verify.errors import InvalidArgument
from mus_verify.torch_backend import GroupMap, MuS
from mus_verify.torch_backend import cascade as cascade_module
from mus_verify.torch_backend.cascade import full_recheck, low_precision_copy
from mus_verify.torch_backend.certify import certify
from mus_verify.torch_backend.diff import explanation_masks
from mus_verify.torch_backend.models import build_model
from fractions import Fraction

CUDA = torch.cuda.is_available()


class NearTie(nn.Module):
    """Logits v·x and (v + 1e-3·r)·x: float32 resolves their order; bf16 rounds v and v + 1e-3·r differently and often flips it."""

    def __init__(self, d: int = 8) -> None:
        super().__init__()
        self.linear = nn.Linear(d, 2, bias=False)
        generator = torch.Generator().manual_seed(0)
        v = torch.randn(d, generator=generator)
        with torch.no_grad():
            self.linear.weight[1] = v
            self.linear.weight[0] = v + 1e-3 * torch.randn(d, generator=generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


def _inputs(spec, count: int = 3) -> torch.Tensor:
    return torch.randn((count,) + spec.input_shape, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name, masking", [("vit-micro", "zero"), ("vit-micro", "drop"), ("tiny-mlp", "zero")])
def test_cascade_certificates_equal_the_float32_paths(name, masking) -> None:
    model, spec = build_model(name, 0)
    groups = spec.groups()
    x = _inputs(spec)
    phi = explanation_masks(groups.n, 3, Fraction(1, 4), 2)
    float32 = certify(MuS(model, groups, output="logits", q=32, lam="8/32", masking=masking), x, phi)
    mus = MuS(model, groups, output="logits", q=32, lam="8/32", masking=masking, cascade="bfloat16")
    cascade = certify(mus, x, phi)
    for a, b in zip(float32, cascade):
        for fa, fb in ((a.incremental, b.incremental), (a.decremental, b.decremental)):
            assert (fb.predicted, fb.radius, fb.gap) == (fa.predicted, fa.radius, fa.gap)
            assert fb.base == fa.base == "float64"
    out = mus.smooth(x)
    assert out.dtype == "float32" and out.cascade["dtype"] == "bfloat16" and out.precisions.get("bfloat16", 0) > 0
    assert 0 <= out.cascade["sent_back"] < out.cascade["copies"]
    assert next(model.parameters()).dtype == torch.float32  # the caller's module is never changed


def test_cascade_refusals() -> None:
    model, spec = build_model("tiny-mlp", 0)
    groups = spec.groups()
    with pytest.raises(InvalidArgument, match="cascade") as info:
        MuS(model, groups, output="logits", mode="average", cascade="bfloat16")
    assert "averag" in str(info.value)
    with pytest.raises(InvalidArgument, match="cascade"):
        MuS(model, groups, output="logits", cascade="int8")
    with pytest.raises(InvalidArgument, match="cascade"):
        MuS(model, groups, output="logits", cascade="bfloat16", autocast_dtype=torch.bfloat16)
    with pytest.raises(InvalidArgument, match="cascade"):
        MuS(model.half(), groups, output="logits", cascade="bfloat16")
    model, _ = build_model("tiny-mlp", 0)
    fp16 = MuS(model, groups, output="logits", cascade="float16")
    if not CUDA:
        with pytest.raises(InvalidArgument, match="CUDA"):
            fp16.smooth(_inputs(spec))


def test_full_recheck_finds_no_mismatch_with_the_documented_threshold() -> None:
    """No false alarm: on near-tied logits the threshold sends the unresolvable copies back to float32."""
    mus = MuS(NearTie().eval(), GroupMap(list(range(8))), output="logits", q=64, lam="32/64", cascade="bfloat16")
    x = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    report = full_recheck(mus, x)
    assert report["mismatches"] == 0 and report["first_mismatch"] is None
    assert report["sent_back"] == report["copies"] and report["sent_back_fraction"] == 1.0


def test_planted_zero_threshold_is_refuted_and_the_mismatch_replays(monkeypatch) -> None:
    """Planted bug: a threshold of 0 lets bf16 decide near-ties; the full re-check must find the flipped vote."""
    monkeypatch.setattr(cascade_module, "cascade_threshold", lambda scale, output, dtype: torch.zeros_like(scale, dtype=torch.float64))
    model = NearTie().eval()
    mus = MuS(model, GroupMap(list(range(8))), output="logits", q=64, lam="32/64", cascade="bfloat16")
    x = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    report = full_recheck(mus, x)
    assert report["mismatches"] > 0
    bad = report["first_mismatch"]
    assert bad["cascade_vote"] != bad["reference_vote"] and bad["low_margin"] > bad["threshold"] == 0.0
    # replay: the copy's float32 and bf16 votes, computed directly from the module and its bf16 copy
    masked = torch.where(torch.tensor(bad["mask"], dtype=torch.bool), x[bad["example"]], torch.zeros(()))[None]
    with torch.inference_mode():
        float32_vote = int(model(masked).argmax())
        bf16_vote = int(low_precision_copy(model, torch.bfloat16)(masked.bfloat16()).float().argmax())
    assert (float32_vote, bf16_vote) == (bad["reference_vote"], bad["cascade_vote"])


def test_diff_cascade_cli(capsys) -> None:
    code = main(["diff", "--cascade", "bfloat16", "--model", "vit-micro", "--q", "16", "--lam", "4/16", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"] and document["vote_mismatches"] == 0
    assert {r["name"] for r in document["results"]} == {"diff-cascade:vit-micro:zero", "diff-cascade:vit-micro:drop"}
    for r in document["results"]:
        assert r["verdict"] == "VERIFIED" and 0 <= r["details"]["sent_back_fraction"] < 1 and "LOGIT_RTOL" in r["details"]["threshold"]
    assert main(["diff", "--cascade", "bfloat16", "--q", "16"]) == 2  # per-model settings need --model
    capsys.readouterr()
    if not CUDA:
        assert main(["diff", "--cascade", "float16", "--model", "tiny-mlp"]) == 2  # fp16 only on CUDA


def test_flop_count_and_peak_share() -> None:
    from mus_verify.torch_backend.flops import copies_flops, measure_matmul_peak, peak_share, vit_forward_flops
    from mus_verify.torch_backend.models import VIT_PRESETS

    config = VIT_PRESETS["vit-b16"]
    per_block = 24 * 197 * 768**2 + 4 * 197**2 * 768
    assert vit_forward_flops(config, 197) == 2 * 196 * 768 * 768 + 12 * per_block + 2 * 768 * 10
    assert copies_flops(config, [49, 196], "drop") < copies_flops(config, [49, 196], "zero") == 2 * vit_forward_flops(config, 197)
    assert peak_share({"float32": 10, "bfloat16": 40}, 2.0, {"float32": 10.0, "bfloat16": 20.0}) == pytest.approx(1.5)
    assert peak_share({"float16": 1}, 1.0, {"float32": 1.0}) is None
    peaks = measure_matmul_peak("cpu", ("float32",), size=128, repeats=1)
    assert peaks["float32"] > 0


def test_bench_worker_bf16_rows_certify_like_float32() -> None:
    from mus_verify.torch_backend.bench import _worker

    peaks = {"float32": 1e10, "bfloat16": 4e10}
    rows = {v: _worker({"variant": v, "model": "vit-micro", "images": 1, "device": "cpu", "threads": None, "peaks": peaks})
            for v in ("zero-mask", "zero-mask-bf16", "token-drop", "token-drop-bf16")}
    assert rows["zero-mask-bf16"]["radii_inc_dec"] == rows["zero-mask"]["radii_inc_dec"]
    assert rows["token-drop-bf16"]["radii_inc_dec"] == rows["token-drop"]["radii_inc_dec"]
    for name in ("zero-mask-bf16", "token-drop-bf16"):
        row = rows[name]
        assert row["dtype"] == "bfloat16+float32" and row["cascade"]["copies"] > row["cascade"]["sent_back"] >= 0
        assert row["model_flops"]["bfloat16"] > 0 and 0 < row["peak_share"] < 1
    assert set(rows["zero-mask"]["model_flops"]) == {"float32"}


@pytest.mark.skipif(not CUDA, reason="no CUDA device (this project's CI machine has none)")
@pytest.mark.parametrize("masking", ["zero", "drop"])
@pytest.mark.parametrize("low", ["bfloat16", "float16"])
def test_cuda_cascade_device_invariance(masking, low) -> None:
    """Masks, vote counts and certificates of the cascade on CUDA equal the CPU float32 path's (up to undetermined copies)."""
    model, spec = build_model("vit-micro", 0)
    groups = spec.groups()
    x = _inputs(spec)
    cpu = MuS(model, groups, output="logits", q=32, lam="8/32", masking=masking)
    cuda_model = build_model("vit-micro", 0)[0].cuda()
    gpu = MuS(cuda_model, groups, output="logits", q=32, lam="8/32", masking=masking, cascade=low)
    assert torch.equal(cpu.noise_masks("cpu"), gpu.noise_masks("cuda").cpu())
    a, b = cpu.smooth(x), gpu.smooth(x.cuda())
    settled = (a.uncertain.sum(dim=1) == 0) & (b.uncertain.sum(dim=1) == 0)
    assert torch.equal(a.counts[settled], b.counts[settled])
    for pa, pb in zip(certify(cpu, x), certify(gpu, x.cuda())):
        assert (pa.decremental.predicted, pa.decremental.radius) == (pb.decremental.predicted, pb.decremental.radius)


def test_bench_criteria_for_the_bf16_rows() -> None:
    from mus_verify.torch_backend.bench import _contract_fields, criteria

    def row(name, speed, radii=((1, 0),)):
        return {"name": name, "model": "vit-b16", "images_per_s": speed, "peak_mem_mb": 100 if name != "naive" else 500, "radii_inc_dec": [list(r) for r in radii]}

    rows = [row("naive", 1.0), row("zero-mask", 1.3), row("token-drop", 7.0), row("zero-mask-bf16", 4.0), row("token-drop-bf16", 19.9)]
    check = criteria(rows)
    assert check["zero_mask_bf16_at_least_4x"] and not check["token_drop_bf16_at_least_20x"]
    assert check["zero_mask_bf16_certificates_equal_float32"] and check["token_drop_bf16_certificates_equal_float32"]
    rows[3]["radii_inc_dec"] = [[0, 0]]  # a bf16 row certifying differently from its float32 row misses its target
    assert criteria(rows)["zero_mask_bf16_certificates_equal_float32"] is False
    for r in rows:
        r.update(images=1, seconds=1.0, q=64, lam="16/64", groups=196, chunk_size=16, dtype="float32", device="cpu", threads=2)
        _contract_fields(r, criteria(rows))
    assert rows[4]["verdict"] == "UNKNOWN" and "token_drop_bf16_at_least_20x: NOT met" in rows[4]["message"]
