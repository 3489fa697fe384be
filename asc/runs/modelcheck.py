"""A SAT model checked against clauses held as Python lists, without NumPy.

The rule is :func:`asc.runs.check.check_model`'s: a model that sets a variable both
ways is wrong; every clause needs a true literal (an empty clause never has one).
This form is for ``asc solve``'s pre-solving path (:mod:`asc.cli.presolve`), which
holds the formula as python-sat's lists and must not pay NumPy's import (0.1 CPU-s,
more than an easy instance's whole solve); set operations in C keep the check at a
few milliseconds for 10^5 clauses.
"""

from __future__ import annotations

from collections.abc import Sequence


def clash_message(variable: int) -> str:
    """What is wrong with a model that sets ``variable`` both ways (both checks say it alike)."""
    return f"the model sets variable {variable} both true and false"


def falsified_message(bad: int, nclauses: int, first: int, clause: Sequence[int]) -> str:
    """What is wrong with a model that falsifies ``bad`` clauses, the ``first`` (0-based) being ``clause``."""
    shown = list(clause[:10])
    return (f"the model falsifies {bad} of {nclauses} clauses, first clause {first + 1}: "
            f"{shown}{' ...' if len(clause) > 10 else ''}")


def check_clauses(clauses: Sequence[Sequence[int]], model: Sequence[int]) -> str:
    """Why ``model`` (signed literals, 0 excluded) does not satisfy ``clauses``; "" when it does."""
    true = set(model)
    if 0 in true:
        true.discard(0)
    clash = true.intersection([-x for x in true])
    if clash:
        return clash_message(min(abs(x) for x in clash))
    if not any(map(true.isdisjoint, clauses)):  # the common case, at C speed
        return ""
    for i, clause in enumerate(clauses):
        if true.isdisjoint(clause):
            bad = sum(1 for c in clauses if true.isdisjoint(c))
            return falsified_message(bad, len(clauses), i, clause)
    return ""
