"""Cross-validation of a selector over a scenario's folds.

For each fold, a fresh clone of the selector is fitted on the other folds' instances
(features of the protocol's steps, cost matrix with PAR-k) and asked to choose an
algorithm for each held-out instance. The choices are scored per instance against the
actual runs (see :func:`asc.evaluation.metrics.runtime_outcome`), and summarised per
fold and over all instances, beside the single best (global and per-fold) and the
virtual best.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone

from asc.aslib.folds import make_folds
from asc.aslib.scenario import Scenario
from asc.aslib.views import cutoff_of, feature_steps
from asc.evaluation.metrics import (Outcome, backup_plans, gap_closed, misclassification_penalty, plan_outcome,
                                    runtime_outcome)
from asc.evaluation.protocol import Protocol
from asc.errors import UsageError
from asc.selectors.base import fill_unset

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationResult:
    """What a cross-validation produced.

    Attributes
    ----------
    scenario, selector
        Names of the scenario and the selector.
    protocol
        The protocol used.
    per_instance
        One row per instance: ``fold``, ``choice``, ``cost`` (PAR-k or quality cost),
        ``solved``, ``feature_cost``, ``presolved``, ``vbs``, ``sbs_global``,
        ``sbs_per_fold``, ``penalty`` (misclassification penalty).
    per_fold
        One row per fold: ``n``, ``cost``, ``par1``, ``solved``, ``sbs``, ``vbs``,
        ``gap_closed`` (against the protocol's SBS).
    summary
        Overall figures (means over all instances) and the per-fold spread; for a
        selector that chooses its own feature steps or configuration (``auto``), the
        choice per fold (``chosen_steps``, ``configurations``).
    """

    scenario: str
    selector: str
    protocol: Protocol
    per_instance: pd.DataFrame
    per_fold: pd.DataFrame
    summary: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation."""
        return {
            "scenario": self.scenario,
            "selector": self.selector,
            "protocol": asdict(self.protocol),
            "summary": self.summary,
            "per_fold": self.per_fold.reset_index().to_dict("records"),
        }


def _folds(scenario: Scenario, protocol: Protocol) -> pd.Series:
    folds = scenario.folds(protocol.cv_repetition)
    if folds is None:
        log.info("%s has no cv.arff: drawing %d folds with seed %d", scenario.name, protocol.n_folds, protocol.seed)
        cv = make_folds(scenario.instances, protocol.n_folds, protocol.seed)
        folds = cv.set_index("instance_id")["fold"].reindex(scenario.instances)
    if folds.isna().any():
        missing = folds.index[folds.isna()][0]
        raise UsageError(f"instance {missing!r} has no fold in cv repetition {protocol.cv_repetition}")
    return folds.astype(int)


def _prepare(selector: BaseEstimator, seed: int, cutoff: float | None) -> BaseEstimator:
    """A fresh clone with the protocol's seed and the scenario's cutoff where they are unset."""
    return fill_unset(clone(selector), random_state=seed, cutoff=cutoff)


@dataclass(frozen=True)
class FoldChoices:
    """What a fitted selector decided for one fold's test instances."""

    choice: np.ndarray                          # algorithm names
    schedule: tuple[tuple[str, float], ...]     # pre-solving schedule (algorithm, seconds)
    backup: str | None                          # algorithm used when features fail
    steps: tuple[str, ...] | None = None        # feature steps the selector chose to use (None: all)
    config: dict[str, Any] | None = None        # configuration a self-configuring selector chose
    plans: list[list[tuple[str, float]]] | None = None  # per-instance schedules after the features


def _fit_predict(selector: BaseEstimator, seed: int, cutoff: float | None, X_train: pd.DataFrame,
                 C_train: pd.DataFrame, X_test: pd.DataFrame, C_test: pd.DataFrame,
                 extra_train: dict[str, Any]) -> FoldChoices:
    model = _prepare(selector, seed, cutoff)
    accepted = inspect.signature(model.fit).parameters
    model.fit(X_train, C_train, **{k: v for k, v in extra_train.items() if k in accepted})
    if getattr(model, "requires_test_costs", False):
        choice = np.asarray(model.predict(X_test, C_test))
    else:
        choice = np.asarray(model.predict(X_test))
    schedule = tuple((str(a), float(t)) for a, t in getattr(model, "schedule_", ()))
    steps = getattr(model, "steps_", None)
    plans = model.predict_schedule(X_test) if hasattr(model, "predict_schedule") else None
    return FoldChoices(choice, schedule, getattr(model, "backup_", None),
                       None if steps is None else tuple(str(s) for s in steps), getattr(model, "best_config_", None),
                       plans)


def cross_validate(scenario: Scenario, selector: BaseEstimator, protocol: Protocol | None = None,
                   name: str | None = None, n_jobs: int | None = None) -> EvaluationResult:
    """Cross-validate ``selector`` on ``scenario`` under ``protocol``.

    Parameters
    ----------
    scenario
        The scenario.
    selector
        An unfitted selector (scikit-learn estimator with ``fit(X, C)`` and ``predict``);
        cloned for every fold. Its ``random_state`` is set to ``protocol.seed`` when unset.
    protocol
        Evaluation settings; the default reproduces the ASlib website's protocol.
    name
        Label of the selector in the result (default: its class name).
    n_jobs
        Folds fitted in parallel processes (joblib; ``-1`` for all cores). Results do
        not depend on it: every fold's model gets the same seed either way.
    """
    protocol = protocol or Protocol()
    is_runtime = scenario.description.is_runtime
    algorithms = list(scenario.algorithms)
    instances = list(scenario.instances)
    cost = scenario.cost_matrix(par=protocol.par, aggregate=protocol.aggregate)
    C = cost.to_numpy(dtype=float)
    view = scenario.feature_matrix(protocol.steps)
    X = view.X
    # Selectors that ignore the features (SBS, VBS) do not pay for computing them.
    charge = protocol.charge_feature_costs and is_runtime and getattr(selector, "uses_features", True)
    # Copies: a selector that chooses its own steps gets its folds' entries rewritten below.
    feature_cost = view.cost.to_numpy(dtype=float).copy() if charge else None
    presolved = view.presolved.to_numpy(dtype=bool).copy() if charge else None
    # Features failed where a step everything else builds on (one that requires no other
    # step, e.g. SATzilla's Pre) did not finish, or where no step finished, and nothing
    # presolved the instance: a selector with a backup solver uses it there. A later step
    # failing alone (CG timing out) leaves enough features to choose with.
    finished = view.status.isin(["ok", "presolved"])
    roots = [step for step in view.steps if not scenario.description.feature_steps[step].requires]
    failed = ((~finished[roots].all(axis=1) | ~finished.any(axis=1)).to_numpy() if view.steps
              else np.zeros(len(instances), dtype=bool)) & ~view.presolved.to_numpy(dtype=bool)
    failed = failed.copy()
    folds = _folds(scenario, protocol).to_numpy()
    cutoff = cutoff_of(scenario) if is_runtime else None
    # The step structure, for selectors that choose a subset of the steps themselves
    # (they are then charged, and judged failed, by the steps they chose).
    structure = feature_steps(scenario, view, charged=bool(charge))

    choice = np.full(len(instances), -1, dtype=np.int64)
    sbs_fold_choice = np.full(len(instances), -1, dtype=np.int64)
    fold_ids = np.unique(folds)
    full_cost = view.cost.to_numpy(dtype=float)
    decisions = Parallel(n_jobs=n_jobs or 1)(
        delayed(_fit_predict)(selector, protocol.seed, cutoff, X.iloc[folds != fold], cost.iloc[folds != fold],
                              X.iloc[folds == fold], cost.iloc[folds == fold],
                              {"feature_cost": (full_cost if charge else np.zeros_like(full_cost))[folds != fold],
                               "feature_failed": failed[folds != fold],
                               "feature_steps": structure.take(folds != fold)})
        for fold in fold_ids
    )
    index = {a: i for i, a in enumerate(algorithms)}
    schedules: dict[int, list[tuple[int, float]]] = {}
    used_backup = np.zeros(len(instances), dtype=bool)
    chosen_steps: dict[int, list[str]] = {}
    configurations = {int(f): d.config for f, d in zip(fold_ids, decisions, strict=True) if d.config is not None}
    for fold, decided in zip(fold_ids, decisions, strict=True):
        test, train = folds == fold, folds != fold
        if decided.steps is not None:
            chosen_steps[int(fold)] = list(decided.steps)
        if decided.steps is not None and tuple(decided.steps) != tuple(view.steps):
            fold_cost, fold_presolved, fold_failed = structure.take(test).charges(decided.steps)
            if charge:
                feature_cost[test], presolved[test] = fold_cost, fold_presolved
            failed[test] = fold_failed
        fold_choice = np.array([index[str(p)] for p in decided.choice])
        if decided.backup is not None:
            use = failed[test]
            fold_choice[use] = index[decided.backup]
            used_backup[test] = use
        choice[test] = fold_choice
        schedules[int(fold)] = [(index[a], t) for a, t in decided.schedule]
        sbs_fold_choice[test] = int(np.argmin(C[train].mean(axis=0)))

    sbs_global = int(np.argmin(C.mean(axis=0)))
    vbs_choice = C.argmin(axis=1)
    if is_runtime:
        runtime = scenario.cost_matrix(par=1.0, aggregate=protocol.aggregate).to_numpy(dtype=float)
        solved = scenario.solved_matrix(aggregate=protocol.aggregate).to_numpy(dtype=float)

        def score(ch: np.ndarray, charged: bool, with_schedules: bool = False) -> Outcome:
            if not with_schedules or not any(schedules.values()):
                return runtime_outcome(ch, runtime, solved, cutoff, protocol.par,
                                       feature_cost if charged else None, presolved if charged else None)
            time, ok, cost_ = np.zeros(len(ch)), np.zeros(len(ch), dtype=bool), np.zeros(len(ch))
            for fold, plan in schedules.items():
                m = folds == fold
                part = runtime_outcome(ch[m], runtime[m], solved[m], cutoff, protocol.par,
                                       feature_cost[m] if charged else None,
                                       presolved[m] if charged else None, schedule=plan)
                time[m], ok[m], cost_[m] = part.time, part.solved, part.cost
            return Outcome(time, ok, cost_)
    else:
        cutoff = float("nan")
        ok = scenario.solved_matrix(aggregate=protocol.aggregate).to_numpy(dtype=float) >= 0.5

        def score(ch: np.ndarray, charged: bool, with_schedules: bool = False) -> Outcome:
            rows = np.arange(len(ch))
            return Outcome(time=np.full(len(ch), np.nan), solved=ok[rows, ch], cost=C[rows, ch])

    sel = score(choice, charge, with_schedules=True)
    if is_runtime and any(d.plans is not None for d in decisions):
        # Selectors that run a schedule per instance (SUNNY, a pipeline's runner-up slots)
        # are judged by the schedule, after the pre-solving schedule and with the backup
        # solver alone where the features failed.
        for fold, decided in zip(fold_ids, decisions, strict=True):
            if decided.plans is None:
                continue
            m = folds == fold
            plans = backup_plans([[(index[a], t) for a, t in plan] for plan in decided.plans], failed[m],
                                 None if decided.backup is None else index[decided.backup], cutoff)
            part = plan_outcome(plans, runtime[m], solved[m], cutoff, protocol.par,
                                feature_cost[m] if charge else None, presolved[m] if charge else None,
                                schedules[int(fold)])
            sel.time[m], sel.solved[m], sel.cost[m] = part.time, part.solved, part.cost
    vbs = score(vbs_choice, False)
    sbs_g = score(np.full(len(instances), sbs_global), False)
    sbs_f = score(sbs_fold_choice, False)
    penalty = misclassification_penalty(choice, C)
    sbs_ref = sbs_g if protocol.sbs == "global" else sbs_f

    per_instance = pd.DataFrame({
        "fold": folds,
        "choice": [algorithms[i] for i in choice],
        "cost": sel.cost,
        "solved": sel.solved,
        "feature_cost": feature_cost if feature_cost is not None else 0.0,
        "presolved": presolved if presolved is not None else False,
        "vbs": vbs.cost,
        "sbs_global": sbs_g.cost,
        "sbs_per_fold": sbs_f.cost,
        "penalty": penalty,
        "features_failed": failed,
        "backup_used": used_backup,
    }, index=pd.Index(instances, name="instance_id"))

    rows = []
    for fold in np.unique(folds):
        m = folds == fold
        rows.append({
            "fold": int(fold),
            "n": int(m.sum()),
            "cost": float(sel.cost[m].mean()),
            "par1": float(np.where(sel.solved[m], sel.time[m], cutoff).mean()) if is_runtime else float("nan"),
            "solved": int(sel.solved[m].sum()),
            "sbs": float(sbs_ref.cost[m].mean()),
            "vbs": float(vbs.cost[m].mean()),
            "gap_closed": gap_closed(float(sel.cost[m].mean()), float(sbs_ref.cost[m].mean()),
                                     float(vbs.cost[m].mean())),
        })
    per_fold = pd.DataFrame(rows).set_index("fold")

    measure = f"par{protocol.par:g}" if is_runtime else "cost"
    summary: dict[str, Any] = {
        "measure": measure,
        "instances": len(instances),
        "algorithms": len(algorithms),
        "steps": list(view.steps),
        "feature_costs_charged": bool(charge),
        "cost": float(sel.cost.mean()),
        "par1": float(np.where(sel.solved, sel.time, cutoff).mean()) if is_runtime else None,
        "solved": int(sel.solved.sum()),
        "misclassification_penalty": float(penalty.mean()),
        "vbs_cost": float(vbs.cost.mean()),
        "vbs_solved": int(vbs.solved.sum()),
        "sbs_global": algorithms[sbs_global],
        "sbs_global_cost": float(sbs_g.cost.mean()),
        "sbs_global_solved": int(sbs_g.solved.sum()),
        "sbs_per_fold_cost": float(sbs_f.cost.mean()),
        "sbs_policy": protocol.sbs,
        "gap_closed": gap_closed(float(sel.cost.mean()), float(sbs_ref.cost.mean()), float(vbs.cost.mean())),
        "gap_closed_global_sbs": gap_closed(float(sel.cost.mean()), float(sbs_g.cost.mean()), float(vbs.cost.mean())),
        "gap_closed_per_fold_sbs": gap_closed(float(sel.cost.mean()), float(sbs_f.cost.mean()),
                                              float(vbs.cost.mean())),
        "schedules": {int(f): [[algorithms[a], t] for a, t in plan] for f, plan in schedules.items() if plan},
        "backup_used": int(used_backup.sum()),
        "chosen_steps": chosen_steps,
        "configurations": configurations,
        "fold_cost_std": float(per_fold["cost"].std(ddof=1)) if len(per_fold) > 1 else 0.0,
        "fold_gap_closed_std": float(per_fold["gap_closed"].std(ddof=1)) if len(per_fold) > 1 else 0.0,
    }
    return EvaluationResult(scenario.name, name or type(selector).__name__, protocol, per_instance, per_fold, summary)
