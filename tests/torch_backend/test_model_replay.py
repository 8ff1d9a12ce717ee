"""Replaying torch-cascade-vote-mismatch and torch-refusal-mismatch (mus_verify.torch_backend.model_replay): from the numbers, on the model named again, never from the data."""

from __future__ import annotations

import json
import textwrap

import pytest

torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it
from torch import nn

from mus_verify._loading import load_attribute
from mus_verify.cli import main
from mus_verify.replaying import ReplayStatus
from mus_verify.results import Counterexample, Verdict
from mus_verify.torch_backend import GroupMap, MuS
from mus_verify.torch_backend import cascade as cascade_module
from mus_verify.torch_backend.cascade import full_recheck
from mus_verify.torch_backend.diff_models import diff_refusal
from mus_verify.torch_backend.model_replay import recorded_inputs

NEAR_TIE_SOURCE = '''
import torch
from torch import nn


class NearTie(nn.Module):
    """Logits v·x and (v + 1e-3·r)·x: float32 resolves their order, bf16 often does not."""

    def __init__(self, d: int = 8) -> None:
        super().__init__()
        self.linear = nn.Linear(d, 2, bias=False)
        generator = torch.Generator().manual_seed(0)
        v = torch.randn(d, generator=generator)
        with torch.no_grad():
            self.linear.weight[1] = v
            self.linear.weight[0] = v + 1e-3 * torch.randn(d, generator=generator)

    def forward(self, x):
        return self.linear(x)
'''


def _near_tie(tmp_path):
    path = tmp_path / "near_tie.py"
    path.write_text(textwrap.dedent(NEAR_TIE_SOURCE))
    spec = f"{path}:NearTie"
    return load_attribute(spec, argument="model")().eval(), spec  # the same class the replay loads when named by file


def _through_json(counterexample: Counterexample) -> Counterexample:
    return Counterexample.from_json(json.loads(json.dumps(counterexample.to_json())))


def _cascade_counterexample(monkeypatch, model):
    """The planted bug of test_cascade (threshold 0): bf16 decides near-ties; the full re-check finds a flipped vote."""
    monkeypatch.setattr(cascade_module, "cascade_threshold", lambda scale, output, dtype: torch.zeros_like(scale, dtype=torch.float64))
    groups = GroupMap(list(range(8)))
    mus = MuS(model, groups, output="logits", q=64, lam="32/64", cascade="bfloat16")
    x = torch.randn(6, 8, generator=torch.Generator().manual_seed(0))
    report = full_recheck(mus, x)
    assert report["mismatches"] > 0
    data = {**report["first_mismatch"], "model": "near-tie", "masking": "zero", "cascade": "bfloat16", **recorded_inputs(groups, x)}
    return Counterexample("torch-cascade-vote-mismatch", "planted", data)


def test_cascade_vote_mismatch_replays_from_numbers_and_on_the_named_model(monkeypatch, tmp_path) -> None:
    model, spec = _near_tie(tmp_path)
    cx = _through_json(_cascade_counterexample(monkeypatch, model))
    assert cx.replayer == "mus_verify.torch_backend.model_replay:replay_cascade_vote"
    # under the planted bug: the numbers, the live module and the module named by file all show the flip
    assert cx.replay_outcome().status is ReplayStatus.REPRODUCED
    assert cx.replay_outcome(model=model).status is ReplayStatus.REPRODUCED
    assert cx.replay_outcome(model=spec).status is ReplayStatus.REPRODUCED
    # tampered rows: equal votes are no mismatch
    tampered = Counterexample.from_json({**cx.to_json(), "data": {**cx.data, "reference_probabilities": cx.data["low_probabilities"]}})
    assert tampered.replay_outcome().status is ReplayStatus.NOT_REPRODUCED
    # the bug fixed (the documented threshold back): the copy would be sent back to float32, so nothing reproduces
    monkeypatch.undo()
    fixed = cx.replay_outcome()
    assert fixed.status is ReplayStatus.NOT_REPRODUCED and "<= threshold" in fixed.reason
    assert cx.replay_outcome(model=model).status is ReplayStatus.NOT_REPRODUCED
    # an older document without the rows: not replayed, and it says what it needs
    bare = Counterexample.from_json({**cx.to_json(), "data": {k: v for k, v in cx.data.items() if k not in ("low_probabilities", "reference_probabilities", "scale")}})
    outcome = bare.replay_outcome()
    assert outcome.status is ReplayStatus.NOT_REPLAYED and outcome.needs == ("model",)


