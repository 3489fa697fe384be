"""Summary and export of a run store: PAR10, VBS, ASlib levels, CSV/Parquet, features."""

from __future__ import annotations

import pandas as pd
import pytest

from asc.errors import InputError
from asc.runs.export import runs_frame, summarize, to_scenario, write_aslib, write_csv, write_parquet
from asc.runs.store import InstanceRecord, RunRecord, RunStore

CUTOFF = 10.0


def make_store(path, rows):
    """A store with runs given as (instance, algorithm, status, cpu_time[, repetition])."""
    store = RunStore(path, write=True)
    store.start_campaign(CUTOFF, 1024, {"host": "test"})
    names = sorted({r[0] for r in rows})
    store.add_instances([InstanceRecord(f"h-{n}", f"/data/{n}.cnf.xz", f"{n}.cnf.xz", "SAT" if n == "a" else None)
                         for n in names])
    for inst, algo, status, t, *rep in rows:
        r = rep[0] if rep else 1
        store.add(RunRecord(f"h-{inst}", algo, "", r, r, status, t, t + 0.01, 10.0, status == "SAT", "",
                            0.0, t, "test"))
    return store


ROWS = [
    ("a", "fast", "SAT", 1.0), ("a", "slow", "SAT", 5.0),
    ("b", "fast", "TIMEOUT", 10.2), ("b", "slow", "UNSAT", 4.0),
    ("c", "fast", "MEMOUT", 0.5), ("c", "slow", "CRASH", 0.1),
    ("d", "fast", "WRONG", 0.2), ("d", "slow", "UNKNOWN", 0.3),
]


def test_summary_par10_and_vbs(tmp_path):
    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        s = summarize(store)
    algos = {a["algorithm"]: a for a in s["algorithms"]}
    assert algos["fast"]["solved"] == 1 and algos["fast"]["timeout"] == 1 and algos["fast"]["memout"] == 1
    assert algos["fast"]["wrong"] == 1
    assert algos["fast"]["par10"] == pytest.approx((1.0 + 100 + 100 + 100) / 4)
    assert algos["slow"]["par10"] == pytest.approx((5.0 + 4.0 + 100 + 100) / 4)
    assert algos["slow"]["crash"] == 1 and algos["slow"]["unknown"] == 1
    assert s["vbs"]["par10"] == pytest.approx((1.0 + 4.0 + 100 + 100) / 4)
    assert s["vbs"]["solved"] == 2
    assert s["sbs"]["algorithm"] == "slow" and s["missing_pairs"] == 0
    best = {i["instance"]: i["best"] for i in s["instances"]}
    assert best == {"a.cnf.xz": "fast", "b.cnf.xz": "slow", "c.cnf.xz": None, "d.cnf.xz": None}


def test_aslib_scenario_levels_runtime_and_truth(tmp_path):
    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        sc = to_scenario(store, scenario_id="t", n_folds=2, fold_seed=3)
    runs = sc.runs.set_index(["instance_id", "algorithm"])
    assert runs.loc[("a.cnf.xz", "fast"), "runstatus"] == "ok"
    assert runs.loc[("b.cnf.xz", "fast"), "runstatus"] == "timeout"
    assert runs.loc[("b.cnf.xz", "fast"), "runtime"] == CUTOFF  # unsolved runs sit at the cutoff
    assert runs.loc[("c.cnf.xz", "fast"), "runstatus"] == "memout"
    assert runs.loc[("c.cnf.xz", "slow"), "runstatus"] == "crash"
    assert runs.loc[("d.cnf.xz", "fast"), "runstatus"] == "other"
    assert sc.description.algorithm_cutoff_time == CUTOFF
    assert set(sc.cv["fold"]) == {1, 2}
    truth = dict(zip(sc.ground_truth["instance_id"], sc.ground_truth["satunsat"]))
    assert truth["a.cnf.xz"] == "SAT" and truth["b.cnf.xz"] == "UNSAT" and pd.isna(truth["c.cnf.xz"])


def test_aslib_round_trip_and_validator(tmp_path):
    from asc.aslib import read_scenario
    from asc.aslib.validator import validate_scenario

    feats = tmp_path / "f.csv"
    pd.DataFrame({"instance_id": ["a.cnf", "b.cnf", "c.cnf", "d.cnf"], "nvars": [1, 2, 3, 4],
                  "ratio": [4.2, 4.3, 1.0, 2.0]}).to_csv(feats, index=False)
    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        out = write_aslib(store, tmp_path / "scen", scenario_id="scen", features=feats, n_folds=2)
    errors = [f for f in validate_scenario(out) if getattr(f, "severity", "error") == "error"]
    assert not errors, errors
    back = read_scenario(out)
    assert set(back.runs["algorithm"]) == {"fast", "slow"} and len(back.runs) == 8
    assert list(back.features) == ["nvars", "ratio"]
    assert back.feature_values.set_index("instance_id").loc["b.cnf.xz", "nvars"] == 2


