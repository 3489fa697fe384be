"""Reading ASlib scenario folders, leniently about format and strictly about meaning.

Lenient: every description format, missing optional files, ``?`` values, runstatus
declared as STRING, attribute names in any case, repetitions. Strict: anything that
makes the data ambiguous raises :class:`~asc.errors.ScenarioError` naming the file,
the line and the cause: a missing key column, an unknown runstatus level, duplicate
rows, an instance without a fold in ``cv.arff``.

Each ``load_*`` function turns one file into a table plus the line number of each
row; :mod:`asc.aslib.validator` reuses them to report every problem at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from asc.aslib.arff import ArffTable, read_arff
from asc.aslib.description import Description, read_description
from asc.aslib.scenario import FEATURE_STATUSES, RUN_STATUSES, Scenario, canonical
from asc.errors import ScenarioError

REQUIRED_FILES = ("description.txt", "algorithm_runs.arff")
@dataclass(frozen=True)
class Loaded:
    """A table read from one file, with the source line of each row."""

    table: pd.DataFrame
    lines: np.ndarray  # int, 1-based line per row of ``table`` (0 = unknown)
    path: str


def _lower_names(table: ArffTable) -> list[str]:
    # Key columns are matched case-insensitively (old files say INSTANCE_ID); others keep their case.
    keys = {"instance_id", "repetition", "algorithm", "runstatus", "fold"}
    return [n.lower() if n.lower() in keys else n for n in table.names]


def _frame(table: ArffTable, key_columns: Sequence[str], label: str) -> tuple[pd.DataFrame, np.ndarray]:
    names = _lower_names(table)
    for position, key in enumerate(key_columns):
        if key not in names:
            raise ScenarioError(
                f"missing column '{key}' ({label} needs {', '.join(key_columns)} as its first attributes)",
                table.path, table.line_of_attribute(position) or table.data_line or None,
            )
        if names.index(key) != position:
            raise ScenarioError(
                f"column '{key}' must be attribute {position + 1} of {label}, found at {names.index(key) + 1}",
                table.path, table.line_of_attribute(names.index(key)),
            )
    if len(set(names)) != len(names):
        second = next(i for i, n in enumerate(names) if n in names[:i])
        raise ScenarioError(f"attribute '{names[second]}' is declared twice (first at attribute "
                            f"{names.index(names[second]) + 1})", table.path, table.line_of_attribute(second))
    frame = pd.DataFrame(table.rows, columns=names) if table.rows else pd.DataFrame(columns=names)
    return frame, np.asarray(table.row_lines, dtype=np.int64)


def _check_missing_keys(frame: pd.DataFrame, lines: np.ndarray, keys: Sequence[str], path: str) -> None:
    for key in keys:
        missing = frame[key].isna().to_numpy()
        if missing.any():
            row = int(np.argmax(missing))
            raise ScenarioError(f"'{key}' is missing ('?')", path, int(lines[row]) or None)


def _check_duplicates(frame: pd.DataFrame, lines: np.ndarray, keys: Sequence[str], path: str) -> None:
    dup = frame.duplicated(subset=list(keys), keep="first").to_numpy()
    if dup.any():
        row = int(np.argmax(dup))
        first = frame.duplicated(subset=list(keys), keep=False).to_numpy()
        first_row = int(np.argmax(first))
        what = ", ".join(f"{k}={frame[k].iloc[row]}" for k in keys)
        raise ScenarioError(
            f"duplicate row for ({what}); first given at line {int(lines[first_row])}", path, int(lines[row]) or None
        )


def _check_levels(frame: pd.DataFrame, lines: np.ndarray, columns: Sequence[str], levels: Sequence[str],
                  path: str) -> None:
    allowed = set(levels)
    for column in columns:
        values = frame[column]
        bad = (~values.isna() & ~values.astype("object").isin(allowed)).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise ScenarioError(
                f"unknown {column} level {values.iloc[row]!r} (expected one of {', '.join(levels)})",
                path, int(lines[row]) or None,
            )


def _as_int(frame: pd.DataFrame, column: str, lines: np.ndarray, path: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (values.isna() | (values != values.round())).to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise ScenarioError(f"'{column}' must be a whole number, found {frame[column].iloc[row]!r}", path,
                            int(lines[row]) or None)
    frame[column] = values.astype(np.int64)


def _numeric(frame: pd.DataFrame, columns: Sequence[str], lines: np.ndarray, path: str) -> None:
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = (values.isna() & frame[column].notna()).to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            raise ScenarioError(f"'{column}' must be numeric, found {frame[column].iloc[row]!r}", path,
                                int(lines[row]) or None)
        frame[column] = values.astype(np.float64)


def _strings(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None).map(
            lambda v: None if v is None else str(v)
        )


def load_runs(path: Path, desc: Description) -> Loaded:
    """Load ``algorithm_runs.arff``: ``instance_id, repetition, algorithm, <measures>, runstatus``."""
    table = read_arff(path)
    frame, lines = _frame(table, ["instance_id", "repetition", "algorithm"], "algorithm_runs.arff")
    names = list(frame.columns)
    if "runstatus" not in names:
        raise ScenarioError("missing column 'runstatus' (the last attribute of algorithm_runs.arff)", path,
                            table.data_line or None)
    for measure in desc.performance_measures:
        if measure not in names:
            raise ScenarioError(
                f"missing column '{measure}' (performance_measures in description.txt names it)", path,
                table.data_line or None,
            )
    _check_missing_keys(frame, lines, ["instance_id", "algorithm", "runstatus"], str(path))
    _strings(frame, ["instance_id", "algorithm", "runstatus"])
    _as_int(frame, "repetition", lines, str(path))
    _numeric(frame, list(desc.performance_measures), lines, str(path))
    _check_levels(frame, lines, ["runstatus"], RUN_STATUSES, str(path))
    _check_duplicates(frame, lines, ["instance_id", "repetition", "algorithm"], str(path))
    columns = ["instance_id", "repetition", "algorithm", *desc.performance_measures, "runstatus"]
    extra = [c for c in names if c not in columns]
    return Loaded(frame[columns[:-1] + extra + ["runstatus"]], lines, str(path))


def _load_keyed(path: Path, key: str, label: str, kind: str, levels: Sequence[str] = ()) -> Loaded:
    table = read_arff(path)
    frame, lines = _frame(table, [key, "repetition"], label)
    _check_missing_keys(frame, lines, [key], str(path))
    _strings(frame, [key])
    _as_int(frame, "repetition", lines, str(path))
    values = [c for c in frame.columns if c not in (key, "repetition")]
    if kind == "numeric":
        _numeric(frame, values, lines, str(path))
    else:
        _strings(frame, values)
        _check_levels(frame, lines, values, levels, str(path))
    _check_duplicates(frame, lines, [key, "repetition"], str(path))
    return Loaded(frame, lines, str(path))


def load_feature_values(path: Path, key: str = "instance_id") -> Loaded:
    """Load ``feature_values.arff`` (or ``algorithm_feature_values.arff`` with ``key='algorithm'``)."""
    return _load_keyed(path, key, path.name, "numeric")


def load_feature_costs(path: Path, key: str = "instance_id") -> Loaded:
    """Load ``feature_costs.arff``: seconds per feature step."""
    return _load_keyed(path, key, path.name, "numeric")


def load_feature_runstatus(path: Path, key: str = "instance_id") -> Loaded:
    """Load ``feature_runstatus.arff``: one ASlib feature status per step."""
    # Algorithm-feature files use the run levels (not_applicable) as well as the feature ones.
    levels = FEATURE_STATUSES if key == "instance_id" else tuple(dict.fromkeys(FEATURE_STATUSES + RUN_STATUSES))
    return _load_keyed(path, key, path.name, "nominal", levels)


def load_cv(path: Path) -> Loaded:
    """Load ``cv.arff``: ``instance_id, repetition, fold``."""
    table = read_arff(path)
    frame, lines = _frame(table, ["instance_id", "repetition", "fold"], "cv.arff")
    _check_missing_keys(frame, lines, ["instance_id"], str(path))
    _strings(frame, ["instance_id"])
    _as_int(frame, "repetition", lines, str(path))
    _as_int(frame, "fold", lines, str(path))
    _check_duplicates(frame, lines, ["instance_id", "repetition"], str(path))
    return Loaded(frame[["instance_id", "repetition", "fold"]], lines, str(path))


def load_ground_truth(path: Path) -> Loaded:
    """Load ``ground_truth.arff``: ``instance_id`` then one column per ground-truth attribute."""
    table = read_arff(path)
    frame, lines = _frame(table, ["instance_id"], "ground_truth.arff")
    _check_missing_keys(frame, lines, ["instance_id"], str(path))
    _strings(frame, ["instance_id"])
    for (name, kind), column in zip(table.attributes[1:], frame.columns[1:], strict=True):
        if isinstance(kind, list) or str(kind).upper() == "STRING":
            _strings(frame, [column])
        else:
            _numeric(frame, [column], lines, str(path))
    _check_duplicates(frame, lines, ["instance_id"], str(path))
    return Loaded(frame, lines, str(path))


def check_cv_coverage(cv: Loaded, instances: Sequence[str]) -> None:
    """Every instance of the runs must have a fold in each cv repetition."""
    for repetition, rows in cv.table.groupby("repetition"):
        missing = sorted(set(instances) - set(rows["instance_id"]))
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise ScenarioError(
                f"instance {missing[0]!r}{more} has no fold in repetition {repetition}", cv.path
            )


def read_scenario(directory: str | Path) -> Scenario:
    """Read an ASlib scenario folder.

    Parameters
    ----------
    directory
        Folder holding ``description.txt``, ``algorithm_runs.arff`` and the optional files.

    Returns
    -------
    Scenario
        Every table in canonical (sorted) order; shapes in :mod:`asc.aslib.scenario`.

    Raises
    ------
    ScenarioError
        A file is missing or broken; the message names the file, the line and the cause.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ScenarioError("not a directory (expected an ASlib scenario folder)", directory)
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            raise ScenarioError(f"missing required file {name}", directory / name)
    desc = read_description(directory / "description.txt")
    runs = load_runs(directory / "algorithm_runs.arff", desc).table
    if not desc.algorithms:
        desc = desc.with_algorithms(list(dict.fromkeys(runs["algorithm"])))

    def optional(name: str, loader, *args) -> pd.DataFrame | None:
        path = directory / name
        if not path.is_file():
            return None
        return loader(path, *args).table

    cv_path = directory / "cv.arff"
    cv = None
    if cv_path.is_file():
        loaded = load_cv(cv_path)
        check_cv_coverage(loaded, sorted(set(runs["instance_id"])))
        cv = loaded.table

    tables = {
        "runs": runs,
        "feature_values": optional("feature_values.arff", load_feature_values),
        "feature_runstatus": optional("feature_runstatus.arff", load_feature_runstatus),
        "feature_costs": optional("feature_costs.arff", load_feature_costs),
        "cv": cv,
        "ground_truth": optional("ground_truth.arff", load_ground_truth),
        "algorithm_feature_values": optional("algorithm_feature_values.arff", load_feature_values, "algorithm"),
        "algorithm_feature_runstatus": optional(
            "algorithm_feature_runstatus.arff", load_feature_runstatus, "algorithm"
        ),
        "algorithm_feature_costs": optional("algorithm_feature_costs.arff", load_feature_costs, "algorithm"),
    }
    tables = {k: (None if v is None else canonical(v, k)) for k, v in tables.items()}
    return Scenario(description=desc, **tables)
