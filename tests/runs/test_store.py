"""The SQLite run store: schema, one transaction per run, resume keys, single writer."""

from __future__ import annotations

import sqlite3

import pytest

from asc.errors import InputError, UsageError
from asc.runs.store import SCHEMA_VERSION, InstanceRecord, RunKey, RunRecord, RunStore


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
