"""Fitted selectors as plain arrays, for prediction without scikit-learn or skops.

Why. ``asc select`` must answer in about a second, but loading a model file through
skops imports scikit-learn and all its estimators (about 2 s here) and rebuilds every
tree from a JSON schema (a pairwise forest model over 20 solvers holds 9,500 trees:
more than 20 s). Prediction itself needs none of that: a tree is five arrays, a
selector's rule is a few lines of NumPy (:mod:`asc.selectors.scoring`).

What. :func:`compile_selector` turns a fitted selector into a JSON *recipe* plus named
NumPy arrays: the imputer's medians and the scaler's means and scales, every tree's
children, split features, thresholds and leaf outputs (regression values, or class
probabilities normalised as scikit-learn normalises them), neighbour and cluster
tables, pre-solving schedule and backup. :func:`compiled_members` gives them as members of
the model file (``asc-compiled/``, see :mod:`asc.models.files`), after checking
that the compiled form gives the same scores as the fitted selector on random
inputs; a selector that cannot be compiled exactly is simply not compiled.
:func:`load_predictor` reads them back with ``allow_pickle=False`` (nothing in the
file can run code) and falls back to the full skops loader for files without them.

Supported: ``sbs``, ``rf-regression``/``rf-regression-raw``, ``joint-regression``, ``pairwise-rf``,
``pairwise-regression``, ``multiclass-rf``, ``knn``, ``sunny``, ``isac``, the pre-solving
pipelines around any of them and the ``auto`` selector's choice of any of them.
"""

from __future__ import annotations

import io
import json
import logging
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from asc.errors import ModelError
from asc.policy import Decision
from asc.selectors import scoring

log = logging.getLogger(__name__)

# the compiled part's layout is stated where model files are read without NumPy
from asc.models.files import COMPILED_VERSION, PREFIX, RECIPE  # noqa: E402,F401


class _NotCompilable(Exception):
    """A selector (or part of one) this module has no compiled form for."""


# -- compiling -------------------------------------------------------------------------


