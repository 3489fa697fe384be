"""Hydra: a portfolio of K configurations, each configured to add most to the ones before.

Xu, Hoos and Leyton-Brown's Hydra (AAAI 2010) builds a portfolio for algorithm
selection out of one parameterized solver. Iteration 1 is an ordinary configuration
search. Iteration k searches again, but SMAC is told the cost of the *portfolio with
the candidate added*: on each instance, the lower of the candidate's PAR10 and the
best PAR10 of the k-1 members so far (their virtual best). A configuration that only
matches the portfolio gains nothing; one that is fast where the portfolio is slow
gains what it saves there, so the search looks for complements rather than for a
second copy of the first member. After each iteration the new member is run on every
training instance (stored, so the next iteration knows the portfolio's virtual best
exactly, and a killed Hydra resumes). The budget is split evenly over the iterations;
every iteration replays every stored trial of the algorithm on the training
instances (under its own cost), so later searches start from all earlier measurements.

The members are written as one portfolio file: ``asc collect`` on it, then ``asc
train`` and ``asc select``/``asc solve`` give the selector over them. Held-out
validation reports the default, the best single member (the one with the lowest
training PAR10: chosen without looking at the test set) and the members' virtual best.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asc.configuration.configs import with_configuration
from asc.configuration.search import SearchResult, SearchState, par10, run_and_read, search
from asc.portfolios.algorithm import Algorithm
from asc.runs.record import RunRecord
from asc.runs.store import InstanceRecord, RunStore


@dataclass
class HydraResult:
    """The members (in the order found) and what each iteration's search did."""

    members: list[dict[str, Any]]
    searches: list[SearchResult]
    train_costs: list[dict[str, float]]  # per member: instance hash -> PAR10 on the training instances
    train_vbs: float
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


def member_costs(algorithm: Algorithm, config: Mapping[str, Any], instances: Sequence[InstanceRecord],
                 store: RunStore, *, cutoff: float, mem_limit: float, seed: int, repeats: int = 1, jobs: int = 1,
                 campaign_id: int | None = None, scheduler: str | None = None) -> dict[str, float]:
    """Mean PAR10 per instance of one configuration (runs made, or read from the store)."""
    algo = with_configuration(algorithm, config)
    costs: dict[str, list[float]] = {}
    for r in run_and_read([algo], instances, store, cutoff=cutoff, mem_limit=mem_limit, seed=seed, repeats=repeats,
                          jobs=jobs, campaign_id=campaign_id, scheduler=scheduler):
        costs.setdefault(r.instance_hash, []).append(par10(r, cutoff))
    return {h: sum(v) / len(v) for h, v in costs.items()}


def hydra(algorithm: Algorithm, instances: Sequence[InstanceRecord], store: RunStore, *, k: int, budget: float,
          cutoff: float, mem_limit: float, seed: int = 0, deterministic: bool | None = None,
          features: dict[str, list[float]] | None = None, jobs: int = 1, campaign_id: int | None = None,
          state_prefix: str | Path | None = None, key: str = "", executor: Any = None, scheduler: str | None = None,
          max_trials: int | None = None,
          progress: Callable[[Mapping[str, Any]], None] | None = None) -> HydraResult:
    """Build a Hydra portfolio of up to ``k`` configurations (see the module docstring).

    Parameters
    ----------
    k
        Iterations (members); Hydra stops early when an iteration finds no configuration
        that lowers the portfolio's training PAR10.
    budget
        Wall-clock seconds over all iterations, ``budget / k`` each.
    max_trials
        Trials run per iteration at most (in this session).
    state_prefix, key
        Where each iteration keeps its resumable state (``PREFIX.hydraI.state.json``)
        and the search's fingerprint.
    Others
        As in :func:`asc.configuration.search.search`.
    """
    members: list[dict[str, Any]] = []
    searches: list[SearchResult] = []
    train_costs: list[dict[str, float]] = []
    best = {i.hash: math.inf for i in instances}
    stopped = False
    for it in range(1, k + 1):
        state = None
        if state_prefix is not None:
            state = SearchState(f"{state_prefix}.hydra{it}.state.json", f"{key}/hydra{it}")
        if members:
            snapshot = dict(best)

            def cost_of(record: RunRecord, h: str, snapshot: dict[str, float] = snapshot) -> float:
                return min(par10(record, cutoff), snapshot[h])
        else:
            cost_of = None  # type: ignore[assignment]
        res = search(algorithm, instances, store, budget=budget / k, cutoff=cutoff, mem_limit=mem_limit, seed=seed,
                     deterministic=deterministic, features=features, jobs=jobs, campaign_id=campaign_id, state=state,
                     progress=progress, executor=executor, max_new_trials=max_trials, cost_of=cost_of,
                     smac_seed=seed + it - 1)
        searches.append(res)
        if res.incumbent in members:
            stopped = True  # nothing found that adds to the portfolio
            break
        costs = member_costs(algorithm, res.incumbent, instances, store, cutoff=cutoff, mem_limit=mem_limit,
                             seed=seed, jobs=jobs, campaign_id=campaign_id, scheduler=scheduler)
        new_best = {h: min(best[h], costs.get(h, math.inf)) for h in best}
        if members and sum(new_best.values()) >= sum(best.values()):
            stopped = True
            break
        members.append(res.incumbent)
        train_costs.append(costs)
        best = new_best
    finite = [v for v in best.values() if math.isfinite(v)]
    return HydraResult(members, searches, train_costs, sum(finite) / len(finite) if finite else math.nan, stopped)
