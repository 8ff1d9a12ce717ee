"""Sharded checks merged back equal the one-process run (in-process executor: no Ray needed).

The merge (mus_verify.checks._sharding) is what makes a Ray run give the local answer; here it is
tested on every path: proofs, histograms, first counterexamples in a later distribution, tie claims,
VACUOUS, the whole-check fallback, and the executor's ordered early stop.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import without_timings

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks._sharding import plan_check, run_sharded
from mus_verify.cli import main
from mus_verify.distributions import lqv
from mus_verify.errors import InvalidArgument
from mus_verify.exhaustive.planted import off_by_half_lqv
from mus_verify.parallel import run_shards
from mus_verify.results import Verdict, replay

GOOD = [lqv([0, 1, 2, 3, 0, 1], 4, "1/4"), lqv([3, 1, 2, 0, 0, 1], 4, "1/4")]
PLANTED = [*GOOD, off_by_half_lqv([0, 1, 2, 3, 1, 1], 4, "1/4"), lqv([1, 1, 2, 3, 0, 1], 4, "1/4")]

CASES = [
    ("lipschitz", CheckConfig(n=10), Verdict.PROVED),
    ("incremental-stability", CheckConfig(n=10), Verdict.VERIFIED),
    ("decremental-stability", CheckConfig(n=9), Verdict.VERIFIED),
    ("incremental-stability", CheckConfig(n=9, extra={"radius_rule": "ceil"}), Verdict.REFUTED),
    ("decremental-stability", CheckConfig(n=9, extra={"radius_rule": "floor"}), Verdict.REFUTED),
    ("lipschitz", CheckConfig(n=3, q=3, lam="1/3", all_seed_vectors=True), Verdict.PROVED),  # 27: whole-distribution pieces
    ("lipschitz", CheckConfig(n=2, q=2, lam="1/2", all_seed_vectors=True), Verdict.PROVED),  # 4 distributions: finer pieces
    ("decremental-stability", CheckConfig(n=2, q=4, lam="1/4", all_seed_vectors=True, extra={"radius_rule": "floor"}), None),
    ("incremental-stability", CheckConfig(n=3, q=4, lam="1/4", all_seed_vectors=True, extra={"radius_rule": "ceil"}), Verdict.REFUTED),
    # the planted distribution is the third of four: the first two still count, the fourth never runs
    ("lipschitz", CheckConfig(extra={"distributions": PLANTED, "lam": "1/4"}), Verdict.REFUTED),
    ("incremental-stability", CheckConfig(extra={"distributions": PLANTED, "lam": "1/4", "radius_rule": "ceil"}), Verdict.REFUTED),
    ("lipschitz", CheckConfig(extra={"distributions": GOOD, "lam": "1/4"}), Verdict.PROVED),
    ("lipschitz", CheckConfig(n=6, variant="additive"), Verdict.REFUTED),  # a planted variant: not the closed form
    ("incremental-stability", CheckConfig(n=6, variant="additive"), Verdict.REFUTED),
    ("incremental-stability", CheckConfig(n=6, lam="60/64"), None),  # λ near 1: no radius >= 1 at all
    ("marginals", CheckConfig(n=6), Verdict.VERIFIED),  # not sharded: runs whole, as one shard
]


@pytest.mark.parametrize("name, config, verdict", CASES, ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)])
def test_sharded_equals_one_process(name, config, verdict):
    local = run_check(name, config)
    sharded = run_sharded(name, config, engine="local")
    if verdict is not None:
        assert local.verdict is verdict
    assert sharded.details["engine"] == "local" and sharded.details["shards"] == plan_check(name, config).size
    assert without_timings(sharded) == without_timings(local)
    if local.counterexample is not None:
        assert replay(sharded.counterexample) is True


def test_the_reported_counterexample_is_the_first_in_order():
    sharded = run_sharded("lipschitz", CheckConfig(extra={"distributions": PLANTED, "lam": "1/4"}))
    assert sharded.counterexample.data["distribution"]["name"] == "lqv-off-by-half"
    # the TV scans of both inputs of the two sound distributions were counted before it
    assert sharded.cases == 2 * 2 * 6 * 2**5 + 6 * 2**5


def test_ordered_early_stop_cancels_only_later_shards():
    calls = []

    def square(x):
        calls.append(x)
        return x * x

    assert run_shards(square, [(1,), (2,), (3,), (4,)], stop_after_first_failure=lambda r: r >= 4) == [1, 4, None, None]
    assert calls == [1, 2]
    assert run_shards(square, []) == []


@pytest.mark.parametrize("kwargs, argument", [
    ({"engine": "spark"}, "--engine"),
    ({"engine": "local", "workers": 2}, "--workers"),
    ({"engine": "ray", "workers": 0}, "--workers"),
    ({"engine": "ray", "workers": 2, "address": "auto"}, "--workers"),
    ({"engine": "local", "address": "auto"}, "--address"),
])
def test_bad_engine_options_name_the_option(kwargs, argument):
    with pytest.raises(InvalidArgument, match=argument):
        run_shards(abs, [(1,)], **kwargs)


def test_cli_refuses_workers_without_ray(capsys):
    assert main(["check", "lipschitz", "--n", "4", "--workers", "2", "--json"]) == 2
    assert "--workers" in capsys.readouterr().out


def test_import_and_help_never_import_ray():
    code = (
        "import sys, mus_verify, mus_verify.parallel, mus_verify.checks._sharding\n"
        "from mus_verify.cli import build_parser\n"
        "build_parser().format_help()\n"
        "from mus_verify.cli import main\n"
        "main(['check', 'lipschitz', '--n', '4', '--json'])\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_without_ray_engine_ray_exits_2_with_the_install_hint():
    # a None entry in sys.modules makes `import ray` raise ImportError, as on a machine without Ray
    code = "import sys; sys.modules['ray'] = None\nfrom mus_verify.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    run = subprocess.run([sys.executable, "-c", code, "check", "lipschitz", "--n", "4", "--engine", "ray", "--workers", "2", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    hint = 'pip install "mus-verify[ray]"'
    assert hint in json.loads(run.stdout)["error"] and hint in run.stderr
