"""One seed convention: seed s names the same seed vector in `check`, the variants' exact evaluation and `MuS(seed=s)`."""

import json

import pytest

from mus_verify.checks import CheckConfig, run_check
from mus_verify.cli import main
from mus_verify.distributions import lqv, random_seed_vector, seed_vector

N, Q = 6, 8


def test_the_convention_is_pinned():
    # numpy.random.default_rng(seed).integers(0, q, size=n): changing it silently renames every recorded run
    assert seed_vector(4, 8, 0) == (6, 5, 4, 2)
    assert seed_vector(N, Q, 3) == seed_vector(N, Q, 3) != seed_vector(N, Q, 4)
    assert random_seed_vector is seed_vector  # the former name


@pytest.mark.parametrize("seed", [0, 7])
def test_check_uses_it(capsys, seed):
    code = main(["check", "marginals", "--n", str(N), "--q", str(Q), "--lam", "2/8", "--seed", str(seed), "--json"])
    params = json.loads(capsys.readouterr().out)["results"][0]["params"]
    assert code == 0 and tuple(params["seed_vector"]) == seed_vector(N, Q, seed)


def test_a_compiled_variant_uses_it():
    result = run_check("lipschitz", CheckConfig(n=N, q=Q, lam="2/8", seed=5, variant="examples/user_variant.py:VARIANT", classifiers="tables"))
    assert tuple(result.params["seed_vector"]) == seed_vector(N, Q, 5)


@pytest.mark.requires_torch
def test_the_torch_smoother_uses_it():
    torch = pytest.importorskip("torch")
    from mus_verify.torch_backend import GroupMap, MuS, draw_seed_vector, lqv_mask_tensor

    assert draw_seed_vector(N, Q, seed=0) == seed_vector(N, Q, 0)
    mus = MuS(torch.nn.Linear(N, 2), GroupMap(list(range(N))), output="logits", q=Q, lam="2/8", seed=0)
    assert tuple(mus.seed_vector) == seed_vector(N, Q, 0)
    assert lqv_mask_tensor(mus.seed_vector, Q, 2).tolist() == lqv(seed_vector(N, Q, 0), Q, "2/8").masks.tolist()
