"""Calling the implementation under test, and the watches kept on every call.

:class:`Subject` wraps a factory. Each smoothed call goes through
:meth:`Instance.evaluate`, which

* passes fresh tensors of the configuration's input dtype (float64 unless
  ``config.input_dtype`` says float32) and checks they were not modified in
  place (*inputs_unchanged*);
* checks the output is a (B, m) floating tensor (the *contract*);
* snapshots the global torch, numpy and ``random`` RNG states before and after
  (Pitfall 3: re-seeding the global RNG makes the caller's stream
  unreproducible) and puts them back, so one bad call cannot disturb the next
  (unless :attr:`Subject.restore_rng` is off: determinism compares calls
  *without* restoring in between, as a caller would make them);
* checks every output row is a probability vector within the tolerance of the
  working dtype (NaN or inf anywhere makes the call unusable: a failure of
  *probabilities*, and the properties skip that configuration);
* checks every row the base classifier was shown equals x_b ⊙ s exactly for
  one input row b and a binary s ≤ α_b (and ⊇ μ_b when μ is given).

The first violation of each watch is kept, with the call that showed it, for
the report. Anything raised by the implementation on valid input, including
``SystemExit`` and ``KeyboardInterrupt`` (user code must not end the gate),
becomes :class:`ImplementationError` (a contract failure, with its traceback).
"""

from __future__ import annotations

import random
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import ImplementationError  # defined in errors.py; re-exported here
from . import tolerance
from .classifiers import GateClassifier
from .instrument import CallLog, Instrumented
from .configs import GateConfig
from .masked_rows import masked_row_problem

__all__ = ["Subject", "Instance", "Evaluation", "Observation", "ImplementationError", "Watch"]


@dataclass
class Observation:
    """One call of the implementation: what it was given, what its base was shown, what it returned."""

    what: str
    config: GateConfig
    base: dict[str, Any]
    x: np.ndarray | None = None
    alpha: np.ndarray | None = None
    mu: np.ndarray | None = None
    rows: np.ndarray | None = None
    row_dtypes: set[str] = field(default_factory=set)
    output: np.ndarray | None = None
    output_dtype: str | None = None


@dataclass
class Watch:
    """A property watched on every call: how many calls it covered and the first violation."""

    cases: int = 0
    violation: dict[str, Any] | None = None
    observation: Observation | None = None
    # The first violation on each configuration and kind of call ((label, what) -> (data, observation)).
    by_config: dict[tuple[str, str], tuple[dict[str, Any], Observation]] = field(default_factory=dict)

    def flag(self, observation: Observation, **data: Any) -> None:
        if self.violation is None:
            self.violation, self.observation = data, observation
        self.by_config.setdefault((observation.config.label, observation.what), (data, observation))


@dataclass
class Evaluation:
    g: np.ndarray
    dtype: str
    tol: float
    observation: Observation


def _torch() -> Any:
    import torch

    return torch


class Subject:
    """The implementation under test: a contract factory plus how to reproduce a call of it."""

    def __init__(self, factory: Callable[..., Any], *, target: str | None, adapter: str) -> None:
        self.factory = factory
        self.target = target
        self.adapter = adapter
        self.calls = 0
        self.contract = Watch()
        self.rng = Watch()
        self.probabilities = Watch()
        self.masking = Watch()
        self.inputs = Watch()
        self.copies = Watch()
        # Set once an output (declared float32/float64) is not made of float16 numbers: from then on this
        # implementation is not judged as computing in float16 (tolerance.precision_of), so exact dyadic
        # outputs of a float64 implementation (e.g. i.i.d. weights at λ = 1/4) never get float16 slack.
        self.beyond_float16 = False
        # Set once a call returned the float16 rounding of the float64 average of what its base said (rows
        # taken input-major or copy-major), where that average is not made of float16 numbers: the
        # implementation averages in float16.
        self.float16_evidence = False
        # False while a property compares calls as a caller makes them (no RNG reset in between).
        self.restore_rng = True

    def instance(self, config: GateConfig, classifier: GateClassifier, seed: tuple[int, ...] | None = None) -> "Instance":
        """``factory(base, q=, lam=, seed=)`` with an instrumented base; raises ImplementationError if it fails."""
        torch = _torch()
        log = CallLog()
        base = Instrumented(classifier, config.n, log)
        seed = config.seed if seed is None else tuple(seed)
        observation = Observation("factory", config.with_seed(seed), classifier.spec())
        self.contract.cases += 1
        before = _rng_snapshot(torch)
        try:
            smoothed = self.factory(base, q=config.q, lam=config.lam, seed=list(seed))
        except BaseException as exc:  # a factory raising (or exiting) on valid input is a contract failure
            raise self._raised(observation, "the factory raised on valid input", exc) from None
        finally:
            self._check_rng(torch, before, observation)
        log.take()  # rows shown while building (e.g. to find m) belong to no call
        self._check_copies(log, 0, observation)
        if not callable(smoothed):
            raise self._broken(observation, f"the factory returned {type(smoothed).__name__}, not a callable smoothed(x, alpha)")
        return Instance(self, observation.config, classifier, smoothed, log)

    def _raised(self, observation: Observation, message: str, exc: BaseException) -> ImplementationError:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        error = ImplementationError(observation, f"{message}: {type(exc).__name__}: {exc}", text)
        self.contract.flag(observation, message=error.message, traceback=text)
        return error

    def _broken(self, observation: Observation, message: str) -> ImplementationError:
        self.contract.flag(observation, message=message, traceback="")
        return ImplementationError(observation, message)

    def _unusable(self, observation: Observation, message: str) -> ImplementationError:
        """An output no property can judge, already reported by its own watch (not a contract failure)."""
        return ImplementationError(observation, message)

    def _check_copies(self, log: CallLog, before: int, observation: Observation) -> None:
        self.copies.cases += 1
        if log.deep_copies > before:
            self.copies.flag(observation, copies=log.deep_copies - before)

    def _check_rng(self, torch: Any, before: tuple, observation: Observation) -> None:
        self.rng.cases += 1
        after = _rng_snapshot(torch)
        changed = [name for name, a, b in zip(("torch", "numpy", "random"), before, after) if not _same_state(a, b)]
        if changed:
            self.rng.flag(observation, changed=changed)
            if self.restore_rng:
                _rng_restore(torch, before)


