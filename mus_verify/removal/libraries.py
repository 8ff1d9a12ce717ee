"""shap and captum against the exact games they compute (``mus-verify attribution-diff``).

Each library method is mapped to the removal game and summary it estimates, and compared with
our exact value of that game (:mod:`.games`, :mod:`.operators`) on a small model with dyadic
rational weights (so its float64 forward is exact as well):

==================================  ==========================================  ===========
method                              game, summary                               kind
==================================  ==========================================  ===========
shap ExactExplainer                 marginal, uniform background weights;       exact
                                    Shapley
shap ExactExplainer (1-row bg)      baseline b; Shapley                         exact
shap PermutationExplainer           marginal, uniform background; Shapley       sampled
shap KernelExplainer                marginal, uniform background; Shapley       sampled
captum ShapleyValues                baseline b; Shapley                         exact
captum FeatureAblation              baseline b; leave-one-out                   exact
captum ShapleyValueSampling         baseline b; Shapley                         sampled
captum KernelShap                   baseline b; Shapley                         sampled
captum Lime, constant similarity,   baseline b; Banzhaf (exact LIME with a      sampled
linear regression with intercept    uniform kernel is Banzhaf, removal-operators)
==================================  ==========================================  ===========

Exact methods must agree within :data:`EXACT_RTOL` [dtype] · max(1, max|φ|), the dtype being the one
the library *returns* (observed, never assumed): 1e-9 for float64. captum 0.9's ShapleyValues
accumulates its attributions in ``torch.float`` (float32) even for float64 inputs and model
outputs (``captum/attr/_core/shapley_value.py``: ``torch.zeros(..., dtype=torch.float)`` and
``cur_mask.float()``), so it returns float32 and is judged at the float32 tolerance; the result
says so. A disagreement is REFUTED with a case that :func:`replay_library_case` re-judges from
its numbers. Sampled methods
are reported with their sample counts and errors; an error that does not shrink from the
smallest to the largest count is UNKNOWN (inconclusive), never a pass.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

from .._validation import as_fraction, as_int
from ..core.tolerances import ATTRIBUTION_RTOL
from ..errors import EnvironmentProblem, InvalidArgument
from ..results import CheckResult, Counterexample, Verdict, register_replayer
from .games import Baseline, Marginal, Removal, game, removal_from_spec
from .models import ReluNet, from_spec
from .operators import apply, by_name

__all__ = ["EXACT_RTOL", "Setup", "make_setup", "run_libraries", "replay_library_case", "INSTALL_HINT"]

EXACT_RTOL = ATTRIBUTION_RTOL
"""Agreement demanded of an exact library method, relative to max(1, max|φ|), by the dtype it returns:
:data:`mus_verify.core.tolerances.ATTRIBUTION_RTOL` (float64 1e-9, float32 1e-5)."""

INSTALL_HINT = 'pip install "mus-verify[attribution]"  (shap and captum)'


@dataclass(frozen=True)
class Setup:
    model: ReluNet
    inputs: tuple[tuple[Fraction, ...], ...]
    baseline: tuple[Fraction, ...]
    background: tuple[tuple[Fraction, ...], ...]

    @property
    def d(self) -> int:
        return self.model.d

    def removals(self) -> dict[str, Removal]:
        uniform = tuple(Fraction(1, len(self.background)) for _ in self.background)
        return {"baseline": Baseline(self.baseline), "marginal": Marginal(self.background, uniform)}


def _dyadic(rng: random.Random, scale: int = 4, spread: int = 8) -> Fraction:
    return Fraction(rng.randint(-spread, spread), scale)


def make_setup(d: int = 6, *, hidden: int = 8, inputs: int = 2, background: int = 5, seed: int = 0) -> Setup:
    """A seeded 2-layer ReLU net with weights in (1/4)Z, dyadic inputs, baseline and background."""
    d = as_int(d, "--d", low=2, high=10)
    inputs = as_int(inputs, "--inputs", low=1, high=20)
    background = as_int(background, "--background", low=1, high=50)
    rng = random.Random(seed)
    w1 = tuple(tuple(_dyadic(rng) for _ in range(d)) for _ in range(hidden))
    b1 = tuple(_dyadic(rng) for _ in range(hidden))
    w2 = (tuple(_dyadic(rng) for _ in range(hidden)),)
    model = ReluNet((w1, w2), (b1, (Fraction(1, 2),)))
    point = lambda: tuple(_dyadic(rng, 2, 4) for _ in range(d))  # noqa: E731
    return Setup(model, tuple(point() for _ in range(inputs)), point(), tuple(point() for _ in range(background)))


def _libraries(which: str) -> tuple[Any, Any]:
    shap: Any = None
    captum: Any = None
    missing = []
    if which in ("shap", "both"):
        try:
            import shap as shap_module
            shap = shap_module
        except ImportError:
            missing.append("shap")
    if which in ("captum", "both"):
        try:
            import captum.attr as captum_attr
            captum = captum_attr
        except ImportError:
            missing.append("captum")
    if missing:
        raise EnvironmentProblem(f"attribution-diff needs {' and '.join(missing)}: {INSTALL_HINT}")
    return shap, captum


def _exact(setup: Setup, x: Sequence[Fraction], removal: str, summary: str) -> list[Fraction]:
    return list(apply(by_name(summary, setup.d), game(setup.model, x, setup.removals()[removal])))


def _deviation(values: Sequence[float], exact: Sequence[Fraction]) -> float:
    return max(abs(float(v) - float(e)) for v, e in zip(values, exact))


def _scale(exact: Sequence[Fraction]) -> float:
    return max(1.0, max(abs(float(e)) for e in exact))


def replay_library_case(data: Mapping[str, Any]) -> bool:
    """True iff the recorded library values still differ from the exact values by more than the tolerance."""
    model = from_spec(data["model"])
    removal = removal_from_spec(data["removal"])
    x = tuple(as_fraction(v, "x") for v in data["x"])
    exact = list(apply(by_name(data["summary"], len(x)), game(model, x, removal)))
    return _deviation(data["library_values"], exact) > float(data["rtol"]) * _scale(exact)


# --- the library calls ---------------------------------------------------------------------------

def _forward_numpy(setup: Setup) -> Callable[[Any], Any]:
    import numpy as np

    w1 = np.array([[float(v) for v in row] for row in setup.model.weights[0]])
    b1 = np.array([float(v) for v in setup.model.biases[0]])
    w2 = np.array([float(v) for v in setup.model.weights[1][0]])
    b2 = float(setup.model.biases[1][0])

    def f(X: Any) -> Any:
        X = np.asarray(X, dtype=np.float64)
        return np.maximum(X @ w1.T + b1, 0.0) @ w2 + b2

    return f


def _forward_torch(setup: Setup) -> Callable[[Any], Any]:
    import torch

    f = _forward_numpy(setup)
    return lambda X: torch.from_numpy(f(X.detach().cpu().numpy()))


def _methods(setup: Setup, shap: Any, captum: Any, seed: int) -> list[tuple[str, str, str, bool, list[tuple[int | None, Callable[[Any], Any]]]]]:
    """(method, removal, summary, exact?, [(sample count or None, run(x) -> values)])."""
    import numpy as np

    f = _forward_numpy(setup)
    background = np.array([[float(v) for v in p] for p in setup.background])
    baseline = np.array([[float(v) for v in setup.baseline]])
    d = setup.d
    out: list[Any] = []
    if shap is not None:
        independent = shap.maskers.Independent(background, max_samples=len(background))
        one_row = shap.maskers.Independent(baseline, max_samples=1)
        out.append(("shap.ExactExplainer", "marginal", "shapley", True,
                    [(None, lambda x: shap.ExactExplainer(f, independent)(np.array([x])).values[0])]))
        out.append(("shap.ExactExplainer (1-row background = b)", "baseline", "shapley", True,
                    [(None, lambda x: shap.ExactExplainer(f, one_row)(np.array([x])).values[0])]))

        def permutation(evals: int) -> Callable[[Any], Any]:
            def run(x: Any) -> Any:
                np.random.seed(seed)
                return shap.PermutationExplainer(f, independent, seed=seed)(np.array([x]), max_evals=evals, silent=True).values[0]
            return run

        out.append(("shap.PermutationExplainer", "marginal", "shapley", False, [(n, permutation(n)) for n in (2 * (d + 1), 8 * (d + 1), 32 * (d + 1))]))

        def kernel(samples: int) -> Callable[[Any], Any]:
            def run(x: Any) -> Any:
                np.random.seed(seed)
                explainer = shap.KernelExplainer(f, background, silent=True)
                return np.asarray(explainer.shap_values(np.array([x]), nsamples=samples, l1_reg=False, silent=True))[0]
            return run

        out.append(("shap.KernelExplainer", "marginal", "shapley", False, [(n, kernel(n)) for n in (d + 4, 2 * d + 8, 2 ** d - 2)]))
    if captum is not None:
        import torch

        forward = _forward_torch(setup)
        base_t = torch.tensor(baseline, dtype=torch.float64)

        def captum_run(method: Any, **kwargs: Any) -> Callable[[Any], Any]:
            def run(x: Any) -> Any:
                torch.manual_seed(seed)
                np.random.seed(seed)
                random.seed(seed)
                inputs = torch.tensor(np.array([x]), dtype=torch.float64)
                return method(forward).attribute(inputs, baselines=base_t, **kwargs).detach().numpy()[0]
            return run

        out.append(("captum.ShapleyValues", "baseline", "shapley", True, [(None, captum_run(captum.ShapleyValues, perturbations_per_eval=64))]))
        out.append(("captum.FeatureAblation", "baseline", "loo", True, [(None, captum_run(captum.FeatureAblation))]))
        out.append(("captum.ShapleyValueSampling", "baseline", "shapley", False,
                    [(n, captum_run(captum.ShapleyValueSampling, n_samples=n, perturbations_per_eval=16)) for n in (4, 32, 256)]))
        out.append(("captum.KernelShap", "baseline", "shapley", False, [(n, captum_run(captum.KernelShap, n_samples=n)) for n in (64, 256, 1024)]))
        try:
            from captum._utils.models.linear_model import SkLearnLinearRegression
        except ImportError as exc:  # pragma: no cover - captum's sklearn wrapper needs scikit-learn
            raise EnvironmentProblem(f"captum Lime needs scikit-learn: {INSTALL_HINT}") from exc

        def lime(samples: int) -> Callable[[Any], Any]:
            def method(fwd: Any) -> Any:
                return captum.Lime(fwd, interpretable_model=SkLearnLinearRegression(), similarity_func=lambda *a, **k: 1.0)
            return captum_run(method, n_samples=samples)

        out.append(("captum.Lime (constant kernel)", "baseline", "banzhaf", False, [(n, lime(n)) for n in (64, 256, 1024)]))
    return out


def run_libraries(setup: Setup, *, which: str = "both", seed: int = 0) -> list[CheckResult]:
    """One result per library method: the largest deviation from our exact value over the inputs."""
    if which not in ("shap", "captum", "both"):
        raise InvalidArgument("--library", which, "shap, captum or both")
    shap, captum = _libraries(which)
    results = []
    for method, removal, summary, exact_method, runs in _methods(setup, shap, captum, seed):
        started = time.perf_counter()
        errors: dict[str, float] = {}
        worst: tuple[float, Any, Any, Any] | None = None
        dtypes: set[str] = set()
        for count, run in runs:
            error = 0.0
            for x in setup.inputs:
                exact = _exact(setup, x, removal, summary)
                raw = run([float(c) for c in x])
                dtype = str(getattr(raw, "dtype", "float64"))
                dtypes.add(dtype)
                values = [float(v) for v in raw]
                deviation = _deviation(values, exact)
                relative = deviation / _scale(exact)
                error = max(error, deviation)
                rtol = EXACT_RTOL.get(dtype)
                if rtol is None:
                    raise EnvironmentProblem(f"{method} returned {dtype} values; attribution-diff judges float64 and float32 only")
                if exact_method and relative > rtol and (worst is None or relative > worst[0]):
                    worst = (relative, x, values, rtol)
            errors["exact" if count is None else str(count)] = error
        judged = max(dtypes, key=lambda t: EXACT_RTOL.get(t, 1.0))
        params = {"library_method": method, "game": removal, "summary": summary, "d": setup.d, "inputs": len(setup.inputs), "returned_dtype": judged,
                  "background_rows": len(setup.background) if removal == "marginal" else 1, "seed": seed,
                  "quantified_over": "the seeded inputs of one dyadic ReLU model"}
        elapsed = time.perf_counter() - started
        cases = len(setup.inputs) * len(runs)
        if exact_method:
            if worst is not None:
                relative, x, values, rtol = worst
                data = {"library_method": method, "summary": summary, "model": setup.model.spec(), "removal": setup.removals()[removal].spec(),
                        "x": x, "library_values": values, "rtol": rtol}
                text = f"{method} differs from the exact {removal} {summary} by {relative:.3g} (relative) at x = {[str(v) for v in x]}"
                results.append(CheckResult(f"attribution-diff {method}", Verdict.REFUTED, "differential", cases, params,
                                           Counterexample("removal-library-diff", text, data), None, text, elapsed, {"max_abs_error": errors}))
            else:
                results.append(CheckResult(f"attribution-diff {method}", Verdict.NO_COUNTEREXAMPLE, "differential", cases, params, None, None,
                                           f"exact: max |φ_lib − φ_exact| = {errors['exact']:.3g} ≤ {EXACT_RTOL[judged]:g}·max(1, |φ|) "
                                           f"({removal} {summary}; judged at {judged}, the dtype it returned)",
                                           elapsed, {"max_abs_error": errors}))
        else:
            counts = list(errors)
            shrinks = errors[counts[-1]] < errors[counts[0]] or errors[counts[-1]] <= EXACT_RTOL["float64"]
            text = "sampled: max |φ_lib − φ_exact| by sample count " + ", ".join(f"{k}: {v:.3g}" for k, v in errors.items()) + f" ({removal} {summary})"
            results.append(CheckResult(f"attribution-diff {method}", Verdict.NO_COUNTEREXAMPLE if shrinks else Verdict.UNKNOWN, "differential", cases,
                                       params, None, None, text if shrinks else text + "; the error did not shrink", elapsed,
                                       {"max_abs_error": errors, "sample_counts": [int(k) for k in counts]}))
    return results


register_replayer("removal-library-diff", "mus_verify.removal.libraries:replay_library_case")
