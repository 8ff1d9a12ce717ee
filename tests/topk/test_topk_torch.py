"""The torch side of top-k stability against the exact reference: R2ET terms, interval certificate, attack, study."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from mus_verify.results import Verdict  # noqa: E402
from mus_verify.topk.torch import certify as cert_module  # noqa: E402
from mus_verify.topk.torch.attack import attack_radius, confirmed_change  # noqa: E402
from mus_verify.topk.torch.certify import certify_topk, interval_saliency  # noqa: E402
from mus_verify.topk.torch.mlp import SoftplusMLP, saliency  # noqa: E402
from mus_verify.topk.torch.r2et import gap_penalty, hessian_estimate, official_pairs  # noqa: E402

A = [[2, 1, 0, -1], [1, -3, 1, 0], [0, 1, 1, 2], [-1, 0, 2, 4]]
B = [1, Fraction(-1, 2), 0, Fraction(3, 2)]


def _exact_gradient(x):
    return [sum(Fraction(a) * xv for a, xv in zip(row, x)) + b for row, b in zip(A, B)]


def test_official_pair_list():
    assert official_pairs(3, 6) == [(0, 2), (1, 2), (2, 3), (2, 4), (2, 5)]
    with pytest.raises(ValueError, match="2k"):
        official_pairs(4, 7)


def test_gap_penalty_and_hessian_estimate_match_the_exact_quadratic():
    """f = ½xᵀAx + bᵀx: saliency |Ax + b|; the code's est_norm is ‖A sign(g)‖₂ / d exactly (f is quadratic)."""
    x = [Fraction(1, 2), Fraction(-1), Fraction(1, 4), Fraction(1, 3)]
    g = _exact_gradient(x)
    sal = [abs(v) for v in g]
    order = sorted(range(4), key=lambda i: -sal[i])
    pairs = official_pairs(2, 4)
    exact_gap = sum(sal[order[b]] - sal[order[a]] for a, b in pairs)
    At = torch.tensor([[float(v) for v in row] for row in A], dtype=torch.float64)
    bt = torch.tensor([float(v) for v in B], dtype=torch.float64)
    xt = torch.tensor([[float(v) for v in x]], dtype=torch.float64)
    grad_fn = lambda z: z @ At.T + bt  # noqa: E731  (∇f; A is symmetric)
    grad = grad_fn(xt)
    assert gap_penalty(grad.abs(), pairs).item() == pytest.approx(float(exact_gap), abs=1e-12)
    signs = [1 if v > 0 else -1 for v in g]
    exact_hess = sum(sum(Fraction(a) * s for a, s in zip(row, signs)) ** 2 for row in A) ** 0.5 / 4
    assert hessian_estimate(grad_fn, xt, grad).item() == pytest.approx(float(exact_hess), rel=1e-9)


def _model(seed: int, inputs: int = 6, hidden: int = 5) -> SoftplusMLP:
    torch.manual_seed(seed)
    return SoftplusMLP(inputs, hidden, 2).double()


def test_interval_saliency_encloses_autograd():
    model = _model(0)
    x = torch.randn(6, dtype=torch.float64)
    boxes = interval_saliency(model, x, 1)
    values = saliency(model, x.view(1, -1), 1)[0]
    assert all(float(b.a) <= float(v) <= float(b.b) for b, v in zip(boxes, values))


def test_certified_radius_survives_sampled_perturbations_and_stays_below_the_attack():
    generator = torch.Generator().manual_seed(1)
    for seed in range(3):
        model = _model(seed)
        x = torch.randn(6, dtype=torch.float64, generator=generator)
        c = certify_topk(model, x, 2, 0)
        assert c.radius > 0
        deltas = (torch.rand(300, 6, dtype=torch.float64, generator=generator) * 2 - 1).sign() * c.radius * 0.999
        sal = saliency(model, x + deltas, 0)
        tops = {tuple(sorted(row.argsort(descending=True)[:2].tolist())) for row in sal}
        assert tops == {c.top}
        found, _ = attack_radius(model, x, 2, 0, [0.1 * i for i in range(1, 25)], c.top, steps=20)
        assert found is None or c.radius <= found


def test_confirmed_change_is_rigorous_not_a_float_guess():
    model = _model(3)
    x = torch.randn(6, dtype=torch.float64)
    c = certify_topk(model, x, 2, 1)
    assert not confirmed_change(model, x, torch.zeros(6, dtype=torch.float64), c.top, 1)


def test_study_runs_holds_and_refutes_a_planted_inflated_certificate(tmp_path: Path, monkeypatch):
    from mus_verify.topk import study

    result, document = study.run_study("wine", tmp_path / "ok", max_points=1, steps=10, show_progress=False)
    assert result.verdict is Verdict.NO_COUNTEREXAMPLE and document["unsound"] == 0
    assert (tmp_path / "ok" / "topk-stability.png").exists() and (tmp_path / "ok" / "summary.md").exists()
    real = cert_module.certify_topk

    def inflated(*args, **kwargs):
        c = real(*args, **kwargs)
        return cert_module.IntervalCertificate(c.top, c.radius * 1000 + 10, c.binding_pair, c.gap_lower)

    monkeypatch.setattr("mus_verify.topk.torch.certify.certify_topk", inflated)
    planted, _ = study.run_study("wine", tmp_path / "bad", max_points=1, steps=10, show_progress=False)
    assert planted.verdict is Verdict.REFUTED
    assert planted.counterexample.data["certified"] > planted.counterexample.data["attack"]
