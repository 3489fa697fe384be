"""The strict writer: what it writes validates and reads back to an equal Scenario."""

from __future__ import annotations

import pytest

from aslib_factories import make_scenario
from asc.aslib import read_scenario, write_scenario
from asc.aslib.validator import validate_scenario

from test_reader import SHARED_SCENARIOS


@pytest.mark.parametrize("name", SHARED_SCENARIOS)
def test_round_trip_every_shared_scenario(shared_dir, tmp_path, name):
    original = read_scenario(shared_dir / "aslib" / name)
    write_scenario(original, tmp_path / name)
    back = read_scenario(tmp_path / name)
    assert original.differences(back) == []
    assert back == original
    # Writing adds no problem: the written copy has no finding the original lacks.
    before = {(f.rule, f.severity) for f in validate_scenario(shared_dir / "aslib" / name)}
    after = {(f.rule, f.severity) for f in validate_scenario(tmp_path / name)}
    assert after <= before
    assert len(validate_scenario(tmp_path / name)) <= len(validate_scenario(shared_dir / "aslib" / name))


def test_written_tiny_scenario_is_valid_and_equal(tmp_path):
    scenario = make_scenario(repetitions=2)
    folder = write_scenario(scenario, tmp_path / "tiny")
    assert validate_scenario(folder) == []
    assert read_scenario(folder) == scenario


def test_scenarios_that_differ_are_not_equal():
    a, b = make_scenario(seed=0), make_scenario(seed=1)
    assert a != b
    assert "feature_values.f1" in a.differences(b)


def test_instance_names_with_commas_and_quotes_survive(tmp_path):
    scenario = make_scenario(n_instances=3)
    odd = {"inst00.cnf": "dir with space/it's,odd.cnf", "inst01.cnf": "%percent{brace}.cnf"}
    for table in (scenario.runs, scenario.feature_values, scenario.feature_runstatus,
                  scenario.feature_costs, scenario.cv):
        table["instance_id"] = table["instance_id"].replace(odd)
    folder = write_scenario(scenario, tmp_path / "odd")
    back = read_scenario(folder)
    assert set(odd.values()) <= set(back.instances)
    assert back == scenario
