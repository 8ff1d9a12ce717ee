"""Z3 statements of the removal family (notes §7.5), deterministic and replayed exactly.

Every query runs in a fresh ``z3.Context`` with the given ``rlimit`` and ``random_seed`` (both
recorded in the result). UNSAT of the negated statement is PROVED for the stated domain; a SAT
model is read back as exact rationals (irrational algebraic values are rounded *inwards*, see
:func:`_witness`) and judged exactly by :func:`judge_sharp` before it is reported; ``unknown``
is UNKNOWN, never a pass.

=====================  ======================================================================
statement              negated query (L = 1; summary A at d features)
=====================  ======================================================================
removal-theorem1       ∃ δ, w: w_∅ = 0, w_S² ≤ Σ_{i∈S} δ_i², ‖A w‖² > K² ‖δ‖²   (sharp Thm 1)
removal-theorem2-box   ∃ w: |w_S| ≤ 1, ‖A w‖² > K²                               (sharp Thm 2)
=====================  ======================================================================

Theorem 1's query is the sharp constant C*(A) of the notes (§6): every baseline/marginal game
difference satisfies its constraints (Lemma A1) and every feasible (δ, w) is realised by an
L-Lipschitz model (McShane extension at far-apart hybrid points), so UNSAT at K proves
‖Δφ‖ ≤ K L ‖δ‖ for every model and input, and SAT just below K shows K is sharp. It is homogeneous
of degree 2 in (δ, w), so the solver is given ‖δ‖² = 1 and the implied |w_S| ≤ 1.
Theorem 2's box form: ‖Δv‖_∞ ≤ s (Lemma B1) and every such Δv is realised (tents at distinct
hybrid points), so max_box ‖A w‖ is the sharp Theorem 2 constant. Three exact encodings:

* ``real`` (default d ≤ 2): the box itself, nonlinear real arithmetic;
* ``vertex`` (default d = 3): the vertices w ∈ {±1}^{2^d} (a convex function on a box peaks at a
  vertex; w_∅ = +1 by w ↦ −w), bit-vector arithmetic on the integer matrix N = D·A;
* ``dual`` (default d ≥ 4): max_box ‖A w‖_2 = max_{‖u‖_2 ≤ 1} ‖Aᵀ u‖_1 (the ∞→2 and 2→1 norms are
  dual), so the query is ∃ u: ‖u‖² ≤ 1, Σ_S |(Nᵀu)_S| > K·D with only d real variables. For a
  permutation-symmetric A (checked exactly) the sum is invariant under permuting u and under u ↦ −u,
  so u_1 ≥ ... ≥ u_d and Σ u ≥ 0 are added without loss. A SAT u gives the vertex w = sign(Aᵀu),
  which is judged exactly.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Mapping, Sequence

from .._validation import as_fraction, as_int
from ..errors import InternalError, InvalidArgument
from ..results import CheckResult, Counterexample, Verdict, register_replayer
from .norms import sqrt_lower, sqrt_upper
from .operators import SUMMARIES, SummaryOperator, by_name
from .properties import symmetry_witness
from .._z3 import load_z3

__all__ = ["prove_theorem1", "prove_theorem2_box", "search_sharp_constant", "judge_sharp", "replay_sharp", "SHARP_K2"]

MAX_THEOREM1_D = 3
MAX_BOX_D = 5


def _z3() -> Any:
    return load_z3("the Z3 statements")


# --- K²: rational, or "a + b·√c" for the irrational sharp constants --------------------------------

def SHARP_K2(summary: str, d: int) -> tuple[Fraction, Fraction, int] | None:
    """The sharp Theorem 1 constant C*² = a + b√c (notes §6) where it is known in closed form."""
    if summary == "loo":
        return (Fraction(1), Fraction(0), 0) if d == 1 else (Fraction(2 * d - 1), Fraction(2), d * (d - 1))  # (√d + √(d−1))²
    if summary in ("shapley", "banzhaf", "mwi") and d == 1:
        return Fraction(1), Fraction(0), 0
    if summary in ("shapley", "banzhaf") and d == 2:
        return Fraction(3, 2), Fraction(0), 0
    if summary == "mwi" and d == 2:
        return Fraction(3, 4), Fraction(1, 2), 2  # ((1 + √2)/2)²
    return None


def _paper_k2(operator: SummaryOperator) -> Fraction:
    from .theorems import h_squared

    return h_squared("paper", operator)


def _k2(params: Mapping[str, str], operator: SummaryOperator, default: str) -> tuple[Fraction, Fraction, int, str]:
    """(a, b, c, text) with K² = a + b√c from the ``k2`` param: 'paper', 'sharp', 'sharp-1/1000' or a rational."""
    text = params.get("k2", default)
    offset = Fraction(0)
    base = text
    if text.startswith("sharp-"):
        base, offset = "sharp", as_fraction(text[len("sharp-"):], "k2")
    if base == "paper":
        return _paper_k2(operator), Fraction(0), 0, f"paper h² = {_paper_k2(operator)}"
    if base == "sharp":
        sharp = SHARP_K2(operator.name, operator.d)
        if sharp is None:
            raise InvalidArgument("k2", text, f"paper, a rational, or sharp[-EPS] where the sharp constant is known (LOO any d; Shapley/Banzhaf d ≤ 2; MWI d ≤ 2), not {operator.name} at d = {operator.d}")
        a, b, c = sharp
        exact_text = f"C*² = {a}" + (f" + {b}√{c}" if b else "")
        if not b:
            return a - offset, Fraction(0), 0, exact_text + (f" − {offset}" if offset else "")
        # An irrational C*²: asked at a rational within 10⁻⁹ above it (for UNSAT) or below it minus EPS (for SAT),
        # which keeps the query polynomial in the model's variables only (a √c variable makes Z3 far slower).
        if offset:
            return a + b * sqrt_lower(Fraction(c), 10 ** 9) - offset, Fraction(0), 0, f"{exact_text} − {offset} (rounded down)"
        return a + b * sqrt_upper(Fraction(c), 10 ** 9), Fraction(0), 0, f"{exact_text} (rounded up by < 10⁻⁸)"
    value = as_fraction(text, "k2")
    if value <= 0:
        raise InvalidArgument("k2", text, "a positive rational, paper, sharp or sharp-EPS")
    return value, Fraction(0), 0, f"K² = {value}"


def _operator(params: Mapping[str, str], max_d: int, default_summary: str = "shapley") -> SummaryOperator:
    unknown = set(params) - {"summary", "d", "k2", "encoding"}
    if unknown:
        raise InvalidArgument("--param", sorted(unknown)[0], "one of summary, d, k2, encoding")
    summary = params.get("summary", default_summary)
    if summary not in SUMMARIES:
        raise InvalidArgument("summary", summary, f"one of {', '.join(SUMMARIES)}")
    d = as_int(int(params.get("d", "2")) if str(params.get("d", "2")).lstrip("-").isdigit() else params.get("d"), "d", low=1, high=max_d)
    return by_name(summary, d)


# --- exact judge and replay ----------------------------------------------------------------------------

def judge_sharp(summary: str, d: int, delta: Sequence[Fraction] | None, w: Sequence[Fraction], k2: tuple[Fraction, Fraction, int]) -> tuple[bool, Fraction]:
    """(the witness violates the bound, ‖A w‖²) exactly. Theorem 1 form when ``delta`` is given
    (w_∅ = 0, w_S² ≤ ‖δ_S‖², ‖Aw‖² > K²‖δ‖²), else the box form (|w_S| ≤ 1, ‖Aw‖² > K²).
    K² = a + b√c is compared without square roots (b ≥ 0)."""
    A = by_name(summary, d)
    phi = [sum((a * x for a, x in zip(row, w)), Fraction(0)) for row in A.rows]
    value = sum((p * p for p in phi), Fraction(0))
    if delta is not None:
        if w[0] != 0 or any(w[S] ** 2 > sum((delta[i] ** 2 for i in range(d) if S >> i & 1), Fraction(0)) for S in range(1 << d)):
            return False, value
        scale = sum((x * x for x in delta), Fraction(0))
    else:
        if any(abs(x) > 1 for x in w):
            return False, value
        scale = Fraction(1)
    a, b, c = k2
    # value > (a + b√c)·scale  ⇔  value/scale − a > b√c  ⇔  t > 0 and t² > b²c (b ≥ 0)
    if scale == 0:
        return False, value
    t = value / scale - a
    return (t > 0 and t * t > b * b * c) if b else t > 0, value


def replay_sharp(data: Mapping[str, Any]) -> bool:
    """True iff the recorded witness still violates the recorded K² exactly."""
    k2 = tuple(data["k2"])
    delta = None if data.get("delta") is None else [as_fraction(x, "delta") for x in data["delta"]]
    return judge_sharp(data["summary"], int(data["d"]), delta, [as_fraction(x, "w") for x in data["w"]],
                       (as_fraction(k2[0], "k2"), as_fraction(k2[1], "k2"), int(k2[2])))[0]


# --- queries -----------------------------------------------------------------------------------------

def _check(z3: Any, solver: Any) -> tuple[str, int, float]:
    started = time.perf_counter()
    outcome = solver.check()
    elapsed = time.perf_counter() - started
    stats = solver.statistics()
    used = int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else -1
    text = "sat" if outcome == z3.sat else "unsat" if outcome == z3.unsat else "unknown"
    return text, used, elapsed


def _rat(z3: Any, model: Any, var: Any) -> Fraction:
    """The model's value as an exact rational; an irrational algebraic value is rounded to 30 decimals
    (the caller shrinks it back into the feasible set and the exact judge has the last word)."""
    value = model.eval(var, model_completion=True)
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    if z3.is_algebraic_value(value):
        approx = value.approx(30)
        return Fraction(approx.numerator_as_long(), approx.denominator_as_long())
    raise InternalError(f"Z3 returned a non-numeral {value}")


def _witness(z3: Any, model: Any, deltas: list[Any], ws: list[Any], d: int) -> tuple[list[Fraction], list[Fraction]]:
    """Exact (δ, w) from a model: δ rational (rounded if algebraic), then each w_S shrunk inwards to a
    rational with w_S² ≤ ‖δ_S‖² (the same sign, |w_S| ≤ √‖δ_S‖² − 10⁻¹²) where the model's own value is
    not already feasible. The exact judge decides whether the rounded witness still violates."""
    delta = [_rat(z3, model, v) for v in deltas]
    w = [Fraction(0)]
    for S in range(1, 1 << d):
        value = _rat(z3, model, ws[S])
        bound = sum((delta[i] ** 2 for i in range(d) if S >> i & 1), Fraction(0))
        if value * value > bound:
            value = (1 if value > 0 else -1) * sqrt_lower(bound, 10 ** 12)
        w.append(value)
    return delta, w


def _result(name: str, verdict: Verdict, operator: SummaryOperator, k2_text: str, k2: tuple[Fraction, Fraction, int], outcome: str, used: int,
            elapsed: float, rlimit: int, seed: int, encoding: str, message: str, cex: Counterexample | None = None) -> CheckResult:
    params = {"summary": operator.name, "d": operator.d, "k2": k2_text, "k2_exact": [k2[0], k2[1], k2[2]], "rlimit": rlimit, "random_seed": seed,
              "encoding": encoding, "quantified_over": "every δ ∈ R^d and w satisfying the constraints" if name == "removal-theorem1" else "every w in the box [-1, 1]^(2^d)"}
    return CheckResult(name, verdict, "z3", 1, params, cex, None, message, elapsed, {"z3_outcome": outcome, "rlimit_used": used})


def prove_theorem1(params: Mapping[str, str], *, rlimit: int, seed: int) -> list[CheckResult]:
    """Sharp Theorem 1 at K² (param k2: paper (default), sharp, sharp-EPS or a rational), d ≤ 3."""
    z3 = _z3()
    operator = _operator(params, MAX_THEOREM1_D)
    a, b, c, text = _k2(params, operator, "paper")
    d = operator.d
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.set("rlimit", rlimit)
    solver.set("random_seed", seed)
    deltas = [z3.Real(f"delta_{i}", ctx) for i in range(d)]
    ws = [z3.RealVal(0, ctx)] + [z3.Real(f"w_{S}", ctx) for S in range(1, 1 << d)]
    solver.add(z3.Sum([x * x for x in deltas]) == 1)
    for S in range(1, 1 << d):
        solver.add(ws[S] * ws[S] <= z3.Sum([deltas[i] * deltas[i] for i in range(d) if S >> i & 1]), ws[S] <= 1, ws[S] >= -1)
    phi = [z3.Sum([z3.RealVal(str(x), ctx) * ws[S] for S, x in enumerate(row) if x and S]) if any(row[1:]) else z3.RealVal(0, ctx) for row in operator.rows]
    k2 = z3.RealVal(str(a), ctx)
    if b:
        root = z3.Real("sqrt_c", ctx)
        solver.add(root >= 0, root * root == c)
        k2 = k2 + z3.RealVal(str(b), ctx) * root
    solver.add(z3.Sum([p * p for p in phi]) > k2)
    outcome, used, elapsed = _check(z3, solver)
    exact = (a, b, c)
    head = f"Theorem 1 for {operator.name} at d = {d} with {text}"
    if outcome == "unsat":
        return [_result("removal-theorem1", Verdict.PROVED, operator, text, exact, outcome, used, elapsed, rlimit, seed, "real",
                        f"{head}: UNSAT, ‖Δφ‖ ≤ K·L·‖δ‖ for every L-Lipschitz model, input pair and baseline/marginal removal")]
    if outcome == "unknown":
        return [_result("removal-theorem1", Verdict.UNKNOWN, operator, text, exact, outcome, used, elapsed, rlimit, seed, "real",
                        f"{head}: Z3 gave up within rlimit {rlimit} (raise --rlimit)")]
    delta, w = _witness(z3, solver.model(), deltas, ws, d)
    violates, value = judge_sharp(operator.name, d, delta, w, exact)
    if not violates:
        return [_result("removal-theorem1", Verdict.UNKNOWN, operator, text, exact, outcome, used, elapsed, rlimit, seed, "real",
                        f"{head}: SAT, but the exactly rounded witness no longer violates the bound (‖Aw‖² = {value}); nothing is claimed")]
    data = {"summary": operator.name, "d": d, "k2": [a, b, c], "delta": delta, "w": w, "norm_squared": value}
    summary = f"{head}: K is not valid: ‖A w‖² = {float(value):.6f} > K² ‖δ‖² = {float((a + b * math.sqrt(c)) * sum(x * x for x in delta)):.6f}"
    return [_result("removal-theorem1", Verdict.REFUTED, operator, text, exact, outcome, used, elapsed, rlimit, seed, "real", summary,
                    Counterexample("removal-sharp", summary, data))]


def prove_theorem2_box(params: Mapping[str, str], *, rlimit: int, seed: int) -> list[CheckResult]:
    """Theorem 2's box form max_{|w_S| ≤ 1} ‖A w‖² ≤ K² (k2 default 4, i.e. constant 2), d ≤ 5.
    encoding: real (d ≤ 2 default) or vertex (bit-vectors over w ∈ {±1}^{2^d}; d ≥ 3 default)."""
    z3 = _z3()
    operator = _operator(params, MAX_BOX_D)
    a, b, c, text = _k2(params, operator, "4")
    if b:
        raise InvalidArgument("k2", params.get("k2"), "a rational for the box form")
    d = operator.d
    encoding = params.get("encoding", "real" if d <= 2 else "vertex" if d == 3 else "dual")
    if encoding not in ("real", "vertex", "dual"):
        raise InvalidArgument("encoding", encoding, "real, vertex or dual")
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.set("rlimit", rlimit)
    solver.set("random_seed", seed)
    columns = 1 << d
    if encoding == "real":
        ws = [z3.Real(f"w_{S}", ctx) for S in range(columns)]
        for x in ws:
            solver.add(x <= 1, x >= -1)
        phi = [z3.Sum([z3.RealVal(str(x), ctx) * ws[S] for S, x in enumerate(row) if x]) for row in operator.rows]
        solver.add(z3.Sum([p * p for p in phi]) > z3.RealVal(str(a), ctx))
    elif encoding == "dual":
        numerators, denominator = operator.scaled()
        us = [z3.Real(f"u_{i}", ctx) for i in range(d)]
        solver.add(z3.Sum([u * u for u in us]) <= 1)
        if symmetry_witness(operator) is None:
            solver.add(*[us[i] >= us[i + 1] for i in range(d - 1)], z3.Sum(us) >= 0)
        columns_u = [z3.Sum([z3.IntVal(numerators[i][S], ctx) * us[i] for i in range(d) if numerators[i][S]]) for S in range(columns)]
        absolute = [z3.If(c >= 0, c, -c) for c in columns_u]
        # Σ|Nᵀu| > K·D ⇔ (Σ|Nᵀu|)² > K²·D² with Σ|·| ≥ 0: keep K² rational
        total_u = z3.Sum(absolute)
        solver.add(total_u * total_u * a.denominator > a.numerator * denominator * denominator)
    else:
        numerators, denominator = operator.scaled()
        limit = max(sum(abs(x) for x in row) for row in numerators)
        width = 2 * max(1, limit.bit_length()) + max(1, d.bit_length()) + 2 + max(0, (a * denominator * denominator).numerator.bit_length())
        signs = [None] + [z3.Bool(f"neg_{S}", ctx) for S in range(1, columns)]  # neg_S true means w_S = −1; w_∅ = +1

        def term(x: int, S: int) -> Any:
            value = z3.BitVecVal(x, width, ctx)
            return value if S == 0 else z3.If(signs[S], -value, value)

        phi = [sum((term(x, S) for S, x in enumerate(row) if x), z3.BitVecVal(0, width, ctx)) for row in numerators]
        total = sum((p * p for p in phi), z3.BitVecVal(0, width, ctx))
        # ‖Nw‖² > a D² (a = K² rational: compare ‖Nw‖² · a.den > a.num · D²); no overflow at this width
        solver.add(z3.UGT(total * z3.BitVecVal(a.denominator, width, ctx), z3.BitVecVal(a.numerator * denominator * denominator, width, ctx)))
    outcome, used, elapsed = _check(z3, solver)
    exact = (a, Fraction(0), 0)
    head = f"Theorem 2 box form for {operator.name} at d = {d}, K² = {a}"
    if outcome == "unsat":
        return [_result("removal-theorem2-box", Verdict.PROVED, operator, text, exact, outcome, used, elapsed, rlimit, seed, encoding,
                        f"{head}: UNSAT, ‖φ(f,x) − φ(f',x)‖ ≤ {math.sqrt(a):.6g}·‖f − f'‖_∞ for every model pair ({encoding} encoding)")]
    if outcome == "unknown":
        return [_result("removal-theorem2-box", Verdict.UNKNOWN, operator, text, exact, outcome, used, elapsed, rlimit, seed, encoding,
                        f"{head}: Z3 gave up within rlimit {rlimit} (raise --rlimit)")]
    model = solver.model()
    if encoding == "real":
        w = [max(Fraction(-1), min(Fraction(1), _rat(z3, model, x))) for x in ws]
    elif encoding == "dual":
        u = [_rat(z3, model, x) for x in us]
        w = [Fraction(1) if sum((row[S] * ui for row, ui in zip(operator.rows, u)), Fraction(0)) >= 0 else Fraction(-1) for S in range(columns)]
    else:
        w = [Fraction(1)] + [Fraction(-1) if z3.is_true(model.eval(signs[S], model_completion=True)) else Fraction(1) for S in range(1, columns)]
    violates, value = judge_sharp(operator.name, d, None, w, exact)
    if not violates:
        if encoding == "vertex":  # the vertex model is exact: a disagreement is our bug
            raise InternalError(f"{head}: Z3's model does not violate the bound in exact arithmetic (‖Aw‖² = {value})")
        return [_result("removal-theorem2-box", Verdict.UNKNOWN, operator, text, exact, outcome, used, elapsed, rlimit, seed, encoding,
                        f"{head}: SAT, but the rounded witness no longer violates the bound exactly (‖Aw‖² = {value}); nothing is claimed")]
    data = {"summary": operator.name, "d": d, "k2": [a, 0, 0], "delta": None, "w": w, "norm_squared": value}
    summary = f"{head}: the vertex w gives ‖A w‖² = {value} > {a}"
    return [_result("removal-theorem2-box", Verdict.REFUTED, operator, text, exact, outcome, used, elapsed, rlimit, seed, encoding, summary,
                    Counterexample("removal-sharp", summary, data))]


def search_sharp_constant(params: Mapping[str, str], *, rlimit: int, seed: int) -> list[CheckResult]:
    """Just below the sharp Theorem 1 constant (k2 default sharp-1/1000): a witness must exist (SAT,
    replayed), showing C* cannot be lowered. Returns the REFUTED result for K² = C*² − ε."""
    return prove_theorem1({"k2": "sharp-1/1000", **params}, rlimit=rlimit, seed=seed)


register_replayer("removal-sharp", "mus_verify.removal.z3_statements:replay_sharp")