class Instance:
    """One smoothed model built by the factory, with the log of its base classifier."""

    def __init__(self, subject: Subject, config: GateConfig, classifier: GateClassifier, smoothed: Any, log: CallLog) -> None:
        self.subject = subject
        self.config = config
        self.classifier = classifier
        self.smoothed = smoothed
        self.log = log
        self.input_dtype = input_dtype(config)  # a property may hand this instance float32 inputs instead

    @property
    def has_certify(self) -> bool:
        return callable(getattr(self.smoothed, "certify", None))

    @property
    def has_keep(self) -> bool:
        return callable(getattr(self.smoothed, "with_keep", None))

    def evaluate(self, x: np.ndarray, alpha: np.ndarray, mu: np.ndarray | None = None) -> Evaluation:
        """g(x, α) from the implementation, after every watch; raises ImplementationError on a contract failure."""
        observation, raw = self._call("smoothed", x, alpha, mu)
        subject = self.subject
        output, dtype_name = _as_array(raw)
        if output is None:
            raise subject._broken(observation, f"smoothed(x, alpha) returned {type(raw).__name__}, not a tensor of shape (B, m)")
        b = x.shape[0]
        if output.ndim != 2 or output.shape != (b, self.classifier.m):
            raise subject._broken(observation, f"smoothed(x, alpha) returned shape {tuple(output.shape)}; expected (B, m) = ({b}, {self.classifier.m})")
        if output.dtype.kind != "f":
            raise subject._broken(observation, f"smoothed(x, alpha) returned dtype {dtype_name}; expected a float tensor of probabilities")
        observation.output, observation.output_dtype = output.astype(np.float64), dtype_name
        if not subject.beyond_float16 and not tolerance.float16_numbers(output):
            subject.beyond_float16 = True
        if not (subject.beyond_float16 or subject.float16_evidence) and observation.rows is not None and observation.rows.shape[0]:
            subject.float16_evidence = tolerance.float16_average_seen(output, self.classifier.probabilities(observation.rows))
        grain = tolerance.exact_grain(self.classifier.resolution, self.config.q) if subject.float16_evidence and not subject.beyond_float16 else None
        working = tolerance.working_dtype([tolerance.precision_of(output, dtype_name, grain), *observation.row_dtypes])
        tol = tolerance.atol(working, self.config.q)
        g = observation.output
        subject.probabilities.cases += b
        if not np.all(np.isfinite(g)):
            bad = np.argwhere(~np.isfinite(g))[0]
            row = int(bad[0])
            subject.probabilities.flag(observation, row=row, values=g[row].tolist(), tol=tol, dtype=working, entry=[row, int(bad[1])])
            raise subject._unusable(observation, f"smoothed(x, alpha) returned {g[row, bad[1]]} in entry {tuple(int(v) for v in bad)}")
        if g.min() < -tol or g.max() > 1 + tol or np.abs(g.sum(axis=1) - 1).max() > tol:
            row = int(np.argmax(~np.isfinite(g).all(axis=1) | (g.min(axis=1) < -tol) | (g.max(axis=1) > 1 + tol) | (np.abs(g.sum(axis=1) - 1) > tol)))
            subject.probabilities.flag(observation, row=row, values=g[row].tolist(), tol=tol, dtype=working)
        if observation.rows is not None:
            subject.masking.cases += observation.rows.shape[0]
            problem = masked_row_problem(observation.rows, x, alpha, mu)
            if problem is not None:
                subject.masking.flag(observation, **problem)
        return Evaluation(g, working, tol, observation)

    def refuses(self, x: np.ndarray, alpha: np.ndarray) -> tuple[bool, Any]:
        """True when smoothed(x, alpha) raises (for inputs outside the contract); else False and its output."""
        torch = _torch()
        xt, at = torch.from_numpy(x.copy()), torch.from_numpy(alpha.astype(np.float64))
        before = _rng_snapshot(torch)
        try:
            out = self.smoothed(xt, at)
        except BaseException:  # any refusal counts, SystemExit included (it must not end the gate)
            return True, None
        finally:
            _rng_restore(torch, before)
            self.log.take()
        array, _ = _as_array(out)
        return False, array

    def certify(self, x: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, Observation]:
        """The implementation's certified radii as float64 (B,) (integrality is judged by the certificate property)."""
        observation, raw = self._call("certify", x, alpha, None)
        radii, dtype_name = _as_array(raw)
        if radii is None or radii.shape not in ((x.shape[0],), (x.shape[0], 1)):
            shape = None if radii is None else tuple(radii.shape)
            raise self.subject._broken(observation, f"certify(x, alpha) returned {type(raw).__name__} of shape {shape}; expected ({x.shape[0]},) integers")
        observation.output, observation.output_dtype = radii.reshape(-1).astype(np.float64), dtype_name
        return observation.output, observation

    def _call(self, what: str, x: np.ndarray, alpha: np.ndarray, mu: np.ndarray | None) -> tuple[Observation, Any]:
        torch = _torch()
        subject = self.subject
        dtype = self.input_dtype
        observation = Observation(what, self.config, self.classifier.spec(), x.copy(), alpha.copy(), None if mu is None else mu.copy())
        xt = torch.from_numpy(x.astype(dtype, copy=True))
        at = torch.from_numpy(alpha.astype(dtype, copy=True))
        mt = None if mu is None else torch.from_numpy(mu.astype(dtype, copy=True))
        given = (xt.clone(), at.clone(), None if mt is None else mt.clone())
        subject.calls += 1
        subject.contract.cases += 1
        self.log.take()
        copies = self.log.deep_copies
        before = _rng_snapshot(torch)
        try:
            if what == "certify":
                raw = self.smoothed.certify(xt, at)
            elif mt is not None:
                raw = self.smoothed.with_keep(xt, at, mt)
            else:
                raw = self.smoothed(xt, at)
        except BaseException as exc:  # SystemExit / KeyboardInterrupt from user code end nothing but this call
            raise subject._raised(observation, f"{what}(x, alpha) raised on valid input", exc) from None
        finally:
            subject._check_rng(torch, before, observation)
            subject._check_copies(self.log, copies, observation)
            observation.rows, observation.row_dtypes = self.log.take()
        subject.inputs.cases += 1
        changed = [name for name, now, then in zip(("x", "alpha", "mu"), (xt, at, mt), given) if now is not None and not torch.equal(now, then)]
        if changed:
            subject.inputs.flag(observation, changed=changed, dtype=str(np.dtype(dtype)), after=xt.detach().double().numpy().copy())
        return observation, raw


