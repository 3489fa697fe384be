"""The SMAC search on the fake parameterized solver: the optimum found, every trial stored, the traps handled."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from asc.configuration.configs import with_configuration
from asc.configuration.search import N_TRIALS, PAR, _make_facade, _space, par10, search, smac_status
from asc.portfolios import load_portfolio
from asc.runs import campaign as cp
from asc.runs.runner import RunRequest, execute
from asc.runs.store import RunStore


def make_setup(tmp_path: Path, make_instances, make_fake_portfolio, n: int = 4):
    algo = load_portfolio(make_fake_portfolio())["fake"]
    store = RunStore(tmp_path / "runs.sqlite", write=True)
    inst = cp.hash_instances(cp.find_instances(make_instances("train", n)), store)
    store.add_instances(inst)
    return algo, store, inst


def test_smac_finds_the_fake_solvers_optimum_region(tmp_path, make_instances, make_fake_portfolio):
    algo, store, inst = make_setup(tmp_path, make_instances, make_fake_portfolio)
    with store:
        # a trial cap rather than the clock ends the search, so that a loaded machine does not change it
        res = search(algo, inst, store, budget=600.0, cutoff=2.0, mem_limit=1024, seed=0, max_trials=40)
        stored = [r for r in store.runs() if r.algorithm == "fake"]
    # the optimum is mode c, luby true, alpha 0.2, level 7; the default runs ~0.8 s per instance
    assert res.incumbent["mode"] == "c", res.history
    assert res.incumbent_cost < res.default_cost / 4, res.history
    assert res.incumbent_instances >= 2  # intensified beyond its first instance
    # every trial ran through the harness and was stored once, under its configuration
    assert res.ran == res.trials == len(stored) == 40
    assert len({r.configuration for r in stored}) > 3
    assert all(r.status.value == "SAT" and r.model_checked for r in stored)
    assert 0 < res.overhead < 2.0


def test_the_scenario_avoids_smacs_traps(tmp_path, make_instances, make_fake_portfolio):
    algo, store, inst = make_setup(tmp_path, make_instances, make_fake_portfolio, n=2)
    store.close()
    space = _space(algo, 0)
    facade = _make_facade(space, [i.hash for i in inst], None, 3.0, True, 0, tmp_path / "smac",
                          space.get_default_configuration())
    sc = facade.scenario
    assert sc.crash_cost == PAR * 3.0 and math.isfinite(sc.crash_cost)  # not inf: the forest's targets stay finite
    assert sc.n_trials == N_TRIALS  # not 100: the wall-clock budget ends the search
    assert sc.cputime_limit == math.inf  # SMAC's own CPU time is not the solvers'
    assert facade._model._log_y is True  # heavy-tailed runtimes modelled in log space
    assert type(facade._runhistory_encoder).__name__ == "RunHistoryLogScaledEncoder"
    assert facade._overwrite is True  # a changed scenario never prompts on stdin


def test_a_crash_before_the_cutoff_costs_par10_and_is_not_a_timeout(tmp_path, make_instances, make_fake_portfolio):
    from smac.runhistory import StatusType

    algo, store, inst = make_setup(tmp_path, make_instances, make_fake_portfolio, n=1)
    store.close()
    crashing = with_configuration(algo, {"alpha": 0.99})  # the fake solver's crash region: exit 3 at once
    rec = execute(RunRequest(inst[0].path, inst[0].hash, crashing, 0, 1, 2.0, 1024))
    assert rec.status.value == "CRASH" and rec.cpu_time < 2.0
    assert par10(rec, 2.0) == 20.0 and smac_status(rec) == StatusType.CRASHED
    ok = execute(RunRequest(inst[0].path, inst[0].hash, with_configuration(algo, {"alpha": 0.2, "mode": "c"}),
                            0, 1, 2.0, 1024))
    assert ok.status.value == "SAT" and par10(ok, 2.0) == pytest.approx(ok.cpu_time)
    assert smac_status(ok) == StatusType.SUCCESS


def test_a_resumed_search_replays_the_store_and_repeats_no_trial(tmp_path, make_instances, make_fake_portfolio):
    from asc.configuration.search import SearchState, search_key

    algo, store, inst = make_setup(tmp_path, make_instances, make_fake_portfolio, n=3)
    key = search_key(algo, inst, 2.0, 1024, 0, True)
    with store:
        state = SearchState(tmp_path / "s.json", key)
        first = search(algo, inst, store, budget=5.0, cutoff=2.0, mem_limit=1024, seed=0, state=state)
        before = store.count()
        # the same search with more budget: everything stored is told to SMAC first, nothing runs twice
        state = SearchState(tmp_path / "s.json", key)
        assert state.elapsed >= 5.0
        second = search(algo, inst, store, budget=10.0, cutoff=2.0, mem_limit=1024, seed=0, state=state)
        after = store.count()
    assert first.ran == before
    assert second.replayed >= before
    assert after == before + second.ran  # a run asked for again would replace a key, not add one
    assert second.trials == second.replayed + second.ran + (second.trials - second.replayed - second.ran)
    assert second.ran > 0 and second.elapsed >= 10.0


def test_instance_features_are_finite_components_even_with_columns_constant_up_to_rounding(tmp_path):
    # same-size random 3-CNF: columns such as the clause/variable ratio are one value
    # whose standard deviation is rounding noise (an SVD of NaNs failed on such a set)
    import subprocess
    import sys

    from asc.configuration.search import instance_features

    cnfgen = Path(sys.executable).with_name("cnfgen")
    for s in range(1, 21):
        text = subprocess.run([str(cnfgen), "-q", "-S", str(s), "randkcnf", "3", "250", "1065"], check=True,
                              capture_output=True, text=True).stdout
        (tmp_path / f"r{s}.cnf").write_text(text)
    inst = cp.hash_instances(cp.find_instances(tmp_path))
    feats = instance_features(inst, step_timeout=5)
    assert feats is not None and set(feats) == {i.hash for i in inst}
    rows = list(feats.values())
    assert all(len(r) == len(rows[0]) <= 4 and all(math.isfinite(v) for v in r) for r in rows)


def test_a_space_tried_in_full_ends_the_search_with_its_best(tmp_path, make_instances, make_fake_portfolio):
    # two configurations: SMAC raises ConfigurationSpaceExhaustedException once both are known
    store = RunStore(tmp_path / "runs.sqlite", write=True)
    algo = load_portfolio(make_fake_portfolio())["tiny"]
    inst = cp.hash_instances(cp.find_instances(make_instances("train", 5)), store)
    store.add_instances(inst)
    with store:
        t0 = time.monotonic()
        res = search(algo, inst, store, budget=120.0, cutoff=2.0, mem_limit=1024, seed=0)
    assert time.monotonic() - t0 < 60  # ended by the exhausted space, not by the budget
    assert res.incumbent == {"mode": "c"}
    assert {tuple(h["config"].items()) for h in res.history} == {(("mode", "a"),), (("mode", "c"),)}
    # SMAC stops proposing before its intensifier has run both on every instance: asc completes them
    pairs = {(h["config"]["mode"], h["instance"]) for h in res.history}
    assert len(pairs) == 10 == len(res.history) and res.incumbent_instances == 5
