"""Validate an ASlib scenario folder with the official checker's rules.

The rules follow the ASlib data checker (``data_check_tool_python`` in coseal/aslib_data)
and the format specification; each finding names the file, the line or the instance,
and the rule, so that a user can fix the file without reading our code:

=========================  ==============================================================
rule                       what it checks
=========================  ==============================================================
``required-file``          description.txt, algorithm_runs.arff, feature_values.arff and
                           feature_runstatus.arff exist
``arff-syntax``            each ARFF file parses (truncated rows, bad numbers, bad levels)
``description``            YAML parses; keys have the right kind (lists are lists); a
                           runtime scenario has ``algorithm_cutoff_time``; default steps are
                           declared steps; ``requires`` names declared steps
``attribute-order``        key attributes come first, in the official order, and
                           ``runstatus`` is the last attribute of algorithm_runs.arff
``runstatus-level``        every runstatus is one of the ASlib levels, in header and data
``missing-performance``    no ``?`` performance value (the checker asks to impute them)
``duplicate-row``          no key (instance, repetition[, algorithm]) appears twice
``undeclared-feature``     every feature column is declared deterministic or stochastic
``step-count``             feature_runstatus/feature_costs have one column per declared step
``missing-feature``        no feature of a step whose status is ok is missing
``cv-coverage``            every instance of algorithm_runs.arff has a fold in cv.arff
``unknown-instance``       (warning) feature/cv rows of instances without runs
``missing-run``            (warning) instance x algorithm pairs without a run
=========================  ==============================================================
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from asc.aslib.arff import ArffTable, read_arff
from asc.aslib.description import Description, read_description
from asc.aslib.scenario import FEATURE_STATUSES, RUN_STATUSES
from asc.errors import ScenarioError

# At most this many findings of one rule and severity in one file are listed; the rest are counted.
MAX_PER_RULE = 10


@dataclass(frozen=True)
class Finding:
    """One problem found in a scenario folder, or a summary of several.

    At most :data:`MAX_PER_RULE` findings of one rule and severity in one file are
    listed one by one; the rest are folded into a single ``... and N more`` finding
    whose ``count`` is N. So the number of problems of a severity is the sum of the
    ``count`` of its findings (:func:`count_findings`), not the number of entries.
    """

    path: str
    rule: str
    message: str
    line: int | None = None
    severity: str = "error"  # "error" or "warning"
    count: int = 1  # problems this entry stands for (more than 1 only for the "... and N more" summary)

    def __str__(self) -> str:
        where = self.path if not self.line else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.message} [{self.rule}]"


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        # Capped per file, rule and severity, so that a summary entry never mixes severities.
        self._counts: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(self, path: Path | str, rule: str, message: str, line: int | None = None,
            severity: str = "error") -> None:
        key = (str(path), rule, severity)
        self._counts[key] += 1
        if self._counts[key] <= MAX_PER_RULE:
            self.findings.append(Finding(str(path), rule, message, line or None, severity))

    def close(self) -> list[Finding]:
        for (path, rule, severity), count in self._counts.items():
            if count > MAX_PER_RULE:
                more = count - MAX_PER_RULE
                self.findings.append(
                    Finding(path, rule, f"... and {more} more findings of this rule", None, severity, more))
        return self.findings


def count_findings(findings: list[Finding]) -> dict[str, int]:
    """Problems per severity (``{"error": n, "warning": m}``), summary entries counted for what they stand for.

    The listing is capped (see :class:`Finding`); a count of the entries would report
    the cap, not the problems found.
    """
    counts = {"error": 0, "warning": 0}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + finding.count
    return counts


def _arff(path: Path, out: _Collector) -> ArffTable | None:
    try:
        return read_arff(path)
    except ScenarioError as exc:
        out.add(path, "arff-syntax", exc.message, exc.line)
        return None


def _lower(names: list[str]) -> list[str]:
    keys = {"instance_id", "repetition", "algorithm", "runstatus", "fold"}
    return [n.lower() if n.lower() in keys else n for n in names]


def _frame(table: ArffTable) -> pd.DataFrame:
    frame = pd.DataFrame(table.rows, columns=_lower(table.names), dtype="object")
    frame["__line"] = table.row_lines
    return frame


def _check_key_order(table: ArffTable, keys: list[str], out: _Collector) -> bool:
    names = _lower(table.names)
    ok = True
    for position, key in enumerate(keys):
        if position >= len(names) or names[position] != key:
            found = names[position] if position < len(names) else "nothing"
            out.add(table.path, "attribute-order",
                    f"attribute {position + 1} must be '{key}', found '{found}'")
            ok = False
    return ok


def _check_duplicates(frame: pd.DataFrame, keys: list[str], path: str, out: _Collector) -> None:
    if not set(keys) <= set(frame.columns):
        return
    dup = frame.duplicated(subset=keys, keep="first")
    for _, row in frame[dup].iterrows():
        what = ", ".join(f"{k}={row[k]}" for k in keys)
        out.add(path, "duplicate-row", f"duplicate row for ({what})", int(row["__line"]))


def _check_levels(table: ArffTable, frame: pd.DataFrame, columns: list[str], levels: tuple[str, ...],
                  out: _Collector) -> None:
    declared = dict(zip(_lower(table.names), (kind for _, kind in table.attributes), strict=True))
    for column in columns:
        kind = declared.get(column)
        if isinstance(kind, list):
            for level in kind:
                if level not in levels:
                    # Declared but unused levels break no reader; used ones are errors below.
                    out.add(table.path, "runstatus-level",
                            f"'{column}' declares unknown level {level!r} (ASlib levels: {', '.join(levels)})",
                            severity="warning")
        for _, row in frame[~frame[column].isin(levels) & frame[column].notna()].iterrows():
            out.add(table.path, "runstatus-level",
                    f"unknown {column} {row[column]!r} (expected one of {', '.join(levels)})", int(row["__line"]))


def _validate_description(path: Path, out: _Collector) -> Description | None:
    if not path.is_file():
        out.add(path, "required-file", "missing required file description.txt")
        return None
    try:
        desc = read_description(path)
    except ScenarioError as exc:
        out.add(path, "description", exc.message, exc.line)
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raw = None  # the v1 line format is not YAML; read_description accepted it
    if isinstance(raw, dict):
        for key in ("performance_measures", "maximize", "performance_type"):
            if key in raw and not isinstance(raw[key], list):
                out.add(path, "description", f"'{key}' should be a list", severity="warning")
        for name, body in (raw.get("feature_steps") or {}).items():
            if isinstance(body, dict) and body.get("requires") and not isinstance(body["requires"], list):
                out.add(path, "description", f"'requires' of feature step {name!r} must be a list")
        _check_step_number(raw.get("number_of_feature_steps"),
                           len(desc.feature_steps) + len(desc.algorithm_feature_steps), path, out)
    n = len(desc.performance_measures)
    if len(desc.maximize) != n or len(desc.performance_type) != n:
        out.add(path, "description", "performance_measures, maximize and performance_type must have equal length")
    if desc.is_runtime and desc.algorithm_cutoff_time is None:
        out.add(path, "description", "a runtime scenario needs algorithm_cutoff_time")
    if not desc.feature_steps:
        out.add(path, "description", "no feature_steps declared")
    all_steps = set(desc.feature_steps) | set(desc.algorithm_feature_steps)
    for step in desc.default_steps:
        if step not in all_steps:
            out.add(path, "description", f"default step {step!r} is not a declared feature step")
    for name, step in desc.feature_steps.items():
        for required in step.requires:
            if required not in desc.feature_steps:
                out.add(path, "description", f"feature step {name!r} requires undeclared step {required!r}")
    return desc


def _check_step_number(declared: object, actual: int, path: Path, out: _Collector) -> None:
    """``number_of_feature_steps`` against the steps declared, compared as numbers.

    Real scenarios write the count as ``1`` or as ``1.0`` (YAML reads an int or a
    float); both mean one step. A value that is not a number (a quoted string, a list,
    ``true``) or not a whole number cannot be a count at all: that is its own finding,
    rather than a mismatch with the steps.
    """
    if declared is None:
        return
    if isinstance(declared, bool) or not isinstance(declared, (int, float)):
        out.add(path, "description", f"number_of_feature_steps should be a number, found {declared!r}",
                severity="warning")
        return
    if not float(declared).is_integer():
        out.add(path, "description", f"number_of_feature_steps should be a whole number, found {declared!r}",
                severity="warning")
        return
    if int(declared) != actual:
        out.add(path, "step-count", f"number_of_feature_steps is {int(declared)} but {actual} steps are declared",
                severity="warning")


def validate_scenario(directory: str | Path) -> list[Finding]:
    """Check a scenario folder; returns every finding (empty when the scenario is valid).

    Raises
    ------
    ScenarioError
        ``directory`` is not a folder.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ScenarioError("not a directory (expected an ASlib scenario folder)", directory)
    out = _Collector()
    desc = _validate_description(directory / "description.txt", out)
    for name in ("algorithm_runs.arff", "feature_values.arff", "feature_runstatus.arff"):
        if not (directory / name).is_file():
            out.add(directory / name, "required-file", f"missing required file {name}")

    run_instances: set[str] = set()
    algorithms: set[str] = set()
    runs_path = directory / "algorithm_runs.arff"
    runs_table = _arff(runs_path, out) if runs_path.is_file() else None
    if runs_table is not None:
        runs = _frame(runs_table)
        names = _lower(runs_table.names)
        if _check_key_order(runs_table, ["instance_id", "repetition", "algorithm"], out):
            run_instances = set(runs["instance_id"].dropna().astype(str))
            algorithms = set(runs["algorithm"].dropna().astype(str))
        if not names or names[-1] != "runstatus":
            out.add(runs_path, "attribute-order", "'runstatus' must be the last attribute")
        measures = list(desc.performance_measures) if desc else []
        for position, measure in enumerate(measures, start=3):
            if measure not in names:
                out.add(runs_path, "attribute-order", f"performance measure '{measure}' is not an attribute")
            elif names.index(measure) != position:
                out.add(runs_path, "attribute-order",
                        f"performance measure '{measure}' must be attribute {position + 1}")
        for measure in (m for m in measures if m in runs.columns):
            for _, row in runs[runs[measure].isna()].iterrows():
                out.add(runs_path, "missing-performance",
                        f"'{measure}' is missing for {row.get('instance_id')} / {row.get('algorithm')}",
                        int(row["__line"]))
        if "runstatus" in runs.columns:
            _check_levels(runs_table, runs, ["runstatus"], RUN_STATUSES, out)
        _check_duplicates(runs, ["instance_id", "repetition", "algorithm"], str(runs_path), out)
        if run_instances and algorithms:
            pairs = set(zip(runs["instance_id"].astype(str), runs["algorithm"].astype(str)))
            missing = len(run_instances) * len(algorithms) - len(pairs)
            if missing > 0:
                out.add(runs_path, "missing-run", f"{missing} instance x algorithm pairs have no run",
                        severity="warning")

    steps = dict(desc.feature_steps) if desc else {}
    declared_features = set(desc.features) if desc else set()
    status_by_instance: dict[str, dict[str, str]] = {}

    status_path = directory / "feature_runstatus.arff"
    if status_path.is_file() and (table := _arff(status_path, out)) is not None:
        frame = _frame(table)
        if _check_key_order(table, ["instance_id", "repetition"], out):
            columns = [c for c in _lower(table.names)[2:]]
            for column in columns:
                if desc and column not in steps:
                    out.add(status_path, "step-count", f"column '{column}' is not a declared feature step")
            if desc and len(columns) != len(steps):
                out.add(status_path, "step-count",
                        f"{len(columns)} step columns but description.txt declares {len(steps)} feature steps")
            _check_levels(table, frame, columns, FEATURE_STATUSES, out)
            _check_duplicates(frame, ["instance_id", "repetition"], str(status_path), out)
            for record in frame.to_dict("records"):
                status_by_instance[str(record["instance_id"])] = {c: record[c] for c in columns}
            _check_unknown_instances(frame, run_instances, status_path, out)

    costs_path = directory / "feature_costs.arff"
    if costs_path.is_file() and (table := _arff(costs_path, out)) is not None:
        frame = _frame(table)
        if _check_key_order(table, ["instance_id", "repetition"], out):
            columns = _lower(table.names)[2:]
            for step in steps:
                if step not in columns:
                    out.add(costs_path, "step-count", f"feature step '{step}' has no cost column")
            for column in columns:
                if desc and column not in steps:
                    out.add(costs_path, "step-count", f"column '{column}' is not a declared feature step")
            _check_duplicates(frame, ["instance_id", "repetition"], str(costs_path), out)
            _check_unknown_instances(frame, run_instances, costs_path, out)

    values_path = directory / "feature_values.arff"
    if values_path.is_file() and (table := _arff(values_path, out)) is not None:
        frame = _frame(table)
        if _check_key_order(table, ["instance_id", "repetition"], out):
            columns = table.names[2:]
            for column in columns:
                if desc and column not in declared_features:
                    out.add(values_path, "undeclared-feature",
                            f"feature '{column}' is not declared in features_deterministic or features_stochastic")
            _check_duplicates(frame, ["instance_id", "repetition"], str(values_path), out)
            _check_unknown_instances(frame, run_instances, values_path, out)
            for record in frame.to_dict("records"):
                instance = str(record["instance_id"])
                status = status_by_instance.get(instance, {})
                for step_name, step in steps.items():
                    if status.get(step_name, "ok") != "ok":
                        continue
                    missing = [f for f in step.provides if f in record and _is_missing(record[f])]
                    if missing:
                        out.add(values_path, "missing-feature",
                                f"instance {instance}: step '{step_name}' is ok but "
                                f"{len(missing)} of its features are missing (e.g. {missing[0]})",
                                int(record["__line"]))

    cv_path = directory / "cv.arff"
    if cv_path.is_file() and (table := _arff(cv_path, out)) is not None:
        frame = _frame(table)
        if _check_key_order(table, ["instance_id", "repetition", "fold"], out):
            _check_duplicates(frame, ["instance_id", "repetition"], str(cv_path), out)
            for repetition, rows in frame.groupby("repetition"):
                for instance in sorted(run_instances - set(rows["instance_id"].astype(str))):
                    out.add(cv_path, "cv-coverage",
                            f"instance {instance} has no fold in repetition {int(repetition)}")
            _check_unknown_instances(frame, run_instances, cv_path, out)

    return out.close()


def _is_missing(value: object) -> bool:
    """``?`` (None) and a literal NaN both mean the value was not computed."""
    return value is None or (isinstance(value, float) and value != value)


def _check_unknown_instances(frame: pd.DataFrame, run_instances: set[str], path: Path, out: _Collector) -> None:
    if not run_instances:
        return
    known = frame["instance_id"].astype(str).isin(run_instances).to_numpy()
    for row in np.flatnonzero(~known):
        out.add(path, "unknown-instance",
                f"instance {frame['instance_id'].iloc[row]} has no runs in algorithm_runs.arff",
                int(frame["__line"].iloc[row]), severity="warning")
