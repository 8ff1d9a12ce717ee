"""The severity model (issue 10, item 2): every property has exactly one class."""

from mus_verify.gate import PROPERTIES
from mus_verify.gate.properties import CONFORMANCE, GUARANTEE, HYGIENE, SEVERITY, SEVERITY_REASONS


def test_every_property_has_exactly_one_class():
    assert set(SEVERITY) == set(PROPERTIES)
    assert set(SEVERITY.values()) <= {GUARANTEE, CONFORMANCE, HYGIENE}
    assert set(SEVERITY_REASONS) == {GUARANTEE, CONFORMANCE, HYGIENE}


def test_classes_follow_the_issue():
    for name in ("keep_rates", "lipschitz", "masking_equivalence", "certificate", "determinism",
                 "batch_consistency", "thread_consistency", "inputs_unchanged"):
        assert SEVERITY[name] == GUARANTEE, name
    assert SEVERITY["conformance"] == SEVERITY["seed_use"] == CONFORMANCE
    for name in ("alpha_validation", "rng_isolation", "unmasked_probes"):
        assert SEVERITY[name] == HYGIENE, name