class _Builder:
    """Collects arrays under unique keys while a recipe is built."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, name: str, value: Any, dtype: Any = None) -> str:
        key = f"{len(self.arrays)}-{name}"
        self.arrays[key] = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        return key


def _preprocessor(prep: Any, b: _Builder) -> dict | None:
    if prep is None:
        return None
    steps = dict(prep.named_steps)
    imputer, scaler = steps.get("impute"), steps.get("scale")
    if imputer is None or scaler is None or len(steps) != 2 or imputer.strategy != "median" \
            or not (scaler.with_mean and scaler.with_std):
        raise _NotCompilable("preprocessor")
    fill = np.asarray(imputer.statistics_, dtype=float)
    return {"fill": b.add("fill", np.where(np.isnan(fill), 0.0, fill)), "mean": b.add("mean", scaler.mean_, float),
            "scale": b.add("scale", scaler.scale_, float)}


def _forests(forests: list[Any], b: _Builder, output: str, name: str) -> dict:
    """Concatenate the trees of ``forests`` into one node table (global node indices).

    ``output``: ``"value"`` (regression: the leaf value of every output, one column
    per output), ``"p1"`` (binary classification: probability of class 1) or
    ``"proba"`` (every class probability).
    """
    left, right, feature, threshold, out, roots, owner, importances = [], [], [], [], [], [], [], []
    offset = 0
    for f, forest in enumerate(forests):
        if getattr(forest, "n_outputs_", 1) != 1 and output != "value":
            raise _NotCompilable("multi-output classification forest")
        importances.append(np.asarray(forest.feature_importances_, dtype=float))
        for tree in forest.estimators_:
            t = tree.tree_
            n = t.node_count
            cl, cr = t.children_left.astype(np.int64), t.children_right.astype(np.int64)
            left.append(np.where(cl >= 0, cl + offset, -1))
            right.append(np.where(cr >= 0, cr + offset, -1))
            feature.append(t.feature.astype(np.int64))
            threshold.append(t.threshold.astype(np.float64))
            if output == "value":
                out.append(t.value[:, :, 0].astype(np.float64))
            else:
                value = t.value[:, 0, :].astype(np.float64)
                total = value.sum(axis=1, keepdims=True)
                total[total == 0.0] = 1.0
                proba = value / total
                if output == "p1":
                    out.append(proba[:, [list(forest.classes_).index(1)]])
                else:
                    out.append(proba)
            roots.append(offset)
            owner.append(f)
            offset += n
    # int32 node indices and features: a pairwise model over 20 solvers has about a
    # million nodes, and the file and its checksum pass shrink by a fifth
    index = np.int32 if offset < 2**31 - 1 else np.int64
    return {
        "left": b.add(f"{name}.left", np.concatenate(left), index),
        "right": b.add(f"{name}.right", np.concatenate(right), index),
        "feature": b.add(f"{name}.feature", np.concatenate(feature), np.int32),
        "threshold": b.add(f"{name}.threshold", np.concatenate(threshold)),
        "out": b.add(f"{name}.out", np.concatenate(out)), "roots": b.add(f"{name}.roots", roots, np.int64),
        "owner": b.add(f"{name}.owner", owner, np.int64), "n_forests": len(forests),
        "importances": b.add(f"{name}.importances", np.vstack(importances)),
    }


def _node(selector: Any, b: _Builder) -> dict:
    """The recipe of one fitted selector (recursive for wrappers)."""
    kind = type(selector).__name__
    if kind == "SelectionPipeline":
        return {"kind": "pipeline", "inner": _node(selector.selector_, b),
                "schedule": [[str(a), float(t)] for a, t in selector.schedule_], "backup": selector.backup_,
                "runner_ups": int(getattr(selector, "runner_ups_", 0)),
                "runner_up_seconds": float(getattr(selector, "runner_up_seconds_", 0.0)),
                "cutoff": float(selector.cutoff)}
    if kind == "AutoSelector":
        return {"kind": "columns", "columns": b.add("columns", selector.columns_, np.int64),
                "n_features": int(selector.n_features_in_), "inner": _node(selector.selector_, b),
                "schedule": [[str(a), float(t)] for a, t in selector.schedule_], "backup": selector.backup_}
    if kind == "VotingSelector":
        return {"kind": "vote", "algorithms": [str(a) for a in selector.algorithms_], "backup": selector.backup_,
                "n_features": int(selector.n_features_in_), "pre": None,
                "members": [_node(member, b) for member in selector.members_]}
    node: dict[str, Any] = {"algorithms": [str(a) for a in selector.algorithms_], "backup": selector.backup_,
                            "n_features": int(selector.n_features_in_),
                            "pre": _preprocessor(getattr(selector, "preprocessor_", None), b)}
    if kind == "SingleBest":
        node.update(kind="sbs", mean_costs=b.add("mean_costs", selector.mean_costs_, float))
    elif kind == "PerAlgorithmRegressor":
        node.update(kind="regression", target=selector.target, shift=float(selector.shift_),
                    forests=_forests(list(selector.models_), b, "value", "reg"))
    elif kind == "JointRegressor":
        node.update(kind="joint", shift=float(selector.shift_),
                    forests=_forests([selector.model_], b, "value", "joint"))
    elif kind == "PairwiseClassifier":
        fixed = [int(m) if isinstance(m, (int, np.integer)) else -1 for m in selector.models_]
        forests = [m for m in selector.models_ if not isinstance(m, (int, np.integer))]
        node.update(kind="pairwise", pairs=[[int(a), int(c)] for a, c in selector.pairs_], fixed=fixed,
                    voting=selector.voting, mean_costs=b.add("mean_costs", selector.mean_costs_, float),
                    forests=_forests(forests, b, "p1", "pw") if forests else None)
    elif kind == "PairwiseRegressor":
        node.update(kind="pairwise-regression", pairs=[[int(a), int(c)] for a, c in selector.pairs_],
                    forests=_forests(list(selector.models_), b, "value", "pwr"))
    elif kind == "MultiClassSelector":
        model = selector.model_
        node.update(kind="multiclass", mean_costs=b.add("mean_costs", selector.mean_costs_, float),
                    classes=None if model is None else b.add("classes", model.classes_, np.int64),
                    forests=None if model is None else _forests([model], b, "proba", "mc"))
    elif kind == "NearestNeighbourSelector":
        node.update(kind="knn", k=int(selector.k_), weights=selector.weights,
                    fit_X=b.add("fit_X", selector.index_._fit_X, float), costs=b.add("costs", selector.costs_, float))
    elif kind == "SunnySelector":
        node.update(kind="sunny", k=int(selector.k_), max_portfolio=int(selector.max_portfolio),
                    cutoff=float(selector.cutoff_), backup_index=int(selector.backup_index_),
                    fit_X=b.add("fit_X", selector.index_._fit_X, float),
                    solved=b.add("solved", selector.solved_, np.uint8),
                    runtime=b.add("runtime", selector.runtime_, float))
    elif kind == "ClusteringSelector":
        node.update(kind="isac", centers=b.add("centers", selector.kmeans_.cluster_centers_, float),
                    cluster_costs=b.add("cluster_costs", selector.cluster_costs_, float))
    else:
        raise _NotCompilable(kind)
    return node


def compile_selector(selector: Any) -> tuple[dict, dict[str, np.ndarray]] | None:
    """(recipe, arrays) of a fitted selector, or None when it has no compiled form."""
    b = _Builder()
    try:
        node = _node(selector, b)
    except (_NotCompilable, AttributeError, ValueError) as exc:
        log.info("selector %s is not compiled (%s): asc select will load it with skops",
                 type(selector).__name__, exc)
        return None
    return {"version": COMPILED_VERSION, "selector": node}, b.arrays


# -- predicting ------------------------------------------------------------------------


class _ForestTable:
    """Trees of several forests in one node table; predicts every forest's mean leaf output."""

    def __init__(self, spec: dict, arrays: dict[str, np.ndarray]) -> None:
        self.left, self.right = arrays[spec["left"]], arrays[spec["right"]]
        self.feature, self.threshold = arrays[spec["feature"]], arrays[spec["threshold"]]
        self.out, self.roots, self.owner = arrays[spec["out"]], arrays[spec["roots"]], arrays[spec["owner"]]
        self.n_forests = int(spec["n_forests"])
        self.importances = arrays[spec["importances"]]
        n = len(self.left)
        if not (len(self.right) == len(self.feature) == len(self.threshold) == len(self.out) == n) or \
                len(self.roots) != len(self.owner) or (n and (self.left.max() >= n or self.right.max() >= n)):
            raise ModelError("inconsistent compiled forest arrays")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Forests x instances x outputs: each forest's mean over its trees' leaf outputs."""
        # scikit-learn's trees compare float32 features with float64 thresholds
        Xf = X.astype(np.float32).astype(np.float64)
        rows = np.arange(len(X))[:, None]
        nodes = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        for _ in range(len(self.left) + 1):  # bounded: a tree is never deeper than its node count
            leaf = self.left[nodes] < 0
            if leaf.all():
                break
            go_left = Xf[rows, np.maximum(self.feature[nodes], 0)] <= self.threshold[nodes]
            nodes = np.where(leaf, nodes, np.where(go_left, self.left[nodes], self.right[nodes]))
        else:  # pragma: no cover - only a cyclic (tampered) table gets here
            raise ModelError("compiled forest arrays do not describe trees")
        leaves = self.out[nodes]                                     # instances x trees x outputs
        result = np.zeros((self.n_forests, len(X), self.out.shape[1]))
        counts = np.bincount(self.owner, minlength=self.n_forests)
        # sum tree by tree in order, as scikit-learn accumulates, then divide
        for t, f in enumerate(self.owner):
            result[f] += leaves[:, t, :]
        return result / counts[:, None, None]


class CompiledSelector:
    """A selector rebuilt from its recipe and arrays: the prediction interface of the fitted one.

    Offers ``algorithms_``, ``predict_scores``, ``predict``, ``costs_from_scores``,
    ``score_label``, ``schedule_``, ``backup_`` and, for explanations,
    :meth:`explain_arrays`.
    """

    def __init__(self, node: dict, arrays: dict[str, np.ndarray]) -> None:
        self.node = node
        self.arrays = arrays
        self.columns: np.ndarray | None = None
        self.schedule_: list[tuple[str, float]] = []
        self.backup_: str | None = None
        wrapped = False  # the outermost wrapper's backup is the decision's (a pipeline may have none)
        self.runner_ups_, self.runner_up_seconds_, self.cutoff = 0, 0.0, math.nan
        while node["kind"] in ("pipeline", "columns"):
            if node["kind"] == "pipeline" and node.get("runner_ups"):
                self.runner_ups_, self.runner_up_seconds_ = int(node["runner_ups"]), float(node["runner_up_seconds"])
                self.cutoff = float(node["cutoff"])
            if node["kind"] == "columns":
                cols = arrays[node["columns"]]
                self.columns = cols if self.columns is None else self.columns[cols]
                self.n_features_in_ = int(node["n_features"])
            self.schedule_ = self.schedule_ or [(str(a), float(t)) for a, t in node.get("schedule", [])]
            if not wrapped:
                self.backup_, wrapped = node.get("backup"), True
            node = node["inner"]
        self.inner = node
        if not wrapped:
            self.backup_ = node.get("backup")
        self.kind = node["kind"]
        if not isinstance(node["algorithms"], list):  # np.array(None) is 0-d: no algorithms to compare
            raise ModelError("compiled algorithms are not a list")
        self.algorithms_ = np.array(node["algorithms"], dtype=object)
        if self.columns is None:
            self.n_features_in_ = int(node["n_features"])
        self.forests = _ForestTable(node["forests"], arrays) if node.get("forests") else None
        self.members = [CompiledSelector(m, arrays) for m in node["members"]] if self.kind == "vote" else []
        self._validate()

    def _validate(self) -> None:
        """Refuse, on loading, a recipe that would fail in ``predict`` (a tampered or foreign file).

        The members' checksums catch corruption; this catches a file rewritten with
        consistent checksums but arrays that do not fit together: every index a
        prediction follows must be in range, every table as wide as the selector's input.
        A prediction on an all-zero and an all-missing row then has to give one finite
        score per algorithm.
        """
        width = len(self.columns) if self.columns is not None else self.n_features_in_
        if self.columns is not None and len(self.columns) and (
                self.columns.min() < 0 or self.columns.max() >= self.n_features_in_):
            raise ModelError("compiled feature columns out of range")
        if self.forests is not None:
            f = self.forests
            if len(f.feature) and f.feature.max() >= width:
                raise ModelError("compiled forest splits on a feature the model does not have")
            if len(f.roots) and (f.roots.min() < 0 or f.roots.max() >= max(len(f.left), 1)
                                 or f.owner.min() < 0 or f.owner.max() >= f.n_forests):
                raise ModelError("compiled forest roots out of range")
            if f.out.ndim != 2 or (len(f.left) and (f.left.min() < -1 or f.right.min() < -1)):
                raise ModelError("inconsistent compiled forest arrays")
        for key in ("fit_X", "centers"):
            if key in self.inner and self._array(self.inner[key]).shape[-1:] != (width,):
                raise ModelError(f"compiled {key} does not match the model's features")
        pre = self.inner.get("pre")
        if pre is not None and any(self._array(pre[k]).shape != (width,) for k in ("fill", "mean", "scale")):
            raise ModelError("compiled preprocessing does not match the model's features")
        k = len(self.algorithms_)
        for key, ndim in (("mean_costs", 1), ("costs", 2), ("cluster_costs", 2), ("solved", 2), ("runtime", 2)):
            if key in self.inner and (self._array(self.inner[key]).ndim != ndim
                                      or self._array(self.inner[key]).shape[-1] != k):
                raise ModelError(f"compiled {key} does not match the model's algorithms")
        # three rows: no table of a sound model has that many rows by accident of broadcasting
        probe = np.vstack([np.zeros(self.n_features_in_), np.full(self.n_features_in_, np.nan),
                           np.linspace(-1e3, 1e3, self.n_features_in_)])
        with np.errstate(all="ignore"):
            scores = self.predict_scores(probe)
        if np.shape(scores) != (3, k) or np.isnan(np.asarray(scores, dtype=float)).any():
            raise ModelError("compiled selector does not give one score per algorithm")

    # what reports say about the scores, as the fitted selectors do
    @property
    def score_label(self) -> str:
        return {"sbs": "mean training cost",
                "regression": "predicted log10 cost" if self.inner.get("target") == "log" else "predicted cost",
                "joint": "predicted log10 cost",
                "pairwise": "minus pairwise votes (ties broken by vote probabilities)",
                "pairwise-regression": "summed predicted log10 cost differences",
                "multiclass": "minus probability of being best",
                "knn": "mean cost on the nearest training instances",
                "sunny": "minus the seconds of the algorithm's slots in the schedule",
                "isac": "mean cost in the instance's cluster",
                "vote": "mean rank among the members' choices (1 = best)"}[self.kind]

    def _array(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def transform(self, X: Any) -> np.ndarray:
        """The selector's input: its columns, missing values imputed, standardised."""
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        if X.shape[1] != self.n_features_in_:
            raise ModelError(f"X has {X.shape[1]} features, the model was fitted on {self.n_features_in_}")
        if self.columns is not None:
            X = X[:, self.columns]
        pre = self.inner.get("pre")
        if pre is None:
            return X
        X = np.where(np.isnan(X), self._array(pre["fill"]), X)
        X = X - self._array(pre["mean"])
        return X / self._array(pre["scale"])

    def predict_scores(self, X: Any) -> np.ndarray:
        """Instances x algorithms scores, lower is better (as the fitted selector's)."""
        Z = self.transform(X)
        n, k, node = len(Z), len(self.algorithms_), self.inner
        if self.kind == "vote":
            return scoring.vote_scores([member.predict_scores(Z) for member in self.members])
        if self.kind == "sbs":
            return np.tile(self._array(node["mean_costs"]), (n, 1))
        if self.kind == "regression":
            return self.forests.predict(Z)[:, :, 0].T
        if self.kind == "joint":
            return self.forests.predict(Z)[0]
        if self.kind == "pairwise":
            outputs = self.forests.predict(Z)[:, :, 0] if self.forests is not None else None
            p_a, used = [], 0
            for (a, _), fixed in zip(node["pairs"], node["fixed"], strict=True):
                if fixed >= 0:
                    p_a.append(np.full(n, 1.0 if fixed == a else 0.0))
                else:
                    p_a.append(outputs[used])
                    used += 1
            return scoring.pairwise_vote_scores(p_a, [tuple(p) for p in node["pairs"]], k,
                                                self._array(node["mean_costs"]), node["voting"])
        if self.kind == "pairwise-regression":
            diffs = list(self.forests.predict(Z)[:, :, 0])
            return scoring.pairwise_difference_scores(diffs, [tuple(p) for p in node["pairs"]], n, k)
        if self.kind == "multiclass":
            if self.forests is None:
                return scoring.multiclass_scores(None, None, n, self._array(node["mean_costs"]))
            return scoring.multiclass_scores(self.forests.predict(Z)[0], self._array(node["classes"]), n,
                                             self._array(node["mean_costs"]))
        if self.kind == "knn":
            distance, neighbours = scoring.nearest(Z, self._array(node["fit_X"]), node["k"])
            return scoring.neighbour_scores(distance, neighbours, self._array(node["costs"]), node["weights"])
        if self.kind == "sunny":
            return scoring.plan_scores(self._plans(Z), k)
        if self.kind == "isac":
            centers = self._array(node["centers"])
            label = ((Z[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
            return self._array(node["cluster_costs"])[label]
        raise ModelError(f"unknown compiled selector kind {self.kind!r}")

    def _plans(self, Z: np.ndarray) -> list[list[tuple[int, float]]]:
        node = self.inner
        _, neighbours = scoring.nearest(Z, self._array(node["fit_X"]), node["k"])
        solved = self._array(node["solved"]).astype(bool)
        runtime = self._array(node["runtime"])
        subsets = scoring.portfolio_subsets(len(self.algorithms_), node["max_portfolio"])
        return [scoring.sunny_plan(solved[row], runtime[row], subsets, node["backup_index"], node["cutoff"])
                for row in neighbours]

    def predict_schedule(self, X: Any) -> list[list[tuple[str, float]]] | None:
        """Per instance, the schedule run after the features (SUNNY, a pipeline's runner-up slots), or None."""
        if self.runner_ups_:
            plans = scoring.runner_up_plans(self.predict_scores(X), self.runner_ups_, self.runner_up_seconds_,
                                            self.cutoff)
            return [[(str(self.algorithms_[a]), t) for a, t in plan] for plan in plans]
        if self.kind != "sunny":
            return None
        return [[(str(self.algorithms_[a]), float(t)) for a, t in plan] for plan in self._plans(self.transform(X))]

    def predict(self, X: Any) -> np.ndarray:
        """The chosen algorithm's name for each row of ``X``."""
        return self.algorithms_[np.argmin(self.predict_scores(X), axis=1)]

    def decide(self, X: Any, C: Any = None) -> Decision:
        """The fitted selector's :meth:`~asc.selectors.base.Decides.decide`, from the arrays."""
        k = len(self.algorithms_)
        n = int(X.shape[0]) if hasattr(X, "shape") else len(X)
        scores = np.empty((0, k)) if n == 0 else np.asarray(self.predict_scores(X), dtype=float)
        plans = None
        if self.runner_ups_:
            plans = tuple(tuple((str(self.algorithms_[a]), t) for a, t in plan) for plan in
                          scoring.runner_up_plans(scores, self.runner_ups_, self.runner_up_seconds_, self.cutoff))
        elif self.kind == "sunny":
            plans = tuple(tuple((str(self.algorithms_[a]), float(t)) for a, t in plan)
                          for plan in (self._plans(self.transform(X)) if n else []))
        return Decision.from_scores(self.algorithms_, scores, schedule=tuple(self.schedule_), backup=self.backup_,
                                    plans=plans, uses_features=self.kind != "sbs")

    def costs_from_scores(self, scores: np.ndarray) -> np.ndarray | None:
        """Predicted costs where the scores stand for costs (see the fitted selectors)."""
        if self.kind == "regression" and self.inner["target"] == "raw":
            return scores
        if self.kind in ("regression", "joint"):
            return scoring.decode_log_costs(scores, float(self.inner["shift"]))
        if self.kind in ("sbs", "knn", "isac"):
            return scores
        return None

    def explain_arrays(self, X: Any) -> tuple[np.ndarray, np.ndarray, int]:
        """(importance, z, forests) over the full feature row: forest importance (NaN when none, 0 for
        columns the selector does not use), the standardised values of ``X``'s first row, and
        the number of forests."""
        raw = np.asarray(X, dtype=float).reshape(len(X), -1)
        d = raw.shape[1]
        cols = np.arange(d) if self.columns is None else self.columns
        z = np.full(d, np.nan)
        importance = np.full(d, np.nan)
        if self.kind == "vote":
            pooled, first_z, forests = scoring.pooled_explanation(
                [member.explain_arrays(raw[:, cols]) for member in self.members])
            if pooled is not None:
                importance[cols] = pooled
            if first_z is not None:
                z[cols] = first_z
            return importance, z, forests
        if self.inner.get("pre") is not None and len(cols):
            z[cols] = self.transform(raw[:1])[0]
        if self.forests is not None:
            importance[:] = 0.0
            importance[cols] = self.forests.importances.mean(axis=0)
        return importance, z, self.n_forests

    @property
    def n_forests(self) -> int:
        if self.kind == "vote":
            return sum(member.n_forests for member in self.members)
        return 0 if self.forests is None else self.forests.n_forests


# -- model files -----------------------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _check_inputs(selector: Any, n_features: int, seed: int = 0) -> np.ndarray:
    """Random inputs around the training distribution (with missing values) to compare predictions on."""
    rng = np.random.RandomState(seed)
    prep = getattr(getattr(selector, "selector_", selector), "preprocessor_", None)
    try:
        scaler = prep.named_steps["scale"]
        mean, scale = np.asarray(scaler.mean_, dtype=float), np.asarray(scaler.scale_, dtype=float)
        if len(mean) != n_features:
            raise ValueError
    except (AttributeError, KeyError, ValueError):
        mean, scale = np.zeros(n_features), np.ones(n_features)
    X = mean + scale * rng.standard_normal((64, n_features)) * rng.choice([0.1, 1.0, 3.0], size=(64, 1))
    X[rng.random_sample(X.shape) < 0.05] = np.nan
    return X


def _same_plans(a: Any, b: Any) -> bool:
    """Whether two lists of per-instance schedules agree (names equal, seconds to 1e-9)."""
    if a is None or b is None:
        return a is None and b is None
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if [n for n, _ in x] != [n for n, _ in y] or not np.allclose([t for _, t in x], [t for _, t in y],
                                                                     rtol=1e-9, atol=1e-12):
            return False
    return True


def _same_decision(expected: Decision, got: Decision) -> bool:
    """Whether the compiled form decides as the fitted selector: scores to 1e-9, everything else exactly."""
    scores_agree = expected.scores is not None and got.scores is not None and \
        got.scores.shape == expected.scores.shape and \
        np.allclose(got.scores, expected.scores, rtol=1e-9, atol=1e-12)
    return bool(scores_agree and np.array_equal(got.choice, expected.choice)
                and expected.algorithms == got.algorithms and expected.backup == got.backup
                and _same_plans([expected.schedule], [got.schedule]) and _same_plans(expected.plans, got.plans))


def compiled_members(model: Any) -> list[tuple[str, bytes]]:
    """Zip members ``(name, bytes)`` holding ``model``'s compiled form; empty when it has none.

    The compiled form is kept only if it reproduces the fitted selector's scores (to
    1e-9 relative; in practice bit for bit) and choices on random inputs.
    """
    compiled = compile_selector(model.selector)
    if compiled is None:
        return []
    recipe, arrays = compiled
    X = _check_inputs(model.selector, len(model.info.features))
    try:
        expected = model.selector.decide(X)
        got = CompiledSelector(recipe["selector"], arrays).decide(X)
        same = _same_decision(expected, got)
    except Exception as exc:  # noqa: BLE001 - any failure means: do not ship a compiled form
        log.warning("compiled form of %s failed its check (%s); not written", model.info.selector, exc)
        return []
    if not same:
        log.warning("compiled form of %s disagrees with the fitted selector; not written", model.info.selector)
        return []
    members = [(f"{PREFIX}{key}.npy", _npy(array)) for key, array in arrays.items()]
    return [*members, (RECIPE, json.dumps(recipe, sort_keys=True).encode())]


def load_predictor(path: str | Path) -> Any:
    """A model ready to predict: its compiled form when the file has one, else the skops model.

    Returns a :class:`asc.models.files.SelectionModel` whose ``selector`` is a
    :class:`CompiledSelector` (no scikit-learn import) or the fitted selector.

    Raises
    ------
    ModelError
        As :func:`asc.models.files.load_model`: missing, truncated, corrupted
        (every member's checksum is verified, compiled or not) or foreign files.
    """
    from asc import __version__
    from asc.models.files import SelectionModel, check_selector_fits_info, info_from_dict, load_model, open_checked

    path = Path(path)
    with open_checked(path) as (archive, header):
        names = archive.namelist()
        if RECIPE not in names:
            return load_model(path)
        try:
            recipe = json.loads(archive.read(RECIPE))
            if recipe.get("version") != COMPILED_VERSION:
                return load_model(path)
            arrays = {name[len(PREFIX):-4]: np.lib.format.read_array(io.BytesIO(archive.read(name)),
                                                                     allow_pickle=False)
                      for name in names if name.startswith(PREFIX) and name.endswith(".npy")}
            selector = CompiledSelector(recipe["selector"], arrays)
        except ModelError as exc:
            raise ModelError(f"{path}: not a readable model file ({exc})") from None
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError,  # JSON nested too deep
                zipfile.BadZipFile) as exc:
            raise ModelError(f"{path}: not a readable model file (compiled part: {type(exc).__name__}: {exc})") \
                from None
    info = info_from_dict(path, header.get("info"))
    check_selector_fits_info(path, info, selector)
    # the compiled part has its own format version and needs no scikit-learn, so only the
    # asc version is worth a word (as the full loader says it)
    if info.versions.get("asc") != __version__:
        log.warning("%s: written by asc %s, running %s", path, info.versions.get("asc"), __version__)
    return SelectionModel(info, selector)


def predictor_digest(path: str | Path) -> str | None:
    """SHA-256 of a model file's compiled part (recipe and arrays), or None when it has none.

    A skops archive is never the same bytes twice (member names are object ids,
    timestamps are the clock's) and the header records when the model was trained, so
    two trainings of the same spec and seed differ as files. What they predict does
    not: equal digests mean the same trees, thresholds, leaf values, preprocessing and
    rules, hence identical predictions on every input. This is how a rebuilt default
    model is compared with the shipped one.
    """
    import hashlib

    from asc.models.files import open_checked

    digest = hashlib.sha256()
    with open_checked(path) as (archive, _):
        names = sorted(n for n in archive.namelist() if n.startswith(PREFIX))
        if RECIPE not in names:
            return None
        for name in names:
            digest.update(name.encode() + b"\0")
            digest.update(archive.read(name))
    return digest.hexdigest()
