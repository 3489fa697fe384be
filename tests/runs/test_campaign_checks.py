"""Campaign bookkeeping that needs no solver: contradiction tracking, limits, seeds."""

from __future__ import annotations

import pytest

from asc.errors import UsageError
from asc.runs.campaign import ContradictionTracker, check_limits, run_seed
from asc.runs.store import RunRecord, RunStore


def make_run(algo: str, status: str, checked: bool = False, inst: str = "h") -> RunRecord:
    return RunRecord(inst, algo, "", 0, 1, status, 0.1, 0.1, 1.0, checked, "", 0.0, 0.1, "x")


def test_unsat_after_checked_model_is_wrong(tmp_path):
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        store.add(make_run("a", "SAT", checked=True))
        tracker = ContradictionTracker(store)  # seeded from the store, as on resume
        rec, stale = tracker.check(make_run("b", "UNSAT"))
        assert rec.status == "WRONG" and "contradicted" in rec.message and stale == []
        rec, stale = tracker.check(make_run("c", "UNSAT", inst="other"))
        assert rec.status == "UNSAT"


def test_checked_model_after_unsat_flags_the_earlier_runs(tmp_path):
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        tracker = ContradictionTracker(store)
        first, _ = tracker.check(make_run("a", "UNSAT"))
        _, stale = tracker.check(make_run("b", "SAT", checked=False))
        assert stale == []  # an unchecked model proves nothing
        _, stale = tracker.check(make_run("c", "SAT", checked=True))
        assert stale == [first.key]


def test_limits_cannot_change_within_a_store(tmp_path):
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        store.start_campaign(10, 1000, {"host": "x"})
        check_limits(store, 1, 1000)  # no runs yet: nothing to mix
        store.add(make_run("a", "TIMEOUT"))
        check_limits(store, 10, 1000)
        with pytest.raises(UsageError, match="cutoff-time 10"):
            check_limits(store, 1, 1000)


def test_repetition_seeds_are_explicit():
    assert [run_seed(7, r) for r in (1, 2, 3)] == [7, 8, 9]


def test_final_cross_check_marks_a_contradicted_unsat_already_in_the_store(tmp_path):
    # Runs stored before the tracker existed (e.g. imported): the end-of-campaign check
    # over the whole store catches them, with the keys the store reads back.
    from asc.runs.campaign import LocalScheduler, run_campaign

    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        store.add_many([make_run("a", "UNSAT"), make_run("b", "SAT", checked=True), make_run("c", "UNSAT", inst="o")])
        scheduler = LocalScheduler(1)
        try:
            report = run_campaign(store, [], scheduler, progress=False)
        finally:
            scheduler.close()
        statuses = {(r.instance_hash, r.algorithm): r.status for r in store.runs()}
    assert statuses == {("h", "a"): "WRONG", ("h", "b"): "SAT", ("o", "c"): "UNSAT"}
    assert report.by_status["WRONG"] == 1
