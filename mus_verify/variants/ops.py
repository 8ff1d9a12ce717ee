"""The backend interface a variant is written against, and its exact (rational) implementation.

A variant's code receives ``ops`` and uses only these, plus Python's ``+``,
``-``, ``*``, ``/`` (exact rational division), ``%`` and ``<``, ``<=``, ``>``,
``>=``, ``==``, ``!=`` on the values it is given. Never use ``and``/``or``/
``not``/``if`` on backend values: use ``ops.and_``, ``ops.where``. The variant
actually receives these through :mod:`.guard`, whose wrapped values refuse to
be Python bools, ints or dict keys on *every* backend (on Z3, ``if v == 0``
would silently compare expression trees), with an error naming the line.

The classes below are the raw backends; only :mod:`.guard` calls them with
variant code's values.

=========================  ==================================================================
``ops.name``               ``"exact"``, ``"torch"`` or ``"z3"``
``ops.const(v)``           lift a Python constant (int, Fraction, bool)
``ops.and_(*b)``           conjunction; ``ops.or_``, ``ops.not_`` likewise
``ops.eq(a, b)``           equality as a backend bool
``ops.where(c, a, b)``     a where c holds, else b (scalars)
``ops.mod(a, m)``          a mod m for an integer a >= 0 and a Python int m > 0
``ops.lookup(table, i)``   ``table[i]`` for a Python list of constants and a backend int i
``ops.count(bools)``       number of true entries (a backend int)
``ops.present(v)``         a classifier-input slot holding value v
``ops.absent()``           an empty slot (the classifier sees fewer inputs)
``ops.pick(c, a, b)``      slot a where c holds, else slot b
``ops.value(slot)``        a slot's value (0 when absent); ``ops.is_present(slot)``
=========================  ==================================================================

Exact slots are ``Fraction`` (present) or ``None`` (absent).
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any, Sequence

__all__ = ["ExactOps", "EXACT"]


class ExactOps:
    """Exact backend: Python bools, ints and Fractions; every result is exact."""

    name = "exact"
    true = True
    false = False

    @staticmethod
    def const(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, numbers.Integral):
            return int(value)
        return Fraction(value)

    @staticmethod
    def and_(*bools: Any) -> bool:
        return all(bool(b) for b in bools)

    @staticmethod
    def or_(*bools: Any) -> bool:
        return any(bool(b) for b in bools)

    @staticmethod
    def not_(b: Any) -> bool:
        return not bool(b)

    @staticmethod
    def eq(a: Any, b: Any) -> bool:
        return bool(a == b)

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Any:
        return a if bool(condition) else b

    @staticmethod
    def mod(a: Any, m: int) -> int:
        return int(a) % int(m)

    @staticmethod
    def lookup(table: Sequence[Any], index: Any) -> Any:
        return table[int(index)]

    @staticmethod
    def count(bools: Sequence[Any]) -> int:
        return sum(1 for b in bools if bool(b))

    @staticmethod
    def present(value: Any) -> Fraction:
        return Fraction(value)

    @staticmethod
    def absent() -> None:
        return None

    @staticmethod
    def pick(condition: Any, a: Any, b: Any) -> Any:
        return a if bool(condition) else b

    @staticmethod
    def value(slot: Any) -> Fraction:
        return Fraction(0) if slot is None else slot

    @staticmethod
    def is_present(slot: Any) -> bool:
        return slot is not None


EXACT = ExactOps()
