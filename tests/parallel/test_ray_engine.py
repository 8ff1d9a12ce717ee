"""``--engine ray`` on one local 2-CPU Ray (module-scoped): the same JSON as one process, a killed
worker changes nothing, and no Ray process outlives the module (checked in the ray_cluster fixture)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import without_timings

from mus_verify.checks import CheckConfig, run_check
from mus_verify.checks._sharding import run_sharded
from mus_verify.distributions import lqv
from mus_verify.exhaustive.planted import off_by_half_lqv
from mus_verify.parallel import run_shards
from mus_verify.results import Verdict, replay

pytest.importorskip("ray")


def _cli_json(cli, argv):
    run = cli(*argv)
    return run.code, run.json()


@pytest.mark.parametrize("argv, verdict", [
    (["check", "lipschitz", "--n", "12"], "PROVED"),
    (["check", "incremental-stability", "--n", "12"], "VERIFIED"),
    # a planted bug: additive noise is not λ-Lipschitz, and its certificates fail
    (["check", "lipschitz", "--n", "8", "--variant", "additive"], "REFUTED"),
    (["check", "incremental-stability", "--n", "8", "--variant", "additive"], "REFUTED"),
])
def test_cli_json_is_the_same_on_ray(ray_cluster, cli, argv, verdict):
    local_code, local = _cli_json(cli, [*argv, "--json"])
    ray_code, sharded = _cli_json(cli, [*argv, "--engine", "ray", "--workers", "2", "--json"])
    assert ray_code == local_code == (1 if verdict == "REFUTED" else 0)
    (a,), (b,) = local["results"], sharded["results"]
    assert a["verdict"] == verdict
    assert b["details"]["engine"] == "ray" and b["details"]["shards"] > 1
    assert without_timings(b) == without_timings(a)
    assert {k: v for k, v in sharded.items() if k != "results"} == {k: v for k, v in local.items() if k != "results"}
    if verdict == "REFUTED":
        assert b["counterexample"] == a["counterexample"] is not None


def test_planted_refutation_in_a_later_shard_is_the_local_one(ray_cluster):
    planted = [lqv([0, 1, 2, 3, 0, 1], 4, "1/4"), lqv([3, 1, 2, 0, 0, 1], 4, "1/4"), off_by_half_lqv([0, 1, 2, 3, 1, 1], 4, "1/4"),
               lqv([1, 1, 2, 3, 0, 1], 4, "1/4")]
    for name, extra in (("lipschitz", {}), ("incremental-stability", {"radius_rule": "ceil"})):
        config = CheckConfig(extra={"distributions": planted, "lam": "1/4", **extra})
        local, sharded = run_check(name, config), run_sharded(name, config, engine="ray")
        assert local.verdict is sharded.verdict is Verdict.REFUTED
        assert without_timings(sharded) == without_timings(local)
        assert replay(sharded.counterexample) is True


def test_a_failure_cancels_later_shards_only(ray_cluster):
    def shard(k):  # defined here, so Ray ships it by value
        time.sleep(1.0 if k == 0 else 0.2)
        return k

    # shard 2 "fails" first (shard 0 is still sleeping): 0 and 1 still finish, 3.. are cancelled
    assert run_shards(shard, [(k,) for k in range(8)], engine="ray", stop_after_first_failure=lambda k: k in (2, 5)) == [0, 1, 2, *[None] * 5]


def test_shard_errors_surface_as_they_were_raised(ray_cluster):
    def shard(k):
        if k == 1:
            raise ValueError("shard one")
        return k

    with pytest.raises(ValueError, match="shard one"):
        run_shards(shard, [(0,), (1,)], engine="ray")


def test_a_killed_worker_does_not_change_the_result(ray_cluster, procs):
    config = CheckConfig(n=16)
    local = run_check("incremental-stability", config)
    out = {}
    runner = threading.Thread(target=lambda: out.setdefault("result", run_sharded("incremental-stability", config, engine="ray")))
    runner.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and runner.is_alive() and time.monotonic() < deadline:
        for pid, line in procs.ray_processes(os.getpid()).items():
            if line.startswith("ray::run_shard"):  # Ray's title for a worker running a shard (ray::IDLE between tasks)
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.01)
    runner.join(120)
    assert killed is not None, "no worker was caught running a shard"
    assert not procs.alive(killed)
    assert without_timings(out["result"]) == without_timings(local)


@pytest.mark.parametrize("argv, code", [
    (["search", "additive", "--property", "lipschitz", "--max-n", "3"], 1),  # refuted at the second size: later sizes cancelled
    pytest.param(["search", "mus", "--property", "lipschitz", "--max-n", "2"], 0, marks=pytest.mark.slow),  # every size proved (~25 s)
])
def test_search_sizes_in_parallel_give_the_local_answer(ray_cluster, cli, argv, code):
    local_code, local = _cli_json(cli, [*argv, "--json"])
    ray_code, sharded = _cli_json(cli, [*argv, "--engine", "ray", "--workers", "2", "--json"])
    assert local_code == ray_code == code
    assert sharded["search"] == local["search"]
    assert [r["details"].pop("engine") for r in sharded["results"]] == ["ray"] * len(local["results"])
    assert [without_timings(r) for r in sharded["results"]] == [without_timings(r) for r in local["results"]]


@pytest.mark.slow  # each actor imports torch: about 20 s on a loaded 2-core machine
def test_dataset_certification_on_actors_gives_the_local_certificates(ray_cluster):
    torch = pytest.importorskip("torch")
    from mus_verify.torch_backend import MuS, certify_dataset, top_k
    from mus_verify.torch_backend.certify_ray import certify_dataset_ray
    from mus_verify.torch_backend.models import build_model

    model, spec = build_model("vit-micro", seed=0)
    x = torch.randn((6,) + spec.input_shape, generator=torch.Generator().manual_seed(5))
    mus = MuS(model, spec.groups(), output="logits", q=16, lam="2/16")
    phi = top_k(torch.arange(16.0), 4)
    data = [(x[k:k + 2], torch.tensor([0, 1])) for k in range(0, 6, 2)]
    local = certify_dataset(mus, data, explain=lambda batch: phi.expand(batch.shape[0], -1), progress=False)
    sharded = certify_dataset_ray(mus, data, explain=lambda batch: phi.expand(batch.shape[0], -1), workers=2, progress=False)
    assert len(sharded) == 6
    assert [p.to_json() for p in sharded] == [p.to_json() for p in local]


@pytest.mark.slow  # trains a model per λ in each worker: 15-50 s
@pytest.mark.parametrize("rule", ["strict", "ceil"])  # ceil: a planted unsound radius rule, refuted on both engines
def test_report_one_lambda_per_shard_gives_the_local_report(ray_cluster, tmp_path, rule):
    torch = pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from mus_verify.report.runner import ReportConfig, run_report
    from mus_verify.report.sharded import run_report_on_engine

    config = ReportConfig(dataset="wine", out=tmp_path / "local", lams=["8/64", "16/64"], max_points=3, epochs=20, radius_rule=rule,
                          show_progress=False)
    local, local_doc = run_report(config)
    sharded, sharded_doc = run_report_on_engine(
        ReportConfig(**{**config.__dict__, "out": tmp_path / "ray"}), engine="ray", threads=torch.get_num_threads())
    assert sharded.verdict is local.verdict is (Verdict.REFUTED if rule == "ceil" else Verdict.VERIFIED)
    assert sharded_doc == local_doc
    assert (tmp_path / "ray" / "report.json").read_text() == (tmp_path / "local" / "report.json").read_text()

    def comparable(result, out):
        data = without_timings(result)
        data["message"] = data["message"].replace(str(out), "OUT")
        data["details"].pop("out")
        return data

    assert comparable(sharded, tmp_path / "ray") == comparable(local, tmp_path / "local")


@pytest.mark.slow  # every registered check, twice: about 100 s
def test_check_all_on_ray_is_the_local_check_all(ray_cluster, cli):
    local_code, local = _cli_json(cli, ["check", "all", "--json"])
    ray_code, sharded = _cli_json(cli, ["check", "all", "--engine", "ray", "--workers", "2", "--json"])
    assert ray_code == local_code == 0
    assert [r["name"] for r in sharded["results"]] == [r["name"] for r in local["results"]]
    assert [without_timings(r) for r in sharded["results"]] == [without_timings(r) for r in local["results"]]


def test_a_user_variant_file_is_loaded_by_the_workers(ray_cluster, cli):
    argv = ["check", "incremental-stability", "--n", "6", "--variant", "examples/user_variant.py:VARIANT"]
    local_code, local = _cli_json(cli, [*argv, "--json"])
    ray_code, sharded = _cli_json(cli, [*argv, "--engine", "ray", "--json"])
    assert ray_code == local_code
    assert without_timings(sharded["results"][0]) == without_timings(local["results"][0])


def test_address_joins_a_running_cluster_and_leaves_it_running(ray_cluster, procs):
    ray = ray_cluster
    address = ray.get_runtime_context().gcs_address
    before = procs.ray_processes(os.getpid())
    run = subprocess.run([sys.executable, "-m", "mus_verify", "check", "lipschitz", "--n", "8", "--engine", "ray", "--address", address, "--json"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    (result,) = json.loads(run.stdout)["results"]
    assert result["verdict"] == "PROVED" and result["details"]["engine"] == "ray"
    # the command only disconnected: the cluster's GCS and raylet still run, and still take tasks
    assert all(procs.alive(pid) for pid, line in before.items() if "gcs_server" in line or "raylet" in line)
    assert ray.get(ray.remote(lambda: 41 + 1).remote()) == 42
