"""QSAR regression datasets as instances: a CSV reader with RDKit standardisation and a content hash.

A QSAR instance is one regression problem: molecules (SMILES) with a measured activity
against one drug target. The reader turns a CSV file (plain or .gz/.bz2/.xz/.lzma,
detected by content as for CNF files) into a :class:`QSARDataset`:

Layouts
    The column names decide. ``moleculeace``: ``smiles`` and ``y`` (MoleculeACE's
    -log10 of the activity in nM), read as pK = ``y`` + 9 so that it is on the scale of
    SIMPD's pChEMBL values; ``simpd``: ``canonical_smiles`` and ``pchembl_value``, used
    as is. Any other file names its columns (``smiles_col``/``target_col``, the CLI's
    ``--smiles-col``/``--target-col``), its activity then used as is. A ``split``
    column (MoleculeACE's fixed train/test, SIMPD's simulated time split) is kept as
    the alternative evaluation protocol; a ``compound_chembl_id`` column as ids.
Standardisation
    Each SMILES is parsed by RDKit without sanitisation, checked
    (:func:`rdkit.Chem.DetectChemistryProblems`), sanitised, then standardised the way
    ChEMBL's and MoleculeACE's curation do: ``rdMolStandardize.Cleanup`` (normalise
    functional groups, reionise, disconnect metals), the largest organic fragment
    (salts and solvents dropped) and neutralisation (``Uncharger``). Tautomers are not
    canonicalised: it costs about 10x the rest and changes few ChEMBL structures. The
    molecule is then its canonical isomeric SMILES.
Rejected molecules
    An empty SMILES, one RDKit cannot parse, or one it cannot sanitise is left out and
    recorded (line, SMILES, RDKit's reason) in :attr:`QSARDataset.rejected`: one bad
    structure in a thousand is a fact about the data, not a reason to refuse the set.
Duplicates
    Rows whose standardised structures are equal are one molecule with the median of
    their activities (the median resists the outlying measurement a mean would spread).
    Its split is the first row's; its id the first row's.
Order and identity
    Molecules are sorted by canonical SMILES, so the dataset, its seeded CV folds and
    its content hash do not depend on the row order, the layout or the compression of
    the file. :attr:`QSARDataset.content_hash` (the instance id) is the md5 of the
    sorted ``SMILES<TAB>repr(activity)`` lines: two files are the same instance exactly
    when they hold the same structures with the same activities. (Canonical SMILES can
    change between RDKit releases; rdkit is pinned in constraints.txt for that reason.)
Errors
    :class:`QSARFormatError` (an :class:`asc.errors.InputError`) naming the file and the
    line for: an unreadable, empty, binary or corrupt file; no SMILES or activity
    column; a non-numeric, missing or infinite activity; a row with fewer cells than
    the header; fewer than ``min_molecules`` valid molecules left (every SMILES invalid
    included).

RDKit is imported inside the functions that need it: ``asc --help`` and the SAT paths
never load it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from asc.errors import InputError

#: Fewest valid molecules a dataset needs by default: 5-fold CV leaves 16 to train on.
MIN_MOLECULES = 20

#: Name endings of QSAR dataset files (matched case-insensitively), with an optional compression.
DATASET_SUFFIXES: tuple[str, ...] = (".csv",)
_COMPRESSIONS = ("", ".gz", ".bz2", ".xz", ".lzma")
_ENDINGS = tuple(s + c for s in DATASET_SUFFIXES for c in _COMPRESSIONS)

#: The rule in words, for help texts and messages.
RULE = "*.csv, plain or .gz/.bz2/.xz/.lzma"

#: Known layouts: name -> (SMILES column, activity column, offset added to the activity).
LAYOUTS: dict[str, tuple[str, str, float]] = {
    "moleculeace": ("smiles", "y", 9.0),
    "simpd": ("canonical_smiles", "pchembl_value", 0.0),
}

_TARGET = re.compile(r"CHEMBL\d+", re.IGNORECASE)
#: Activity types a file name may name (``CHEMBL204_Ki.csv``), canonical spellings.
_ACTIVITY_NAMES = {"ki": "Ki", "kd": "Kd", "ic50": "IC50", "ec50": "EC50"}
_ACTIVITY = re.compile(r"(?:^|[_\-.])(ki|kd|ic50|ec50)(?=[_\-.]|$)", re.IGNORECASE)


class QSARFormatError(InputError):
    """A QSAR dataset file that cannot be used; names the file, the line and what was expected."""


@dataclass(frozen=True)
class Rejection:
    """One row left out: its 1-based line in the file, its SMILES and RDKit's reason."""

    line: int
    smiles: str
    reason: str


