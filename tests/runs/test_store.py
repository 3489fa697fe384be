"""The SQLite run store: schema, one transaction per run, resume keys, single writer."""

from __future__ import annotations

import sqlite3

import pytest

from asc.errors import InputError, UsageError
from asc.runs.store import SCHEMA_VERSION, InstanceRecord, RunKey, RunRecord, RunStore
from store_factories import make_schema_1_store


def make_record(i: int = 0, status: str = "SAT", algorithm: str = "minisat22") -> RunRecord:
    return RunRecord(
        instance_hash=f"h{i}",
        algorithm=algorithm,
        configuration="",
        seed=1,
        repetition=1,
        status=status,
        cpu_time=0.5,
        wall_time=0.6,
        peak_memory_mb=12.0,
        model_checked=status == "SAT",
        message="",
        started_at=1.0,
        ended_at=1.6,
        host="h",
    )


def test_store_round_trip(tmp_path):
    db = tmp_path / "sub" / "runs.sqlite"
    with RunStore(db, write=True) as store:
        camp = store.start_campaign(10.0, 2048, {"host": "h", "python": "3"})
        store.add_instances([InstanceRecord("h0", "a/x.cnf", "x.cnf", "SAT")])
        store.add(make_record(0))
        store.add(make_record(1, "TIMEOUT"))
        assert store.count() == 2
    with RunStore(db) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.finished_keys() == {RunKey("h0", "minisat22", "", 1, 1), RunKey("h1", "minisat22", "", 1, 1)}
        runs = list(store.runs())
        assert runs[0] == make_record(0)
        assert runs[1].status == "TIMEOUT" and runs[1].model_checked is False
        assert store.campaigns()[0].id == camp.id and store.campaigns()[0].environment["python"] == "3"
        assert store.instances()["h0"].expected == "SAT"
        assert store.integrity_check() == "ok"


def test_store_is_wal_and_versioned(tmp_path):
    db = tmp_path / "runs.sqlite"
    RunStore(db, write=True).close()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    con.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="newer"):
        RunStore(db)


def test_each_run_is_committed_when_add_returns(tmp_path):
    db = tmp_path / "runs.sqlite"
    store = RunStore(db, write=True)
    store.add(make_record(0))
    # A second connection (as after a crash) sees the run without any close/flush.
    other = sqlite3.connect(db)
    assert other.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    other.close()
    store.close()


def test_single_writer_is_enforced(tmp_path):
    db = tmp_path / "runs.sqlite"
    with RunStore(db, write=True):
        with pytest.raises(UsageError, match="another process"):
            RunStore(db, write=True)
        with RunStore(db) as reader:  # readers are welcome meanwhile
            assert reader.count() == 0
    RunStore(db, write=True).close()  # lock released on close


def test_set_status_and_enum_values(tmp_path):
    import enum

    class S(str, enum.Enum):
        UNSAT = "UNSAT"

    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        rec = make_record(0, status=S.UNSAT)  # type: ignore[arg-type]
        store.add(rec)
        assert next(store.runs()).status == "UNSAT"
        assert store.set_status([rec.key], "WRONG", "contradicted") == 1
        assert next(store.runs()).status == "WRONG"


