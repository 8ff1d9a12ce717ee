"""Implementations that crash or return non-numbers (issue 10): the gate must report a failed
property with a message for each, never crash, never exit 0. One bug each, marked ``# BUG``."""

import sys

import torch
from _common import average, check_alpha, lqv_masks, steps, strict_radius


def _certified(smoothed, lam):
    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def _correct(base, q, lam, seed):
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    return smoothed


def nan_in_one_entry(base, *, q, lam, seed):
    inner = _correct(base, q, lam, seed)

    def smoothed(x, alpha):
        g = inner(x, alpha)
        if q % 2 == 1:
            g[0, 0] = float("nan")  # BUG
        return g

    return _certified(smoothed, lam)


def inf_in_one_entry(base, *, q, lam, seed):
    inner = _correct(base, q, lam, seed)

    def smoothed(x, alpha):
        g = inner(x, alpha)
        if q > 4:
            g[-1, -1] = float("inf")  # BUG
        return g

    return _certified(smoothed, lam)


def certify_returns_nan(base, *, q, lam, seed):
    smoothed = _correct(base, q, lam, seed)
    smoothed.certify = lambda x, alpha: torch.full((x.shape[0],), float("nan"))  # BUG
    return smoothed


def exits_in_smoothed(base, *, q, lam, seed):
    inner = _correct(base, q, lam, seed)

    def smoothed(x, alpha):
        if q == 7:
            sys.exit(0)  # BUG
        return inner(x, alpha)

    return _certified(smoothed, lam)


def exits_in_factory(base, *, q, lam, seed):
    if q == 6:
        sys.exit(0)  # BUG
    return _certified(_correct(base, q, lam, seed), lam)


def interrupts_in_smoothed(base, *, q, lam, seed):
    inner = _correct(base, q, lam, seed)

    def smoothed(x, alpha):
        if x.shape[0] > 1:
            raise KeyboardInterrupt  # BUG
        return inner(x, alpha)

    return _certified(smoothed, lam)