@dataclass(frozen=True, eq=False)
class QSARDataset:
    """A standardised QSAR dataset: unique molecules sorted by canonical SMILES, one activity each.

    Attributes
    ----------
    source
        The file read (for messages).
    layout
        ``moleculeace``, ``simpd`` or ``custom``.
    smiles
        Canonical standardised SMILES, sorted, unique.
    y
        float64 activities (pK for the known layouts), aligned with ``smiles``.
    split
        The file's split label per molecule (``train``/``test``), or None without a split column.
    ids
        Compound ids per molecule (first row's), or None without an id column.
    target
        The ChEMBL target id named by the file name (``CHEMBL217``), or None.
    rows
        Data rows in the file.
    merged
        Rows that were duplicates of an earlier row's structure (merged into it).
    rejected
        Rows left out, with line and reason.
    content_hash
        md5 of the sorted ``SMILES<TAB>repr(activity)`` lines: the instance id.
    """

    source: str
    layout: str
    smiles: tuple[str, ...]
    y: np.ndarray
    split: tuple[str, ...] | None
    ids: tuple[str, ...] | None
    target: str | None
    rows: int
    merged: int
    rejected: tuple[Rejection, ...] = field(default=())
    content_hash: str = ""

    @property
    def n(self) -> int:
        """Number of (unique) molecules kept."""
        return len(self.smiles)

    @property
    def activity_type(self) -> str | None:
        """The activity measured, where the dataset names it: ``Ki``, ``Kd``, ``IC50`` or ``EC50``.

        MoleculeACE names it in the file name (``CHEMBL204_Ki.csv``); SIMPD is a
        collection of Ki sets by construction (its ``targets.yaml``: ``activity_type: Ki``).
        Any other file: the name's ``_Ki``/``_IC50``/... part if it has one, else None.
        """
        match = _ACTIVITY.search(Path(self.source).name)
        if match:
            return _ACTIVITY_NAMES[match.group(1).lower()]
        return "Ki" if self.layout == "simpd" else None

    def counts(self) -> dict[str, int]:
        """Rows read, molecules kept, rows merged into a duplicate, rows rejected."""
        return {"rows": self.rows, "kept": self.n, "merged": self.merged, "rejected": len(self.rejected)}

    def mols(self) -> list:
        """RDKit molecules of :attr:`smiles` (parsed anew: canonical SMILES of sanitised molecules always parse)."""
        from rdkit import Chem

        return [Chem.MolFromSmiles(s) for s in self.smiles]


def is_dataset_name(name: str | os.PathLike) -> bool:
    """Whether a file name follows the dataset naming rule (:data:`RULE`)."""
    return Path(name).name.lower().endswith(_ENDINGS)


def find_dataset_files(directory: str | os.PathLike) -> list[Path]:
    """Every dataset file under ``directory`` (recursively), in sorted path order.

    Raises
    ------
    InputError
        The directory holds no file following the rule.
    """
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if is_dataset_name(p.name) and p.is_file())
    if not files:
        raise InputError(f"expected QSAR dataset files ({RULE}) in the directory; found none", directory)
    return files


def dataset_stem(name: str | os.PathLike) -> str:
    """The file name without its compression and ``.csv`` suffixes (``CHEMBL217-1.csv.gz`` -> ``CHEMBL217-1``)."""
    base = Path(name).name
    for comp in _COMPRESSIONS[1:]:
        if base.lower().endswith(comp):
            base = base[: -len(comp)]
            break
    return base[:-4] if base.lower().endswith(".csv") else base


def content_hash(smiles: tuple[str, ...] | list[str], y: np.ndarray) -> str:
    """md5 (32 hex digits) of the ``SMILES<TAB>repr(float(activity))`` lines in the given order."""
    import hashlib

    md5 = hashlib.md5()
    for s, v in zip(smiles, y):
        md5.update(f"{s}\t{float(v)!r}\n".encode())
    return md5.hexdigest()


