"""Hydra's selector: algorithm selection over the members, chosen and judged as ``asc evaluate`` does.

Hydra's members are worth only what a selector makes of them: the members' virtual
best is an oracle. So after the members are found, asc

1. builds the training scenario: the members' runs on the training instances (one
   label per member, taken from the run store, which also holds every configuration
   SMAC tried) with the SATzilla features of asc's extractor
   (:func:`asc.features.batch.extract_batch`, the default steps, their costs);
2. cross-validates each candidate selector of the registry on it with
   ``asc evaluate``'s protocol (:func:`asc.evaluation.crossval.cross_validate`: the
   scenario's folds, PAR10, feature costs charged) and keeps the one with the lowest
   mean PAR10; candidates are tried in order and a later one must be strictly lower, so
   ``sbs`` (first) is kept unless a selector that reads features beats it by cross-
   validation, which is the honest choice when the features do not tell the members
   apart;
3. fits it on all the training instances (:func:`asc.models.files.train_model`) and
   saves the model;
4. decides on the held-out instances from their own features and charges the decision
   by the evaluation's policy (:func:`asc.policy.charge`: feature costs, backup where
   the features failed, pre-solving schedules), against the held-out runs of the
   members.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asc.portfolios.algorithm import Algorithm
from asc.runs.store import InstanceRecord, RunStore

#: Selectors cross-validated for Hydra's portfolio, in order of preference on ties:
#: the single best first (a selector must beat it), then the registry's feature-based
#: selectors that fit in seconds on tens of instances, then the default pipeline.
HYDRA_CANDIDATES: tuple[str, ...] = (
    "sbs", "rf-regression", "pairwise-rf", "pairwise-regression", "multiclass-rf", "knn", "joint-regression",
    "joint-regression+presolve",
)


@dataclass
class SelectorReport:
    """The selector chosen over the members and how it did held out.

    ``cv_par10`` holds every candidate's cross-validated training PAR10 (``nan`` when
    it failed to fit, with the reason in ``cv_errors``).
    """

    selector: str
    cv_par10: dict[str, float]
    cv_errors: dict[str, str]
    model_path: str | None
    held_out: dict[str, Any] | None


def features_of(instances: Sequence[InstanceRecord], jobs: int = 1, step_timeout: float | None = None) -> Any:
    """SATzilla features (default steps, with costs and runstatus) of ``instances``, keyed by instance name."""
    from asc.features.batch import DEFAULT_STEPS, extract_batch, feature_tables

    rows = extract_batch([(i.name, i.path) for i in instances], DEFAULT_STEPS, jobs=jobs, step_timeout=step_timeout)
    return feature_tables(rows, DEFAULT_STEPS)


def members_scenario(store: RunStore, instances: Sequence[InstanceRecord], members: Sequence[Algorithm],
                     names: Sequence[str], features: Any, *, cutoff: float, mem_limit: float, seed: int,
                     repeats: int, scenario_id: str) -> Any:
    """The members' runs on ``instances`` as an ASlib scenario, one algorithm per member name.

    Only the runs the validation or the Hydra iteration planned are taken (same
    seeds and repetitions as :func:`asc.runs.campaign.plan_runs`): a store of a
    randomized solver also holds SMAC's runs of a member under other seeds.
    """
    from asc.runs import campaign as cp
    from asc.runs.export import to_scenario

    requests = cp.plan_runs(instances, list(members), cutoff_time=cutoff, mem_limit_mb=mem_limit,
                            repetitions=repeats, seed=seed)
    wanted = {tuple(cp.request_key(r)) for r in requests}
    labels = {cp.algorithm_key(m): n for m, n in zip(members, names, strict=True)}

    def select(frame: Any) -> Any:
        keys = zip(frame["instance_hash"], frame["algorithm"], frame["configuration"], frame["seed"],
                   frame["repetition"], strict=True)
        keep = frame[[(h, a, c, int(s), int(r)) in wanted for h, a, c, s, r in keys]].copy()
        keep["label"] = [labels[(a, c)] for a, c in zip(keep["algorithm"], keep["configuration"], strict=True)]
        return keep

    return to_scenario(store, scenario_id=scenario_id, features=features, select=select)


def choose_selector(scenario: Any, candidates: Sequence[str] = HYDRA_CANDIDATES, seed: int = 0,
                    progress: Callable[[str], None] | None = None) -> tuple[str, dict[str, float], dict[str, str]]:
    """The candidate with the lowest cross-validated PAR10 on ``scenario`` (``asc evaluate``'s protocol).

    Returns the chosen name, every candidate's PAR10 and the errors of those that
    could not be cross-validated (a selector that needs more instances per fold than
    there are: skipped, reported).
    """
    from asc.errors import AscError
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.selectors.registry import make_selector

    protocol = Protocol(seed=seed)
    scores: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name in candidates:
        try:
            result = cross_validate(scenario, make_selector(name), protocol, name=name)
        except (AscError, ValueError) as exc:  # e.g. too few instances for a fold's fit
            scores[name], errors[name] = math.nan, f"{type(exc).__name__}: {exc}"
            continue
        scores[name] = float(result.summary["cost"])
        if progress is not None:
            progress(f"{name}: cross-validated PAR10 {scores[name]:.3f}")
    finite = [n for n in candidates if math.isfinite(scores[n])]
    if not finite:
        from asc.errors import UsageError

        raise UsageError(f"no selector could be cross-validated on Hydra's members: {errors}")
    best = finite[0]
    for n in finite[1:]:
        if scores[n] < scores[best]:
            best = n
    return best, scores, errors


def held_out(model: Any, scenario: Any, par: float = 10.0) -> dict[str, Any]:
    """The model's decisions on ``scenario``'s instances, charged as the evaluation charges them.

    Returns PAR10, solved count, feature cost and the choice per instance.
    """
    import numpy as np

    from asc import policy
    from asc.aslib.views import cutoff_of, feature_steps

    view = scenario.feature_matrix(None)
    X = view.X[list(model.info.features)]
    structure = feature_steps(scenario, view, charged=True)
    failed = structure.failed()
    feature_cost = view.cost.to_numpy(dtype=float).copy()
    presolved = view.presolved.to_numpy(dtype=bool).copy()
    decision = model.selector.decide(X)
    if decision.steps is not None and tuple(decision.steps) != tuple(view.steps):
        feature_cost, presolved, failed = structure.charges(decision.steps)
    algorithms = list(scenario.algorithms)
    runtime = scenario.cost_matrix(par=1.0).to_numpy(dtype=float)
    solved = scenario.solved_matrix().to_numpy(dtype=float)
    cutoff = cutoff_of(scenario)
    out = policy.charge(decision, runtime, solved, cutoff, par, feature_cost, presolved, failed,
                        columns={a: i for i, a in enumerate(algorithms)})
    chosen = [str(c) for c in decision.chosen]
    if decision.backup is not None:
        chosen = [decision.backup if f else c for c, f in zip(chosen, failed, strict=True)]
    return {
        "instances": len(X), "par10": float(np.mean(out.cost)), "solved": int(np.sum(out.solved)),
        "feature_cost_mean": float(np.mean(feature_cost)),
        "choices": {a: chosen.count(a) for a in algorithms if chosen.count(a)},
        "per_instance": [{"instance": str(i), "choice": c, "par10": float(v)}
                         for i, c, v in zip(X.index, chosen, out.cost, strict=True)],
    }
