"""Molecular representations of QSAR datasets, their disk cache, and the Numba Tanimoto kernels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("rdkit")

from asc.errors import UsageError  # noqa: E402
from asc.features import _qsar_kernels as K  # noqa: E402
from asc.features.representations import (  # noqa: E402
    clean_descriptors,
    descriptor_names,
    pack_bits,
    parse_representation,
    representation,
    tanimoto,
)
from asc.instances.qsar import read_qsar  # noqa: E402

BUNDLED = Path(__file__).resolve().parents[2] / "instances" / "qsar"


@pytest.fixture(scope="module")
def dataset():
    return read_qsar(BUNDLED / "simpd-CHEMBL3155-1.csv")


def rdkit_bulk(bits: np.ndarray, other: np.ndarray | None = None) -> np.ndarray:
    """The reference: RDKit's BulkTanimotoSimilarity over ExplicitBitVects built from the 0/1 rows."""
    from rdkit import DataStructs

    def vects(m):
        out = []
        for row in m:
            v = DataStructs.ExplicitBitVect(m.shape[1])
            v.SetBitsFromList([int(j) for j in np.flatnonzero(row)])
            out.append(v)
        return out

    a = vects(bits)
    b = a if other is None else vects(other)
    return np.array([DataStructs.BulkTanimotoSimilarity(x, b) for x in a])


@pytest.mark.parametrize("name, kind, width, dtype", [
    ("ecfp4-1024", "bits", 1024, np.uint8), ("ecfp4-2048", "bits", 2048, np.uint8),
    ("fcfp4-1024", "bits", 1024, np.uint8), ("fcfp4-2048", "bits", 2048, np.uint8),
    ("ecfp4-count-2048", "counts", 2048, np.uint32), ("fcfp4-count-1024", "counts", 1024, np.uint32),
    ("maccs", "bits", 167, np.uint8), ("rdkit2d", "descriptors", None, np.float64),
])
def test_representation_shapes_and_types(dataset, name, kind, width, dtype):
    x = representation(dataset, name)
    assert parse_representation(name).kind == kind
    assert x.shape == (dataset.n, width or len(descriptor_names())) and x.dtype == dtype
    assert np.isfinite(x.astype(np.float64)).all()
    if kind == "bits":
        assert set(np.unique(x)) <= {0, 1} and (x.sum(axis=1) > 0).all()


def test_bits_are_counts_above_zero_and_fcfp_differs_from_ecfp(dataset):
    for family in ("ecfp4", "fcfp4"):
        assert np.array_equal(representation(dataset, f"{family}-2048"),
                              (representation(dataset, f"{family}-count-2048") > 0).astype(np.uint8))
    ecfp, fcfp = representation(dataset, "ecfp4-1024"), representation(dataset, "fcfp4-1024")
    assert not np.array_equal(ecfp, fcfp)
    assert fcfp.sum() < ecfp.sum()  # feature invariants merge atom environments: fewer distinct bits set


def test_maccs_matches_rdkit_keys(dataset):
    from rdkit.Chem import MACCSkeys

    x = representation(dataset, "maccs")
    mols = dataset.mols()
    for i in (0, 17, dataset.n - 1):
        assert sorted(np.flatnonzero(x[i])) == sorted(MACCSkeys.GenMACCSKeys(mols[i]).GetOnBits())


def test_descriptors_replace_missing_and_overflowing_values_by_the_column_median():
    x = np.array([[1.0, np.nan, 5.0], [2.0, np.inf, 1e30], [3.0, -np.inf, 7.0], [4.0, np.nan, 9.0]])
    out = clean_descriptors(x)
    assert np.array_equal(out[:, 0], x[:, 0])
    assert np.array_equal(out[:, 1], np.zeros(4))  # nothing finite left: 0
    assert np.array_equal(out[:, 2], [5.0, 7.0, 7.0, 9.0])  # 1e30 -> median of 5, 7, 9
    assert np.isnan(x[0, 1])  # the input is left alone


