"""Campaigns with real solvers: local pool, resume, contradictions, Dask LocalCluster."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

runner = pytest.importorskip("asc.runs.runner")
portfolios = pytest.importorskip("asc.portfolios")

from asc.runs.campaign import (  # noqa: E402
    DaskScheduler,
    LocalScheduler,
    find_instances,
    hash_instances,
    plan_runs,
    request_key,
    run_campaign,
)
from asc.runs.store import RunStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["generated/php-8-7.cnf.xz", "generated/subsetcard-8-s1.cnf.xz", "generated/tseitin-grid4x6.cnf.xz",
         "shared/satlib-uf50/uf50-01.cnf.xz", "generated/php-10-10.cnf.xz"]
ALGOS = ("minisat22", "cadical195")


@pytest.fixture(scope="module")
def algorithms():
    text = "".join(f'[[algorithm]]\nname = "{a}"\npysat = "{a}"\n\n' for a in ALGOS)
    return list(portfolios.parse_portfolio(text).algorithms)


def make_instances(tmp_path: Path) -> Path:
    """A copy of a few bundled instances with their manifest (for expected answers)."""
    target = tmp_path / "inst"
    for rel in SMALL:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "instances" / rel, target / rel)
    lines = (ROOT / "instances" / "MANIFEST.csv").read_text().splitlines()
    (target / "MANIFEST.csv").write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.split(",")[0] in SMALL]) + "\n")
    return target


def make_requests(store: RunStore, inst_dir: Path, algorithms, repetitions: int = 1):
    records = hash_instances(find_instances(inst_dir), store)
    store.add_instances(records)
    return plan_runs(records, algorithms, cutoff_time=20, mem_limit_mb=1024, repetitions=repetitions, seed=1)


def test_local_pool_runs_everything_once_and_resumes(tmp_path, algorithms):
    inst = make_instances(tmp_path)
    with RunStore(tmp_path / "r.sqlite", write=True) as store:
        requests = make_requests(store, inst, algorithms)
        assert len(requests) == len(SMALL) * len(ALGOS)
        pool = LocalScheduler(2)
        try:
            report = run_campaign(store, requests, pool, progress=False)
        finally:
            pool.close()
        assert report.done == len(requests) and not report.errors
        runs = list(store.runs())
        assert {r.key for r in runs} == {request_key(r) for r in requests}
        # expected answers from the manifest: every run answers, and every SAT model was checked
        assert {r.status for r in runs} <= {"SAT", "UNSAT"}
        assert all(r.model_checked for r in runs if r.status == "SAT")
        pool = LocalScheduler(1)
        try:
            again = run_campaign(store, requests, pool, progress=False)
        finally:
            pool.close()
        assert again.skipped == len(requests) and again.done == 0


@pytest.mark.timeout(240)
def test_dask_local_cluster_gives_the_same_run_keys(tmp_path, algorithms):
    from distributed import Client, LocalCluster

    inst = make_instances(tmp_path)
    results = {}
    # a worker process on loopback TCP: requests and results really travel pickled
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        with RunStore(tmp_path / "dask.sqlite", write=True) as store:
            requests = make_requests(store, inst, algorithms)
            sched = DaskScheduler(client)
            report = run_campaign(store, requests, sched, progress=False)
            sched.close()
            assert not report.errors
            results["dask"] = {r.key: r.status for r in store.runs()}
    with RunStore(tmp_path / "local.sqlite", write=True) as store:
        requests = make_requests(store, inst, algorithms)
        pool = LocalScheduler(2)
        run_campaign(store, requests, pool, progress=False)
        pool.close()
        results["local"] = {r.key: r.status for r in store.runs()}
    assert set(results["dask"]) == set(results["local"]) and len(results["local"]) == len(requests)
    assert results["dask"] == results["local"]  # deterministic solvers, known answers