def input_dtype(config: GateConfig) -> Any:
    """The dtype the gate hands x, α (and μ) in for ``config``: float64 unless the config says float32."""
    name = str(getattr(config, "input_dtype", "float64") or "float64").replace("torch.", "")
    if name not in ("float64", "float32"):
        raise ValueError(f"input_dtype must be 'float64' or 'float32', not {name!r}")
    return np.float64 if name == "float64" else np.float32


def _as_array(raw: Any) -> tuple[np.ndarray | None, str]:
    if hasattr(raw, "detach") and hasattr(raw, "cpu"):
        tensor = raw.detach().cpu()
        name = str(tensor.dtype).replace("torch.", "")
        if name == "bfloat16":
            tensor = tensor.float()
        if tensor.is_complex():
            return None, name
        return tensor.numpy(), name
    if isinstance(raw, np.ndarray):
        return raw, str(raw.dtype)
    if isinstance(raw, (list, tuple)):
        try:
            array = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            return None, type(raw).__name__
        return array, "float64"
    return None, type(raw).__name__


def _rng_snapshot(torch: Any) -> tuple:
    return (torch.random.get_rng_state(), np.random.get_state(), random.getstate())


def _same_state(a: Any, b: Any) -> bool:
    if hasattr(a, "equal"):  # torch ByteTensor
        return bool(a.equal(b))
    if isinstance(a, tuple) and a and a[0] == "MT19937":  # numpy: (name, keys, pos, has_gauss, cached)
        return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]
    return a == b  # random.getstate(): a tuple of ints


def _rng_restore(torch: Any, state: tuple) -> None:
    torch.random.set_rng_state(state[0])
    np.random.set_state(state[1])
    random.setstate(state[2])
