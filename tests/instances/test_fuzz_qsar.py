"""Fuzzing the QSAR dataset reader: any file reads as a sound dataset or fails with one typed error.

Bytes-level: arbitrary bytes (plain and compressed). Structure-aware: CSV files in the
SIMPD layout whose cells are drawn from real SMILES, SMILES fragments, numbers and junk
(quotes, commas, blank cells, NUL, non-UTF-8). A dataset read must be sound (sorted,
unique SMILES, finite activities, counts adding up, its content hash reproducible); an
error must be a :class:`QSARFormatError`/:class:`InputError` naming the file, with a
line inside the file when it names one, in one line. Profile: ``tests/conftest.py``.
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("rdkit")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from asc.errors import InputError  # noqa: E402
from asc.instances.qsar import content_hash, read_qsar  # noqa: E402

pytestmark = pytest.mark.timeout(600)

SMILES = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "[Na+].[O-]C(=O)c1ccccc1", "C1CC", "c1cccc1", "CN(C)(C)(C)C",
          "O=C(O)c1ccccc1O", "C[C@H](N)C(=O)O", "", "X", "C(", "[H+]", "[Cu]", "CCN(CC)CC", "OCC(O)CO"]
CELLS = st.one_of(st.sampled_from(SMILES), st.text(max_size=8),
                  st.sampled_from(["5.2", "7", "-1e3", "nan", "inf", "", "1,5", '"7"', "x", "\x00", "1e400"]))


def problems(path: Path, min_molecules: int) -> list[str]:
    """What is wrong with reading ``path``: an error that is not one line naming the file (and a
    line inside it), or a dataset that is not sound; empty when all is well. Any other exception
    propagates (and fails the test)."""
    text_lines = path.read_bytes().count(b"\n") + 1
    try:
        d = read_qsar(path, min_molecules=min_molecules)
    except InputError as exc:
        found = []
        if exc.path != str(path):
            found.append(f"error names {exc.path!r}, not the file")
        if "\n" in str(exc):
            found.append(f"error of several lines: {exc}")
        if exc.line is not None and not 1 <= exc.line <= max(text_lines, 2):
            found.append(f"error line {exc.line} outside the file's {text_lines} lines")
        return found
    c = d.counts()
    checks = {
        "SMILES sorted and unique": list(d.smiles) == sorted(set(d.smiles)),
        "at least min_molecules": d.n >= min_molecules,
        "finite activities, one per molecule": bool(np.isfinite(d.y).all()) and len(d.y) == d.n,
        "kept + merged + rejected == rows": c["kept"] + c["merged"] + c["rejected"] == c["rows"],
        "content hash reproducible": d.content_hash == content_hash(d.smiles, d.y),
        "rejections on data lines": all(1 < r.line <= text_lines for r in d.rejected),
    }
    return [f"dataset not sound: {name}" for name, ok in checks.items() if not ok]


@settings(max_examples=100)
@given(st.binary(max_size=400), st.booleans())
@example(b"canonical_smiles,pchembl_value\nCCO,5\n\x00", False)
@example(b"\xef\xbb\xbfsmiles,y\nCCO,-4\n", True)
def test_arbitrary_bytes_read_or_fail_in_one_line(data, compress):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("f.csv.gz" if compress else "f.csv")
        path.write_bytes(gzip.compress(data) if compress else data)
        found = problems(path, 1)
    assert not found, found


@settings(max_examples=60)
@given(st.lists(st.tuples(CELLS, CELLS), min_size=0, max_size=12), st.sampled_from(["\n", "\r\n"]),
       st.integers(min_value=1, max_value=3))
@example([("CCO", "5"), ("C1CC", "6"), ("OCC", "7")], "\n", 2)
@example([("CCO", "nan")], "\n", 1)
@example([("C\u2028C", "5"), ("CCO", "x")], "\n", 1)
@example([("C\x85C", "5"), ("CCO", "6")], "\r\n", 1)
def test_simpd_like_files_read_or_fail_in_one_line(rows, newline, min_molecules):
    text = "canonical_smiles,pchembl_value" + newline + "".join(
        f"{s.replace(chr(10), ' ')},{v.replace(chr(10), ' ')}{newline}" for s, v in rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(text.encode("utf-8", "surrogatepass") if "\ud800" not in text else text.encode(
            "utf-8", "replace"))
        found = problems(path, min_molecules)
    assert not found, found