def _decode(raw: bytes, path: str | os.PathLike) -> str:
    """The file's text; a binary or non-UTF-8 file is an error naming the first bad line."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise QSARFormatError("expected a text CSV file, found binary data (a NUL byte)", path,
                              raw.count(b"\n", 0, nul) + 1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QSARFormatError(f"expected UTF-8 text, found byte 0x{raw[exc.start]:02x}", path,
                              raw.count(b"\n", 0, exc.start) + 1) from None


def _columns(header: list[str], path, smiles_col: str | None,
             target_col: str | None) -> tuple[str, int, int, float]:
    """(layout, SMILES column index, activity column index, activity offset) of a header row."""
    names = [h.strip() for h in header]
    lower = [h.lower() for h in names]

    def find(name: str, what: str, option: str) -> int:
        if name in names:
            return names.index(name)
        if name.lower() in lower:
            return lower.index(name.lower())
        raise QSARFormatError(f"expected a {what} column named {name!r} ({option}); found columns "
                              f"{', '.join(map(repr, names))}", path, 1)

    if smiles_col is None and target_col is None:
        for layout, (s, t, offset) in LAYOUTS.items():
            if s in lower and t in lower:
                return layout, lower.index(s), lower.index(t), offset
    if smiles_col is None:
        candidates = [i for i, h in enumerate(lower) if h in ("smiles", "canonical_smiles")]
        if not candidates:
            raise QSARFormatError("expected a SMILES column (smiles or canonical_smiles, or name it with "
                                  f"--smiles-col); found columns {', '.join(map(repr, names))}", path, 1)
        si = candidates[0]
    else:
        si = find(smiles_col, "SMILES", "--smiles-col")
    if target_col is None:
        known = [i for i, h in enumerate(lower) if h in ("pchembl_value", "activity")]
        if not known:
            raise QSARFormatError("expected an activity column (pchembl_value or activity, or name it with "
                                  f"--target-col); found columns {', '.join(map(repr, names))}", path, 1)
        ti = known[0]
    else:
        ti = find(target_col, "activity", "--target-col")
    if si == ti:
        raise QSARFormatError(f"expected different SMILES and activity columns, both are {names[si]!r}", path, 1)
    return "custom", si, ti, 0.0


def _standardiser():
    """A function SMILES -> (canonical standardised SMILES, None) or (None, reason)."""
    import contextlib
    import io

    from rdkit import Chem, RDLogger, rdBase
    from rdkit.Chem.MolStandardize import rdMolStandardize

    RDLogger.DisableLog("rdApp.info")  # MolStandardize narrates every step at info level
    rdBase.LogToPythonStderr()  # so that RDKit's reasons can be captured per molecule
    chooser = rdMolStandardize.LargestFragmentChooser(preferOrganic=True)
    uncharger = rdMolStandardize.Uncharger()

    def reason(text: str, fallback: str) -> str:
        for line in text.splitlines():
            line = re.sub(r"^\[\d\d:\d\d:\d\d\]\s*", "", line).strip()
            if line:
                return line
        return fallback

    def standardise(smiles: str) -> tuple[str | None, str | None]:
        if not smiles:
            return None, "empty SMILES"
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):
            mol = Chem.MolFromSmiles(smiles, sanitize=False)
            if mol is None:
                return None, reason(buf.getvalue(), "RDKit cannot parse the SMILES")
            problems = Chem.DetectChemistryProblems(mol)
            if problems:
                return None, problems[0].Message()
            try:
                Chem.SanitizeMol(mol)
                mol = rdMolStandardize.Cleanup(mol)
                mol = chooser.choose(mol)
                mol = uncharger.uncharge(mol)
                out = Chem.MolToSmiles(mol)
            except Exception as exc:  # RDKit raises its own (MolSanitizeException, RuntimeError ...)
                return None, reason(buf.getvalue(), f"RDKit cannot standardise the molecule: {exc}")
        if not out:
            return None, "no atoms left after standardisation"
        return out, None

    return standardise


def read_qsar(path: str | os.PathLike, *, smiles_col: str | None = None, target_col: str | None = None,
              min_molecules: int = MIN_MOLECULES) -> QSARDataset:
    """Read, standardise and deduplicate one QSAR dataset file (see the module docstring).

    Parameters
    ----------
    path
        CSV file, plain or compressed.
    smiles_col, target_col
        Column names for layouts other than MoleculeACE and SIMPD (matched
        case-insensitively); naming either turns off the layout recognition.
    min_molecules
        Fewest valid unique molecules accepted.

    Raises
    ------
    QSARFormatError
        The file cannot be used (see the module docstring); names the file and line.
    """
    import csv

    from asc.instances.compression import read_bytes

    text = _decode(read_bytes(path, "a QSAR dataset file (CSV)"), path)
    if not text.strip():
        raise QSARFormatError("expected a CSV header row and data rows, found an empty file", path, 1)
    import io

    # newline="": the csv module sees \n, \r\n and \r as line ends, never the other characters
    # str.splitlines() would break at (\x85, \u2028 ...), so its line numbers are the file's
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        layout, si, ti, offset = _columns(header, path, smiles_col, target_col)
        lower = [h.strip().lower() for h in header]
        split_i = lower.index("split") if "split" in lower else None
        id_i = lower.index("compound_chembl_id") if "compound_chembl_id" in lower else None
        standardise = _standardiser()
        by_smiles: dict[str, list] = {}  # canonical SMILES -> [activities, split, id]
        rejected: list[Rejection] = []
        rows = merged = 0
        need = max(si, ti) + 1
        for cells in reader:
            line = reader.line_num
            if not cells or all(not c.strip() for c in cells):
                continue  # blank lines carry no molecule
            rows += 1
            if len(cells) < need:
                raise QSARFormatError(f"expected at least {need} cells as in the header, found {len(cells)}",
                                      path, line)
            raw_y = cells[ti].strip()
            try:
                value = float(raw_y)
            except ValueError:
                raise QSARFormatError(f"expected a numeric activity in column {header[ti].strip()!r}, "
                                      f"found {raw_y[:40]!r}", path, line) from None
            if not math.isfinite(value):
                raise QSARFormatError(f"expected a finite activity in column {header[ti].strip()!r}, "
                                      f"found {raw_y[:40]!r}", path, line)
            smiles = cells[si].strip()
            canonical, why = standardise(smiles)
            if canonical is None:
                rejected.append(Rejection(line, smiles, why or "invalid"))
                continue
            entry = by_smiles.get(canonical)
            if entry is None:
                by_smiles[canonical] = [[value + offset],
                                        cells[split_i].strip() if split_i is not None and split_i < len(cells) else "",
                                        cells[id_i].strip() if id_i is not None and id_i < len(cells) else ""]
            else:
                entry[0].append(value + offset)
                merged += 1
    except csv.Error as exc:
        raise QSARFormatError(f"expected CSV, {exc}", path, reader.line_num) from None
    if rows == 0:
        raise QSARFormatError("expected data rows after the header, found none", path, 2)
    if len(by_smiles) < min_molecules:
        first = f"; first rejected line {rejected[0].line}: {rejected[0].reason}" if rejected else ""
        raise QSARFormatError(f"expected at least {min_molecules} valid molecules, found {len(by_smiles)} "
                              f"({len(rejected)} of {rows} rows rejected{first})", path,
                              rejected[0].line if rejected and not by_smiles else None)
    keys = sorted(by_smiles)
    y = np.array([float(np.median(by_smiles[k][0])) for k in keys], dtype=np.float64)
    split = tuple(by_smiles[k][1] for k in keys) if split_i is not None else None
    ids = tuple(by_smiles[k][2] for k in keys) if id_i is not None else None
    match = _TARGET.search(Path(path).name)
    return QSARDataset(str(path), layout, tuple(keys), y, split, ids,
                       match.group(0).upper() if match else None, rows, merged, tuple(rejected),
                       content_hash(keys, y))


def discover_datasets(paths: list[str]) -> list[tuple[str, Path]]:
    """(dataset id, path) of every dataset named by ``paths``: files as given, directories searched.

    Ids are the file stems (``CHEMBL217-1``); stems that clash are replaced by the paths.

    Raises
    ------
    InputError
        A path does not exist, or a directory holds no dataset file.
    """
    found: list[tuple[str, Path]] = []
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            found += [(dataset_stem(p), p) for p in find_dataset_files(path)]
        elif path.exists():
            found.append((dataset_stem(path), path))
        else:
            raise InputError("expected a QSAR dataset file or a directory, found nothing there", path)
    counts: dict[str, int] = {}
    for iid, _ in found:
        counts[iid] = counts.get(iid, 0) + 1
    return [(str(p) if counts[iid] > 1 else iid, p) for iid, p in found]
