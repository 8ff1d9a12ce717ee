"""Issue 10, item 4: the fast path's guard is checked, not assumed (each test fails on the old guard).

The old guard read the compute dtype from the first parameter, trusted a
probability tolerance fixed per dtype whatever the logits' size, and counted a
NaN output as a vote for class 0. The adversarial models of
:mod:`mus_verify.torch_backend.adversarial_models` defeat each of those: the
fast votes, taken at face value, certify radii larger than the exact ones or
the wrong class; the guarded certificates must equal the exact ones.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
torch = pytest.importorskip("torch")  # the [torch] extra: skipped, not an error, without it

from mus_verify.certificates import certified_radius, top_two
from mus_verify.cli import main
from mus_verify.errors import InvalidArgument
from mus_verify.torch_backend import GroupMap, MuS, ReferencePath, certificate_from, certify
from mus_verify.torch_backend.adversarial_models import BufferWeights, CosineHead, Float64TemperatureFirst, RoundingTrap
from mus_verify.torch_backend.diff import explanation_masks

torch.set_num_threads(1)

CASES = {
    # name: (model, input dtype, autocast, the precision the guard must observe)
    "temperature64": (lambda: Float64TemperatureFirst(0).eval(), torch.float32, None, "float32"),
    "buffer-fp16": (lambda: BufferWeights(0).eval(), torch.float16, None, "float16"),
    "large-logit": (lambda: RoundingTrap(0, offset=98304.0, unit=2.0**-7).eval(), torch.float32, None, "float32"),
    "fp16-autocast": (lambda: RoundingTrap(0, offset=1536.0, unit=1.0).eval(), torch.float32, torch.float16, "float16"),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["vote", "average"])
def test_guarded_certificates_equal_the_exact_ones_where_face_value_over_certifies(name, mode) -> None:
    make, dtype, autocast, precision = CASES[name]
    x = torch.randn(4, 8, generator=torch.Generator().manual_seed(1)).to(dtype)
    mus = MuS(make(), GroupMap(list(range(8))), output="logits", q=16, lam="4/16", mode=mode, seed=0, autocast_dtype=autocast)
    reference = ReferencePath(mus)
    fast = mus.smooth(x)
    assert fast.dtype == precision  # observed, not read from the first parameter (nor a float32 fallback)
    over = 0
    for b, pair in enumerate(certify(mus, x)):
        exact = top_two(reference.smooth(x[b], None, mode=mode).probabilities)
        exact_radius = certified_radius(exact.gap, mus.lam)
        face_value = certificate_from(fast, b, guard=False)
        over += face_value.radius > exact_radius or (face_value.certified and face_value.predicted != exact.predicted)
        guarded = pair.decremental
        assert guarded.radius == exact_radius and guarded.base == "float64"
        assert not guarded.certified or guarded.predicted == exact.predicted
    assert over >= 1  # the fast votes alone are wrong here: the old guard trusted them


def test_old_tolerance_would_have_trusted_the_wrong_votes() -> None:
    """The fast margins exceed the old fixed tolerances (2e-9 for 'float64', 2e-4 for float32) yet vote wrong."""
    x = torch.randn(2, 8, generator=torch.Generator().manual_seed(1))
    for make, old_atol in ((lambda: Float64TemperatureFirst(0).eval(), 1e-9), (lambda: RoundingTrap(0).eval(), 1e-4)):
        mus = MuS(make(), GroupMap(list(range(8))), output="logits", q=16, lam="4/16")
        out, reference = mus.smooth(x, record_copies=True), ReferencePath(mus)
        copies = out.copies[0]
        wrong_but_confident = 0
        for mask, probs, tau in zip(copies["masks"], copies["probabilities"], copies["tolerance"].tolist()):
            exact = reference.copy_probabilities(x[0], mask)
            top = torch.topk(probs, 2).values
            if int(torch.argmax(probs)) != int(exact.argmax()):
                wrong_but_confident += float(top[0] - top[1]) > 2 * old_atol
                assert float(top[0] - top[1]) <= 2 * tau  # the new tolerance calls it undetermined
        assert wrong_but_confident >= 1


def test_nan_output_on_the_all_hidden_copy_is_refused_by_both_paths() -> None:
    mus = MuS(CosineHead(0).eval(), GroupMap(list(range(8))), output="logits", q=16, lam="4/16")
    x = torch.randn(8, generator=torch.Generator().manual_seed(1))
    phi = explanation_masks(8, 1, Fraction(1, 4), 2)[0]
    with pytest.raises(InvalidArgument, match=r"NaN in the output for example 0, copy with effective mask \[0, 0, 0, 0, 0, 0, 0, 0\] \(the all-hidden copy\)"):
        certify(mus, x, phi)
    with pytest.raises(InvalidArgument, match="NaN"):
        ReferencePath(mus).smooth(x, phi)


def test_cli_diff_adversarial_model_exits_0_with_every_certificate_exact(capsys) -> None:
    assert main(["diff", "--model", "adv-large-logit", "--examples", "2", "--threads", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    certificates = next(r for r in document["results"] if r["name"].endswith(":certificates"))
    assert certificates["verdict"] == "VERIFIED"
    assert certificates["details"]["equal_to_reference"] == certificates["cases"]
    assert certificates["details"]["uncorrected_over_certified"] >= 1
    assert main(["diff", "--model", "adv-cosine-nan", "--examples", "1", "--json"]) == 0
    refusal = json.loads(capsys.readouterr().out)["results"][0]
    assert refusal["name"] == "diff:adv-cosine-nan:refusal" and refusal["verdict"] == "VERIFIED" and "NaN" in refusal["message"]


@pytest.mark.parametrize(
    "argv, named",
    [
        (["diff", "--model", "tiny-mlp", "--examples", "0"], "--examples"),
        (["diff", "--model", "tiny-mlp", "--examples", "100000000"], "--examples"),
        (["diff", "--model", "tiny-mlp", "--examples", "1e8"], "--examples"),
        (["diff", "--model", "token-drop", "--q", "0"], "--q"),
        (["diff", "--model", "token-drop", "--lam", "1/3", "--q", "8"], "--q"),
        (["diff", "--model", "token-drop", "--examples", "0"], "--examples"),
        (["diff", "--model", "token-drop", "--dtype", "float16"], "--dtype"),
        (["diff", "--q", "8"], "--q"),
        (["diff", "--model", "adv-large-logit", "--dtype", "bfloat16"], "--dtype"),
        (["diff", "--threads", "0"], "--threads"),
        (["bench", "--device", "bogus"], "--device"),
        (["bench", "--threads", "0"], "--threads"),
    ],
)
def test_cli_usage_errors_exit_2_naming_the_argument(argv, named, capsys) -> None:
    assert main(argv + ["--json"]) == 2
    assert named in json.loads(capsys.readouterr().out)["error"]


def test_bench_rows_are_check_results_and_a_target_not_run_is_not_a_failure() -> None:
    from mus_verify.cli.bench import render
    from mus_verify.torch_backend.bench import _contract_fields, criteria

    def row(name, speed):
        return {"name": name, "model": "vit-ti16", "images_per_s": speed, "peak_mem_mb": 10.0, "images": 2, "q": 64, "lam": "16/64", "groups": 196, "chunk_size": 16, "dtype": "float32", "device": "cpu", "threads": 1, "seconds": 1.0, "cpu_seconds": 1.0}

    rows = [row("naive", 1.0), row("zero-mask", 1.0), row("token-drop", 3.0)]
    check = criteria(rows)
    for r in rows:
        _contract_fields(r, check)
        assert {"name", "verdict", "method", "cases", "params", "counterexample", "margin", "message", "elapsed_s", "details"} <= set(r)
    document = {"ok": False, "targets": "not run", "results": rows, "criteria": check, "machine": {"device": "cpu", "cpu_count": 2, "torch": "x", "load_average_before": None, "load_average_after": None}}
    text = render({**document, "results": [{**r, "ratio_to_naive": 1.0} for r in rows]})
    assert "targets not run" in text and "NOT met" not in text


def test_captum_restores_torch_numpy_and_python_rng_states() -> None:
    pytest.importorskip("captum")
    import random

    import numpy as np

    from mus_verify.torch_backend import captum_attribution
    from mus_verify.torch_backend.models import TinyMLP, init_weights

    model = init_weights(TinyMLP(6, 3), 0)

    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    expected = draw()
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    captum_attribution(model, GroupMap(list(range(6))), torch.randn(6, generator=torch.Generator().manual_seed(0)), 0, method="KernelShap", n_samples=20)
    assert draw() == expected


def test_python_api_bad_inputs_raise_invalid_argument() -> None:
    """Each of these raised a plain AttributeError / IndexError / ValueError (or a MemoryError later) before."""
    from mus_verify.torch_backend import attack, captum_attribution, exact_shapley, top_k
    from mus_verify.torch_backend.tolerances import atol_for, gamma

    model = RoundingTrap(0).eval()
    groups = GroupMap(list(range(8)))
    mus = MuS(model, groups, output="logits", q=4, lam="1/4")
    x = torch.randn(8, generator=torch.Generator().manual_seed(0))
    decremental = certify(mus, x)[0].decremental
    calls = [
        lambda: certify(mus, [0.0] * 8),
        lambda: certify(mus, torch.zeros(8), guard="maybe"),
        lambda: certify("mus", torch.zeros(8)),
        lambda: gamma(-1),
        lambda: atol_for("int8"),
        lambda: MuS(None, groups, output="logits"),
        lambda: MuS(model, groups, output="logits", generator="gen"),
        lambda: MuS(model, groups, output="logits", q=10**12, lam="1/4"),
        lambda: certificate_from(mus.smooth(x), 5),
        lambda: top_k(torch.randn(2, 2, 8), 1),
        lambda: top_k(["a"], 1),
        lambda: exact_shapley(lambda s: torch.zeros(3), 3),
        lambda: attack(mus, x, "certificate"),
        lambda: attack(mus, x, decremental, max_candidates=0),
        lambda: attack(mus, torch.randn(5), decremental),
        lambda: ReferencePath("mus"),
    ]
    try:
        import captum  # noqa: F401

        calls.append(lambda: captum_attribution(model, groups, x, 7, method="FeatureAblation"))
    except ImportError:
        pass
    for call in calls:
        with pytest.raises(InvalidArgument):
            call()


def test_cli_diff_infers_q_from_lam_and_applies_options_to_token_drop(capsys) -> None:
    assert main(["diff", "--model", "tiny-mlp", "--lam", "2/8", "--examples", "1", "--threads", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {r["params"]["q"] for r in document["results"]} == {8} and document["threads"] == 1
    assert main(["diff", "--model", "token-drop", "--lam", "1/4", "--examples", "1", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["params"]["q"] == 4 and result["params"]["lam"] == "1/4" and result["params"]["examples"] == 1
