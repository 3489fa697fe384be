"""``make_*`` factories of the select and solve CLI tests: tiny models over real features and solvers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from aslib_factories import make_scenario
from asc.aslib import AlgorithmInfo, FeatureStep

INSTANCES = Path(__file__).resolve().parents[2] / "instances"
#: Real python-sat backends standing in for the factory scenario's algorithms a, b, c.
SOLVERS = {"a": "minisat22", "b": "glucose4", "c": "cadical195"}
#: Real feature names (ASlib spelling, as asc.features computes them) for f1, f2, f3.
FEATURES = {"f1": "nvarsOrig", "f2": "vars_clauses_ratio", "f3": "BINARYp"}


def make_solver_scenario(n_instances: int = 30, seed: int = 0):
    """The factory's tiny scenario with real solver and feature names, so its models apply to real CNFs.

    ``a`` (minisat22) wins when nvarsOrig > 0.5, ``b`` (glucose4) otherwise, ``c``
    (cadical195) always times out; steps Pre (nvarsOrig) and Basic (the two others).
    """
    s = make_scenario(n_instances=n_instances, seed=seed)
    d = s.description
    description = dataclasses.replace(
        d,
        scenario_id="TINY-SOLVERS",
        features_deterministic=tuple(FEATURES[f] for f in d.features_deterministic),
        algorithms={SOLVERS[a]: AlgorithmInfo() for a in d.algorithms},
        feature_steps={"Pre": FeatureStep((FEATURES["f1"],)),
                       "Basic": FeatureStep((FEATURES["f2"], FEATURES["f3"]), ("Pre",))},
    )
    runs = s.runs.copy()
    runs["algorithm"] = runs["algorithm"].map(SOLVERS).astype(object)
    return dataclasses.replace(s, description=description, runs=runs,
                               feature_values=s.feature_values.rename(columns=FEATURES))


def instance(name: str) -> Path:
    """A bundled instance by its path in ``instances/MANIFEST.csv``."""
    path = INSTANCES / name
    assert path.is_file(), path
    return path


def make_split_scenario(n_instances: int = 30, seed: int = 0):
    """:func:`make_solver_scenario` where each instance's loser times out.

    Every training instance is solved by exactly one of minisat22 and glucose4, so a
    SUNNY neighbourhood spanning both regions needs both: a two-slot schedule.
    """
    s = make_solver_scenario(n_instances=n_instances, seed=seed)
    runs = s.runs.copy()
    runs.loc[runs["runtime"] >= 50.0, "runstatus"] = "timeout"
    return dataclasses.replace(s, runs=runs)
