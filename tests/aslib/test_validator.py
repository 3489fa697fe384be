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
