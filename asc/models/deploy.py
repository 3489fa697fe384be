"""Applying a trained model to one CNF instance: features, choice, backup, explanation.

This is what ``asc select`` and ``asc solve`` share. Given a :class:`SelectionModel`
and a parsed CNF it

1. computes only the feature steps the model was trained on (``ModelInfo.steps``),
   each under an optional time limit;
2. decides, by the same rule the evaluation protocol charges
   (:mod:`asc.evaluation.crossval`):

   * the instance was *presolved* when a feature step (unit propagation in ``Pre``)
     already decided it: the answer is reported and the backup solver is named to
     produce a model or confirm it, since any solver is fast on such an instance;
   * the features *failed* when a root step (one that requires no other step, i.e.
     ``Pre``) or every step did not finish (timeout, memout, crash): the model's
     backup solver is chosen, since a choice from imputed medians alone is a guess;
   * otherwise the selector predicts, with the values of any later step that did not
     finish left missing (imputed inside the selector, as for training instances);

3. optionally explains the choice (:func:`explain`).

Library code: raises :class:`asc.errors.ModelError` for a model this ``asc`` cannot
apply, never exits.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asc.errors import ModelError

if TYPE_CHECKING:
    from asc.models.files import SelectionModel

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class StepOutcome:
    """How one feature step went on this instance: runstatus and seconds."""

    status: str
    cost: float


@dataclass(frozen=True)
class Explanation:
    """Which features mattered for a choice.

    Attributes
    ----------
    method
        How ``features`` is ranked, in words.
    features
        Rows ``(name, value, z, importance)``: the instance's raw value (NaN when
        missing, then imputed), its standardised value (``z``: how many training
        standard deviations from the training mean, after imputation) and the model's
        importance of the feature (NaN when the selector has none).
    """

    method: str
    features: tuple[tuple[str, float, float, float], ...]


@dataclass(frozen=True)
class Selection:
    """The decision for one instance.

    Attributes
    ----------
    algorithm
        The algorithm to run (after the pre-solving schedule, if any).
    reason
        ``"predicted"`` (the selector chose), ``"backup"`` (the features failed) or
        ``"presolved"`` (a feature step decided the instance; the backup solver
        confirms it).
    presolved
        ``"SAT"``/``"UNSAT"`` when a feature step decided the instance, else None.
    schedule
        Pre-solving schedule ``(algorithm, seconds)`` learned with the model, run
        before the features in ``asc solve``; empty for most selectors.
    scores
        Algorithm -> the selector's score (lower is better); empty when not predicted.
    score_label
        What the scores are.
    predicted_costs
        Algorithm -> predicted cost (training cost unit, PAR-k seconds) when the
        selector's scores estimate costs, else None.
    ranking
        Algorithms, best first (the scores' order; the backup alone when not predicted).
    steps
        Step name -> :class:`StepOutcome`, in computation order.
    feature_seconds
        Wall-clock seconds spent computing the features (reading, loading the kernels
        and compiling them after an install excluded).
    features
        The model's features -> this instance's values (NaN where missing).
    plan
        Per-instance schedule ``(algorithm, seconds)`` to run after the features, in
        seconds of the model's training cutoff (SUNNY's selectors make one; ``algorithm``
        is its longest slot); empty when ``algorithm`` runs alone.
    note
        Why the backup was used, or other remarks; empty if none.
    explanation
        Set when asked for (:func:`explain`).
    """

    algorithm: str
    reason: str
    presolved: str | None
    schedule: tuple[tuple[str, float], ...]
    scores: dict[str, float]
    score_label: str
    predicted_costs: dict[str, float] | None
    ranking: tuple[str, ...]
    steps: dict[str, StepOutcome]
    feature_seconds: float
    features: dict[str, float] = field(default_factory=dict)
    plan: tuple[tuple[str, float], ...] = ()
    note: str = ""
    explanation: Explanation | None = None


def feature_steps_of(model: SelectionModel, instance: Any = None) -> tuple[str, ...]:
    """The feature steps to compute for ``model``, checked against what ``asc.features`` provides.

    ``instance`` a QSAR dataset: checked against the QSAR meta-feature steps instead.

    Raises
    ------
    ModelError
        The model was trained on a step ``asc`` cannot compute (e.g. an ASlib
        scenario's ``DIAMETER`` or local-search probing steps): its predictions would
        rest on imputed values only.
    """
    steps = tuple(model.info.steps)
    if not steps:
        return ()
    if hasattr(instance, "smiles"):
        from asc.features.qsar_meta import FEATURE_STEPS
    else:
        from asc.features import FEATURE_STEPS

    unknown = [s for s in steps if s not in FEATURE_STEPS]
    if unknown:
        raise ModelError(f"the model uses feature step {unknown[0]!r}, which asc cannot compute "
                         f"on {'a QSAR dataset' if hasattr(instance, 'smiles') else 'a CNF instance'} "
                         f"(available: {', '.join(FEATURE_STEPS)}); train it with --steps "
                         f"{','.join(s for s in steps if s in FEATURE_STEPS) or 'Pre'}")
    return steps


#: The share of a model's training cutoff ``asc select`` spends on features by default.
FEATURE_BUDGET_SHARE = 0.1


def default_feature_budget(model: SelectionModel) -> float | None:
    """CPU seconds ``asc select`` spends on features unless told: a tenth of the training cutoff.

    Why a share of the cutoff: the evaluation charges feature time against the same
    cutoff the solvers run under, so a selection that spends more than a small part of
    it on features loses what the better choice gains (the default model's cutoff is
    10 s: 1 s of features). ``None`` (no limit) for models without a cutoff (quality
    scenarios), whose costs are not times.
    """
    cutoff = model.info.cutoff
    if cutoff is None or not math.isfinite(cutoff) or cutoff <= 0:
        return None
    return FEATURE_BUDGET_SHARE * float(cutoff)


def _failed_result(steps: tuple[str, ...], status: str) -> Any:
    """A feature result in which every step ended with ``status`` and gave no values."""
    from types import SimpleNamespace

    return SimpleNamespace(steps={s: SimpleNamespace(status=status, cost=math.nan, values={}) for s in steps},
                           presolved_answer=None)


def select_instance(model: SelectionModel, cnf: Any, step_timeout: float | None = None,
                    explain_top: int | None = None, budget: float | None = None) -> Selection:
    """Compute ``model``'s feature steps on ``cnf`` and decide (see the module docstring).

    Parameters
    ----------
    model
        A loaded model.
    cnf
        The parsed instance: a :class:`asc.instances.CNF` (SATzilla's steps), or a
        :class:`asc.instances.qsar.QSARDataset` (the QSAR meta-feature steps, for a
        model trained on a QSAR quality scenario).
    step_timeout
        Seconds each feature step may take (None: no limit).
    explain_top
        If given, attach an :class:`Explanation` with this many features.
    budget
        CPU seconds all feature steps together may take (None: no limit; CNF steps
        only): a step that would exceed what is left is cut and counts as failed, so
        the policy's rule decides without it (the backup when ``Pre`` was cut, else the
        selector with the cut step's features imputed), as the evaluation charges it.
    """
    import numpy as np

    from asc import policy

    steps = feature_steps_of(model, cnf)
    outcomes: dict[str, StepOutcome] = {}
    values: dict[str, float] = {}
    presolved: str | None = None
    seconds = 0.0
    failed = False
    if steps:
        if hasattr(cnf, "smiles"):  # a QSAR dataset: its meta-features
            from asc.features.qsar_meta import FEATURE_STEPS
            from asc.features.qsar_meta import compute_qsar_features as compute

            def compute_features(dataset, steps, step_timeout, budget=None):  # noqa: ARG001 - no time limit
                return compute(dataset, steps)
        else:
            from asc.features import FEATURE_STEPS, compute_features
            from asc.features.satzilla import warm_up

            # the kernels of these steps only, loaded (compiled after an install) before any timing
            warm_up(steps)
        from asc.instances._jit import compile_seconds

        start, compiled = time.perf_counter(), compile_seconds()
        try:
            result = compute_features(cnf, steps=steps, step_timeout=step_timeout, budget=budget)
        except MemoryError:
            result = _failed_result(steps, "memout")
        except Exception as exc:  # noqa: BLE001 - a failure of ours must still give an answer: the backup
            log.warning("feature computation crashed (%s: %s); using the backup solver", type(exc).__name__, exc)
            result = _failed_result(steps, "crash")
        # compiling a kernel of a rarer path (once per install) is not feature cost either
        seconds = max(0.0, time.perf_counter() - start - (compile_seconds() - compiled))
        for name, step in result.steps.items():
            outcomes[name] = StepOutcome(str(step.status), float(step.cost))
            if step.status in policy.FINISHED:
                # an infinite value (a ratio over zero) is as good as missing, and
                # scikit-learn refuses it: impute it like a missing one
                values.update({k: float(v) if math.isfinite(v) else math.nan for k, v in step.values.items()})
        presolved = result.presolved_answer
        status = np.array([[outcomes[s].status if s in outcomes else "crash" for s in steps]], dtype=object)
        failed = bool(policy.features_failed(status, steps, {s: FEATURE_STEPS[s][1] for s in steps})[0])
    unfinished = [s for s in steps if outcomes.get(s, StepOutcome("crash", math.nan)).status not in policy.FINISHED]
    row = {name: values.get(name, math.nan) for name in model.info.features}
    X = np.array([[row[name] for name in model.info.features]], dtype=float)
    decision = model.selector.decide(X)
    reason, slots = policy.after_features(decision, 0, failed, presolved in ("SAT", "UNSAT"), math.inf)
    common = dict(schedule=decision.schedule, steps=outcomes, feature_seconds=seconds, features=row,
                  score_label=str(model.selector.score_label))
    if reason == policy.PRESOLVED:
        return Selection(algorithm=slots[0][0], reason=reason, presolved=presolved, scores={},
                         predicted_costs=None, ranking=(slots[0][0],),
                         note=f"decided {presolved} by unit propagation while computing the features", **common)
    if reason == policy.BACKUP:
        what = ", ".join(f"{s} {outcomes[s].status}" if s in outcomes else f"{s} missing" for s in unfinished)
        return Selection(algorithm=slots[0][0], reason=reason, presolved=None, scores={}, predicted_costs=None,
                         ranking=(slots[0][0],), note=f"feature computation failed ({what}): backup solver",
                         **common)
    names = decision.algorithms
    scores = decision.scores[0]
    costs = model.selector.costs_from_scores(decision.scores)
    plan = () if decision.plans is None else tuple(decision.plans[0])
    note = ""
    if unfinished:
        note = "step(s) " + ", ".join(f"{s} {outcomes[s].status}" for s in unfinished) + \
               ": their features are missing and imputed"
    explanation = explain(model, row, explain_top) if explain_top else None
    return Selection(algorithm=names[int(decision.choice[0])], reason=reason, presolved=None,
                     scores={a: float(x) for a, x in zip(names, scores, strict=True)},
                     predicted_costs=None if costs is None else
                     {a: float(c) for a, c in zip(names, np.asarray(costs)[0], strict=True)},
                     ranking=decision.ranking(0), plan=plan, note=note, explanation=explanation, **common)


def explain(model: SelectionModel, features: dict[str, float], top: int = 10) -> Explanation:
    """The features that mattered for ``model``'s choice on an instance with ``features``.

    For forest-based selectors the features are ranked by the model's importance
    (mean decrease in impurity, averaged over every forest of the selector: each
    pairwise or per-algorithm model counts once). Importance is global, a property of
    the model; the instance's standardised value ``z`` beside it shows where this
    instance lies on that feature (|z| > 2: unusual for the training data). Selectors
    without importances (k-NN, ISAC, the single best) use standardised Euclidean
    distances in which every feature weighs the same, so for them the features are
    ranked by |z|: those on which this instance is farthest from the training mean
    decide which neighbours or cluster it gets.
    """
    import numpy as np

    names = list(model.info.features)
    raw = np.array([[features.get(n, np.nan) for n in names]], dtype=float)
    importance, z, n_forests = model.selector.explain_arrays(raw)
    if n_forests:
        order = np.argsort(-importance, kind="stable")
        method = ("top features by the model's importance (mean decrease in impurity, averaged over "
                  f"{n_forests} forest{'s' if n_forests != 1 else ''}), with this instance's value "
                  "and its standardised value z")
    else:
        order = np.argsort(-np.abs(np.nan_to_num(z)), kind="stable")
        method = ("this selector has no feature importances; features ranked by |z|, how far this "
                  "instance is from the training mean in training standard deviations (the selector's "
                  "distances weigh standardised features equally)")
    rows = tuple((names[i], float(raw[0, i]), float(z[i]), float(importance[i])) for i in order[:top])
    return Explanation(method, rows)