def test_rdkit2d_matches_rdkit_where_finite(dataset):
    from rdkit.Chem import Descriptors

    x = representation(dataset, "rdkit2d")
    ref = Descriptors.CalcMolDescriptors(dataset.mols()[3])
    names = descriptor_names()
    for k in (names.index("MolWt"), names.index("TPSA"), names.index("NumHDonors")):
        assert x[3, k] == pytest.approx(ref[names[k]], rel=1e-12)


def test_unknown_representations_are_usage_errors():
    for bad in ("ecfp3-1024", "ecfp4-1000", "morgan", "fcfp4-count"):
        with pytest.raises(UsageError, match="representation"):
            parse_representation(bad)


def test_cache_is_keyed_by_content_hash_and_settings_and_written_whole(dataset, tmp_path):
    first = representation(dataset, "ecfp4-1024", cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].startswith(f"{dataset.content_hash}-ecfp4-1024-")
    assert files[0].endswith(".npy")
    # the cached file is what a second call returns (changed on disk to prove it is read)
    path = tmp_path / files[0]
    marked = first.copy()
    marked[0, 0] ^= 1
    np.save(path, marked)
    assert np.array_equal(representation(dataset, "ecfp4-1024", cache_dir=tmp_path), marked)
    # other settings are another file; a damaged file is recomputed and replaced
    representation(dataset, "ecfp4-2048", cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2
    path.write_bytes(b"garbage")
    assert np.array_equal(representation(dataset, "ecfp4-1024", cache_dir=tmp_path), first)
    assert np.array_equal(np.load(path), first)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_pack_bits_layout():
    bits = np.zeros((2, 130), np.uint8)
    bits[0, [0, 63, 64, 129]] = 1
    packed = pack_bits(bits)
    assert packed.shape == (2, 3) and packed.dtype == np.uint64
    assert packed[0, 0] == (1 | (1 << 63)) and packed[0, 1] == 1 and packed[0, 2] == 2 and not packed[1].any()
    assert list(K.popcounts(packed)) == [4, 0]


def test_tanimoto_equals_rdkit_bulk_on_real_fingerprints(dataset):
    for name in ("ecfp4-2048", "fcfp4-1024", "maccs"):
        x = representation(dataset, name)
        ref = rdkit_bulk(x)
        assert np.abs(tanimoto(x) - ref).max() <= 1e-12
        assert np.abs(tanimoto(x[:30], x[40:]) - ref[:30, 40:]).max() <= 1e-12


def test_tanimoto_equals_rdkit_on_random_bits_with_empty_and_identical_rows():
    rng = np.random.default_rng(7)
    x = (rng.random((60, 200)) < rng.random((60, 1)) * 0.3).astype(np.uint8)
    x[3] = 0
    x[4] = 0
    x[10] = x[11]
    ref = rdkit_bulk(x)
    got = tanimoto(x)
    assert np.abs(got - ref).max() <= 1e-12
    assert got[3, 4] == 0.0 and got[3, 3] == 0.0 and got[10, 11] == 1.0
    assert np.array_equal(got, got.T)


def test_minmax_similarity_of_counts_reduces_to_tanimoto_on_bits():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 4, (20, 50)).astype(np.float64)
    mm = K.minmax_matrix(counts, counts)
    i, j = 2, 5
    assert mm[i, j] == pytest.approx(np.minimum(counts[i], counts[j]).sum() / np.maximum(counts[i], counts[j]).sum())
    bits = (counts > 0).astype(np.float64)
    assert np.abs(K.minmax_matrix(bits, bits) - tanimoto(bits.astype(np.uint8))).max() <= 1e-12


def test_sparse_minmax_kernel_gives_the_dense_kernels_values_bit_for_bit():
    from asc.portfolios.qsar_learners import similarity

    rng = np.random.default_rng(5)
    counts = rng.integers(0, 5, (40, 300)) * (rng.random((40, 300)) < 0.05)
    counts[7] = 0  # an empty fingerprint: similarity 0, as the dense kernel says
    counts[8] = 0
    dense = K.minmax_matrix(counts.astype(np.float64), counts[:25].astype(np.float64))
    got = similarity(counts.astype(np.int32), counts[:25].astype(np.int32))
    assert got.shape == (40, 25)
    assert np.array_equal(got, dense)
    assert got[7, 8] == 0.0 and got[3, 3] == 1.0