def test_not_a_store(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not sqlite at all" * 100)
    with pytest.raises(InputError, match="run store"):
        RunStore(junk)
    with pytest.raises(InputError, match="not found"):
        RunStore(tmp_path / "missing.sqlite")


def test_hash_cache_invalidated_by_change(tmp_path):
    f = tmp_path / "a.cnf"
    f.write_text("p cnf 1 1\n1 0\n")
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        assert store.cached_hash(f) is None
        store.cache_hashes([(f, "abc")])
        assert store.cached_hash(f) == "abc"
        f.write_text("p cnf 1 1\n-1 0\n\n")
        assert store.cached_hash(f) is None


#: The runs table as schema version 1 created it, frozen here: stores written then must keep opening.


def test_a_store_written_by_schema_1_opens_and_takes_new_runs(tmp_path):
    from asc.runs.status import RunStatus

    db = tmp_path / "old.sqlite"
    make_schema_1_store(db)
    with RunStore(db, write=True) as store:
        old = list(store.runs())
        assert [r.status for r in old] == [RunStatus.UNSAT, RunStatus.TIMEOUT]
        assert old[0].exit_code == 20 and old[1].kill_latency == 0.01 and old[0].campaign_id == 1
        store.add(make_record(2))
        assert store.count() == 3 and store.integrity_check() == "ok"


def test_the_runners_record_is_what_the_store_keeps(tmp_path):
    """One record type from the runner to the store: stored and read back, it is equal."""
    from dataclasses import replace

    from asc.portfolios import pysat_algorithm
    from asc.runs.runner import RunRequest, execute
    from asc.runs.status import RunStatus

    cnf = tmp_path / "f.cnf"
    cnf.write_text("p cnf 2 2\n1 2 0\n-1 0\n")
    result = execute(RunRequest(str(cnf), "h", pysat_algorithm("minisat22"), seed=1, repetition=1,
                                cutoff_time=10, mem_limit_mb=1024))
    assert isinstance(result, RunRecord) and result.status is RunStatus.SAT and result.campaign_id is None
    with RunStore(tmp_path / "runs.sqlite", write=True) as store:
        cid = store.start_campaign(10.0, 1024, {}).id
        store.add(replace(result, campaign_id=cid))
        (back,) = store.runs()
    assert back == replace(result, campaign_id=cid) and back.status is RunStatus.SAT
    assert back.key == RunKey("h", "minisat22", "", 1, 1) == ("h", "minisat22", "", 1, 1)


def test_record_status_is_typed():
    from asc.runs.status import RunStatus

    assert make_record(0, "WRONG").status is RunStatus.WRONG
    with pytest.raises(ValueError):
        make_record(0, "MAYBE")


def test_single_writer_holds_through_a_symlink_and_another_spelling(tmp_path):
    """The lock is the file's, not the name's: a symlink or ``sub/../`` path is the same store."""
    db = tmp_path / "h.sqlite"
    link = tmp_path / "link.sqlite"
    link.symlink_to(db)
    (tmp_path / "sub").mkdir()
    other_dir = tmp_path / "elsewhere"
    other_dir.mkdir()
    far_link = other_dir / "runs.sqlite"
    far_link.symlink_to(db)
    with RunStore(db, write=True):
        for spelling in (link, far_link, tmp_path / "sub" / ".." / "h.sqlite"):
            with pytest.raises(UsageError, match="another process"):
                RunStore(spelling, write=True)
    with RunStore(link, write=True):  # and the other way round
        with pytest.raises(UsageError, match="another process"):
            RunStore(db, write=True)


def test_a_store_that_cannot_be_locked_is_an_input_error(tmp_path):
    db = tmp_path / "runs.sqlite"
    (tmp_path / "runs.sqlite.lock").mkdir()  # the lock file cannot be opened (as on a read-only folder)
    with pytest.raises(InputError, match="cannot write the run store"):
        RunStore(db, write=True)
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(InputError, match="folder"):  # its folder cannot be made: a file is in the way
        RunStore(tmp_path / "f.txt" / "runs.sqlite", write=True)


@pytest.mark.parametrize(("cutoff", "mem"), [(float("inf"), 1024), (float("nan"), 1024), (0, 1024), (-5, 1024),
                                              (10, float("inf")), (10, 0)])
def test_a_campaign_with_a_limit_that_is_not_positive_and_finite_is_refused(tmp_path, cutoff, mem):
    from asc.runs.store import Campaign

    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        with pytest.raises(UsageError, match="positive, finite"):
            store.start_campaign(cutoff, mem, {})
        with pytest.raises(UsageError, match="positive, finite"):
            store.restore_campaign(Campaign(1, 0.0, "h", cutoff, mem, {}))
        assert store.campaigns() == []


def test_single_writer_holds_through_a_hard_link(tmp_path):
    """A hard link is another name of the same inode: it must not get a second writer."""
    import os

    db = tmp_path / "h.sqlite"
    with RunStore(db, write=True) as store:
        store.add_instances([InstanceRecord("h1", "a.cnf", "a.cnf", None)])
    hard = tmp_path / "other" / "hard.sqlite"
    hard.parent.mkdir()
    os.link(db, hard)
    with RunStore(db, write=True):
        with pytest.raises(UsageError, match="another process"):
            RunStore(hard, write=True)
    with RunStore(hard, write=True):
        with pytest.raises(UsageError, match="another process"):
            RunStore(db, write=True)
        with RunStore(db) as reader:  # readers never lock
            assert set(reader.instances()) == {"h1"}


def test_a_store_on_a_read_only_file_system_reads_and_refuses_writing(tmp_path):
    """Reading needs no -shm file beside the store; writing is one line naming the store."""
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode != 0:
        pytest.skip("needs unshare -rm (user and mount namespaces) to mount a read-only file system")
    db = tmp_path / "runs.sqlite"
    with RunStore(db, write=True) as store:
        store.add_instances([InstanceRecord("h1", "a.cnf", "a.cnf", None)])
    script = (
        "import sys\n"
        "from asc.runs.store import RunStore\n"
        "from asc.errors import InputError\n"
        "with RunStore(sys.argv[1]) as s: print(sorted(s.instances()))\n"
        "try:\n    RunStore(sys.argv[1], write=True)\nexcept InputError as e: print('refused:', e)\n"
    )
    ro = tmp_path / "ro"
    ro.mkdir()
    shell = (f'mount -t tmpfs none "{ro}" && cp "{db}" "{ro}/" && mount -o remount,ro "{ro}" && '
             f'"{sys.executable}" -c "$0" "{ro}/runs.sqlite"')
    out = subprocess.run(["unshare", "-rm", "sh", "-c", shell, script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "['h1']"
    assert lines[1].startswith("refused:") and "Read-only file system" in lines[1]
