"""Bugs the gate missed before issue 10: they hide outside a matrix of q <= 64, one torch thread,
float64 inputs, or behind the gate restoring the global RNG between the calls it compares.
Each has one bug, marked ``# BUG``; the rest is the correct factory."""

import torch
from _common import average, check_alpha, lqv_masks, steps, strict_radius


def _certified(smoothed, lam):
    smoothed.certify = lambda x, alpha: strict_radius(smoothed(x, alpha), lam)
    return smoothed


def every_other_copy_above_64(base, *, q, lam, seed):
    """Halves the work for large q by evaluating every other copy."""
    masks = lqv_masks(seed, q, steps(lam, q))
    if q > 64:
        masks = masks[::2]  # BUG: the odd copies are skipped

    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    return _certified(smoothed, lam)


def float16_mask_formula(base, *, q, lam, seed):
    """Feature i is kept in copy j iff (i_j + 1)/q <= λ with i_j = (v_i + j) mod q, all in float16: exact on
    every (q, λ) of the pre-issue-10 matrix, one mask off at q = 150 and 300 with λ = 2/3."""
    step = torch.tensor(1.0 / q, dtype=torch.float16)
    index = (torch.as_tensor(list(seed))[None, :] + torch.arange(q)[:, None]) % q
    masks = (index.to(torch.float16) * step + step <= torch.tensor(float(lam), dtype=torch.float16)).double()  # BUG: float16

    def smoothed(x, alpha):
        check_alpha(alpha)
        return average(base, x, alpha, masks)

    return _certified(smoothed, lam)


def drops_copies_per_thread(base, *, q, lam, seed):
    """Splits the q copies evenly over torch's threads, dropping the q % threads left over."""
    masks = lqv_masks(seed, q, steps(lam, q))

    def smoothed(x, alpha):
        check_alpha(alpha)
        threads = torch.get_num_threads()
        per_thread = max(1, q // threads)
        used = masks[: per_thread * min(threads, q)]  # BUG: q % threads copies never evaluated
        return average(base, x, alpha, used)

    return _certified(smoothed, lam)


def zeroes_float32_input(base, *, q, lam, seed):
    """Works in float32 and frees the float32 copy of x when done; for float32 x that copy is x."""
    masks = lqv_masks(seed, q, steps(lam, q), dtype=torch.float32)

    def smoothed(x, alpha):
        check_alpha(alpha)
        x32 = x.float()  # the caller's tensor itself when x is already float32
        out = average(base, x32, alpha.float(), masks)
        x32.zero_()  # BUG: zeroes the caller's float32 x in place
        return out

    return _certified(smoothed, lam)


def fresh_global_seed_each_call(base, *, q, lam, seed):
    """Draws a fresh seed vector from the global torch RNG on every call (the soft-stability code)."""
    k = steps(lam, q)

    def smoothed(x, alpha):
        check_alpha(alpha)
        v = torch.randint(0, q, (x.shape[1],))  # BUG: a different v, hence a different g, each call
        return average(base, x, alpha, lqv_masks(v.tolist(), q, k))

    return _certified(smoothed, lam)


def probes_then_ramp_above_64(base, *, q, lam, seed):
    """Probes the unmasked x on every call (hygiene) and, for q > 64, shows the base 0.99999·x
    (a wrong g): the probe seen first must not hide the rows that feed g."""
    masks = lqv_masks(seed, q, steps(lam, q))
    scale = 0.99999 if q > 64 else 1.0  # BUG: values that are not x for q > 64

    def smoothed(x, alpha):
        check_alpha(alpha)
        base(x)  # the probe (result unused)
        return average(base, x * scale, alpha, masks)

    return _certified(smoothed, lam)
