"""Build a scenario from two plain tables, as AutoFolio's CSV input does.

``performance.csv``: first column the instance name, then one column per algorithm,
one row per instance (runtime in seconds, or solution quality). ``features.csv``:
first column the instance name, then one column per feature. Optionally a
``feature_costs.csv`` (first column the instance name, then cost columns in seconds,
summed per instance).

For runtime scenarios a value at or above the cutoff, or a missing value, is a
timeout; for quality scenarios a missing value is a crash. All features form one
feature step named ``all``; cross-validation folds are drawn with the given seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from asc.aslib.description import AlgorithmInfo, Description, FeatureStep
from asc.aslib.folds import make_folds
from asc.aslib.scenario import Scenario, canonical
from asc.errors import InputError


def _read_table(path: Path, what: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, index_col=0)
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        line = None
        text = str(exc)
        if "line" in text:
            digits = [int(tok) for tok in text.replace(",", " ").split() if tok.isdigit()]
            line = digits[-1] if digits else None
        raise InputError(f"not a readable CSV {what} table: {text.splitlines()[0] if text else exc}",
                         path, line) from None
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()][0]
        line = int(np.flatnonzero(frame.index == dup)[1]) + 2
        raise InputError(f"instance {dup!r} appears twice (expected one row per instance)", path, line)
    frame.index = frame.index.astype(str)
    for position, column in enumerate(frame.columns):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"column {column!r} must be numeric, found {frame[column].iloc[row]!r}", path, row + 2
            )
        frame[column] = values.astype(float)
    return frame


def scenario_from_csv(
    performance_csv: str | Path,
    features_csv: str | Path,
    *,
    cutoff: float | None = None,
    performance_type: str = "runtime",
    maximize: bool = False,
    scenario_id: str = "csv-scenario",
    feature_costs_csv: str | Path | None = None,
    n_folds: int = 10,
    seed: int = 0,
) -> Scenario:
    """Build a :class:`Scenario` from a performance table and a feature table.

    Raises
    ------
    InputError
        A table cannot be read, has duplicate instances or non-numeric values, or a
        runtime scenario has no cutoff.
    """
    performance_csv, features_csv = Path(performance_csv), Path(features_csv)
    perf = _read_table(performance_csv, "performance")
    feats = _read_table(features_csv, "feature")
    if performance_type not in ("runtime", "solution_quality"):
        raise InputError(f"performance type must be runtime or solution_quality, found {performance_type!r}")
    if performance_type == "runtime" and (cutoff is None or cutoff <= 0):
        raise InputError("a runtime scenario needs a positive cutoff (--cutoff-time SECONDS)", performance_csv)
    missing = [i for i in perf.index if i not in set(feats.index)]
    if missing:
        # the line of the performance row without features (header on line 1)
        raise InputError(f"instance {missing[0]!r} has performance data but no row in {features_csv.name} "
                         f"({len(missing)} such instances)", performance_csv,
                         int(np.flatnonzero(perf.index == missing[0])[0]) + 2)

    long = perf.rename_axis("instance_id").reset_index().melt(
        id_vars="instance_id", var_name="algorithm", value_name="value"
    )
    values = long["value"].to_numpy(dtype=float)
    if performance_type == "runtime":
        status = np.where(np.isnan(values) | (values >= cutoff), "timeout", "ok")
        values = np.where(np.isnan(values), cutoff, values)
    else:
        status = np.where(np.isnan(values), "crash", "ok")
    measure = "runtime" if performance_type == "runtime" else "quality"
    runs = pd.DataFrame({
        "instance_id": long["instance_id"].astype(str).to_numpy(dtype=object),
        "repetition": np.ones(len(long), dtype=np.int64),
        "algorithm": long["algorithm"].astype(str).to_numpy(dtype=object),
        measure: values,
        "runstatus": status.astype(object),
    })

    instances = sorted(perf.index)
    feats = feats.loc[[i for i in feats.index if i in set(instances)]]
    feature_values = feats.rename_axis("instance_id").reset_index()
    feature_values.insert(1, "repetition", np.int64(1))
    feature_values["instance_id"] = feature_values["instance_id"].astype(object)

    keys = {"instance_id": pd.Series(instances, dtype=object), "repetition": np.int64(1)}
    steps = {"all": FeatureStep(tuple(str(c) for c in feats.columns))}
    # A row with missing values was not computed completely: its status is not "ok".
    complete = feats.reindex(instances).notna().all(axis=1).to_numpy()
    status_table = pd.DataFrame({**keys, "all": np.where(complete, "ok", "unknown").astype(object)})
    cost_table = None
    if feature_costs_csv is not None:
        costs = _read_table(Path(feature_costs_csv), "feature cost").reindex(instances)
        cost_table = pd.DataFrame({**keys, "all": costs.sum(axis=1, min_count=1).to_numpy()})

    desc = Description(
        scenario_id=scenario_id,
        performance_measures=(measure,),
        maximize=(bool(maximize),),
        performance_type=(performance_type,),
        algorithm_cutoff_time=cutoff,
        features_deterministic=tuple(str(c) for c in feats.columns),
        algorithms={str(a): AlgorithmInfo() for a in perf.columns},
        feature_steps=steps,
        default_steps=("all",),
    )
    return Scenario(
        description=desc,
        runs=canonical(runs, "runs"),
        feature_values=canonical(feature_values, "feature_values"),
        feature_runstatus=canonical(status_table, "feature_runstatus"),
        feature_costs=None if cost_table is None else canonical(cost_table, "feature_costs"),
        cv=canonical(make_folds(instances, n_folds=n_folds, seed=seed), "cv"),
    )
