"""The validator: real scenarios, the writer's output, and deliberately broken copies."""

from __future__ import annotations

import pytest

from aslib_factories import copy_scenario, make_scenario, replace_in
from asc.aslib import write_scenario
from asc.aslib.validator import validate_scenario


def _errors(folder):
    return [f for f in validate_scenario(folder) if f.severity == "error"]


@pytest.mark.parametrize("name", ["SAT11-HAND", "SAT11-INDU", "SAT11-INDU-ALGO", "QBF-2011", "CSP-2010",
                                  "MAXSAT12-PMS"])
def test_clean_real_scenarios_have_no_errors(shared_dir, name):
    assert _errors(shared_dir / "aslib" / name) == []


def test_real_scenario_with_missing_features_of_ok_steps_is_flagged(shared_dir):
    # CSP-Minizinc-Obj-2016 leaves gc_ratio_diff as '?' where step 'base' is ok:
    # the official checker reports this as an error too.
    errors = _errors(shared_dir / "aslib" / "CSP-Minizinc-Obj-2016")
    assert errors and {f.rule for f in errors} == {"missing-feature"}
    listed = [f for f in errors if not f.message.startswith("...")]
    assert all(f.path.endswith("feature_values.arff") and f.line for f in listed)


def _broken(shared_dir, tmp_path):
    return copy_scenario(shared_dir / "aslib" / "SAT11-INDU", tmp_path / "broken")


