"""Writing ASlib scenario folders strictly: canonical attribute order, declared levels.

Every file is written to a temporary name and renamed into place, and the folder is
only touched after the whole scenario has been rendered, so a failure never leaves a
half-written scenario over a good one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asc.aslib.arff import Attribute, format_arff
from asc.aslib.description import description_to_yaml
from asc.aslib.scenario import FEATURE_STATUSES, RUN_STATUSES, Scenario, canonical


def _rows(frame: pd.DataFrame) -> list[list]:
    return frame.astype("object").where(frame.notna(), None).to_numpy().tolist()


def _keyed_attributes(frame: pd.DataFrame, key: str, kind) -> list[Attribute]:
    attrs: list[Attribute] = [(key, "STRING"), ("repetition", "NUMERIC")]
    attrs += [(c, kind) for c in frame.columns if c not in (key, "repetition")]
    return attrs


def render_scenario(scenario: Scenario) -> dict[str, str]:
    """The text of every file of the scenario folder, by file name."""
    desc = scenario.description
    sid = desc.scenario_id
    files: dict[str, str] = {"description.txt": description_to_yaml(desc)}

    runs = canonical(scenario.runs, "runs")
    measures = list(desc.performance_measures)
    extra = [c for c in runs.columns if c not in ("instance_id", "repetition", "algorithm", "runstatus", *measures)]
    columns = ["instance_id", "repetition", "algorithm", *measures, *extra, "runstatus"]
    attrs: list[Attribute] = [("instance_id", "STRING"), ("repetition", "NUMERIC"), ("algorithm", "STRING")]
    attrs += [(m, "NUMERIC") for m in measures + extra]
    attrs.append(("runstatus", list(RUN_STATUSES)))
    files["algorithm_runs.arff"] = format_arff(f"ALGORITHM_RUNS_{sid}", attrs, _rows(runs[columns]))

    def keyed(name: str, table: pd.DataFrame | None, key: str, kind, relation: str) -> None:
        if table is None:
            return
        table = canonical(table, name)
        files[f"{name}.arff"] = format_arff(
            f"{relation}_{sid}", _keyed_attributes(table, key, kind), _rows(table)
        )

    keyed("feature_values", scenario.feature_values, "instance_id", "NUMERIC", "FEATURE_VALUES")
    keyed("feature_runstatus", scenario.feature_runstatus, "instance_id", list(FEATURE_STATUSES), "FEATURE_RUNSTATUS")
    keyed("feature_costs", scenario.feature_costs, "instance_id", "NUMERIC", "FEATURE_COSTS")
    keyed("algorithm_feature_values", scenario.algorithm_feature_values, "algorithm", "NUMERIC",
          "ALGORITHM_FEATURE_VALUES")
    keyed("algorithm_feature_runstatus", scenario.algorithm_feature_runstatus, "algorithm",
          list(dict.fromkeys(FEATURE_STATUSES + RUN_STATUSES)), "ALGORITHM_FEATURE_RUNSTATUS")
    keyed("algorithm_feature_costs", scenario.algorithm_feature_costs, "algorithm", "NUMERIC",
          "ALGORITHM_FEATURE_COSTS")

    if scenario.cv is not None:
        cv = canonical(scenario.cv, "cv")
        files["cv.arff"] = format_arff(
            f"CV_{sid}", [("instance_id", "STRING"), ("repetition", "NUMERIC"), ("fold", "NUMERIC")], _rows(cv)
        )
    if scenario.ground_truth is not None:
        gt = canonical(scenario.ground_truth, "ground_truth")
        attrs = [("instance_id", "STRING")]
        for column in gt.columns[1:]:
            values = gt[column]
            if pd.api.types.is_numeric_dtype(values):
                attrs.append((column, "NUMERIC"))
            else:
                attrs.append((column, sorted({str(v) for v in values.dropna()})))
        files["ground_truth.arff"] = format_arff(f"GROUND_TRUTH_{sid}", attrs, _rows(gt))
    return files


def write_scenario(scenario: Scenario, directory: str | Path) -> Path:
    """Write ``scenario`` as an ASlib folder (created if needed) and return its path.

    Files of the folder that the scenario does not have (e.g. an old ``cv.arff``) are
    left alone; files it has are replaced atomically.
    """
    directory = Path(directory)
    files = render_scenario(scenario)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = directory / name
        tmp = target.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return directory
