"""Searches that are neither tied to one engine nor to one application (engines layer).

* :mod:`mus_verify.engines.greedy` — the one greedy attack: an upper bound on a certified radius
  found by flipping one feature at a time, used by the real-data report (integer vote counts) and
  by the torch fast path (:func:`mus_verify.torch_backend.attack`).
"""
