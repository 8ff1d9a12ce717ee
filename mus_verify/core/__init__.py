"""Shared tables of the exact core that several layers need (issue 11).

The exact reference itself (``distributions``, ``smoothing``, ``certificates``) still lives at the top
of the package; this package holds what they and the engines above share without importing torch:
:mod:`.tolerances`, the one place every float tolerance is stated, and :mod:`.bits`, masks as integer
codes (popcount, cube edges), the one implementation the engines, the classifiers and the apps call.
"""
