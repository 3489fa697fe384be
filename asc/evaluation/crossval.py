"""Cross-validation of a selector over a scenario's folds.

For each fold, a fresh clone of the selector is fitted on the other folds' instances
(features of the protocol's steps, cost matrix with PAR-k) and asked to choose an
algorithm for each held-out instance. The choices are scored per instance against the
actual runs (see :func:`asc.evaluation.metrics.runtime_outcome`), and summarised per
fold and over all instances, beside the single best (global and per-fold) and the
virtual best.
"""

from __future__ import annotations

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
from asc import policy
from asc.errors import UsageError
from asc.evaluation.metrics import gap_closed, misclassification_penalty, single_best, virtual_best
from asc.evaluation.protocol import Protocol
from asc.policy import Decision, Outcome, runtime_outcome
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
        ``time`` (runtime scenarios: seconds the selector's decision took, features
        included; the cutoff when unsolved; NaN for quality), ``solved``, ``feature_cost``, ``presolved``, ``vbs``, ``sbs_global``,
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


def _fit_decide(selector: BaseEstimator, seed: int, cutoff: float | None, X_train: pd.DataFrame,
                C_train: pd.DataFrame, X_test: pd.DataFrame, C_test: pd.DataFrame,
                context: dict[str, Any]) -> Decision:
    """Fit a fresh clone on the training part and decide on the test part (``C_test``: oracles only)."""
    model = _prepare(selector, seed, cutoff)
    model.fit(X_train, C_train, **context)
    return model.decide(X_test, C_test)


