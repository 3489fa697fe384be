"""The batch extractor (asc.features.batch) as a library: rows, bad files, and tables without files."""

from __future__ import annotations

import lzma
import math
from pathlib import Path

import pandas as pd
import pytest

from asc.features.batch import (
    DEFAULT_STEPS,
    extract_batch,
    feature_columns,
    feature_tables,
    step_closure,
    write_csv,
)

FORMULAS = {
    "a.cnf": b"c a\np cnf 4 3\n1 -2 0\n2 3 -4 0\n-1 4 0\n",
    "sub/b.cnf.xz": lzma.compress(b"p cnf 3 3\n1 2 0\n-1 3 0\n-2 -3 0\n"),
    "bad.cnf": b"p cnf 2 1\n1 x 0\n",
}


def make_instances(tmp_path: Path) -> list[tuple[str, str]]:
    """(id, path) of a good plain file, a good xz file and an unreadable one."""
    out = []
    for name, data in FORMULAS.items():
        path = tmp_path / "set" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append((str(path), str(path)))
    return out


def test_cli_default_steps_are_the_librarys():
    from asc.cli.features import DEFAULT_STEPS as CLI_DEFAULT  # the CLI keeps its own (stdlib-only) copy

    assert CLI_DEFAULT == DEFAULT_STEPS == ("Pre", "Basic", "KLB", "CG")
    assert step_closure(["CG"]) == ["Pre", "CG"]  # CG requires only Pre


def test_a_bad_file_is_a_row_and_reported_not_raised(tmp_path):
    instances = make_instances(tmp_path)
    seen = []
    rows = extract_batch(instances, ("Pre", "Basic"), report=lambda row, echo: seen.append(row.instance_id))
    assert [r.instance_id for r in rows] == [i for i, _ in instances] == seen
    good, bad = rows[0], rows[2]
    assert good.error is None and good.instance_hash and good.step("Basic")[0] == "ok"
    assert bad.error.startswith(f"{instances[2][1]}:2: expected a literal") and bad.instance_hash is None
    assert bad.step("Pre") == ("crash", pytest.approx(math.nan, nan_ok=True), {})
    assert all(math.isnan(c) for c in bad.costs(("Pre", "Basic")))
    # the read time is charged to the first step
    assert good.costs(("Pre", "Basic"))[0] == pytest.approx(good.steps["Pre"][1] + good.read_seconds)


def test_two_processes_give_the_rows_of_one(tmp_path):
    instances = make_instances(tmp_path)
    one = extract_batch(instances, ("Pre", "Basic"))
    two = extract_batch(instances, ("Pre", "Basic"), jobs=2)
    cols = feature_columns(("Pre", "Basic"))
    assert [r.instance_id for r in one] == [r.instance_id for r in two]
    for a, b in zip(one, two):
        assert a.instance_hash == b.instance_hash and a.error == b.error
        assert [a.step(s)[0] for s in ("Pre", "Basic")] == [b.step(s)[0] for s in ("Pre", "Basic")]
        assert a.values(("Pre", "Basic"), cols) == pytest.approx(b.values(("Pre", "Basic"), cols), nan_ok=True)


def test_bad_options_are_usage_errors():
    from asc.errors import UsageError

    with pytest.raises(UsageError, match="--jobs"):
        extract_batch([], jobs=0)
    with pytest.raises(UsageError, match="--step-timeout"):
        extract_batch([], step_timeout=0)


def test_tables_in_memory_give_the_scenario_a_features_csv_gives(tmp_path):
    """`asc train` passes feature_tables to to_scenario where it used to write and parse a CSV."""
    from asc.runs.export import to_scenario
    from asc.runs.store import InstanceRecord, RunRecord, RunStore

    instances = make_instances(tmp_path)
    steps = DEFAULT_STEPS
    rows = extract_batch(instances, steps)
    csv_path = tmp_path / "features.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as out:
        write_csv(rows, steps, feature_columns(steps), out)

    with RunStore(tmp_path / "runs.sqlite", write=True) as store:
        store.start_campaign(10.0, 1024, {"host": "test"})
        store.add_instances([InstanceRecord(f"h{i}", path, Path(path).name) for i, (_, path) in enumerate(instances)])
        for i in range(len(instances)):
            for algo, t in (("fast", 1.0), ("slow", 2.0 + i)):
                store.add(RunRecord(f"h{i}", algo, "", 0, 1, "SAT", t, t, 10.0, True, "", 0.0, t, "test"))
        from_file = to_scenario(store, features=csv_path)
        in_memory = to_scenario(store, features=feature_tables(rows, steps))

    for name in ("feature_values", "feature_runstatus", "feature_costs"):
        pd.testing.assert_frame_equal(getattr(in_memory, name).reset_index(drop=True),
                                      getattr(from_file, name).reset_index(drop=True), check_exact=True)
    assert in_memory.description.feature_steps == from_file.description.feature_steps
    assert in_memory.description.default_steps == from_file.description.default_steps == steps
    assert list(in_memory.feature_values["instance_id"]) == ["a.cnf", "b.cnf.xz", "bad.cnf"]