def test_csv_and_parquet_hold_every_run(tmp_path):
    with make_store(tmp_path / "r.sqlite", ROWS + [("a", "fast", "SAT", 1.5, 2)]) as store:
        write_csv(store, tmp_path / "runs.csv")
        write_parquet(store, tmp_path / "runs.parquet")
        expected = runs_frame(store)
    for back in (pd.read_csv(tmp_path / "runs.csv"), pd.read_parquet(tmp_path / "runs.parquet")):
        assert len(back) == 9
        assert set(back["status"]) == {"SAT", "UNSAT", "TIMEOUT", "MEMOUT", "CRASH", "WRONG", "UNKNOWN"}
        assert sorted(back["instance_hash"]) == sorted(expected["instance_hash"])
        # runs without an exit code or kill latency keep numeric columns, not objects
        assert back["exit_code"].isna().all() and back["kill_latency"].dtype == float
    parquet = pd.read_parquet(tmp_path / "runs.parquet")
    assert str(parquet["exit_code"].dtype) == "Int64"


def test_export_of_empty_store_is_input_error(tmp_path):
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        with pytest.raises(InputError, match="campaign"):
            to_scenario(store)


def test_without_features_a_size_step_from_headers_keeps_it_valid(tmp_path):
    import lzma

    from asc.aslib.validator import validate_scenario

    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        real = tmp_path / "a.cnf.xz"
        real.write_bytes(lzma.compress(b"c hi\np cnf 3 6\n1 2 0\n"))
        store._db.execute("UPDATE instances SET path = ? WHERE name = 'a.cnf.xz'", (str(real),))
        out = write_aslib(store, tmp_path / "scen", scenario_id="scen", n_folds=2)
        sc = to_scenario(store)
    assert not [f for f in validate_scenario(out) if f.severity == "error"]
    fv = sc.feature_values.set_index("instance_id")
    assert fv.loc["a.cnf.xz", "num_vars"] == 3 and fv.loc["a.cnf.xz", "clause_var_ratio"] == 2.0
    st = sc.feature_runstatus.set_index("instance_id")["size"]
    assert st["a.cnf.xz"] == "ok" and st["b.cnf.xz"] == "other"  # /data/b.cnf.xz does not exist here


def test_features_csv_in_asc_features_layout(tmp_path):
    """`asc features` CSV: feature columns, then <step>_cost and <step>_status columns."""
    from asc.aslib.validator import validate_scenario

    feats = tmp_path / "f.csv"
    pd.DataFrame({
        "instance_id": ["a.cnf.xz", "b.cnf.xz", "c.cnf.xz", "d.cnf.xz"],
        "nvars": [1, 2, 3, None], "ratio": [4.2, 4.3, 1.0, None],
        "Pre_cost": [0.1, 0.2, 0.1, None], "Basic_cost": [0.01, 0.02, 0.01, None],
        "Pre_status": ["ok", "ok", "ok", "crash"], "Basic_status": ["ok", "ok", "ok", "crash"],
    }).to_csv(feats, index=False)
    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        sc = to_scenario(store, features=feats, n_folds=2)
        out = write_aslib(store, tmp_path / "scen", scenario_id="scen", features=feats, n_folds=2)
    assert set(sc.description.feature_steps) == {"Pre", "Basic"}
    assert list(sc.feature_costs.columns) == ["instance_id", "repetition", "Pre", "Basic"]
    assert sc.feature_runstatus.set_index("instance_id").loc["d.cnf.xz", "Pre"] == "crash"
    assert not [f for f in validate_scenario(out) if f.severity == "error"]


def test_sbs_of_an_incomplete_store_uses_instances_with_every_run(tmp_path):
    # fast has no run on b yet: over its own runs its mean (3.0) beats slow's (51.0),
    # but on the instance both have run on (a) slow is faster
    rows = [("a", "fast", "SAT", 3.0), ("a", "slow", "SAT", 2.0), ("b", "slow", "TIMEOUT", 10.0)]
    with make_store(tmp_path / "r.sqlite", rows) as store:
        s = summarize(store)
    assert s["missing_pairs"] == 1
    assert s["sbs"]["algorithm"] == "slow" and s["sbs"]["instances"] == 1


def test_select_exports_only_the_runs_it_keeps_under_its_labels(tmp_path):
    # what asc configure --hydra does: one algorithm's runs, on some instances, renamed
    with make_store(tmp_path / "r.sqlite", ROWS) as store:
        def select(frame):
            keep = frame[(frame["algorithm"] == "slow") & frame["instance_id"].isin(["a.cnf.xz", "b.cnf.xz"])].copy()
            keep["label"] = "member1"
            return keep

        sc = to_scenario(store, n_folds=2, select=select)
        assert list(sc.algorithms) == ["member1"] and sorted(sc.instances) == ["a.cnf.xz", "b.cnf.xz"]
        assert sorted(sc.runs["runtime"]) == [4.0, 5.0]
        with pytest.raises(InputError, match="none were selected"):
            to_scenario(store, select=lambda frame: frame.iloc[:0])
