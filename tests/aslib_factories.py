"""``make_*`` factories for tiny ASlib scenarios built in code."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from asc.aslib import AlgorithmInfo, Description, FeatureStep, Scenario
from asc.aslib.folds import make_folds


def make_description(**overrides) -> Description:
    """A runtime scenario with two feature steps (Basic requires Pre), cutoff 100 s."""
    values = dict(
        scenario_id="TINY",
        performance_measures=("runtime",),
        maximize=(False,),
        performance_type=("runtime",),
        algorithm_cutoff_time=100.0,
        features_deterministic=("f1", "f2", "f3"),
        algorithms={"a": AlgorithmInfo(), "b": AlgorithmInfo(), "c": AlgorithmInfo("--x 1", False)},
        feature_steps={"Pre": FeatureStep(("f1",)), "Basic": FeatureStep(("f2", "f3"), ("Pre",))},
        default_steps=("Basic",),
    )
    values.update(overrides)
    return Description(**values)


def make_scenario(n_instances: int = 12, seed: int = 0, with_cv: bool = True, repetitions: int = 1) -> Scenario:
    """A tiny runtime scenario where algorithm ``a`` wins when f1 > 0.5 and ``b`` otherwise.

    Algorithm ``c`` always times out; timed-out runs store assorted values (the cutoff,
    ten times the cutoff, a measured time) as real scenarios do.
    """
    rng = np.random.default_rng(seed)
    instances = [f"inst{i:02d}.cnf" for i in range(n_instances)]
    f1 = rng.random(n_instances)
    rows = []
    stored_timeouts = [100.0, 1000.0, 57.3]
    for i, inst in enumerate(instances):
        for rep in range(1, repetitions + 1):
            fast, slow = 1.0 + i, 50.0 + i
            a_time, b_time = (fast, slow) if f1[i] > 0.5 else (slow, fast)
            rows.append((inst, rep, "a", a_time, "ok"))
            rows.append((inst, rep, "b", b_time, "ok"))
            rows.append((inst, rep, "c", stored_timeouts[i % 3], "timeout"))
    runs = pd.DataFrame(rows, columns=["instance_id", "repetition", "algorithm", "runtime", "runstatus"])
    runs["instance_id"] = runs["instance_id"].astype(object)
    runs["algorithm"] = runs["algorithm"].astype(object)
    runs["runstatus"] = runs["runstatus"].astype(object)
    keys = {"instance_id": pd.Series(instances, dtype=object), "repetition": np.int64(1)}
    values = pd.DataFrame({**keys, "f1": f1, "f2": rng.random(n_instances), "f3": rng.random(n_instances)})
    status = pd.DataFrame({**keys, "Pre": "ok", "Basic": "ok"})
    costs = pd.DataFrame({**keys, "Pre": 0.5, "Basic": 1.5})
    return Scenario(
        description=make_description(),
        runs=runs.sort_values(["instance_id", "repetition", "algorithm"]).reset_index(drop=True),
        feature_values=values,
        feature_runstatus=status.astype({"Pre": object, "Basic": object}),
        feature_costs=costs,
        cv=make_folds(instances, n_folds=3, seed=seed) if with_cv else None,
    )


def copy_scenario(source: Path, target: Path) -> Path:
    """A writable copy of a scenario folder (for breaking it on purpose)."""
    shutil.copytree(source, target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in a file, failing loudly if ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def make_rescue_scenario(n: int = 60, seed: int = 1):
    """make_scenario's instances where 'a' times out on a random third and 'b' then solves in 1 s."""
    scenario = make_scenario(n_instances=n, seed=seed)
    rng = np.random.default_rng(seed + 100)  # not make_scenario's stream: its f1 would tell
    rescued = set(np.array(scenario.instances)[rng.random(n) < 1 / 3])
    runs = scenario.runs.copy()
    hit = runs["instance_id"].isin(rescued)
    runs.loc[hit & (runs["algorithm"] == "a"), ["runtime", "runstatus"]] = [100.0, "timeout"]
    runs.loc[hit & (runs["algorithm"] == "b"), ["runtime", "runstatus"]] = [1.0, "ok"]
    runs.loc[~hit & (runs["algorithm"] == "a"), "runtime"] = 3.0
    runs.loc[~hit & (runs["algorithm"] == "b"), ["runtime", "runstatus"]] = [100.0, "timeout"]
    return dataclasses.replace(scenario, runs=runs)
