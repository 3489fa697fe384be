"""Agreement with the SATzilla 2024 extractor on every shared instance (../shared/instances).

The reference CSV holds SATzilla's output (preprocessing off) for all 413 files. Every
feature of every row is compared, within 1e-6 relative, except where the reference is
not a value: ``-512`` (SATzilla's "undefined", which we give as NaN) and the CG and
clustering columns of the 12 rows where SATzilla's clause-graph loop hit its time limit
(``CG-mean`` = -1; the reference README says these are not reference values). NaN in
the reference (0/0 in C for formulas without active variables) must be NaN here too.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from asc.features import FEATURE_STEPS, compute_features
from asc.instances import read_cnf

REL_TOL = 1e-6
SKIPPED_COLUMNS = {"file", "status", "cpu_seconds", "solved"}


def aslib_name(column: str) -> str:
    """SATzilla's column name in ASlib's spelling (``BINARY+`` -> ``BINARYp``)."""
    return column.replace("-", "_").replace("+", "p")


def reference_rows(shared_dir: Path) -> list[dict[str, str]]:
    path = shared_dir / "instances" / "satzilla-base-reference.csv"
    if not path.exists():
        pytest.skip("no SATzilla reference table in ../shared/instances")
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def disagreements(row: dict[str, str], values: dict[str, float]) -> list[str]:
    """Human-readable differences between our values and one reference row."""
    cg_timed_out = float(row["CG-mean"]) == -1.0
    found = []
    for column, text in row.items():
        if column in SKIPPED_COLUMNS or column.endswith("featuretime"):
            continue
        name = aslib_name(column)
        if cg_timed_out and name in FEATURE_STEPS["CG"][0]:
            continue
        ref = float(text)
        ours = values.get(name)
        if ours is None:
            found.append(f"{name}: missing (reference {text})")
        elif ref == -512.0:
            if not math.isnan(ours):
                found.append(f"{name}: {ours!r}, reference undefined (-512)")
        elif math.isnan(ref) or math.isnan(ours):
            if not (math.isnan(ref) and math.isnan(ours)):
                found.append(f"{name}: {ours!r}, reference {text}")
        elif not math.isclose(ours, ref, rel_tol=REL_TOL, abs_tol=1e-9):
            found.append(f"{name}: {ours!r}, reference {text}")
    return found


def test_every_feature_of_every_shared_instance_agrees_with_satzilla(shared_dir):
    rows = reference_rows(shared_dir)
    assert len(rows) == 413
    names = {aslib_name(c) for c in rows[0] if c not in SKIPPED_COLUMNS and not c.endswith("featuretime")}
    provided = {n for step in FEATURE_STEPS.values() for n in step[0]}
    assert names == provided, "our steps must provide exactly SATzilla's base features"

    failures = {}
    compared = 0
    for row in rows:
        assert row["status"] in ("ok", "stripped-comments-ok")
        result = compute_features(read_cnf(shared_dir / "instances" / row["file"]))
        for step, outcome in result.steps.items():
            assert outcome.status in ("ok", "presolved"), (row["file"], step, outcome.status)
        bad = disagreements(row, result.values)
        if bad:
            failures[row["file"]] = bad[:5]
        compared += 1
    assert compared == 413
    assert not failures, f"{len(failures)} instances disagree: {dict(list(failures.items())[:5])}"
