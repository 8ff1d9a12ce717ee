"""Guarded certificates, the dataset API, explanations, stability and the same-classifier attack."""

from __future__ import annotations

from fractions import Fraction

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.certificates import certified_radius
from mus_verify.errors import InvalidArgument
from mus_verify.torch_backend import (
    GroupMap,
    MuS,
    PatchGrid,
    accumulation_bound,
    attack,
    captum_attribution,
    certificate_from,
    certify,
    certify_dataset,
    exact_shapley,
    stability,
    top_k,
)
from mus_verify.torch_backend.explain import base_value_function
from mus_verify.torch_backend.models import build_model
from mus_verify.torch_backend.smoother import SmoothedOutput


def _output(mode: str, counts=None, uncertain=None, sums=None, q: int = 8, lam: str = "1/8") -> SmoothedOutput:
    tensor = lambda v, dtype: None if v is None else torch.tensor([v], dtype=dtype)  # noqa: E731
    return SmoothedOutput(torch.zeros(1, 3, dtype=torch.float64), tensor(counts, torch.int64), tensor(uncertain, torch.int64), tensor(sums, torch.float64), torch.ones(1, 4, dtype=torch.bool), q, Fraction(lam), (0, 1, 2, 3), 0, mode, "zero", "float32", 1e-4, q)


def test_vote_certificates_are_exact_and_guarded() -> None:
    plain = certificate_from(_output("vote", [6, 2, 0], [0, 0, 0]))
    assert plain.gap == Fraction(1, 2) and plain.radius == certified_radius(Fraction(1, 2), Fraction(1, 8)) == 1
    guarded = certificate_from(_output("vote", [6, 2, 0], [1, 1, 0]))
    # worst case: one uncertain vote leaves class 0, one joins class 1: (6 - 1) - (2 + 1) = 2 of 8
    assert guarded.gap_lower == Fraction(2, 8) and guarded.radius == 0 and guarded.uncertain_votes == 2
    assert certificate_from(_output("vote", [6, 2, 0], [1, 1, 0]), guard=False).radius == 1
    tie = certificate_from(_output("vote", [4, 4, 0], [0, 0, 0]))
    assert tie.predicted == 0 and tie.radius == -1 and not tie.certified


def test_average_certificates_subtract_a_rigorous_float_bound() -> None:
    sums = [5.5, 2.0, 0.5]
    cert = certificate_from(_output("average", sums=sums), guard=False)
    # q + 1 terms: the q products w·p of float64 probabilities are rounded too (γ_q, not γ_{q-1})
    bound = (accumulation_bound(5.5, 9) + accumulation_bound(2.0, 9)) / 8
    assert cert.error_bound == bound and 0 < bound < Fraction(1, 2**48)
    assert cert.gap_lower == Fraction(7, 16) - bound  # 3.5/8 minus the bound, exactly
    assert cert.radius == 1  # ⌈(7/16 − ε)/(1/4)⌉ − 1 = 1
    exact_boundary = certificate_from(_output("average", sums=[6.0, 2.0, 0.0]), guard=False)
    # gap exactly 1/2 = 4λ would give radius 1 under the strict rule; the float margin lowers it to 1 still
    assert exact_boundary.radius == certified_radius(Fraction(1, 2) - exact_boundary.error_bound, Fraction(1, 8))
    guarded = certificate_from(_output("average", sums=sums))
    assert guarded.gap_lower == Fraction(7, 16) - bound - 2 * Fraction(1e-4)


@pytest.fixture(scope="module")
def micro():
    model, spec = build_model("vit-micro", seed=0)
    x = torch.randn((2,) + spec.input_shape, generator=torch.Generator().manual_seed(5))
    return model, spec.groups(), x


def test_certify_and_dataset_api(micro) -> None:
    model, groups, x = micro
    mus = MuS(model, groups, output="logits", q=16, lam="2/16")
    phi = top_k(torch.arange(16.0), 4)
    pairs = certify(mus, x, phi)
    assert len(pairs) == 2 and all(p.incremental.kind == "incremental" and p.decremental.kind == "decremental" for p in pairs)
    data = [(x[:1], torch.tensor([0])), (x[1:], torch.tensor([1]))]
    again = certify_dataset(mus, data, explain=lambda batch: phi.expand(batch.shape[0], -1), progress=False)
    assert [p.to_json() for p in again] == [p.to_json() for p in pairs]
    assert again[0].decremental.seed_vector == mus.seed_vector


