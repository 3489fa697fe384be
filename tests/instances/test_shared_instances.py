"""The reader on every real file in ../shared/instances, and against python-sat's reader."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from asc.instances import CNFFormatError, instance_hash, read_cnf
from asc.instances.compression import read_bytes


def make_manifest(shared_dir: Path) -> list[dict[str, str]]:
    """Rows of the shared instances' MANIFEST.csv."""
    with (shared_dir / "instances" / "MANIFEST.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_shared_file_reads_or_fails_in_one_line(shared_dir):
    rows = make_manifest(shared_dir)
    assert len(rows) == 413
    read, failed = 0, []
    for row in rows:
        path = shared_dir / "instances" / row["file"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cnf = read_cnf(path)
        except CNFFormatError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            failed.append(row["file"])
            continue
        read += 1
        assert cnf.nclauses >= 0 and cnf.offsets[-1] == cnf.literals.size
        if cnf.literals.size:
            assert int(abs(cnf.literals).max()) <= cnf.nvars
        assert cnf.header_nvars is not None
    # Every shared file is a valid formula (some with SATLIB dialects).
    assert failed == [] and read == 413


def test_header_counts_agree_on_shared_files(shared_dir):
    """The SATzilla reference found no header disagreement: neither should we warn."""
    for row in make_manifest(shared_dir)[::7]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cnf = read_cnf(shared_dir / "instances" / row["file"])
        assert cnf.nclauses == cnf.header_nclauses


def make_sample(shared_dir: Path) -> list[dict[str, str]]:
    """The smallest and the largest file of every family, so every dialect is covered."""
    families: dict[str, list[dict[str, str]]] = {}
    for row in make_manifest(shared_dir):
        families.setdefault(row["family"], []).append(row)
    sample = []
    for members in families.values():
        members = sorted(members, key=lambda r: int(r["bytes_uncompressed"]))
        sample += [members[0], members[-1]] if len(members) > 1 else members
    return sample


def oracle_clauses(text: bytes) -> list[list[int]]:
    """A slow, obviously correct reading: drop comment/header lines, stop at '%', split tokens."""
    tokens: list[int] = []
    for line in text.decode().splitlines():
        stripped = line.strip()
        if stripped.startswith("%"):
            break
        if stripped and stripped[0] not in "cp":
            tokens += [int(t) for t in stripped.split()]
    clauses, current = [], []
    for t in tokens:
        if t == 0:
            clauses.append(current)
            current = []
        else:
            current.append(t)
    return clauses + ([current] if current else [])


def test_clauses_equal_pysat_and_a_plain_reading_on_a_sample(shared_dir):
    from pysat.formula import CNF as PySATCNF

    pysat_compared = 0
    for row in make_sample(shared_dir):
        path = shared_dir / "instances" / row["file"]
        ours = read_cnf(path).to_lists()
        text = read_bytes(path)
        assert ours == oracle_clauses(text), row["file"]
        try:
            theirs = PySATCNF(from_file=str(path))
        except ValueError:
            # python-sat cannot read SATLIB's '%' marker nor clauses spanning lines
            # (dimacs-ii, -parity, -phole): those are checked against the plain reading only.
            continue
        assert ours == theirs.clauses, row["file"]
        pysat_compared += 1
    assert pysat_compared >= 15


def test_hash_equals_gbd_identifier_on_a_sample(shared_dir):
    gbdc = pytest.importorskip("gbdc")
    for row in make_manifest(shared_dir)[::25]:
        path = shared_dir / "instances" / row["file"]
        try:
            expected = gbdc.gbdhash(str(path))
        except RuntimeError:  # gbdc rejects SATLIB's '%' end marker; we do not
            continue
        assert instance_hash(path) == expected, row["file"]
