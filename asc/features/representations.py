"""Molecular representations of a QSAR dataset (RDKit), computed once and cached on disk.

Names (what portfolio files and ``--representation`` options say):

``ecfp4-1024``, ``ecfp4-2048`` (any ``ecfpD-BITS``)
    Morgan fingerprints of diameter D (radius D/2) folded to BITS bits, RDKit's
    ``rdFingerprintGenerator`` with its default (ECFP, connectivity) atom invariants;
    chirality off, as in the Meta-QSAR and MoleculeACE baselines.
``fcfp4-1024``, ``fcfp4-2048``
    The same with feature (pharmacophoric) atom invariants
    (``GetMorganFeatureAtomInvGen``): FCFP.
``ecfp4-count-2048``, ``fcfp4-count-1024`` ...
    Counts instead of bits (how often each folded environment occurs).
``maccs``
    The 167 MACCS keys (bit 0 is always unset, kept so that key numbers are column numbers).
``rdkit2d``
    RDKit's 2D descriptors (``Descriptors.descList``, 217 in RDKit 2026.09; ``Ipc`` and
    ``AvgIpc`` take about 90% of their time on drug-sized molecules). A few are
    undefined for some molecules (NaN, e.g. partial-charge descriptors of exotic
    elements) or overflow (``Ipc`` reaches 1e30 and beyond): values whose magnitude
    exceeds 1e10 and non-finite values are set to the dataset's median of that
    descriptor's remaining values (0 when none remain), so every learner gets finite
    inputs and one molecule cannot blow up a scaled column.

Bits come as uint8 0/1 matrices, counts as uint32, descriptors as float64, one row per
molecule of the dataset in its order. :func:`pack_bits` packs a bit matrix into uint64
words for the Numba Tanimoto kernels.

Cache: with a ``cache_dir``, a representation is stored as
``<content hash>-<name>-<settings digest>.npy``, the digest covering the RDKit version
and the representation's settings, so that a changed RDKit or definition never
reads stale values; files are written to a temporary name and renamed (atomic on one
file system), so that concurrent workers or a kill leave either no file or a whole one.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asc.errors import UsageError

_MORGAN = re.compile(r"^(ecfp|fcfp)(\d+)(-count)?-(\d+)$")
_DESCRIPTOR_LIMIT = 1e10
#: Version of the definitions above: bump when a representation's values change.
_DEFINITION_VERSION = 1

#: The representations the issue names, for help texts and the benchmark.
STANDARD: tuple[str, ...] = ("ecfp4-1024", "ecfp4-2048", "fcfp4-1024", "fcfp4-2048", "ecfp4-count-2048",
                             "fcfp4-count-2048", "maccs", "rdkit2d")


@dataclass(frozen=True)
class RepresentationSpec:
    """A parsed representation name.

    Attributes
    ----------
    name
        As given (lower case).
    kind
        ``bits``, ``counts`` or ``descriptors``.
    family
        ``ecfp``, ``fcfp``, ``maccs`` or ``rdkit2d``.
    radius, nbits
        Morgan radius and folded length (0 for the others; MACCS: 167).
    """

    name: str
    kind: str
    family: str
    radius: int = 0
    nbits: int = 0

    @property
    def is_fingerprint(self) -> bool:
        """Bits or counts of substructures (Tanimoto-comparable)."""
        return self.kind in ("bits", "counts")


def parse_representation(name: str) -> RepresentationSpec:
    """The :class:`RepresentationSpec` of a name (see the module docstring).

    Raises
    ------
    UsageError
        An unknown name, an odd diameter or a length that is not a positive multiple of 64.
    """
    key = name.strip().lower()
    if key == "maccs":
        return RepresentationSpec(key, "bits", "maccs", 0, 167)
    if key == "rdkit2d":
        return RepresentationSpec(key, "descriptors", "rdkit2d")
    match = _MORGAN.match(key)
    if match:
        family, diameter, count, nbits = match.group(1), int(match.group(2)), match.group(3), int(match.group(4))
        if diameter % 2 or not 0 < diameter <= 12:
            raise UsageError(f"representation {name!r}: expected an even diameter 2..12 (ecfp4 is radius 2)")
        if nbits <= 0 or nbits % 64 or nbits > 1 << 16:
            raise UsageError(f"representation {name!r}: expected a length that is a multiple of 64 up to 65536")
        return RepresentationSpec(key, "counts" if count else "bits", family, diameter // 2, nbits)
    raise UsageError(f"unknown representation {name!r}; expected ecfpD-BITS, fcfpD-BITS, "
                     f"ecfpD-count-BITS, fcfpD-count-BITS, maccs or rdkit2d (e.g. {', '.join(STANDARD)})")


def descriptor_names() -> list[str]:
    """Names of the ``rdkit2d`` columns, in order."""
    from rdkit.Chem import Descriptors

    return [n for n, _ in Descriptors.descList]


def _compute(spec: RepresentationSpec, mols: list) -> np.ndarray:
    if spec.family in ("ecfp", "fcfp"):
        from rdkit.Chem import rdFingerprintGenerator as gen

        kwargs = {"radius": spec.radius, "fpSize": spec.nbits}
        if spec.family == "fcfp":
            kwargs["atomInvariantsGenerator"] = gen.GetMorganFeatureAtomInvGen()
        generator = gen.GetMorganGenerator(**kwargs)
        if spec.kind == "bits":
            out = np.zeros((len(mols), spec.nbits), np.uint8)
            for i, mol in enumerate(mols):
                out[i] = generator.GetFingerprintAsNumPy(mol)
        else:
            out = np.zeros((len(mols), spec.nbits), np.uint32)
            for i, mol in enumerate(mols):
                out[i] = generator.GetCountFingerprintAsNumPy(mol)
        return out
    if spec.family == "maccs":
        from rdkit import DataStructs
        from rdkit.Chem import MACCSkeys

        out = np.zeros((len(mols), 167), np.uint8)
        for i, mol in enumerate(mols):
            DataStructs.ConvertToNumpyArray(MACCSkeys.GenMACCSKeys(mol), out[i])
        return out
    from rdkit.Chem import Descriptors

    names = [n for n, _ in Descriptors.descList]
    out = np.empty((len(mols), len(names)), np.float64)
    for i, mol in enumerate(mols):
        # CalcMolDescriptors shares intermediate results between descriptors (about 2x faster than
        # calling each) and returns missingVal for a descriptor that raises on an exotic molecule
        values = Descriptors.CalcMolDescriptors(mol, missingVal=np.nan)
        out[i] = [values.get(n, np.nan) for n in names]
    return clean_descriptors(out)


def clean_descriptors(x: np.ndarray) -> np.ndarray:
    """Non-finite values and magnitudes above 1e10 replaced by their column's median of the rest (0 if none)."""
    x = np.array(x, dtype=np.float64, copy=True)
    bad = ~np.isfinite(x) | (np.abs(np.nan_to_num(x, nan=0.0, posinf=np.inf, neginf=-np.inf)) > _DESCRIPTOR_LIMIT)
    for k in np.flatnonzero(bad.any(axis=0)):
        good = x[~bad[:, k], k]
        x[bad[:, k], k] = float(np.median(good)) if good.size else 0.0
    return x


