"""Answer checks: SAT-competition output parsing, model checking, cross-run contradictions.

A SAT answer is accepted only with a model (``v`` lines) that satisfies every clause;
the check is vectorised over the CNF's flat literal array. UNSAT answers cannot be
checked directly; they are checked against a known answer (the manifest's) and, at
campaign level, against checked models of other runs (:func:`flag_contradictions`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Formula:
    """A CNF as flat arrays: clause ``i`` is ``literals[offsets[i]:offsets[i+1]]``."""

    nvars: int
    literals: np.ndarray
    offsets: np.ndarray

    @property
    def nclauses(self) -> int:
        return len(self.offsets) - 1


def read_formula(path: str | Path) -> Formula:
    """Read a DIMACS CNF file (plain, .gz, .bz2, .xz/.lzma) into flat arrays.

    Uses :func:`asc.instances.read_cnf` when it is available, and otherwise a tolerant
    fallback reader (comment lines anywhere, SATLIB's ``%`` end marker).
    """
    try:
        from asc.instances import read_cnf  # the project's reader (P space)
    except ImportError:
        return _read_dimacs(Path(path))
    cnf = read_cnf(path)
    return Formula(int(cnf.nvars), np.asarray(cnf.literals), np.asarray(cnf.offsets))


def _open_bytes(path: Path) -> bytes:
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x1f\x8b"):
        opener: Any = gzip.open
    elif magic.startswith(b"BZh"):
        opener = bz2.open
    elif magic.startswith(b"\xfd7zXZ") or path.suffix in (".lzma", ".xz"):
        opener = lzma.open
    else:
        opener = open
    with opener(path, "rb") as fh:
        return fh.read()


def _read_dimacs(path: Path) -> Formula:
    data = _open_bytes(path)
    nvars = 0
    body: list[bytes] = []
    for line in data.splitlines():
        s = line.strip()
        if not s or s[:1] == b"c":
            continue
        if s[:1] == b"%":  # SATLIB end marker: what follows is not part of the formula
            break
        if s[:1] == b"p":
            parts = s.split()
            nvars = int(parts[2])
            continue
        body.append(s)
    tokens = np.array(b" ".join(body).split(), dtype=np.int64) if body else np.zeros(0, np.int64)
    ends = np.flatnonzero(tokens == 0)
    keep = tokens != 0
    literals = tokens[keep].astype(np.int32)
    # clause i ends at the i-th zero; count literals before each zero to get offsets
    lit_index = np.cumsum(keep)
    offsets = np.concatenate([[0], lit_index[ends]]).astype(np.int64) if len(ends) else np.zeros(1, np.int64)
    if len(literals):
        nvars = max(nvars, int(np.abs(literals).max()))
    return Formula(nvars, literals, offsets)


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


def check_model(formula: Formula, model: np.ndarray) -> ModelCheck:
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
        return ModelCheck(False, f"the model sets variable {v} both true and false")
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
        return ModelCheck(False, f"the model falsifies {len(bad)} of {formula.nclauses} clauses, "
                                 f"first clause {i + 1}: {clause[:10]}{' ...' if len(clause) > 10 else ''}",
                          len(bad), i)
    return ModelCheck(True)


# -- campaign-level check ---------------------------------------------------------------


def flag_contradictions(results: Iterable[Any]) -> list[tuple]:
    """Keys of UNSAT runs contradicted by a checked SAT model of another run on the same instance.

    Pure: works on :class:`~asc.runs.runner.RunResult` or stored records alike (anything
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
