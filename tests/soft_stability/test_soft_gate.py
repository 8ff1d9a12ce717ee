"""The SCA gate: the correct example passes, the j-uniform one is refuted with a replaying counterexample."""

from pathlib import Path

import pytest

import mus_verify.checks  # noqa: F401
from mus_verify._loading import load_attribute
from mus_verify.results import Verdict
from mus_verify.soft_stability.gate import gate_certifier

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name, bad", [("sca_correct", False), ("sca_buggy", True)])
def test_examples(name, bad):
    certifier = load_attribute(f"{EXAMPLES / (name + '.py')}:certifier", argument="TARGET")
    results = gate_certifier(certifier, seeds=12)
    refuted = [r for r in results if r.verdict is Verdict.REFUTED]
    assert bool(refuted) == bad
    for r in refuted:
        assert r.counterexample.replay()
    if bad:
        assert "sca-sampler-law" in {r.name for r in refuted}


def test_global_rng_and_short_n_refuted():
    import numpy as np

    def sloppy(classifier, x, alpha, r, eps, delta, seed):
        np.random.seed(seed)  # touches the global RNG
        masks = np.tile(np.asarray(alpha, bool), (10, 1))  # and far too few samples
        return float(np.mean(np.argmax(classifier(np.where(masks, x, 0.0)), axis=1) == 0))

    results = {r.name: r for r in gate_certifier(sloppy, properties=("sca-sample-size", "sca-rng-isolation"))}
    assert results["sca-sample-size"].verdict is Verdict.REFUTED and results["sca-sample-size"].counterexample.replay()
    assert results["sca-rng-isolation"].verdict is Verdict.REFUTED and results["sca-rng-isolation"].counterexample.replay()
