"""``asc solve`` with the shipped default model on every bundled instance whose answer is known.

The expected answers come from ``instances/MANIFEST.csv`` (SATLIB/DIMACS documentation
or the generator's construction). A SAT answer's ``v`` lines are checked here by a
reader and a clause loop independent of asc's own reader and model check, so a bug
shared by ``asc solve`` and :mod:`asc.runs.check` cannot hide. About 20 s: the
default model's choices solve each of these in well under a second.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from selection_factories import INSTANCES


def _known() -> list[tuple[str, str]]:
    with (INSTANCES / "MANIFEST.csv").open(newline="") as fh:
        return [(row["file"], row["expected"]) for row in csv.DictReader(fh) if row["expected"]]


KNOWN = _known()


def test_the_manifest_has_known_answers_of_both_kinds():
    kinds = {expected for _, expected in KNOWN}
    assert kinds == {"SAT", "UNSAT"} and len(KNOWN) >= 40


def _clauses(path: Path) -> list[list[int]]:
    """Clauses of a DIMACS file, read without asc (SATLIB's ``%`` end marker respected)."""
    import bz2
    import gzip
    import lzma

    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    tokens: list[str] = []
    with opener(path, "rt") as fh:
        for line in fh:
            if line.startswith("%"):
                break
            if not line.startswith(("c", "p")):
                tokens.extend(line.split())
    clauses, clause = [], []
    for lit in map(int, tokens):
        if lit == 0:
            clauses.append(clause)
            clause = []
        else:
            clause.append(lit)
    return clauses


def _satisfies(path: Path, model: set[int]) -> bool:
    clauses = _clauses(path)
    return len(clauses) > 0 and all(any(lit in model for lit in clause) for clause in clauses)


@pytest.mark.parametrize(("name", "expected"), KNOWN, ids=[name for name, _ in KNOWN])
def test_default_model_answers_bundled_instance(run_cli, name, expected):
    path = INSTANCES / name
    result = run_cli("solve", path, "--cutoff-time", "120")
    assert result.code == {"SAT": 10, "UNSAT": 20}[expected], result.err
    lines = result.out.splitlines()
    assert lines[0] == f"s {expected}ISFIABLE"
    if expected == "UNSAT":
        assert lines == ["s UNSATISFIABLE"]
        return
    literals = [int(tok) for line in lines[1:] for tok in line.removeprefix("v ").split()]
    assert all(line.startswith("v ") for line in lines[1:]) and literals[-1] == 0
    model = set(literals[:-1])
    assert not any(-lit in model for lit in model)
    assert _satisfies(path, model)
