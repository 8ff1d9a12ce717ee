"""``mus-verify report --engine ray``: one λ per shard (its own model, trained once in its worker), merged.

:func:`~.runner.run_report` trains one model per λ and certifies every test point with it; nothing
crosses from one λ to the next. So each λ is a shard: :func:`~.runner.run_report` with that λ alone
in a worker (with the driver's torch thread count, so training does the same arithmetic), writing to a
scratch folder there; the driver concatenates the rows and per-λ summaries in λ order and writes
``report.json``, the plots and ``summary.md`` to ``--out`` as one process would. The first unsound
certificate in λ order is the counterexample, as locally (rows are in λ order there too).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._progress import progress_bar
from ..parallel import run_shards
from ..results import CheckResult, Verdict, jsonable
from .runner import ReportConfig, _writable_folder, run_report

__all__ = ["run_report_on_engine"]


def _one_lambda(config: ReportConfig, lam: Any, threads: int | None) -> tuple[CheckResult, dict[str, Any]]:
    """One shard: the report at one λ, in a scratch folder of the worker."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory(prefix="mus-verify-report-") as scratch:
        return run_report(replace(config, lams=[lam], out=Path(scratch), show_progress=False))


def run_report_on_engine(config: ReportConfig, *, engine: str = "local", workers: int | None = None, address: str | None = None,
                         threads: int | None = None, progress: Any = None) -> tuple[CheckResult, dict[str, Any]]:
    """:func:`~.runner.run_report` with its λ values as shards on ``engine``: the same result, rows and files."""
    if not config.lams:
        return run_report(config)  # which says why no λ is an error
    started = time.perf_counter()
    out = _writable_folder(config.out)  # before any training, as locally
    with progress_bar(len(config.lams), f"{config.dataset}: λ shards", enabled=config.show_progress and progress is None) as advance:
        shards = run_shards(_one_lambda, [(config, lam, threads) for lam in config.lams], engine=engine, workers=workers,
                            address=address, progress=progress or advance)
    results = [result for result, _ in shards]
    documents = [document for _, document in shards]
    first = results[0]
    rows = [row for document in documents for row in document["rows"]]
    per_lam = {key: value for document in documents for key, value in document["summary"].items()}
    unsound = sum(int(document["unsound"]) for document in documents)
    params = {**first.params, "lams": [lam for result in results for lam in result.params["lams"]]}
    cases = sum(result.cases for result in results)
    refuted = next((result for result in results if result.verdict is Verdict.REFUTED), None)
    verdict = Verdict.REFUTED if refuted is not None else (Verdict.VACUOUS if cases == 0 else first.verdict)
    document = {"dataset": config.dataset, "params": jsonable(params), "unsound": unsound, "summary": per_lam, "rows": rows}
    from .plots import write_plots
    from .summary import write_summary

    exhaustive = first.method == "exhaustive"
    (out / "report.json").write_text(json.dumps(document, indent=1, ensure_ascii=False))
    figures = write_plots(per_lam, out, config.dataset, exhaustive)
    write_summary(document, figures, out)
    result = CheckResult(
        name=first.name,
        verdict=verdict,
        method=first.method,
        cases=cases,
        params=params,
        counterexample=None if refuted is None else refuted.counterexample,
        message=f"{unsound} unsound certificate(s) among {cases}; report written to {out}",
        elapsed_s=time.perf_counter() - started,
        details={"out": str(out), "unsound": unsound, "figures": [f.name for f in figures], "summary": per_lam, "engine": engine,
                 "shards": len(results)},
    )
    return result, document