def test_top_k_and_exact_shapley() -> None:
    assert top_k([0.5, 2.0, 2.0, -1.0], 2).tolist() == [False, True, True, False]
    assert top_k([1.0, 1.0, 1.0], 2).tolist() == [True, True, False]  # ties to the lower index
    with pytest.raises(InvalidArgument):
        top_k([1.0, 2.0], 3)
    weights = torch.tensor([0.5, -1.0, 2.0, 0.25])
    phi = exact_shapley(lambda s: (s.double() * weights).sum(dim=1) + 3 * (s[:, 0] & s[:, 2]).double(), 4)
    assert torch.allclose(phi, torch.tensor([2.0, -1.0, 3.5, 0.25], dtype=torch.float64))


def test_shapley_of_the_base_model_is_efficient(micro) -> None:
    model, _, x = micro
    small = PatchGrid(32, 16)  # 4 groups: exact Shapley over 16 coalitions
    value = base_value_function(model, small, x[0], target=0)
    phi = exact_shapley(value, 4)
    full, empty = value(torch.ones(1, 4, dtype=torch.bool)), value(torch.zeros(1, 4, dtype=torch.bool))
    assert torch.allclose(phi.sum(), (full - empty)[0], atol=1e-9)  # efficiency axiom


def test_captum_attribution_for_many_groups(micro) -> None:
    pytest.importorskip("captum")  # in the [test] extra
    model, groups, x = micro
    torch.manual_seed(0)
    state = torch.random.get_rng_state().clone()
    scores = captum_attribution(model, groups, x[0], target=1, method="FeatureAblation")
    assert scores.shape == (16,) and torch.isfinite(scores).all()
    kernel = captum_attribution(model, groups, x[0], target=1, method="KernelShap", n_samples=40)
    assert kernel.shape == (16,) and torch.equal(torch.random.get_rng_state(), state)


def test_stability_report(micro) -> None:
    model, groups, x = micro
    mus = MuS(model, groups, output="logits", q=16, lam="1/16")
    reports = stability(mus, x, top_k(torch.arange(16.0), 8))
    for r in reports:
        assert r.consistent == (r.incremental.predicted == r.decremental.predicted and r.incremental.certified and r.decremental.certified)
        assert r.stable == (r.consistent and r.incremental.radius + r.decremental.radius + 1 >= 8)


class Fragile(torch.nn.Module):
    """Class 1 iff features 2 and 3 are both visible, else class 0."""

    def forward(self, x):
        visible = (x[:, 2] != 0) & (x[:, 3] != 0)
        return torch.stack([(~visible).double(), visible.double()], dim=1) * 10


def test_attack_upper_bounds_the_certified_radius() -> None:
    mus = MuS(Fragile().eval(), GroupMap(list(range(6))), output="logits", q=4, lam="2/4", mode="vote", seed=1)
    x = torch.ones(6, dtype=torch.float64)
    phi = torch.tensor([1, 1, 0, 0, 0, 0], dtype=torch.bool)
    cert = certify(mus, x, phi)[0].incremental
    result = attack(mus, x, cert, phi)
    assert result.found and result.upper_bound is not None
    assert result.upper_bound >= cert.radius and result.consistent_with_certificate
    assert result.beta is not None and result.beta[2] == 1 and result.beta[3] == 1


def test_attack_refuses_another_smoothed_classifier() -> None:
    """The research code attacks averaging at q = 16 after certifying voting at q = 64; that bounds nothing."""
    base = Fragile().eval()
    certified = MuS(base, GroupMap(list(range(6))), output="logits", q=8, lam="2/8", mode="vote", seed=1)
    x = torch.ones(6, dtype=torch.float64)
    cert = certify(certified, x)[0].decremental
    for other in (
        MuS(base, GroupMap(list(range(6))), output="logits", q=8, lam="2/8", mode="average", seed=1),
        MuS(base, GroupMap(list(range(6))), output="logits", q=8, lam="2/8", mode="vote", seed=2),
        MuS(base, GroupMap(list(range(6))), output="logits", q=4, lam="1/4", mode="vote", seed=1),
    ):
        with pytest.raises(InvalidArgument, match="another classifier"):
            attack(other, x, cert)
