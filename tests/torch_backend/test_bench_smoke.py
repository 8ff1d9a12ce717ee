"""The benchmark's pieces, and the ViT-B/16-sized differential smoke test at 224x224."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.cli import main
from mus_verify.distributions import lqv_masks
from mus_verify.torch_backend import MuS, certificate_from
from mus_verify.torch_backend.bench import VARIANTS, _worker, criteria, naive_certify
from mus_verify.torch_backend.diff import explanation_masks
from mus_verify.torch_backend.models import build_model


def test_naive_baseline_certifies_the_same_classifier_as_zero_masking() -> None:
    model, spec = build_model("vit-micro", seed=0)
    groups = spec.groups()
    x = torch.randn((2,) + spec.input_shape, generator=torch.Generator().manual_seed(0))
    phi = explanation_masks(groups.n, 2, Fraction(1, 4), seed=1)
    mus = MuS(model, groups, output="logits", q=16, lam="4/16", mode="vote")
    masks = torch.as_tensor(lqv_masks(mus.seed_vector, 16, 4))
    for b in range(2):
        for alpha in (phi[b], torch.ones(16, dtype=torch.bool)):
            ours = certificate_from(mus.smooth(x[b], alpha), guard=False).radius
            assert naive_certify(model, x[b], alpha, masks, 8, Fraction(1, 4)) == ours


def test_worker_reports_every_field() -> None:
    rows = [_worker({"variant": v, "model": "vit-micro", "images": 1, "device": "cpu", "threads": None}) for v in VARIANTS]
    for row in rows:
        assert {"name", "model", "images_per_s", "peak_mem_mb", "seconds", "cpu_seconds", "radii_inc_dec"} <= set(row)
        assert row["images_per_s"] > 0 and row["q"] == 64 and row["groups"] == 16
    # the same base classifier: the guarded zero-mask radii are never larger than the naive (unguarded) ones
    assert all(z <= n for z, n in zip(rows[1]["radii_inc_dec"][0], rows[0]["radii_inc_dec"][0]))
    assert rows[2]["name"] == "token-drop" and rows[2]["chunk_size"] == 16


def test_criteria() -> None:
    def row(name, speed, mem):
        return {"name": name, "model": "vit-b16", "images_per_s": speed, "peak_mem_mb": mem}

    good = criteria([row("naive", 1.0, 500), row("zero-mask", 1.0, 100), row("token-drop", 3.0, 50)])
    assert good["zero_mask_not_slower"] and good["zero_mask_lower_peak_memory"] and good["token_drop_at_least_3x"]
    bad = criteria([row("naive", 1.0, 500), row("zero-mask", 0.9, 600), row("token-drop", 2.9, 50)])
    assert not (bad["zero_mask_not_slower"] or bad["zero_mask_lower_peak_memory"] or bad["token_drop_at_least_3x"])
    assert criteria([row("naive", 1.0, 1)]) == {"model": "vit-b16", "measured": False}


def test_vit_b16_sized_diff_smoke(capsys) -> None:
    """CI smoke test: ViT-B/16 size at 224x224, random weights, zero-mask and token-drop vs the float64 reference."""
    code = main(["diff", "--model", "vit-b16", "--q", "2", "--lam", "1/2", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["ok"], document
    by_name = {r["name"].rsplit(":", 1)[1]: r for r in document["results"]}
    assert by_name["masks"]["params"]["groups"]["n"] == 196 and by_name["masks"]["params"]["groups"]["input_shape"] == [3, 224, 224]
    assert by_name["probabilities"]["details"]["max_abs_error"] < 1e-4
    assert by_name["certificates"]["cases"] == 4  # (incremental + decremental) x (zero-mask + token-drop)


@pytest.mark.slow
def test_bench_quick_json(capsys) -> None:
    code = main(["bench", "--quick", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code in (0, 3)
    assert {(r["name"], r["model"]) for r in document["results"]} == {(v, m) for v in VARIANTS for m in ("vit-ti16", "vit-b16")}
    assert set(document["speedup"]) == {"vit-ti16", "vit-b16"}
    assert document["ok"] == (code == 0)
