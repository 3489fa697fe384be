"""The QSAR dataset reader: layouts, standardisation, duplicates, content hash, rejections and bad files."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rdkit")

from asc.errors import InputError  # noqa: E402
from asc.instances.qsar import (  # noqa: E402
    QSARFormatError,
    content_hash,
    dataset_stem,
    discover_datasets,
    read_qsar,
)

BUNDLED = Path(__file__).resolve().parents[2] / "instances" / "qsar"

# Twenty-two distinct, valid drug-like structures (enough for the default minimum of 20).
SMILES = [
    "CCO", "CCN", "CCC", "c1ccccc1", "c1ccncc1", "CC(=O)O", "CC(=O)Nc1ccc(O)cc1", "CN1CCC[C@H]1c1cccnc1",
    "O=C(O)c1ccccc1O", "CC(C)Cc1ccc(C(C)C(=O)O)cc1", "c1ccc2ccccc2c1", "C1CCCCC1", "C1CCNCC1",
    "OC1CCCCC1", "Clc1ccccc1", "Brc1ccccc1", "Fc1ccccc1", "Nc1ccccc1", "Oc1ccccc1", "COc1ccccc1",
    "CC(C)O", "CCCCO",
]


def make_csv(path: Path, header: str, rows: list[str], compress: str | None = None) -> Path:
    """Write a CSV file (optionally compressed by content) and return its path."""
    text = (header + "\n" + "\n".join(rows) + "\n").encode()
    opener = {None: lambda b: b, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compress]
    path.write_bytes(opener(text))
    return path


def make_simpd(path: Path, smiles=SMILES, values=None, compress=None) -> Path:
    """A SIMPD-layout file: canonical_smiles, compound_chembl_id, pchembl_value, active, split."""
    values = values if values is not None else [5.0 + 0.1 * i for i in range(len(smiles))]
    rows = [f"{s},CHEMBL{i},{v},{int(v > 6)},{'train' if i % 4 else 'test'}"
            for i, (s, v) in enumerate(zip(smiles, values))]
    return make_csv(path, "canonical_smiles,compound_chembl_id,pchembl_value,active,split", rows, compress)


def test_simpd_layout_is_recognised_and_sorted_by_canonical_smiles(tmp_path):
    d = read_qsar(make_simpd(tmp_path / "CHEMBL217-1.csv"))
    assert d.layout == "simpd" and d.target == "CHEMBL217"
    assert d.counts() == {"rows": 22, "kept": 22, "merged": 0, "rejected": 0}
    assert list(d.smiles) == sorted(d.smiles)
    # the activity travels with its molecule through the sort
    by_input = dict(zip(SMILES, [5.0 + 0.1 * i for i in range(22)]))
    assert d.y[d.smiles.index("CCO")] == by_input["CCO"]
    assert d.y[d.smiles.index("Oc1ccccc1")] == by_input["Oc1ccccc1"]
    assert d.split is not None and set(d.split) == {"train", "test"}
    assert d.ids is not None and d.ids[d.smiles.index("CCN")] == "CHEMBL1"


def test_moleculeace_layout_reads_y_as_pk(tmp_path):
    # molecule i has activity 10**-k M with k = 5 + i % 5, i.e. 10**(9 - k) nM and y = -log10(nM) = k - 9
    rows = [f"{s},{10.0 ** (4 - i % 5)},{np.log10(1 / 10.0 ** (4 - i % 5))},0,train" for i, s in enumerate(SMILES)]
    d = read_qsar(make_csv(tmp_path / "CHEMBL1862_Ki.csv", "smiles,exp_mean [nM],y,cliff_mol,split", rows))
    assert d.layout == "moleculeace"
    assert d.y[d.smiles.index("CCO")] == pytest.approx(5.0)
    assert d.y[d.smiles.index("CCN")] == pytest.approx(6.0)


def test_custom_columns(tmp_path):
    rows = [f"{i},{s},{1.5 * i}" for i, s in enumerate(SMILES)]
    path = make_csv(tmp_path / "mine.csv", "id,Structure,IC50_log", rows)
    with pytest.raises(InputError, match="SMILES column"):
        read_qsar(path)
    d = read_qsar(path, smiles_col="structure", target_col="IC50_log")
    assert d.layout == "custom" and d.n == 22
    assert d.y[d.smiles.index("CCC")] == 3.0
    with pytest.raises(QSARFormatError, match="'nope'"):
        read_qsar(path, smiles_col="Structure", target_col="nope")


def test_standardisation_merges_salts_charges_and_spellings_by_median(tmp_path):
    # four spellings of one acid (a salt, the anion, kekulé and aromatic), activities 5, 6, 7, 100
    same = ["OC(=O)C1=CC=CC=C1", "[Na+].[O-]C(=O)c1ccccc1", "O=C([O-])c1ccccc1", "c1ccccc1C(=O)O"]
    d = read_qsar(make_simpd(tmp_path / "d.csv", SMILES + same, [1.0] * 22 + [5.0, 6.0, 7.0, 100.0]))
    assert d.counts() == {"rows": 26, "kept": 23, "merged": 3, "rejected": 0}
    assert d.y[d.smiles.index("O=C(O)c1ccccc1")] == 6.5  # the median, not the mean 29.5


def test_invalid_smiles_are_left_out_with_line_and_reason(tmp_path):
    bad = ["C1CC", "c1cccc1", "CN(C)(C)(C)C", ""]
    d = read_qsar(make_simpd(tmp_path / "d.csv", SMILES + bad))
    assert d.counts() == {"rows": 26, "kept": 22, "merged": 0, "rejected": 4}
    lines = {r.smiles: (r.line, r.reason) for r in d.rejected}
    assert lines["C1CC"][0] == 24 and "unclosed ring" in lines["C1CC"][1]
    assert lines["c1cccc1"][0] == 25 and "kekulize" in lines["c1cccc1"][1]
    assert "valence" in lines["CN(C)(C)(C)C"][1]
    assert lines[""] == (27, "empty SMILES")


def test_content_hash_ignores_row_order_layout_and_compression(tmp_path):
    plain = read_qsar(make_simpd(tmp_path / "a.csv"))
    reordered = read_qsar(make_simpd(tmp_path / "b.csv", SMILES[::-1], [5.0 + 0.1 * i for i in range(22)][::-1]))
    assert reordered.content_hash == plain.content_hash
    for kind in ("gz", "bz2", "xz"):
        assert read_qsar(make_simpd(tmp_path / f"c.csv.{kind}", compress=kind)).content_hash == plain.content_hash
    rows = [f"{s},{v}" for s, v in zip(SMILES, [5.0 + 0.1 * i for i in range(22)])]
    custom = read_qsar(make_csv(tmp_path / "d.csv", "mol,act", rows), smiles_col="mol", target_col="act")
    assert custom.content_hash == plain.content_hash
    changed = read_qsar(make_simpd(tmp_path / "e.csv", values=[5.0 + 0.1 * i for i in range(21)] + [9.0]))
    assert changed.content_hash != plain.content_hash
    assert plain.content_hash == content_hash(plain.smiles, plain.y)


@pytest.mark.parametrize("name, content, line, match", [
    ("empty.csv", b"", 1, "empty file"),
    ("blank.csv", b"\n\n", 1, "empty file"),
    ("header.csv", b"canonical_smiles,pchembl_value\n", 2, "data rows"),
    ("nosmiles.csv", b"name,pchembl_value\nx,5\n", 1, "SMILES column"),
    ("noactivity.csv", b"smiles,weight\nCCO,5\n", 1, "activity column"),
    ("binary.csv", b"canonical_smiles,pchembl_value\nCCO,5\n\x00\x01\x02", 3, "binary"),
    ("latin1.csv", b"canonical_smiles,pchembl_value\nCCO,5\xe9\n", 2, "UTF-8"),
    ("short.csv", b"smiles,exp_mean [nM],y\nCCO,5\n", 2, "at least 3 cells"),
])
def test_bad_files_raise_one_line_errors_naming_file_and_line(tmp_path, name, content, line, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(QSARFormatError, match=match) as info:
        read_qsar(path)
    assert info.value.line == line and info.value.path == str(path)
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("value", ["active", "", "inf", "nan"])
def test_non_numeric_activity_is_an_error_at_its_line(tmp_path, value):
    values = [5.0] * 5 + [value] + [5.0] * 16
    rows = [f"{s},{v}" for s, v in zip(SMILES, values)]
    path = make_csv(tmp_path / "d.csv", "canonical_smiles,pchembl_value", rows)
    with pytest.raises(QSARFormatError, match="activity") as info:
        read_qsar(path)
    assert info.value.line == 7


def test_too_few_and_all_invalid_molecules(tmp_path):
    with pytest.raises(QSARFormatError, match="at least 20 valid molecules, found 5"):
        read_qsar(make_simpd(tmp_path / "few.csv", SMILES[:5]))
    assert read_qsar(make_simpd(tmp_path / "few.csv", SMILES[:5]), min_molecules=5).n == 5
    with pytest.raises(QSARFormatError, match="found 0 .*3 of 3 rows rejected") as info:
        read_qsar(make_simpd(tmp_path / "bad.csv", ["C1CC", "X", "c1cccc1"]))
    assert info.value.line == 2  # the first rejected row
    corrupt = tmp_path / "corrupt.csv.gz"
    corrupt.write_bytes(gzip.compress(b"canonical_smiles,pchembl_value\nCCO,5\n")[:-6])
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_qsar(corrupt)
    with pytest.raises(InputError, match="QSAR dataset file"):
        read_qsar(tmp_path)


def test_cli_reports_a_bad_file_in_one_line_with_exit_2(tmp_path, run_cli):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"smiles,y\nCCO,potent\n")
    result = run_cli("features", "--no-progress", path)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if line.startswith("asc: error:")]
    assert errors == [f"asc: error: {path}:2: expected a numeric activity in column 'y', found 'potent'"]
    assert "Traceback" not in result.err


def test_discovery_names_datasets_by_stem(tmp_path):
    make_simpd(tmp_path / "CHEMBL1-1.csv")
    make_simpd(tmp_path / "CHEMBL2-1.csv.gz", compress="gz")
    (tmp_path / "notes.txt").write_text("x")
    assert [i for i, _ in discover_datasets([str(tmp_path)])] == ["CHEMBL1-1", "CHEMBL2-1"]
    assert dataset_stem("a/CHEMBL217-1.csv.xz") == "CHEMBL217-1"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="found none"):
        discover_datasets([str(tmp_path / "empty")])


def test_bundled_datasets_load():
    files = sorted(BUNDLED.glob("*.csv*"))
    assert len(files) == 4
    for path in files:
        d = read_qsar(path)
        assert d.counts()["rows"] == 100 and d.n + d.counts()["merged"] + d.counts()["rejected"] == 100
        assert np.isfinite(d.y).all() and 2.0 < d.y.mean() < 12.0  # pK scale for both layouts


def test_a_few_shared_datasets_load(shared_dir):
    for rel in ("qsar/simpd/chemblKi_SIMPD/CHEMBL1293269-1.csv", "qsar/moleculeace/CHEMBL2047_EC50.csv"):
        path = shared_dir / rel
        d = read_qsar(path)
        rows = sum(1 for line in path.read_text().splitlines()[1:] if line.strip())
        c = d.counts()
        assert c["rows"] == rows and c["kept"] + c["merged"] + c["rejected"] == rows
        assert c["kept"] >= 0.95 * rows


@pytest.mark.slow
def test_all_shared_datasets_load_with_counts(shared_dir):
    files = sorted((shared_dir / "qsar").rglob("*.csv"))
    assert len(files) == 129
    total = {"rows": 0, "kept": 0, "merged": 0, "rejected": 0}
    for path in files:
        c = read_qsar(path).counts()
        assert c["kept"] + c["merged"] + c["rejected"] == c["rows"] and c["kept"] >= 300
        for k in total:
            total[k] += c[k]
    assert total["kept"] > 95_000 and total["rejected"] <= total["rows"] // 100


def test_line_numbers_count_only_line_ends_of_the_file(tmp_path):
    # \u2028 and \x85 are line breaks to str.splitlines, not to the file: the bad row is line 4
    path = tmp_path / "d.csv"
    path.write_text("canonical_smiles,pchembl_value\nC\u2028C,5\nC\x85O,6\nCCO,potent\n", encoding="utf-8")
    with pytest.raises(QSARFormatError) as info:
        read_qsar(path)
    assert info.value.line == 4
