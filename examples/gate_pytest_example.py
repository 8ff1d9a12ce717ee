"""Gating MuS code from your own pytest suite with the mus_verify plugin.

    python -m pytest examples/gate_pytest_example.py -q
    python -m pytest examples/gate_pytest_example.py -q --mus-gate-profile=thorough
    python -m pytest examples/gate_pytest_example.py -q --hypothesis-profile=mus-ci

The plugin is installed with mus-verify (entry point ``pytest11``); the
``mus_gate`` fixture fails a test with the gate's counterexamples. The
strategies in ``mus_verify.strategies`` drive your own property tests.
Targets are named by absolute paths built from this file's location, so the
tests pass from any working directory; ``--mus-gate-profile`` on the command
line overrides the profile the tests pin.
"""

import pathlib

import pytest
import torch
from hypothesis import given

from mus_verify import lqv, smooth
from mus_verify.strategies import inputs, lambdas, masks, seed_vectors, truth_table_classifiers

from mus_verify.gate import load_target

HERE = pathlib.Path(__file__).resolve().parent
factory = load_target(f"{HERE / 'gate_correct.py'}:factory")  # your implementation


@pytest.mark.mus_gate(profile="quick")
def test_my_mus_keeps_every_guarantee(mus_gate):
    report = mus_gate(factory)
    assert report.result("certificate").holds


@pytest.mark.mus_gate(profile="quick", strict=True)
def test_my_mus_is_the_reference_lqv(mus_gate):
    mus_gate(f"{HERE / 'gate_module.py'}:MuSModule")


def test_the_buggy_radius_is_caught(mus_gate):
    report = mus_gate.report(f"{HERE / 'gate_buggy.py'}:factory", profile="quick")
    assert not report.ok and [r.name for r in report.refuted] == ["certificate"]


@given(data=truth_table_classifiers(3, 2), x=inputs(3), alpha=masks(3, min_ones=1), seed=seed_vectors(3, 6), lam=lambdas(6, max_value="1/2"))
def test_my_mus_matches_the_exact_reference(data, x, alpha, seed, lam):
    """Your own property test: the implementation against mus_verify's exact reference."""
    smoothed = factory(lambda z: torch.from_numpy(data(z.numpy())), q=6, lam=lam, seed=seed)
    got = smoothed(torch.from_numpy(x[None, :]), torch.from_numpy(alpha[None, :].astype(float)))[0]
    expected = smooth(data, x, alpha, lqv(seed, 6, lam))
    assert all(abs(float(g) - float(e)) < 1e-12 for g, e in zip(got, expected))
