"""The lenient reader: every real scenario, every description format, odd values."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from aslib_factories import copy_scenario, replace_in
from asc.aslib import read_description, read_scenario
from asc.aslib.scenario import RUN_STATUSES
from asc.errors import ScenarioError

SHARED_SCENARIOS = [
    "CSP-2010", "CSP-Minizinc-Obj-2016", "MAXSAT12-PMS", "OPENML-WEKA-2017",
    "QBF-2011", "SAT11-HAND", "SAT11-INDU", "SAT11-INDU-ALGO",
]


@pytest.mark.parametrize("name", SHARED_SCENARIOS)
def test_reads_every_shared_scenario(shared_dir, name):
    scenario = read_scenario(shared_dir / "aslib" / name)
    runs = scenario.runs
    assert len(scenario.instances) > 0 and len(scenario.algorithms) > 1
    # Shapes as documented in asc.aslib.scenario.
    assert list(runs.columns[:3]) == ["instance_id", "repetition", "algorithm"]
    assert runs.columns[-1] == "runstatus"
    assert set(runs["runstatus"]) <= set(RUN_STATUSES)
    assert runs["repetition"].dtype == np.int64
    assert not runs.duplicated(["instance_id", "repetition", "algorithm"]).any()
    for measure in scenario.description.performance_measures:
        assert runs[measure].dtype == np.float64
    if scenario.cv is not None:
        assert set(scenario.cv["instance_id"]) >= set(runs["instance_id"])


def test_sat11_hand_contents(shared_dir):
    scenario = read_scenario(shared_dir / "aslib" / "SAT11-HAND")
    desc = scenario.description
    assert len(scenario.instances) == 296 and len(scenario.algorithms) == 15
    assert desc.algorithm_cutoff_time == 5000 and desc.algorithm_cutoff_memory is None  # '?'
    assert desc.default_steps == ("Pre", "Basic", "KLB", "CG")
    assert desc.feature_steps["Basic"].requires == ("Pre",)
    assert "vars_clauses_ratio" in desc.feature_steps["Basic"].provides
    assert scenario.feature_costs is not None and "CG" in scenario.feature_costs.columns
    assert scenario.ground_truth is not None


def test_algo_scenario_has_algorithm_features(shared_dir):
    scenario = read_scenario(shared_dir / "aslib" / "SAT11-INDU-ALGO")
    assert set(scenario.description.algorithm_feature_steps) == {"code", "AST"}
    values = scenario.algorithm_feature_values
    assert values is not None and list(values.columns[:2]) == ["algorithm", "repetition"]
    assert set(values["algorithm"]) == set(scenario.algorithms)
    # Algorithm-feature steps listed among the defaults are not instance-feature steps.
    assert scenario.feature_matrix().steps == ("Pre", "Basic", "CG", "KLB")


def test_quality_scenarios_read_measures_and_direction(shared_dir):
    weka = read_scenario(shared_dir / "aslib" / "OPENML-WEKA-2017").description
    assert weka.performance_type == ("solution_quality",) and weka.maximize == (True,)
    minizinc = read_scenario(shared_dir / "aslib" / "CSP-Minizinc-Obj-2016").description
    assert minizinc.performance_measures == ("obj", "time") and minizinc.maximize == (False, False)


def test_v1_line_format(tmp_path):
    path = tmp_path / "description.txt"
    path.write_text(textwrap.dedent("""\
        scenario_id: ASP-POTASSCO
        performance_measures: runtime
        maximize: false
        performance_type: runtime
        algorithm_cutoff_time: 600
        algorithm_cutoff_memory: ?
        features_cutoff_time: ?
        features_cutoff_memory: ?
        features_deterministic: f1, f2,f3
        features_stochastic:
        algorithms_deterministic: clasp/a, clasp/b
        algorithms_stochastic: clasp/c
        number_of_feature_steps: 2
        feature_step Static: f1, f2
        feature_step Dynamic-1: f3
        default_steps: Static, Dynamic-1
        """))
    desc = read_description(path)
    assert desc.scenario_id == "ASP-POTASSCO"
    assert desc.maximize == (False,) and desc.algorithm_cutoff_time == 600
    assert desc.algorithm_cutoff_memory is None and desc.features_cutoff_time is None
    assert desc.features_deterministic == ("f1", "f2", "f3") and desc.features_stochastic == ()
    assert list(desc.algorithms) == ["clasp/a", "clasp/b", "clasp/c"]
    assert desc.algorithms["clasp/c"].deterministic is False
    assert desc.feature_steps["Static"].provides == ("f1", "f2")
    assert desc.default_steps == ("Static", "Dynamic-1")


def test_v2_scalars_where_lists_expected(tmp_path):
    path = tmp_path / "description.txt"
    path.write_text(textwrap.dedent("""\
        scenario_id: X
        performance_measures: runtime
        maximize: false
        performance_type: runtime
        algorithm_cutoff_time: 10
        algorithms_deterministic: [a, b]
        algorithms_stochastic: ''
        features_stochastic: ''
        feature_steps:
          all:
            provides: [f1, f2]
            requires: Pre
          Pre:
            provides: f0
        default_steps: all
        """))
    desc = read_description(path)
    assert desc.performance_measures == ("runtime",) and desc.maximize == (False,)
    assert desc.feature_steps["all"].requires == ("Pre",)
    assert desc.feature_steps["Pre"].provides == ("f0",)
    assert desc.default_steps == ("all",)
    assert list(desc.algorithms) == ["a", "b"]
    # No feature lists given: derived from the steps.
    assert set(desc.features_deterministic) == {"f0", "f1", "f2"}


def test_repetitions_and_missing_optional_files(tmp_path):
    from aslib_factories import make_scenario
    from asc.aslib import write_scenario

    scenario = make_scenario(repetitions=3, with_cv=False)
    folder = write_scenario(scenario, tmp_path / "s")
    (folder / "feature_costs.arff").unlink()
    back = read_scenario(folder)
    assert back.cv is None and back.feature_costs is None
    assert sorted(back.runs["repetition"].unique()) == [1, 2, 3]
    assert back.cost_matrix().shape == (12, 3)


def test_question_marks_become_missing(shared_dir, tmp_path):
    folder = copy_scenario(shared_dir / "aslib" / "QBF-2011", tmp_path / "q")
    text = (folder / "feature_values.arff").read_text()
    data_start = text.index("@DATA") if "@DATA" in text else text.index("@data")
    first_row_end = text.index("\n", text.index("\n", data_start) + 1)
    row = text[text.index("\n", data_start) + 1:first_row_end]
    cells = row.split(",")
    cells[2] = "?"
    (folder / "feature_values.arff").write_text(text.replace(row, ",".join(cells), 1))
    scenario = read_scenario(folder)
    instance = cells[0].strip("'\"")
    values = scenario.feature_values.set_index("instance_id")
    assert np.isnan(values.loc[instance].iloc[1])


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("algorithm_runs.arff", "@ATTRIBUTE algorithm STRING", "@ATTRIBUTE solver STRING", "missing column 'algorithm'"),
        ("algorithm_runs.arff", ",ok\n", ",solved\n", "not one of the attribute's declared levels"),
        ("description.txt", "algorithm_cutoff_time: 5000", "algorithm_cutoff_time: [5000", "invalid YAML"),
    ],
)
def test_broken_copies_raise_with_file_and_cause(shared_dir, tmp_path, file, old, new, expected):
    folder = copy_scenario(shared_dir / "aslib" / "SAT11-INDU", tmp_path / "broken")
    replace_in(folder / file, old, new)
    with pytest.raises(ScenarioError) as info:
        read_scenario(folder)
    assert expected in str(info.value)
    assert file in str(info.value)


def test_v1_scenario_round_trips_through_the_v3_writer(tmp_path):
    from aslib_factories import make_scenario
    from asc.aslib import write_scenario
    from asc.aslib.validator import validate_scenario

    folder = write_scenario(make_scenario(), tmp_path / "v1")
    (folder / "description.txt").write_text(textwrap.dedent("""\
        scenario_id: TINY
        performance_measures: runtime
        maximize: false
        performance_type: runtime
        algorithm_cutoff_time: 100
        algorithm_cutoff_memory: ?
        features_cutoff_time: ?
        features_cutoff_memory: ?
        features_deterministic: f1, f2, f3
        features_stochastic:
        algorithms_deterministic: a, b
        algorithms_stochastic: c
        number_of_feature_steps: 2
        feature_step Pre: f1
        feature_step Basic: f2, f3
        default_steps: Pre, Basic
        """))
    v1 = read_scenario(folder)
    assert [f for f in validate_scenario(folder) if f.severity == "error"] == []
    write_scenario(v1, tmp_path / "v3")
    assert read_scenario(tmp_path / "v3") == v1
    assert "metainfo_algorithms" in (tmp_path / "v3" / "description.txt").read_text()


@pytest.mark.parametrize(
    ("old", "new", "expected", "declaration"),
    [
        # a key attribute renamed: the error points at the declaration in its place
        ("@ATTRIBUTE algorithm STRING", "@ATTRIBUTE solver STRING", "missing column 'algorithm'", "solver"),
        # a key attribute declared twice in different case (liac-arff finds exact twins itself):
        # the error points at the second declaration
        ("@ATTRIBUTE runtime NUMERIC", "@ATTRIBUTE ALGORITHM NUMERIC", "declared twice", "ALGORITHM"),
        # a measure description.txt names is missing: the error points at @DATA
        ("@ATTRIBUTE runtime NUMERIC", "@ATTRIBUTE time NUMERIC", "missing column 'runtime'", "@DATA"),
    ],
)
def test_header_errors_name_their_line(shared_dir, tmp_path, old, new, expected, declaration):
    """Errors about the ARFF header name the line of the declaration concerned, not just the file."""
    folder = copy_scenario(shared_dir / "aslib" / "SAT11-INDU", tmp_path / "broken")
    path = folder / "algorithm_runs.arff"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ScenarioError) as info:
        read_scenario(folder)
    assert expected in str(info.value)
    assert info.value.line is not None, str(info.value)
    line = path.read_text().splitlines()[info.value.line - 1]
    assert declaration in line, line


def test_csv_import_names_the_performance_row_without_features(tmp_path):
    from asc.aslib.csv_import import scenario_from_csv
    from asc.errors import InputError

    perf, feats = tmp_path / "perf.csv", tmp_path / "feats.csv"
    perf.write_text("instance,a,b\ni1,1,2\ni2,3,4\ni3,5,6\n")
    feats.write_text("instance,f1\ni1,0.5\ni3,0.7\n")
    with pytest.raises(InputError) as info:
        scenario_from_csv(perf, feats, cutoff=10)
    assert info.value.path == str(perf) and info.value.line == 3
    assert "'i2'" in str(info.value)