def settings_digest(spec: RepresentationSpec) -> str:
    """12 hex digits naming the representation's settings and the RDKit version (the cache key's second half)."""
    from rdkit import rdBase

    text = f"{spec.name}|{spec.kind}|{spec.family}|{spec.radius}|{spec.nbits}|rdkit {rdBase.rdkitVersion}|" \
           f"v{_DEFINITION_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def representation(dataset, name: str, *, cache_dir: str | os.PathLike | None = None,
                   mols: list | None = None) -> np.ndarray:
    """The matrix of representation ``name`` of a :class:`asc.instances.qsar.QSARDataset`.

    Parameters
    ----------
    dataset
        The dataset (its ``smiles`` and ``content_hash``).
    name
        A representation name (module docstring).
    cache_dir
        Folder of the on-disk cache (created when missing); None: no cache.
    mols
        The dataset's RDKit molecules when the caller already has them (else parsed here).

    Raises
    ------
    UsageError
        An unknown representation name.
    """
    spec = parse_representation(name)
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{dataset.content_hash}-{spec.name}-{settings_digest(spec)}.npy"
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == dataset.n:
                return cached
        except (OSError, ValueError):
            pass  # absent or damaged: compute it again
    x = _compute(spec, dataset.mols() if mols is None else mols)
    if path is not None:
        _atomic_save(path, x)
    return x


def _atomic_save(path: Path, x: np.ndarray) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, x, allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a cache that cannot be written costs time, not results


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """A 0/1 (n, nbits) matrix packed into (n, ceil(nbits/64)) uint64 words; bit j is bit j % 64 of word j // 64."""
    bits = np.ascontiguousarray(bits != 0)
    n, nbits = bits.shape
    words = -(-nbits // 64)
    padded = np.zeros((n, words * 64), np.bool_)
    padded[:, :nbits] = bits
    return np.packbits(padded, axis=1, bitorder="little").view("<u8").astype(np.uint64, copy=False).reshape(n, words)


def tanimoto(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Tanimoto similarity matrix of 0/1 fingerprints (rows of ``a`` against rows of ``b``, or of ``a``).

    Two empty fingerprints have similarity 0, as in RDKit. Packs and calls the Numba kernels.
    """
    from asc.features import _qsar_kernels as K

    pa = pack_bits(a)
    if b is None:
        return K.tanimoto_self(pa)
    return K.tanimoto_matrix(pa, pack_bits(b))
