"""Z3 statements of the top-k family (r2et-notes §6, queries Z1–Z7), deterministic and replayed.

Every query runs in a fresh ``z3.Context`` with a fixed ``rlimit`` and ``random_seed`` (recorded in
the result), so repeated in-process calls are identical. UNSAT of the negated statement is PROVED
for the stated symbolic domain; SAT gives a model whose values are read back as exact rationals and
judged by :mod:`.theorems` before anything is printed (a SAT model the exact judge does not call a
violation raises :class:`~mus_verify.errors.InternalError`); ``unknown`` is UNKNOWN.

===== ===================================================== =========================== ========
query statement (negated for the solver)                       domain                      expected
===== ===================================================== =========================== ========
Z1    T1a/T1d: ‖δ‖∞ < h/L and the pair (i, j) ties or flips   every rational g, A, δ, d   UNSAT
Z2    min t over |δ_l| <= t and a tie/flip = exact radius      one rational instance       equal
Z3    the sign-based rule of the official code                 every rational g, A, δ, d   SAT
Z4    ReLU net with zero Hessian near x, top-1 flip within r   2 inputs, 2 hidden units    SAT
Z5    T2: path thickness < min(1, h/(Lε)), affine gap          every h, a, δ, ε, d         UNSAT
Z6    T3: Optimize the AT inner max = closed form, dominated   one rational instance       equal
Z7    T4: a sign-step path flips before step h/(ηL)            every h, a, paths, t <= T   UNSAT
===== ===================================================== =========================== ========
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any, Callable, Mapping

from .._validation import as_fraction, as_int
from ..errors import InternalError, InvalidArgument
from ..results import CheckResult, Counterexample, Verdict
from .affine import AffineSaliency, from_quadratic
from .radii import certify
from .theorems import RadiusWitness, counterexample, judge_radius, replay_radius
from .._z3 import load_z3

__all__ = ["prove_certificate", "prove_exact_radius", "search_sign_bound", "search_relu_zero_hessian", "prove_thickness", "prove_at", "prove_steps"]

DEFAULT_RLIMIT = 20_000_000
MAX_DIM = 3


def _z3() -> Any:
    return load_z3("the Z3 queries")


def _rational(z3: Any, value: Any) -> Fraction:
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    if z3.is_algebraic_value(value):
        raise InternalError(f"Z3 returned an irrational model value {value}; the queries are linear in the model's numbers")
    raise InternalError(f"Z3 returned a non-numeral {value}")


def _solve(z3: Any, ctx: Any, constraints: list[Any], rlimit: int, seed: int) -> tuple[str, Any, int]:
    solver = z3.Solver(ctx=ctx)
    solver.set("rlimit", rlimit)
    solver.set("random_seed", seed)
    solver.add(*constraints)
    answer = solver.check()
    stats = solver.statistics()
    used = next((int(stats.get_key_value(k)) for k in stats.keys() if k == "rlimit count"), 0)
    return str(answer), (solver.model() if answer == z3.sat else solver.reason_unknown() if answer == z3.unknown else None), used


def _optimizer(z3: Any, dim: int, rlimit: int, seed: int) -> tuple[Any, Any, list[Any]]:
    """A fresh context, an Optimize with the deterministic budget, and the perturbation δ ∈ Q^dim."""
    ctx = z3.Context()
    opt = z3.Optimize(ctx=ctx)
    opt.set("rlimit", rlimit)
    opt.set("random_seed", seed)
    return ctx, opt, [z3.Real(f"d{c}", ctx) for c in range(dim)]


def _abs(z3: Any, e: Any) -> Any:
    return z3.If(e >= 0, e, -e)


def _result(name: str, statement: str, answer: str, params: Mapping[str, Any], used: int, started: float, *,
            counterexample: Counterexample | None = None, reason: str = "", expected: str = "unsat", message: str = "") -> CheckResult:
    params = {**params, "statement": statement, "expected": expected}
    details = {"rlimit_count": used, "z3_answer": answer}
    elapsed = time.perf_counter() - started
    if answer == "unsat":
        return CheckResult(name, Verdict.PROVED, "z3", 1, params, message=message or f"{statement}: Z3 UNSAT (no counterexample exists)", elapsed_s=elapsed, details=details)
    if answer == "sat":
        assert counterexample is not None
        return CheckResult(name, Verdict.REFUTED, "z3", 1, params, counterexample, message=counterexample.summary, elapsed_s=elapsed, details=details)
    return CheckResult(name, Verdict.UNKNOWN, "z3", 0, params, message=f"Z3 gave up ({reason}); raise --rlimit", elapsed_s=elapsed, details=details)


def _budget(params: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    if key not in params:
        return default
    try:
        value = int(params[key])
    except ValueError:
        raise InvalidArgument(f"--param {key}", params[key], f"an integer in {low}..{high}") from None
    return as_int(value, f"--param {key}", low=low, high=high)


def _choice(params: Mapping[str, str], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = params.get(key, default)
    if value not in allowed:
        raise InvalidArgument(f"--param {key}", value, f"one of {', '.join(allowed)}")
    return value


def _unknown_keys(params: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(params) - set(allowed))
    if extra:
        raise InvalidArgument("--param", extra[0], f"one of the keys {', '.join(allowed) or '(none)'} for this property")


# --- Z1 / Z3: certificate soundness over every rational instance -----------------------------------------

def _pair_query(z3: Any, ctx: Any, dim: int, absolute: bool, rule: str) -> tuple[list[Any], dict[str, Any]]:
    """Two features i = 0, j = 1, symbolic g, A, δ: ‖δ‖∞ < h/L (as t·L < h) and I_j >= I_i at x + δ."""
    R = lambda name: z3.Real(name, ctx)  # noqa: E731
    g = [R("g0"), R("g1")]
    A = [[R(f"a{r}_{c}") for c in range(dim)] for r in range(2)]
    d = [R(f"d{c}") for c in range(dim)]
    t = R("t")
    u = [g[r] + z3.Sum([A[r][c] * d[c] for c in range(dim)]) for r in range(2)]
    I = [_abs(z3, e) for e in u] if absolute else u
    I0 = [_abs(z3, e) for e in g] if absolute else g
    h = I0[0] - I0[1]
    norm1 = lambda vec: z3.Sum([_abs(z3, e) for e in vec])  # noqa: E731
    inside: list[Any] = []
    if rule == "t1a":
        # L = max(‖A_i − A_j‖₁, ‖A_i + A_j‖₁) for |·| saliency; t·max(L1, L2) < h is t·L1 < h and t·L2 < h.
        L = norm1([A[0][c] - A[1][c] for c in range(dim)])
        if absolute:
            inside.append(t * norm1([A[0][c] + A[1][c] for c in range(dim)]) < h)
    elif rule == "t1d":
        L = norm1(A[0]) + norm1(A[1])
    elif rule == "sign":
        sign = lambda e: z3.If(e > 0, 1, z3.If(e < 0, -1, 0))  # noqa: E731
        ss = sign(g[0]) * sign(g[1])
        L = norm1([A[0][c] - ss * A[1][c] for c in range(dim)])
    else:
        raise InvalidArgument("--param rule", rule, "t1a, t1d or sign")
    constraints = [h > 0, t >= 0, *[_abs(z3, e) <= t for e in d]]
    # Inside the certified ball: t < h/L, i.e. t·L < h (L = 0 makes the claim infinite: any t).
    constraints += [t * L < h, *inside, I[1] >= I[0]]
    return constraints, {"g": g, "A": A, "delta": d}


def _witness_model(z3: Any, model: Any, symbols: dict[str, Any], absolute: bool) -> tuple[AffineSaliency, tuple[Fraction, ...]]:
    value = lambda e: _rational(z3, model.eval(e, model_completion=True))  # noqa: E731
    g = [value(e) for e in symbols["g"]]
    A = [[value(e) for e in row] for row in symbols["A"]]
    return AffineSaliency.create(g, A, absolute=absolute), tuple(value(e) for e in symbols["delta"])


def prove_certificate(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z1 (and Z3 with rule=sign): ℓ∞ pair certificates for every rational g, A, δ in dimensions 1..dim."""
    _unknown_keys(params, ("dim", "saliency", "rule"))
    z3 = _z3()
    dim_max = _budget(params, "dim", 2, 1, MAX_DIM)
    saliency = _choice(params, "saliency", "both", ("signed", "absolute", "both"))
    chosen = _choice(params, "rule", "sound", ("sound", "t1a", "t1d", "sign"))
    kinds = (False, True) if saliency == "both" else (saliency == "absolute",)
    results = []
    for absolute in kinds:
        # "sound": T1a for signed saliency (exact on affine models), T1d for absolute saliency. T1a on
        # absolute saliency is sound too (the exhaustive check covers it) but Z3 exhausts 2·10^8 rlimit at dim 2.
        rule = ("t1d" if absolute else "t1a") if chosen == "sound" else chosen
        for dim in range(1, dim_max + 1):
            started = time.perf_counter()
            ctx = z3.Context()
            constraints, symbols = _pair_query(z3, ctx, dim, absolute, rule)
            answer, model, used = _solve(z3, ctx, constraints, rlimit, seed)
            name = f"topk-certificate-z3[{'absolute' if absolute else 'signed'},dim={dim},{rule}]"
            params_out = {"dim": dim, "saliency": "absolute" if absolute else "signed", "rule": rule, "rlimit": rlimit, "random_seed": seed,
                          "quantified_over": "every rational g ∈ Q², A ∈ Q^{2×dim}, δ (ℓ∞)"}
            cx = None
            if answer == "sat":
                witness, delta = _witness_model(z3, model, symbols, absolute)
                judgement = judge_radius(RadiusWitness(witness, 1, "inf", rule))
                if not judgement.violated:
                    raise InternalError(f"Z3 found {witness.spec()} at δ={delta} but the exact judge sees no violation")
                data = {"model": witness.spec(), "k": 1, "p": "inf", "rule": rule, **judgement.data, "z3_delta": delta}
                cx = counterexample("topk-radius", f"rule {rule}: {judgement.detail}", data)
                if not replay_radius(data):
                    raise InternalError("the Z3 counterexample does not replay in the exact reference")
            results.append(_result(name, "no δ inside the certified ℓ∞ ball ties or flips the pair", answer, params_out, used, started,
                                   counterexample=cx, reason=str(model), expected="sat" if rule == "sign" else "unsat"))
    return results


