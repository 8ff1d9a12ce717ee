"""The exhaustive engine's integer encoding of a smoothing variant: how the noise s meets the mask α.

(The user-facing definition of a variant, which also runs on torch tensors and Z3
terms, is :mod:`mus_verify.variants`; this module is only the engine's fast form.)

A variant fixes an *effective mask* e(α, s) with small non-negative integer
digits, and the base classifier sees the masked input ``x ⊙ e(α, s)``:

* :data:`MULTIPLICATIVE` (MuS, paper eq. 3): e = α ⊙ s, digits in {0, 1};
* :data:`ADDITIVE` (the paper's App. A.1 / Prop. A.1 counterexample family):
  e = α + s, digits in {0, 1, 2}, so a hidden feature (α_i = 0) is revealed
  whenever s_i = 1.

The engine never looks at ``x ⊙ e`` itself but at an integer *key*: e's
digits, zeroed where x_i = 0, read in base ``variant.base``. Two masked inputs
are equal iff their keys are (x_i ≠ 0 makes d ↦ x_i·d injective on the digits),
so a base classifier is a function of the key, and memoising it over distinct
keys is memoising it over distinct masked inputs.

This is the exhaustive engine's *compiled form* of a variant, not a second
definition of one: the variant itself (noise, apply, hide, keeps) is
:class:`mus_verify.variants.Variant`, and :func:`mus_verify.exhaustive.keys.compile_variant`
turns one whose ``apply``/``hide`` are coordinate-wise (MuS's zero masking or the
built-in additive's) into one of the two encodings below plus its noise evaluated
exactly as :class:`~mus_verify.distributions.MaskDistribution` objects. There is no
registry here: names (``mus``/``multiplicative``, ``additive``, a user's
``file.py:V``) resolve through :func:`mus_verify.variants.load_variant`;
:func:`resolve_variant` is the checks' entry point for an encoding.

A compiled variant other than the built-ins themselves keeps the variant's name
(counterexamples record it), the encoding's ``digits``/``keys``, and as its exact
reference the variant's own exact evaluation
(:func:`mus_verify.variants.smooth_variant`), so a replay re-runs the variant's code.

>>> MULTIPLICATIVE.keys(np.array([0b011]), np.array([0b110, 0b111]), 0b111).tolist()
[[2, 3]]
>>> ADDITIVE.keys(np.array([0b01]), np.array([0b01, 0b10]), 0b11).tolist()   # digits (2, 0) and (1, 1) in base 3
[[2, 4]]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Literal

import numpy as np

from .._validation import check_binary_vector, check_finite_array
from ..distributions import MaskDistribution, finite
from ..errors import InvalidArgument
from ..smoothing import Classifier, smooth

__all__ = [
    "SmoothingVariant",
    "MULTIPLICATIVE",
    "ADDITIVE",
    "resolve_variant",
    "masked_rows",
    "decode_keys",
    "visible_code",
]

Mode = Literal["average", "vote"]


@dataclass(frozen=True, eq=False)
class SmoothingVariant:
    """One way of combining mask and noise; see the module docstring.

    ``digits(alpha, masks)``: α as an (n,) bool array and the noise masks as an
    (N, n) bool array -> the (N, n) integer digits of e(α, s) for every s.
    ``keys(alpha_codes, noise_codes, visible)``: (A,) and (N,) integer codes,
    ``visible`` the code of {i : x_i ≠ 0} (an int or one per α) -> (A, N) int64
    keys. ``exact``: the exact reference g(x, α) for this variant, or None to
    compose it from ``digits`` and :func:`mus_verify.smoothing.smooth`.
    ``encoding``: for a variant compiled by :mod:`.keys`, the built-in encoding
    (:data:`MULTIPLICATIVE` or :data:`ADDITIVE`) whose digits and keys it uses;
    ``model``: the :class:`mus_verify.variants.Variant` it was compiled from.
    """

    name: str
    summary: str
    base: int
    digits: Callable[[np.ndarray, np.ndarray], np.ndarray]
    keys: Callable[[np.ndarray, np.ndarray, Any], np.ndarray]
    exact_reference: Callable[..., tuple[Fraction, ...]] | None = None
    encoding: "SmoothingVariant | None" = None
    model: Any = None

    @property
    def multiplicative(self) -> bool:
        """True for MuS's encoding e = α ⊙ s (the built-in or a variant compiled to it): the MuS closed forms apply.

        A copy made with ``dataclasses.replace(MULTIPLICATIVE)`` is not (the tests use one to run
        the enumerating engine on MuS).
        """
        return self is MULTIPLICATIVE or self.encoding is MULTIPLICATIVE

    def exact(self, h: Classifier, x: Any, alpha: Any, distribution: MaskDistribution, mode: Mode = "average") -> tuple[Fraction, ...]:
        """g(x, α) = Σ_s Pr[s] · h(x ⊙ e(α, s)) as exact rationals (the replay path)."""
        if self.exact_reference is not None:
            return self.exact_reference(h, x, alpha, distribution, mode)
        return _composed_exact(self, h, x, alpha, distribution, mode)

    def key_space(self, n: int) -> int:
        """Number of possible keys, base^n."""
        return int(self.base) ** n

    def __repr__(self) -> str:
        return f"SmoothingVariant({self.name!r})"


def masked_rows(x: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """x ⊙ e for each row of digits; hidden coordinates are exactly +0 (never -0.0)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(digits == 0, 0.0, x[None, :] * digits)