DECISIVE_SOURCE = '''
import torch
from torch import nn


class Decisive(nn.Module):
    """Large, well-separated logits (no copy is uncertain, so the fast path never consults float64)."""

    def __init__(self, nan_in_float64: bool = False) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.nan_in_float64 = nan_in_float64
        with torch.no_grad():  # margins ~30; values not exactly representable in bf16 (else the copy is judged as bf16)
            self.linear.weight.copy_(0.1 * torch.randn(3, 4, generator=torch.Generator().manual_seed(0)))
            self.linear.bias.copy_(torch.tensor([30.123457, 0.3141593, -29.876543]))
        self.eval()

    def forward(self, x):
        out = self.linear(x)
        if self.nan_in_float64 and x.dtype == torch.float64:  # planted: NaN only where the reference computes
            out = out * float("nan")
        return out


def planted():
    return Decisive(nan_in_float64=True)
'''


def _decisive(tmp_path):
    path = tmp_path / "decisive.py"
    path.write_text(DECISIVE_SOURCE)
    return load_attribute(f"{path}:Decisive", argument="model"), f"{path}:planted"


def _refusal_result(model: nn.Module):
    groups = GroupMap(list(range(4)))

    def factory(*, mode, masking, chunk_size, device):
        return MuS(model, groups, output="logits", q=8, lam="2/8", mode=mode, masking=masking, chunk_size=chunk_size)

    inputs = torch.randn(2, 4, generator=torch.Generator().manual_seed(1))
    explanations = torch.tensor([[1, 1, 0, 0], [0, 1, 1, 0]], dtype=torch.bool)
    return diff_refusal(factory, inputs, explanations, label="planted-nan64")


def test_refusal_mismatch_needs_the_model_and_replays_on_it(tmp_path, capsys) -> None:
    decisive, planted_spec = _decisive(tmp_path)
    planted = decisive(nan_in_float64=True)
    result = _refusal_result(planted)
    assert result.verdict is Verdict.REFUTED and result.counterexample.kind == "torch-refusal-mismatch"
    assert result.counterexample.data["reference_refusal"] and result.counterexample.data["fast_refusal"] is None
    cx = _through_json(result.counterexample)
    outcome = cx.replay_outcome()
    assert outcome.status is ReplayStatus.NOT_REPLAYED and outcome.needs == ("model",)
    assert cx.replay_outcome(model=planted).status is ReplayStatus.REPRODUCED
    assert cx.replay_outcome(model=planted_spec).status is ReplayStatus.REPRODUCED  # a factory named by file, called here
    fixed = cx.replay_outcome(model=decisive(nan_in_float64=False))
    assert fixed.status is ReplayStatus.NOT_REPRODUCED and "accepts" in fixed.reason
    # the CLI: without the model the file is "not replayed" (exit 3), nothing in it is run; --model names it again
    path = tmp_path / "refusal.json"
    path.write_text(json.dumps({"results": [result.to_json()]}))
    assert main(["replay", str(path), "--json"]) == 3
    capsys.readouterr()
    assert main(["replay", str(path), "--model", planted_spec, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["results"][0]["verdict"] == "REFUTED"


def test_refusal_check_agrees_on_a_model_both_paths_accept(tmp_path) -> None:
    """No false alarm: a finite model is accepted by both paths (VACUOUS: nothing refused, nothing checked)."""
    decisive, _ = _decisive(tmp_path)
    result = _refusal_result(decisive())
    assert result.verdict is Verdict.VACUOUS and result.counterexample is None