def search_sign_bound(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z3: the sign-based rule on absolute saliency has a counterexample (expected REFUTED)."""
    merged = {"saliency": "absolute", "rule": "sign", **params}
    return prove_certificate(merged, rlimit=rlimit, seed=seed)


# --- Z2: the exact radius is the optimum ---------------------------------------------------------------------

def _instance(params: Mapping[str, str]) -> AffineSaliency:
    """The default Z2/Z6 instance: a rational quadratic with 3 features (or the notes' sign example)."""
    which = _choice(params, "instance", "quadratic", ("quadratic", "notes-sign"))
    if which == "notes-sign":
        return AffineSaliency.create([2, Fraction(1, 1000)], [[1, 0], [1, 0]], absolute=True)
    absolute = _choice(params, "saliency", "signed", ("signed", "absolute")) == "absolute"
    return from_quadratic([[2, 1, 0], [1, -1, Fraction(1, 2)], [0, Fraction(1, 2), 3]], [1, 0, -1], [Fraction(1, 2), Fraction(1, 3), Fraction(-1, 4)], absolute=absolute)


def prove_exact_radius(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z2: Z3 Optimize's minimum of max_l |δ_l| over ties/flips equals the exact LP radius."""
    _unknown_keys(params, ("instance", "saliency", "k"))
    z3 = _z3()
    model = _instance(params)
    k = _budget(params, "k", 1, 1, model.n - 1)
    started = time.perf_counter()
    ctx, opt, d = _optimizer(z3, model.dim, rlimit, seed)
    t = z3.Real("t", ctx)
    u = [z3.RealVal(str(model.g[r]), ctx) + z3.Sum([z3.RealVal(str(model.A[r][c]), ctx) * d[c] for c in range(model.dim)]) for r in range(model.n)]
    I = [_abs(z3, e) for e in u] if model.absolute else u
    top = model.top_k(k)
    opt.add(*[_abs(z3, e) <= t for e in d])
    opt.add(z3.Or([I[j] >= I[i] for i in top for j in range(model.n) if j not in top]))
    opt.minimize(t)
    answer = opt.check()
    exact, pair = model.exact_set_radius(k, "inf")
    params_out = {"model": model.spec(), "k": k, "rlimit": rlimit, "random_seed": seed, "quantified_over": "one rational instance"}
    if answer != z3.sat:
        return [_result("topk-exact-radius-z3", "Z3's minimum equals the exact radius", "unknown", params_out, 0, started, reason=str(opt.reason_unknown()), expected="equal")]
    optimum = _rational(z3, opt.model().eval(t, model_completion=True))
    if optimum != exact:
        raise InternalError(f"Z3 minimum {optimum} ≠ exact LP radius {exact} on {model.spec()}")
    verdict, cx = Verdict.PROVED, None
    return [CheckResult("topk-exact-radius-z3", verdict, "z3", 1, params_out, cx, Fraction(0), f"Z3 Optimize minimum {optimum} = exact radius {exact} (pair {pair})",
                        time.perf_counter() - started, {"z3_optimum": optimum, "exact": exact})]


# --- Z4: ReLU networks, zero Hessian ---------------------------------------------------------------------------

def search_relu_zero_hessian(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z4 (T1e): a 2-2-1 ReLU net whose units keep their state on a ball around x (so the Hessian is 0
    there, and T1c would certify ∞) yet whose top-1 gradient saliency flips within ‖δ‖∞ <= r."""
    _unknown_keys(params, ("r",))
    z3 = _z3()
    r = as_fraction(params.get("r", "1/100"), "--param r")
    if not 0 < r <= 1:
        raise InvalidArgument("--param r", r, "a rational in (0, 1]")
    started = time.perf_counter()
    ctx = z3.Context()
    R = lambda name: z3.Real(name, ctx)  # noqa: E731
    W = [[R(f"w{h}_{c}") for c in range(2)] for h in range(2)]
    b = [R(f"b{h}") for h in range(2)]
    v = [R(f"v{h}") for h in range(2)]
    d = [R("d0"), R("d1")]
    pre = lambda h, z: W[h][0] * z[0] + W[h][1] * z[1] + b[h]  # noqa: E731
    # Saliency at a point z: Σ_h v_h W_h 1[pre_h(z) > 0]  (gradient of f = Σ v_h relu(pre_h)).
    sal = lambda z, c: z3.Sum([z3.If(pre(h, z) > 0, v[h] * W[h][c], 0) for h in range(2)])  # noqa: E731
    x = [z3.RealVal(0, ctx), z3.RealVal(0, ctx)]
    xd = [x[c] + d[c] for c in range(2)]
    rv = z3.RealVal(str(r), ctx)
    constraints = [*[_abs(z3, e) <= rv for e in d], *[z3.Or(b[h] > 0, b[h] < 0) for h in range(2)],
                   *[_abs(z3, W[h][c]) <= 4 for h in range(2) for c in range(2)], *[_abs(z3, e) <= 4 for e in v + b],
                   sal(x, 0) > sal(x, 1), sal(xd, 1) >= sal(xd, 0)]
    answer, model, used = _solve(z3, ctx, constraints, rlimit, seed)
    params_out = {"r": r, "x": [0, 0], "architecture": "2-2-1 ReLU", "rlimit": rlimit, "random_seed": seed}
    cx = None
    if answer == "sat":
        val = lambda e: _rational(z3, model.eval(e, model_completion=True))  # noqa: E731
        data = {"W": [[val(e) for e in row] for row in W], "b": [val(e) for e in b], "v": [val(e) for e in v], "delta": [val(e) for e in d], "r": r}
        if not replay_relu(data):
            raise InternalError("the Z3 ReLU witness does not replay in the exact reference")
        cx = counterexample("topk-relu", f"zero Hessian at x, yet the top-1 feature flips at ‖δ‖∞ <= {r}", data)
    return [_result("topk-relu-zero-hessian-z3", "small (zero) Hessian at x implies a stable top-k (false for ReLU nets)", answer, params_out, used, started,
                    counterexample=cx, reason=str(model), expected="sat")]


def relu_saliency(data: Mapping[str, Any], z: list[Fraction]) -> list[Fraction]:
    W = [[as_fraction(e, "W") for e in row] for row in data["W"]]
    b = [as_fraction(e, "b") for e in data["b"]]
    v = [as_fraction(e, "v") for e in data["v"]]
    active = [W[h][0] * z[0] + W[h][1] * z[1] + b[h] > 0 for h in range(len(b))]
    return [sum((v[h] * W[h][c] for h in range(len(b)) if active[h]), Fraction(0)) for c in range(2)]


def replay_relu(data: Mapping[str, Any]) -> bool:
    """True iff: no unit sits on its kink at x = 0 (Hessian 0 on a neighbourhood, so T1c certifies ∞),
    feature 0 is strictly first at x, and feature 1 ties or wins at x + δ with ‖δ‖∞ <= r."""
    delta = [as_fraction(e, "delta") for e in data["delta"]]
    r = as_fraction(data["r"], "r")
    if any(as_fraction(e, "b") == 0 for e in data["b"]) or max(abs(e) for e in delta) > r:
        return False
    at_x, after = relu_saliency(data, [Fraction(0), Fraction(0)]), relu_saliency(data, delta)
    return at_x[0] > at_x[1] and after[1] >= after[0]


# --- Z5: thickness ---------------------------------------------------------------------------------------------

def prove_thickness(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z5 (T2): for every affine gap h0 + a·δ with h0 > 0 and ‖δ‖∞ <= ε, the path thickness h0/(−a·δ)
    (when < 1) is >= min(1, h0/(‖a‖₁ε)); negated: −a·δ > h0 and −a·δ > ‖a‖₁ε."""
    _unknown_keys(params, ("dim",))
    z3 = _z3()
    dim_max = _budget(params, "dim", 3, 1, MAX_DIM)
    results = []
    for dim in range(1, dim_max + 1):
        started = time.perf_counter()
        ctx = z3.Context()
        a = [z3.Real(f"a{c}", ctx) for c in range(dim)]
        d = [z3.Real(f"d{c}", ctx) for c in range(dim)]
        h0, eps = z3.Real("h0", ctx), z3.Real("eps", ctx)
        s = z3.Sum([a[c] * d[c] for c in range(dim)])
        L = z3.Sum([_abs(z3, e) for e in a])
        constraints = [h0 > 0, eps > 0, *[_abs(z3, e) <= eps for e in d], -s > h0, -s > L * eps]
        answer, model, used = _solve(z3, ctx, constraints, rlimit, seed)
        if answer == "sat":
            raise InternalError(f"Z3 claims a T2 counterexample at dim={dim}: {model}")
        results.append(_result(f"topk-thickness-z3[dim={dim}]", "path thickness >= min(1, h/(Lε)) for affine gaps (T2)", answer,
                               {"dim": dim, "rlimit": rlimit, "random_seed": seed, "quantified_over": "every h0 > 0, a, δ, ε (ℓ∞)"}, used, started, reason=str(model)))
    return results


# --- Z6: AT vs R2ET ---------------------------------------------------------------------------------------------

def prove_at(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z6 (T3): Optimize the inner AT maximum on one rational instance; it must equal the closed form
    −Σh + ε‖Σa‖₁ and be dominated by R2ET's surrogate with λ2 = 2εk(n−k)λ1."""
    _unknown_keys(params, ("eps", "k"))
    z3 = _z3()
    from .theorems import ATWitness, judge_at

    model = AffineSaliency.create([3, Fraction(1, 2), -1, 2], [[1, -2, 0], [0, 1, 1], [2, 0, -1], [-1, 1, 1]])
    eps = as_fraction(params.get("eps", "1/3"), "--param eps")
    k = _budget(params, "k", 2, 1, model.n - 1)
    started = time.perf_counter()
    ctx, opt, d = _optimizer(z3, model.dim, rlimit, seed)
    ev = z3.RealVal(str(eps), ctx)
    opt.add(*[_abs(z3, e) <= ev for e in d])
    top = model.top_k(k)
    gap = lambda i, j: z3.RealVal(str(model.g[i] - model.g[j]), ctx) + z3.Sum([z3.RealVal(str(model.A[i][c] - model.A[j][c]), ctx) * d[c] for c in range(model.dim)])  # noqa: E731
    objective = z3.Sum([-gap(i, j) for i in top for j in range(model.n) if j not in top])
    handle = opt.maximize(objective)
    if opt.check() != z3.sat:
        return [_result("topk-at-z3", "AT inner max = closed form, dominated by R2ET", "unknown", {"rlimit": rlimit}, 0, started, reason=str(opt.reason_unknown()), expected="equal")]
    optimum = _rational(z3, handle.value())
    judgement = judge_at(ATWitness(model, k, eps))
    params_out = {"model": model.spec(), "k": k, "eps": eps, "rlimit": rlimit, "random_seed": seed, "quantified_over": "one rational instance"}
    if optimum != judgement.data["inner_max"] or judgement.violated:
        raise InternalError(f"Z3 optimum {optimum} vs exact {judgement.data}")
    return [CheckResult("topk-at-z3", Verdict.PROVED, "z3", 1, params_out, None, judgement.margin,
                        f"Z3 maximum {optimum} = closed form; R2ET surrogate {judgement.data['surrogate']} dominates it", time.perf_counter() - started,
                        {"z3_optimum": optimum, **judgement.data})]


# --- Z7: attacker steps ---------------------------------------------------------------------------------------

def prove_steps(params: Mapping[str, str], *, rlimit: int = DEFAULT_RLIMIT, seed: int = 0) -> list[CheckResult]:
    """Z7 (T4): for every affine gap h + a·δ (h > 0) and every path δ_t = −η Σ s_τ with s_τ ∈ [−1, 1]^dim
    (a superset of any ℓ∞ attacker of step η), no step t with t·η·‖a‖₁ < h ties or flips the pair."""
    _unknown_keys(params, ("dim", "steps"))
    z3 = _z3()
    dim = _budget(params, "dim", 2, 1, MAX_DIM)
    T = _budget(params, "steps", 4, 1, 8)
    results = []
    started = time.perf_counter()
    ctx = z3.Context()
    a = [z3.Real(f"a{c}", ctx) for c in range(dim)]
    h, eta = z3.Real("h", ctx), z3.Real("eta", ctx)
    L = z3.Sum([_abs(z3, e) for e in a])
    s = [[z3.Real(f"s{t}_{c}", ctx) for c in range(dim)] for t in range(T)]
    base = [h > 0, eta > 0, *[z3.And(e >= -1, e <= 1) for row in s for e in row]]
    flips = []
    for t in range(1, T + 1):
        delta = [-eta * z3.Sum([s[tau][c] for tau in range(t)]) for c in range(dim)]
        flips.append(z3.And(t * eta * L < h, h + z3.Sum([a[c] * delta[c] for c in range(dim)]) <= 0))
    answer, model, used = _solve(z3, ctx, [*base, z3.Or(flips)], rlimit, seed)
    if answer == "sat":
        raise InternalError(f"Z3 claims a T4 counterexample: {model}")
    results.append(_result(f"topk-attack-steps-z3[dim={dim},T={T}]", "no flip before ⌈h/(ηL)⌉ steps (T4)", answer,
                           {"dim": dim, "steps": T, "rlimit": rlimit, "random_seed": seed, "quantified_over": "every h, a, η and step path of length <= T"},
                           used, started, reason=str(model)))
    return results


QUERIES: dict[str, Callable[..., list[CheckResult]]] = {
    "topk-certificate": prove_certificate, "topk-exact-radius": prove_exact_radius, "topk-sign-bound": search_sign_bound,
    "topk-relu-zero-hessian": search_relu_zero_hessian, "topk-thickness": prove_thickness, "topk-at": prove_at, "topk-attack-steps": prove_steps,
}