def decode_keys(keys: np.ndarray, base: int, n: int) -> np.ndarray:
    """Integer keys -> (K, n) digit arrays (feature 0 is the least significant digit)."""
    keys = np.asarray(keys, dtype=np.int64)
    if base == 2:
        return ((keys[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(np.int64)
    powers = np.int64(base) ** np.arange(n, dtype=np.int64)
    return (keys[:, None] // powers[None, :]) % base


def visible_code(x: np.ndarray) -> int:
    """The code of {i : x_i ≠ 0}."""
    return int(sum(1 << i for i, v in enumerate(np.asarray(x).tolist()) if v != 0))


def _visible(visible: Any, count: int) -> np.ndarray:
    array = np.asarray(visible, dtype=np.int64)
    return array.reshape(-1, 1) if array.ndim else np.full((count, 1), int(array), dtype=np.int64)


# --- multiplicative: e = α ⊙ s ------------------------------------------------------------------


def _mult_digits(alpha: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return (np.asarray(masks, dtype=bool) & np.asarray(alpha, dtype=bool)[None, :]).astype(np.int64)


def _mult_keys(alpha_codes: np.ndarray, noise_codes: np.ndarray, visible: Any) -> np.ndarray:
    alpha_codes = np.asarray(alpha_codes, dtype=np.int64)
    return (alpha_codes[:, None] & _visible(visible, alpha_codes.shape[0])) & np.asarray(noise_codes, dtype=np.int64)[None, :]


def _mult_exact(h: Classifier, x: Any, alpha: Any, distribution: MaskDistribution, mode: Mode) -> tuple[Fraction, ...]:
    return smooth(h, x, alpha, distribution, mode=mode)


MULTIPLICATIVE = SmoothingVariant(
    name="multiplicative",
    summary="MuS: the classifier sees x ⊙ (α ⊙ s) (paper eq. 3)",
    base=2,
    digits=_mult_digits,
    keys=_mult_keys,
    exact_reference=_mult_exact,
)


# --- additive: e = α + s -------------------------------------------------------------------------

# Base-3 value of the bits of each byte: a code's bits read as ternary digits.
_TERNARY_BYTE = np.array([sum(((c >> i) & 1) * 3**i for i in range(8)) for c in range(256)], dtype=np.int64)


def _ternary(codes: np.ndarray) -> np.ndarray:
    codes = np.asarray(codes, dtype=np.int64)
    out = np.zeros(codes.shape, dtype=np.int64)
    for chunk in range(4):  # up to 32 features; the engine allows 24
        out += _TERNARY_BYTE[(codes >> (8 * chunk)) & 255] * np.int64(3 ** (8 * chunk))
    return out


def _add_digits(alpha: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return np.asarray(alpha, dtype=np.int64)[None, :] + np.asarray(masks, dtype=np.int64)


def _add_keys(alpha_codes: np.ndarray, noise_codes: np.ndarray, visible: Any) -> np.ndarray:
    # digits α_i + s_i never carry in base 3, so the key is ternary(α) + ternary(s), each masked by x's support.
    alpha_codes = np.asarray(alpha_codes, dtype=np.int64)
    vis = _visible(visible, alpha_codes.shape[0])
    return _ternary(alpha_codes[:, None] & vis) + _ternary(np.asarray(noise_codes, dtype=np.int64)[None, :] & vis)


ADDITIVE = SmoothingVariant(
    name="additive",
    summary="additive noise: the classifier sees x ⊙ (α + s), which leaks hidden features (paper Prop. A.1)",
    base=3,
    digits=_add_digits,
    keys=_add_keys,
)


# --- the generic exact reference -----------------------------------------------------------------


def _composed_exact(variant: SmoothingVariant, h: Classifier, x: Any, alpha: Any, distribution: MaskDistribution, mode: Mode) -> tuple[Fraction, ...]:
    """Σ_s Pr[s] h(x ⊙ e(α, s)), each h value taken from :func:`smooth` at a point mass.

    ``smooth(h, row, 1, δ_1)`` is exactly h(row) after the reference's own
    validation, exact float conversion and vote rule, so a variant's replay
    goes through the same exact core as MuS.
    """
    n = distribution.n
    x = check_finite_array(x, "x", ndim=1)
    if x.shape[0] != n:
        raise InvalidArgument("x", x.tolist(), f"an input with n = {n} coordinates")
    alpha = check_binary_vector(alpha, n, "alpha")
    rows = masked_rows(x.astype(np.float64), variant.digits(alpha, distribution.masks))
    point_mass = finite([[1] * n], [1], name="point-mass")
    ones = np.ones(n, dtype=bool)
    cache: dict[bytes, tuple[Fraction, ...]] = {}
    totals: list[Fraction] | None = None
    for row, count in zip(rows, distribution.counts):
        key = row.tobytes()
        if key not in cache:
            cache[key] = smooth(h, row, ones, point_mass, mode=mode)
        value = cache[key]
        if totals is None:
            totals = [Fraction(0)] * len(value)
        for c, v in enumerate(value):
            totals[c] += count * v
    assert totals is not None
    return tuple(t / distribution.total for t in totals)


# --- resolution ----------------------------------------------------------------------------------


def resolve_variant(value: Any) -> SmoothingVariant:
    """The encoding a check runs with: a :class:`SmoothingVariant` as is, or the name of a built-in
    variant whose compiled form is an encoding (``mus``/``multiplicative``, ``additive``).

    Names resolve through :func:`mus_verify.variants.load_variant` (there is no second table). A
    variant that brings its own noise (a user's ``file.py:V``, ``mus-iid``, ...) cannot be paired
    with the caller's distributions: run it with ``CheckConfig(variant=...)`` or
    ``mus-verify check NAME --variant V``, which compile it with its noise (:mod:`.keys`).
    """
    from .keys import encoding_of_name

    if isinstance(value, SmoothingVariant):
        return value
    return encoding_of_name(value)