BREAKAGES = {
    # name: (file, old, new, rule, words in the message)
    "missing column": ("algorithm_runs.arff", "@ATTRIBUTE runstatus", "@ATTRIBUTE status", "attribute-order",
                       "'runstatus' must be the last attribute"),
    "unknown runstatus level declared": (
        "algorithm_runs.arff", "{ok , timeout , memout , not_applicable , crash , other}",
        "{ok , timeout , memout , not_applicable , crash , other , solved}", "runstatus-level",
        "unknown level 'solved'"),
    "unknown runstatus in data": ("algorithm_runs.arff", ",ok\n", ",solved\n", "arff-syntax",
                                  "not one of the attribute's declared levels"),
    "malformed yaml": ("description.txt", "algorithm_cutoff_time: 5000", "algorithm_cutoff_time: [5000",
                       "description", "invalid YAML"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_breakage_is_reported_with_file_and_rule(shared_dir, tmp_path, breakage):
    file, old, new, rule, words = BREAKAGES[breakage]
    folder = _broken(shared_dir, tmp_path)
    header = (folder / file).read_text()
    if old not in header:
        pytest.skip(f"{old!r} not in this copy's {file}")
    replace_in(folder / file, old, new)
    findings = [f for f in validate_scenario(folder) if f.rule == rule]
    assert findings, f"no {rule} finding"
    assert any(words in f.message for f in findings)
    assert all(f.path.endswith(file) for f in findings)


def test_duplicate_row_names_both_lines(shared_dir, tmp_path):
    folder = _broken(shared_dir, tmp_path)
    path = folder / "algorithm_runs.arff"
    lines = path.read_text().splitlines()
    data = next(i for i, line in enumerate(lines) if line.strip().upper() == "@DATA") + 1
    lines.append(lines[data])
    path.write_text("\n".join(lines) + "\n")
    findings = [f for f in validate_scenario(folder) if f.rule == "duplicate-row"]
    assert len(findings) == 1
    assert findings[0].line == len(lines)


def test_instance_missing_from_cv(shared_dir, tmp_path):
    folder = _broken(shared_dir, tmp_path)
    path = folder / "cv.arff"
    lines = path.read_text().splitlines()
    data = next(i for i, line in enumerate(lines) if line.strip().upper() == "@DATA") + 1
    removed = lines.pop(data)
    path.write_text("\n".join(lines) + "\n")
    findings = [f for f in validate_scenario(folder) if f.rule == "cv-coverage"]
    assert len(findings) == 1 and removed.split(",")[0] in findings[0].message


def test_truncated_arff(shared_dir, tmp_path):
    folder = _broken(shared_dir, tmp_path)
    path = folder / "feature_values.arff"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    findings = validate_scenario(folder)
    syntax = [f for f in findings if f.rule == "arff-syntax"]
    assert len(syntax) == 1 and syntax[0].path.endswith("feature_values.arff") and syntax[0].line


def test_missing_feature_of_ok_step_and_step_counts(tmp_path):
    scenario = make_scenario()
    scenario.feature_values.loc[3, "f2"] = float("nan")
    folder = write_scenario(scenario, tmp_path / "s")
    replace_in(folder / "feature_costs.arff", "@ATTRIBUTE Basic NUMERIC", "@ATTRIBUTE Extra NUMERIC")
    rules = {f.rule: f for f in validate_scenario(folder)}
    assert "inst03.cnf" in rules["missing-feature"].message
    assert "Basic" in rules["step-count"].message or "Extra" in rules["step-count"].message


def test_missing_required_file(tmp_path):
    folder = write_scenario(make_scenario(), tmp_path / "s")
    (folder / "feature_runstatus.arff").unlink()
    findings = validate_scenario(folder)
    assert [f.rule for f in findings] == ["required-file"]
    assert "feature_runstatus.arff" in str(findings[0])


@pytest.mark.parametrize("written, finding", [
    ("2", None), ("2.0", None),                       # GLUHACK-2018, MAXSAT19-UCMS, QBF-2014 write 1.0
    ("3", ("step-count", "number_of_feature_steps is 3 but 2 steps are declared")),
    ("2.5", ("description", "should be a whole number, found 2.5")),
    ("'two'", ("description", "should be a number, found 'two'")),
    ("true", ("description", "should be a number, found True")),
])
def test_number_of_feature_steps_is_compared_as_a_number(tmp_path, written, finding):
    folder = write_scenario(make_scenario(), tmp_path / "s")
    replace_in(folder / "description.txt", "number_of_feature_steps: 2", f"number_of_feature_steps: {written}")
    about = [f for f in validate_scenario(folder) if "number_of_feature_steps" in f.message]
    if finding is None:
        assert about == []
    else:
        assert [(f.rule, f.severity) for f in about] == [(finding[0], "warning")]
        assert finding[1] in about[0].message


def _missing_features(tmp_path, n_missing):
    scenario = make_scenario(n_instances=40)
    scenario.feature_values.loc[: n_missing - 1, "f2"] = float("nan")
    return write_scenario(scenario, tmp_path / "s")


def test_counts_are_problems_not_listed_entries(tmp_path, run_cli):
    from asc.aslib.validator import MAX_PER_RULE, count_findings

    folder = _missing_features(tmp_path, 31)
    # a warning of another rule in the same file: capped and counted on its own
    replace_in(folder / "description.txt", "number_of_feature_steps: 2", "number_of_feature_steps: 2.5")
    findings = validate_scenario(folder)
    missing = [f for f in findings if f.rule == "missing-feature"]
    assert len(missing) == MAX_PER_RULE + 1 and missing[-1].count == 31 - MAX_PER_RULE
    assert count_findings(findings) == {"error": 31, "warning": 1}
    result = run_cli("aslib", "validate", folder)
    assert result.code == 1  # findings; 2 is for a folder that cannot be checked
    assert result.err.strip().splitlines()[-1].endswith("invalid (31 errors, 1 warnings)")
    as_json = run_cli("aslib", "validate", folder, "--format", "json")
    import json

    data = json.loads(as_json.out)
    assert (data["errors"], data["warnings"]) == (31, 1)


def test_a_summary_entry_never_mixes_severities(tmp_path):
    from asc.aslib.validator import MAX_PER_RULE, count_findings

    folder = write_scenario(make_scenario(), tmp_path / "s")
    path = folder / "algorithm_runs.arff"
    # 12 declared-but-unknown levels (warnings) and no unknown level in the data
    levels = " , ".join(f"odd{i}" for i in range(12))
    text = path.read_text()
    header = next(line for line in text.splitlines() if line.upper().startswith("@ATTRIBUTE RUNSTATUS"))
    replace_in(path, header, header.rstrip("}") + " , " + levels + "}")
    findings = [f for f in validate_scenario(folder) if f.rule == "runstatus-level"]
    assert {f.severity for f in findings} == {"warning"}
    assert len(findings) == MAX_PER_RULE + 1
    assert count_findings(findings) == {"error": 0, "warning": 12}


ALL_SHARED = ["CSP-2010", "CSP-Minizinc-Obj-2016", "MAXSAT12-PMS", "OPENML-WEKA-2017", "QBF-2011", "SAT11-HAND",
              "SAT11-INDU", "SAT11-INDU-ALGO"]


@pytest.mark.parametrize("name", ALL_SHARED)
def test_real_scenarios_step_numbers_and_counts(shared_dir, name, run_cli):
    from asc.aslib.validator import count_findings

    folder = shared_dir / "aslib" / name
    if not folder.is_dir():
        pytest.skip(f"{name} is not in ../shared/aslib")
    findings = validate_scenario(folder)
    # every real scenario declares as many steps as it describes
    assert not [f for f in findings if "number_of_feature_steps" in f.message]
    counts = count_findings(findings)
    assert counts["error"] == sum(f.count for f in findings if f.severity == "error")
    result = run_cli("aslib", "validate", folder)
    assert f"({counts['error']} errors, {counts['warning']} warnings)" in result.err


def test_real_scenario_error_count_is_every_missing_feature(shared_dir):
    from asc.aslib.validator import count_findings

    folder = shared_dir / "aslib" / "CSP-Minizinc-Obj-2016"
    if not folder.is_dir():
        pytest.skip("CSP-Minizinc-Obj-2016 is not in ../shared/aslib")
    # 31 feature rows leave gc_ratio_diff as '?' where step 'base' is ok (as the official checker finds)
    assert count_findings(validate_scenario(folder))["error"] == 31
