"""`asc runs import`: a runs CSV back into a run store, the same rows out again, idempotent."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from asc.errors import InputError, UsageError
from asc.runs.export import summarize, write_csv
from asc.runs.importer import import_runs_csv
from asc.runs.store import InstanceRecord, RunRecord, RunStore

PROJECT = Path(__file__).resolve().parents[2]
COMMITTED = PROJECT / "experiments" / "pysat-training" / "runs.csv"


def make_store(path: Path) -> RunStore:
    """A store with awkward values: a multi-line message with commas and quotes, missing
    times, an unknown instance, a configuration string, two repetitions and a NULL exit code."""
    store = RunStore(path, write=True)
    cid = store.start_campaign(10.0, 1024, {"host": "h1"}).id
    store.add_instances([
        InstanceRecord("a" * 32, "/data/a.cnf.xz", "a.cnf.xz", "SAT"),
        InstanceRecord("b" * 32, "/data/b.cnf", "b.cnf", None),
    ])
    rows = [
        RunRecord("a" * 32, "fast", "", 0, 1, "SAT", 0.125, 0.25, 30.5, True, "", 1.5, 2.0, "h1", cid, 10, None),
        RunRecord("a" * 32, "slow", "x=1, y='2'", 3, 2, "TIMEOUT", 10.0625, 11.0, 40.0, False,
                  'CPU-time limit "10 s" exceeded,\nkilled', 1.0, 12.0, "h1", cid, -9, 0.01),
        RunRecord("b" * 32, "fast", "", 0, 1, "UNSAT", 1 / 3, 0.5, None, False, "", None, None, "h2", cid),
        RunRecord("c" * 32, "fast", "", 0, 1, "CRASH", None, None, None, False, "no such file", 3.0, 3.5, "h1", cid),
    ]
    for r in rows:
        store.add(r)
    return store


def rows_of(path: Path) -> list[list[str]]:
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_export_import_export_gives_the_same_rows(tmp_path):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "first.csv")
        original = {(r.key, r) for r in store.runs()}
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        report = import_runs_csv(tmp_path / "first.csv", store, cutoff_time=10, mem_limit_mb=1024)
        write_csv(store, tmp_path / "second.csv")
        back = {(r.key, r) for r in store.runs()}
        campaigns = store.campaigns()
    assert report.added == 4 and report.present == 0 and report.campaigns_added == [1]
    assert rows_of(tmp_path / "second.csv") == rows_of(tmp_path / "first.csv")
    # Every field comes back exactly, the solver's exit code (a signal's negative one, a NULL) included.
    assert back == original
    assert sorted((r.exit_code, r.kill_latency) for _, r in back if r.exit_code is not None) == [(-9, 0.01), (10, None)]
    assert [(c.id, c.cutoff_time, c.mem_limit_mb, c.host, c.started_at) for c in campaigns] == [(1, 10.0, 1024.0, "h1", 1.0)]


def test_importing_twice_adds_nothing(tmp_path):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        import_runs_csv(tmp_path / "runs.csv", store, cutoff_time=10, mem_limit_mb=1024)
        again = import_runs_csv(tmp_path / "runs.csv", store, cutoff_time=10, mem_limit_mb=1024)
        assert again.added == 0 and again.present == 4 and again.campaigns_added == []
        assert store.count() == 4 and len(store.campaigns()) == 1 and len(store.instances()) == 2


def without_limits(src: Path, dst: Path) -> Path:
    """A copy of a runs CSV without the limit columns, as exports wrote before they had them."""
    rows = rows_of(src)
    keep = [i for i, name in enumerate(rows[0]) if name not in ("cutoff_time", "mem_limit_mb")]
    with open(dst, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    return dst


def test_other_limits_than_the_store_holds_are_refused(tmp_path):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
    old = without_limits(tmp_path / "runs.csv", tmp_path / "old.csv")
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        import_runs_csv(old, store, cutoff_time=10, mem_limit_mb=1024)
        with pytest.raises(UsageError, match="one cutoff and memory limit"):
            import_runs_csv(old, store, cutoff_time=20, mem_limit_mb=1024)
        assert store.count() == 4


def test_limits_are_required_when_the_csv_has_none(tmp_path):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
    old = without_limits(tmp_path / "runs.csv", tmp_path / "old.csv")
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        with pytest.raises(UsageError, match="--cutoff-time"):
            import_runs_csv(old, store)


def test_the_csv_carries_the_limits_and_a_contradicting_limit_is_refused(tmp_path):
    """Runs collected at 10 s imported as if at 20 s would double every PAR score: refused, by line."""
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
        expected = summarize(store)
    header = rows_of(tmp_path / "runs.csv")[0]
    assert header[-2:] == ["cutoff_time", "mem_limit_mb"]
    assert {(r[-2], r[-1]) for r in rows_of(tmp_path / "runs.csv")[1:]} == {("10.0", "1024.0")}
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        for cutoff, mem in ((20, None), (None, 2048), (5, 1024)):
            with pytest.raises(InputError, match="were collected with") as err:
                import_runs_csv(tmp_path / "runs.csv", store, cutoff_time=cutoff, mem_limit_mb=mem)
            assert err.value.path == str(tmp_path / "runs.csv") and err.value.line == 2
        assert store.count() == 0 and store.campaigns() == []
        # without limits, or with the recorded ones, the runs come back under their own limits
        import_runs_csv(tmp_path / "runs.csv", store)
        assert import_runs_csv(tmp_path / "runs.csv", store, cutoff_time=10, mem_limit_mb=1024).present == 4
        assert summarize(store)["algorithms"] == expected["algorithms"]
        assert [(c.cutoff_time, c.mem_limit_mb) for c in store.campaigns()] == [(10.0, 1024.0)]


def test_cli_import_with_another_cutoff_than_the_runs_had(tmp_path, run_cli):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
    db = tmp_path / "b.sqlite"
    res = run_cli("runs", "import", tmp_path / "runs.csv", "--db", db, "--cutoff-time", "5")
    assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.err
    assert f"{tmp_path / 'runs.csv'}:2:" in res.err and "cutoff_time 10" in res.err and "--cutoff-time 5" in res.err
    assert not db.exists()
    res = run_cli("runs", "import", tmp_path / "runs.csv", "--db", db)
    assert res.code == 0 and "4 runs added" in res.out, res.err


def break_line(src: Path, dst: Path, line: int, column: str, value: str) -> None:
    """Copy a one-line-per-row CSV with one field replaced."""
    rows = rows_of(src)
    rows[line - 1][rows[0].index(column)] = value
    with open(dst, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize(("column", "value", "expect"), [
    ("status", "SOLVED", "column status"),
    ("cpu_time", "fast", "column cpu_time"),
    ("cpu_time", "-1", "column cpu_time"),
    ("seed", "1.5", "column seed"),
    ("model_checked", "maybe", "column model_checked"),
    ("instance_hash", "", "column instance_hash"),
    ("expected", "SATISFIABLE", "column expected"),
])
def test_malformed_row_names_file_and_line(tmp_path, column, value, expect):
    with RunStore(tmp_path / "a.sqlite", write=True) as store:
        store.start_campaign(10, 1024, {"host": "h"})
        store.add_instances([InstanceRecord(f"{i:032x}", f"/d/{i}.cnf", f"{i}.cnf") for i in range(3)])
        for i in range(3):
            store.add(RunRecord(f"{i:032x}", "s", "", 0, 1, "SAT", 0.5, 0.6, 10.0, True, "", 1.0, 2.0, "h", 1))
        write_csv(store, tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    break_line(tmp_path / "good.csv", bad, 3, column, value)
    with RunStore(tmp_path / "b.sqlite", write=True) as store:
        with pytest.raises(InputError, match=expect) as info:
            import_runs_csv(bad, store, cutoff_time=10, mem_limit_mb=1024)
        assert store.count() == 0  # checked before anything is written
    assert (info.value.path, info.value.line) == (str(bad), 3)


def test_short_row_unknown_column_and_conflicting_duplicate(tmp_path):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
    lines = (tmp_path / "runs.csv").read_text().splitlines(keepends=True)
    short = tmp_path / "short.csv"
    short.write_text("".join(lines[:2]) + "x,y,z\n")
    with pytest.raises(InputError, match="fields") as info:
        import_runs_csv(short, RunStore(tmp_path / "s.sqlite", write=True), cutoff_time=10, mem_limit_mb=1024)
    assert info.value.line == 3
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(lines[0].replace("host", "hostname"))
    with pytest.raises(InputError, match="hostname") as info:
        import_runs_csv(unknown, RunStore(tmp_path / "u.sqlite", write=True), cutoff_time=10, mem_limit_mb=1024)
    assert info.value.line == 1
    # the same run key twice with different values: the second occurrence is named
    dup = tmp_path / "dup.csv"
    rows = rows_of(tmp_path / "runs.csv")
    twin = list(rows[1])
    twin[rows[0].index("cpu_time")] = "9.0"
    with open(dup, "w", newline="") as fh:
        csv.writer(fh).writerows([*rows, twin])
    # rows[2] holds a two-line message, so the twin starts on physical line len(rows) + 2
    with pytest.raises(InputError, match="same instance_hash") as info:
        import_runs_csv(dup, RunStore(tmp_path / "d.sqlite", write=True), cutoff_time=10, mem_limit_mb=1024)
    assert info.value.line == len(rows) + 2


def test_cli_import_then_summary_and_export(tmp_path, run_cli):
    with make_store(tmp_path / "a.sqlite") as store:
        write_csv(store, tmp_path / "runs.csv")
        expected = summarize(store)
    db = tmp_path / "b.sqlite"
    args = ("runs", "import", tmp_path / "runs.csv", "--db", db, "--cutoff-time", "10", "--mem-limit", "1024")
    first = run_cli(*args)
    assert first.code == 0, first.err
    assert "4 runs added" in first.out
    second = run_cli(*args)
    assert second.code == 0 and "0 runs added, 4 already present" in second.out
    with RunStore(db) as store:
        assert summarize(store)["algorithms"] == expected["algorithms"]
    out = run_cli("runs", "export", "--db", db, "--csv", tmp_path / "again.csv")
    assert out.code == 0, out.err
    assert rows_of(tmp_path / "again.csv") == rows_of(tmp_path / "runs.csv")


def test_cli_malformed_csv_is_one_line_exit_2_and_creates_no_store(tmp_path, run_cli):
    bad = tmp_path / "runs.csv"
    bad.write_text("instance_id,instance_hash,algorithm,configuration,seed,repetition,status\n"
                   "a.cnf,abc,s,,0,1,SAT\n"
                   "b.cnf,abd,s,,zero,1,SAT\n")
    db = tmp_path / "r.sqlite"
    res = run_cli("runs", "import", bad, "--db", db, "--cutoff-time", "10", "--mem-limit", "1024")
    assert res.code == 2
    assert res.err.strip().count("\n") == 0 and "Traceback" not in res.err
    assert f"{bad}:3:" in res.err and "column seed" in res.err
    assert not db.exists()


def test_committed_runs_round_trip_byte_for_byte(tmp_path):
    """The bundled experiment's runs.csv is what reproduce.sh imports when runs.sqlite is absent."""
    if not COMMITTED.is_file():
        pytest.skip("experiments/pysat-training/runs.csv is not in this checkout")
    copy = tmp_path / "runs.csv"
    shutil.copy(COMMITTED, copy)
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        report = import_runs_csv(copy, store, cutoff_time=10, mem_limit_mb=2048)
        write_csv(store, tmp_path / "back.csv")
    assert report.added == report.rows > 1000
    # the export now carries the limits the committed file (written before) lacks
    back = rows_of(tmp_path / "back.csv")
    assert {(r[-2], r[-1]) for r in back[1:]} == {("10.0", "2048.0")}
    assert without_limits(tmp_path / "back.csv", tmp_path / "plain.csv").read_bytes() == copy.read_bytes()