def _per_fold(folds: np.ndarray, sel: Outcome, sbs: Outcome, vbs: Outcome, cutoff: float | None) -> pd.DataFrame:
    """One row per fold: instances, mean cost, PAR1 (runtime scenarios), solved, SBS, VBS, gap closed."""
    rows = []
    for fold in np.unique(folds):
        m = folds == fold
        cost, sbs_cost, vbs_cost = float(sel.cost[m].mean()), float(sbs.cost[m].mean()), float(vbs.cost[m].mean())
        rows.append({
            "fold": int(fold),
            "n": int(m.sum()),
            "cost": cost,
            "par1": float(np.where(sel.solved[m], sel.time[m], cutoff).mean()) if cutoff is not None
            else float("nan"),
            "solved": int(sel.solved[m].sum()),
            "sbs": sbs_cost,
            "vbs": vbs_cost,
            "gap_closed": gap_closed(cost, sbs_cost, vbs_cost),
        })
    return pd.DataFrame(rows).set_index("fold")


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
    charge = protocol.charge_feature_costs and is_runtime and selector.uses_features
    # Copies: a selector that chooses its own steps gets its folds' entries rewritten below.
    feature_cost = view.cost.to_numpy(dtype=float).copy() if charge else None
    presolved = view.presolved.to_numpy(dtype=bool).copy() if charge else None
    # The step structure: the features-failed rule, and the charges of selectors that
    # choose a subset of the steps themselves (they are judged by the steps they chose).
    structure = feature_steps(scenario, view, charged=bool(charge))
    failed = structure.failed()
    folds = _folds(scenario, protocol).to_numpy()
    cutoff = cutoff_of(scenario) if is_runtime else None

    choice = np.full(len(instances), -1, dtype=np.int64)
    sbs_fold_choice = np.full(len(instances), -1, dtype=np.int64)
    fold_ids = np.unique(folds)
    full_cost = view.cost.to_numpy(dtype=float)
    decisions: list[Decision] = Parallel(n_jobs=n_jobs or 1)(
        delayed(_fit_decide)(selector, protocol.seed, cutoff, X.iloc[folds != fold], cost.iloc[folds != fold],
                             X.iloc[folds == fold], cost.iloc[folds == fold],
                             {"feature_cost": (full_cost if charge else np.zeros_like(full_cost))[folds != fold],
                              "feature_failed": failed[folds != fold],
                              "feature_steps": structure.take(folds != fold)})
        for fold in fold_ids
    )
    index = {a: i for i, a in enumerate(algorithms)}
    used_backup = np.zeros(len(instances), dtype=bool)
    chosen_steps: dict[int, list[str]] = {}
    configurations = {int(f): dict(d.config) for f, d in zip(fold_ids, decisions, strict=True)
                      if d.config is not None}
    for fold, decided in zip(fold_ids, decisions, strict=True):
        test, train = folds == fold, folds != fold
        if decided.steps is not None:
            chosen_steps[int(fold)] = list(decided.steps)
        if decided.steps is not None and tuple(decided.steps) != tuple(view.steps):
            fold_cost, fold_presolved, fold_failed = structure.take(test).charges(decided.steps)
            if charge:
                feature_cost[test], presolved[test] = fold_cost, fold_presolved
            failed[test] = fold_failed
        fold_choice = np.array([index[a] for a in decided.chosen], dtype=np.int64)
        if decided.backup is not None:
            fold_choice[failed[test]] = index[decided.backup]
            used_backup[test] = failed[test]
        choice[test] = fold_choice
        sbs_fold_choice[test] = single_best(C[train])

    sbs_global = single_best(C)
    vbs_choice = virtual_best(C)
    sel = Outcome(np.zeros(len(instances)), np.zeros(len(instances), dtype=bool), np.zeros(len(instances)))
    if is_runtime:
        runtime = scenario.cost_matrix(par=1.0, aggregate=protocol.aggregate).to_numpy(dtype=float)
        solved = scenario.solved_matrix(aggregate=protocol.aggregate).to_numpy(dtype=float)
        for fold, decided in zip(fold_ids, decisions, strict=True):
            m = folds == fold
            part = policy.charge(decided, runtime[m], solved[m], cutoff, protocol.par,
                                 feature_cost[m] if charge else None, presolved[m] if charge else None,
                                 failed[m], columns=index)
            sel.time[m], sel.solved[m], sel.cost[m] = part.time, part.solved, part.cost

        def score(ch: np.ndarray) -> Outcome:
            return runtime_outcome(ch, runtime, solved, cutoff, protocol.par)
    else:
        cutoff = float("nan")
        ok = scenario.solved_matrix(aggregate=protocol.aggregate).to_numpy(dtype=float) >= 0.5
        sel = Outcome(np.full(len(instances), np.nan), np.zeros(len(instances), dtype=bool), np.zeros(len(instances)))
        for fold, decided in zip(fold_ids, decisions, strict=True):
            m = folds == fold
            part = policy.quality_outcome(decided, C[m], ok[m], failed[m], columns=index)
            sel.solved[m], sel.cost[m] = part.solved, part.cost

        def score(ch: np.ndarray) -> Outcome:
            rows = np.arange(len(ch))
            return Outcome(time=np.full(len(ch), np.nan), solved=ok[rows, ch], cost=C[rows, ch])

    vbs = score(vbs_choice)
    sbs_g = score(np.full(len(instances), sbs_global))
    sbs_f = score(sbs_fold_choice)
    penalty = misclassification_penalty(choice, C)
    sbs_ref = sbs_g if protocol.sbs == "global" else sbs_f

    per_instance = pd.DataFrame({
        "fold": folds,
        "choice": [algorithms[i] for i in choice],
        "cost": sel.cost,
        "time": sel.time,
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

    per_fold = _per_fold(folds, sel, sbs_ref, vbs, cutoff if is_runtime else None)

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
        "schedules": {int(f): [[a, float(t)] for a, t in d.schedule] for f, d in zip(fold_ids, decisions, strict=True)
                      if d.schedule},
        "backup_used": int(used_backup.sum()),
        "chosen_steps": chosen_steps,
        "configurations": configurations,
        "fold_cost_std": float(per_fold["cost"].std(ddof=1)) if len(per_fold) > 1 else 0.0,
        "fold_gap_closed_std": float(per_fold["gap_closed"].std(ddof=1)) if len(per_fold) > 1 else 0.0,
    }
    return EvaluationResult(scenario.name, name or type(selector).__name__, protocol, per_instance, per_fold, summary)
