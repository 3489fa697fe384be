"""Factories of the configuration tests: tiny satisfiable CNF files and a portfolio of the fake solver."""

from __future__ import annotations

import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARAM_SOLVER = HERE / "param_solver.py"


def write_planted_cnf(path: Path, nvars: int, nclauses: int, seed: int, best_mode: str | None = None) -> Path:
    """A random 3-SAT formula satisfied by a hidden assignment (so always SAT), written as plain DIMACS.

    ``best_mode`` writes ``c best-mode M``: the fake solver's fastest mode on this instance.
    """
    rng = random.Random(seed)
    hidden = [rng.random() < 0.5 for _ in range(nvars)]
    lines = [f"p cnf {nvars} {nclauses}"]
    if best_mode is not None:
        lines.insert(0, f"c best-mode {best_mode}")
    while len(lines) <= nclauses + (best_mode is not None):
        vs = rng.sample(range(1, nvars + 1), 3)
        clause = [v if rng.random() < 0.5 else -v for v in vs]
        if any((lit > 0) == hidden[abs(lit) - 1] for lit in clause):
            lines.append(" ".join(map(str, clause)) + " 0")
    path.write_text("\n".join(lines) + "\n")
    return path


def fake_portfolio_text(python: str = sys.executable, solver: Path = PARAM_SOLVER) -> str:
    """A portfolio with the parameterized fake solver (see param_solver.py for its optimum)."""
    return f'''name = "fake"

[[algorithm]]
name = "fake"
command = ["{python}", "{solver}", "{{instance}}", "{{params}}"]
param_format = "-{{name}}={{value}}"
[algorithm.parameters]
alpha = {{ type = "float", lower = 0.0, upper = 1.0, default = 0.9 }}
mode = {{ type = "categorical", choices = ["a", "b", "c"], default = "a" }}
luby = {{ type = "categorical", choices = [false, true], default = false }}
level = {{ type = "integer", lower = 1, upper = 10, default = 1 }}

[[algorithm]]
name = "tiny"
command = ["{python}", "{solver}", "{{instance}}", "-mode={{mode}}"]
[algorithm.parameters]
mode = {{ type = "categorical", choices = ["a", "c"], default = "a" }}

[[algorithm]]
name = "duo"
command = ["{python}", "{solver}", "{{instance}}", "-mode={{mode}}", "-luby={{luby}}"]
[algorithm.parameters]
mode = {{ type = "categorical", choices = ["a", "b", "c"], default = "b" }}
luby = {{ type = "categorical", choices = [false, true], default = false }}

[[algorithm]]
name = "plain"
command = ["{python}", "{solver}", "{{instance}}"]
'''
