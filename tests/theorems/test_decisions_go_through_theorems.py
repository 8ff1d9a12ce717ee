"""Every engine's theorem decision goes through mus_verify.theorems: a static check of the engine modules.

Three rules, each tested on a planted old form first (so the checker is not vacuous):

1. No comparison against λ outside the theorems layer, except guards against a
   constant (``0 < lam <= 1``, overflow bounds such as ``D * lam.denominator >= INT64_SAFE``):
   ``tv * lam.denominator > lam.numerator * T``, ``diff > lam + tol``,
   ``z3.Or(jump > lam, jump < -lam)`` and ``marginal != lam`` are all judges of a theorem.
2. No radius rule outside the rule table: no comparison on a ``two_lam``-named value
   (the Z3 forms ``two_lam_d < gap`` were a second copy of ``certificates.RADIUS_RULES``).
3. Each engine module imports its theorem modules *as modules* (so a patched judge
   reaches it) and calls a judge through them; none imports a judge by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mus_verify

PACKAGE = Path(mus_verify.__file__).resolve().parent
ENGINE_MODULES = {
    "checks/lipschitz.py": {"lipschitz"},
    "checks/masking_equivalence.py": {"masking"},
    "checks/stability.py": {"stability"},
    "checks/marginals.py": {"marginals"},
    "checks/tightness.py": {"tightness"},
    "smt/properties.py": {"lipschitz", "masking", "stability", "marginals", "reference"},
    "smt/judges.py": {"lipschitz", "masking", "stability", "marginals", "reference"},
    "smt/crosscheck.py": {"lipschitz", "masking", "stability", "marginals", "reference"},
    "smt/lipschitz_pairs.py": {"lipschitz"},
    "gate/properties/lipschitz.py": {"lipschitz"},
    "gate/properties/equivalence.py": {"masking", "reference"},
    "gate/properties/certificate.py": {"stability"},
    "gate/properties/noise_checks.py": {"marginals"},
    "gate/properties/conformance.py": {"reference"},
}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _is_guard_operand(node: ast.expr) -> bool:
    """A numeric literal or an ALL_CAPS module constant: what a range or overflow guard compares with."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    return isinstance(node, ast.Name) and node.id.isupper()


def lambda_judgements(source: str) -> list[str]:
    """Comparisons that involve λ (a name or attribute containing 'lam') and are not guards against a constant."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any("lam" in name for name in _names(node)):
            operands = [node.left, *node.comparators]
            if not any(_is_guard_operand(op) for op in operands):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def radius_rule_copies(source: str) -> list[str]:
    return [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Compare) and any("two_lam" in name for name in _names(node))]


def theorem_use(source: str) -> tuple[dict[str, str], set[str], list[str]]:
    """(alias -> theorem module imported as a module, theorem modules whose attributes are used, judges imported by name)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    by_name: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            module = node.module.split(".")
            if module[-1] == "theorems":
                for alias in node.names:
                    aliases[alias.asname or alias.name] = alias.name
            elif "theorems" in module:
                by_name += [f"from {node.module} import {alias.name}" for alias in node.names]
    used = {aliases[n.value.id] for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in aliases}
    return aliases, used, by_name


# -- the checkers catch the old forms -----------------------------------------------------------------

@pytest.mark.parametrize("old", [
    "bad = np.flatnonzero(tv * lam.denominator > lam.numerator * T)",
    "if diff[c] > lam + tol: pass",
    "enc.constraints.append(z3.Or(jump > lam, jump < -lam))",
    "if marginal != lam: pass",
    "ok = jumps[c] > ctx.params.lam",
    "wrong = exact[i] != config.lam",
])
def test_the_checker_flags_each_old_judge_of_lambda(old: str) -> None:
    assert lambda_judgements(old)


def test_the_checker_allows_guards_and_flags_rule_copies() -> None:
    assert not lambda_judgements("if not 0 < lam <= 1: raise ValueError\nif D * lam.denominator >= INT64_SAFE: raise ValueError")
    assert radius_rule_copies("def _strict(two_lam_d, two_lam, gap):\n    return two_lam_d < gap")
    aliases, used, by_name = theorem_use("from ..theorems.lipschitz import exceeds\nfrom ..theorems import masking as thm\nthm.apart(1)")
    assert by_name == ["from theorems.lipschitz import exceeds"] and aliases == {"thm": "masking"} and used == {"masking"}


# -- the engine modules ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(ENGINE_MODULES))
def test_no_engine_judges_lambda_or_copies_a_radius_rule(path: str) -> None:
    source = (PACKAGE / path).read_text(encoding="utf-8")
    assert lambda_judgements(source) == [], f"{path} decides a theorem against λ itself; use mus_verify.theorems"
    assert radius_rule_copies(source) == [], f"{path} has its own radius rule; use certificates.RULE_COVERS via theorems.stability"


@pytest.mark.parametrize("path", sorted(ENGINE_MODULES))
def test_every_engine_decides_through_its_theorem_modules(path: str) -> None:
    aliases, used, by_name = theorem_use((PACKAGE / path).read_text(encoding="utf-8"))
    assert by_name == [], f"{path} imports judges by name (a patched judge would not reach it): {by_name}"
    assert used >= ENGINE_MODULES[path], f"{path} uses {sorted(used)} of mus_verify.theorems, expected {sorted(ENGINE_MODULES[path])}"


def test_the_z3_radius_constraints_are_the_rule_table() -> None:
    from mus_verify import certificates
    from mus_verify.smt.properties import RADIUS_CONSTRAINTS

    assert RADIUS_CONSTRAINTS is certificates.RULE_COVERS
    assert set(certificates.RADIUS_RULES) == set(certificates.RULE_COVERS)
