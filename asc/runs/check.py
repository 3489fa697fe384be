"""Answer checks: SAT-competition output parsing, model checking, cross-run contradictions.

A SAT answer is accepted only with a model (``v`` lines) that satisfies every clause;
the check is vectorised over the CNF's flat literal array. UNSAT answers cannot be
checked directly; they are checked against a known answer (the manifest's) and, at
campaign level, against checked models of other runs (:func:`flag_contradictions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from asc.instances import CNF, read_cnf
from asc.runs.modelcheck import clash_message, falsified_message



def read_formula(path: str | Path) -> CNF:
    """Read the formula a model is checked against, with the project's DIMACS reader.

    The same reader (:func:`asc.instances.read_cnf`) feeds the python-sat wrapper, so a
    solver is always given exactly the clauses its model is checked against.

    Raises
    ------
    CNFFormatError
        The file cannot be read as CNF (names the file and line).
    """
    return read_cnf(path)


# -- solver output ---------------------------------------------------------------------

_S_LINE = re.compile(rb"^s\s+(\S+(?:\s+\S+)?)\s*$", re.M)


@dataclass
class SolverOutput:
    """What a solver printed, in SAT-competition terms.

    ``answer`` is ``"SAT"``, ``"UNSAT"``, ``"UNKNOWN"`` or None (no ``s`` line);
    ``model`` holds the ``v`` literals without the terminating 0 (None if no ``v`` line);
    ``problems`` lists malformed-output findings.
    """

    answer: str | None = None
    model: np.ndarray | None = None
    model_terminated: bool = False
    problems: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)


_ANSWERS = {b"SATISFIABLE": "SAT", b"UNSATISFIABLE": "UNSAT", b"UNKNOWN": "UNKNOWN"}


def parse_output(text: bytes) -> SolverOutput:
    """Parse SAT-competition output (``s``, ``v`` and ``c`` lines; other lines are ignored)."""
    out = SolverOutput()
    answers = []
    v_parts: list[bytes] = []
    for line in text.splitlines():
        if line[:2] == b"s ":
            word = line[2:].strip()
            if word not in _ANSWERS:
                out.problems.append(f"unrecognised status line {line[:80]!r}")
            else:
                answers.append(_ANSWERS[word])
        elif line[:2] == b"v " or line == b"v":
            v_parts.append(line[1:])
        elif line.startswith(b"c asc-"):
            key, _, value = line[2:].partition(b" ")
            out.comments[key.decode(errors="replace")] = value.decode(errors="replace").strip()
    if len(set(answers)) > 1:
        out.problems.append(f"conflicting status lines: {', '.join(answers)}")
    elif answers:
        out.answer = answers[0]
    if v_parts:
        try:
            lits = np.array(b" ".join(v_parts).split(), dtype=np.int64)
        except ValueError:
            out.problems.append("non-integer token in the v lines")
            return out
        zeros = np.flatnonzero(lits == 0)
        out.model_terminated = len(zeros) > 0 and zeros[0] == len(lits) - 1
        if len(zeros) and not out.model_terminated:
            out.problems.append("a 0 inside the v lines before the end of the model")
        out.model = lits[lits != 0]
    return out


# -- model checking --------------------------------------------------------------------


@dataclass(frozen=True)
class ModelCheck:
    """Result of checking a model: ``ok`` and, if not, why (first falsified clause, 0-based)."""

    ok: bool
    message: str = ""
    falsified: int = 0
    first_falsified: int | None = None


def check_model(formula: CNF, model: np.ndarray) -> ModelCheck:
    """Whether ``model`` (signed literals, 0 excluded) satisfies every clause of ``formula``.

    A partial model is accepted when every clause has a true literal among the variables
    it assigns; a model that sets a variable both ways is rejected. Variables beyond the
    header's count are allowed (some solvers print them) but cannot satisfy a clause.
    """
    model = np.asarray(model, dtype=np.int64)
    size = max(formula.nvars, int(np.abs(model).max()) if len(model) else 0) + 1
    value = np.zeros(size, dtype=np.int8)
    pos, neg = model[model > 0], -model[model < 0]
    value[pos] = 1
    if np.any(value[neg] == 1):
        v = int(neg[value[neg] == 1][0])
        return ModelCheck(False, clash_message(v))
    value[neg] = -1
    lits = formula.literals.astype(np.int64)
    true = value[np.abs(lits)] * np.sign(lits) > 0
    # true literals per clause from a prefix sum: handles empty clauses (never satisfied)
    prefix = np.concatenate([[0], np.cumsum(true, dtype=np.int64)])
    per_clause = prefix[formula.offsets[1:]] - prefix[formula.offsets[:-1]]
    bad = np.flatnonzero(per_clause == 0)
    if len(bad):
        i = int(bad[0])
        clause = formula.literals[formula.offsets[i]:formula.offsets[i + 1]].tolist()
        return ModelCheck(False, falsified_message(len(bad), formula.nclauses, i, clause), len(bad), i)
    return ModelCheck(True)


# -- campaign-level check ---------------------------------------------------------------


def flag_contradictions(results: Iterable[Any]) -> list[tuple]:
    """Keys of UNSAT runs contradicted by a checked SAT model of another run on the same instance.

    Pure: works on :class:`~asc.runs.record.RunRecord` or anything alike (anything
    with ``instance_hash``, ``status``, ``model_checked`` and ``key``).

    Parameters
    ----------
    results
        Runs of a campaign (any order).

    Returns
    -------
    list
        The ``key`` of every UNSAT run to mark WRONG, in input order.
    """
    results = list(results)
    sat = {r.instance_hash for r in results if _status(r) == "SAT" and bool(getattr(r, "model_checked", False))}
    return [r.key for r in results if _status(r) == "UNSAT" and r.instance_hash in sat]


def _status(r: Any) -> str:
    s = r.status
    return str(getattr(s, "value", s))
