""":func:`~.certify.certify_dataset` on Ray: the batches shared out to actors, one model per actor.

Each actor receives the :class:`~.smoother.MuS` (and the ``explain`` callable) once, through Ray's
object store, and certifies the batches it is handed with :func:`~.certify.certify`, exactly as the
local loop does; the certificates come back in batch order. A batch is never split, so every forward
pass sees the same inputs as in one process. Actors that die are restarted (``max_restarts``) and
their batch retried. ``num_gpus`` > 0 asks Ray for that share of a GPU per actor and moves the model
and each batch to ``cuda`` there (one GPU actor per device for ``num_gpus=1``).

Which Ray is used, and what is shut down afterwards: :func:`mus_verify.parallel.ray_engine.ray_session`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch

from .._progress import progress_bar
from ..errors import InvalidArgument
from ..parallel.ray_engine import MAX_RETRIES, ray_session
from .certify import CertificatePair, _inputs, certify, check_guard
from .smoother import MuS

__all__ = ["certify_dataset_ray"]


class _Certifier:
    """The body of one actor: a model, certifying batches."""

    def __init__(self, model: tuple[MuS, Callable[[torch.Tensor], Any] | None], guard: Any, device: str) -> None:
        mus, self.explain = model  # Ray resolved the object reference: one copy per actor, from the object store
        self.mus, self.guard, self.device = mus.to(device), guard, device

    def certify(self, inputs: torch.Tensor) -> list[CertificatePair]:
        inputs = inputs.to(self.device)
        explanation = self.explain(inputs) if self.explain is not None else None
        return certify(self.mus, inputs, explanation, guard=self.guard)


def certify_dataset_ray(
    mus: MuS,
    data: Iterable[Any],
    *,
    explain: Callable[[torch.Tensor], Any] | None = None,
    guard: Any = True,
    workers: int | None = None,
    address: str | None = None,
    num_gpus: float = 0,
    progress: bool = True,
) -> list[CertificatePair]:
    """``certify_dataset(mus, data, explain=..., guard=...)`` with the batches on Ray actors (same certificates).

    ``workers``: actors (and, without ``address``, CPUs of the local Ray started for this call; default: the
    cluster's CPUs). ``address``: an existing cluster, joined and left, never shut down here.
    """
    if not isinstance(mus, MuS):
        raise InvalidArgument("mus", type(mus).__name__, "a MuS smoother")
    check_guard(guard)
    if isinstance(num_gpus, bool) or not isinstance(num_gpus, (int, float)) or num_gpus < 0:
        raise InvalidArgument("num_gpus", num_gpus, "a share of a GPU per actor, >= 0")
    batches = [_inputs(batch) for batch in data]
    if not batches:
        return []
    with ray_session(workers, address) as ray:
        actor_class = ray.remote(num_cpus=1, num_gpus=num_gpus, max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES)(_Certifier)
        shared = ray.put((mus, explain))
        available = workers or max(1, int(ray.cluster_resources().get("GPU" if num_gpus else "CPU", 1) // (num_gpus or 1)))
        device = "cuda" if num_gpus else "cpu"
        actors = [actor_class.remote(shared, guard, device) for _ in range(min(len(batches), available))]
        # round-robin: batch k goes to actor k mod A; the results are read back in batch order
        refs = [actors[k % len(actors)].certify.remote(batch) for k, batch in enumerate(batches)]
        results: list[CertificatePair] = []
        try:
            with progress_bar(sum(int(b.shape[0]) for b in batches), "certify", enabled=progress) as advance:
                for ref in refs:
                    pairs = ray.get(ref)
                    results.extend(pairs)
                    advance(len(pairs))
        finally:
            for actor in actors:
                ray.kill(actor)
    return results
