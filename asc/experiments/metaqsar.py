"""Run a Meta-QSAR-style study (issue 24): performance matrix, meta-features, meta-learners, report.

The study answers one question honestly: does meta-learning which learner x
representation pair to use per dataset beat (a) the paper's baseline pair, (b) the best
single pair chosen on the training targets, and how close does it come to (c) the
oracle? Every gain is set beside the CV noise (the spread of the same figure over CV
repetitions with different fold seeds), because a gain inside that noise is not a gain.

Steps (:func:`run_study`):

1. **Collect** one harness run per (dataset, pair, CV repetition) into the run store
   ``work/runs.sqlite`` (resumable: runs already stored are never run again), plus, with
   ``time_split``, one run per (dataset with a split column, pair) on that split.
   Repetitions are collected repetition-major, so a study cut short has whole
   repetitions.
2. **Meta-features** of each dataset (:mod:`asc.features.qsar_meta`), cached in
   ``work/features.csv`` by content hash.
3. **Meta-level CV** grouped by ChEMBL target (targets repeat across MoleculeACE and
   SIMPD: a dataset's twin in the training folds would leak its answer): each
   meta-learner is fitted on the training datasets' meta-features and mean RMSEs and
   picks a pair for each held-out dataset; the single best pair is chosen on the same
   training datasets.
4. **Tables and report** (:mod:`asc.experiments.metaqsar_report`).

The results depend only on the spec (seeds included) and the stored runs; every table
is written with fixed formatting so two runs give byte-identical files.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asc.errors import InputError
from asc.experiments.metaqsar_spec import Pair, StudySpec


@dataclass
class Matrix:
    """The performance matrix of a study.

    Attributes
    ----------
    datasets
        Dataset ids (file stems), rows.
    targets
        Their ChEMBL target ids (the stem when the file names none).
    hashes
        Their content hashes.
    pairs
        Pair names, columns.
    rmse
        datasets x pairs x repetitions of k-fold CV RMSE (NaN: run missing or failed).
    split_rmse
        datasets x pairs RMSE on the dataset's own split, or None (no time split asked).
    """

    datasets: list[str]
    targets: list[str]
    hashes: list[str]
    pairs: list[str]
    rmse: np.ndarray
    split_rmse: np.ndarray | None = None


def _log(msg: str) -> None:
    print(f"asc experiment: {msg}", file=sys.stderr, flush=True)


def _algorithms(spec: StudySpec, protocol: str) -> list[Any]:
    """The grid's pairs as harness algorithms; settings other than the defaults join the run key."""
    from asc.portfolios.loader import qsar_algorithm

    cv: dict[str, Any] = {}
    if spec.folds != 5 and protocol == "kfold":
        cv["cv_folds"] = spec.folds
    if protocol != "kfold":
        cv["cv_protocol"] = protocol
    return [qsar_algorithm(p.name, p.learner, p.representation, {**dict(p.params), **cv}) for p in spec.pairs]


def collect(spec: StudySpec, jobs: int = 1, scheduler: str | None = None, progress: bool = True,
            run: bool = True) -> Matrix:
    """Collect the runs the study needs (skipping those stored) and read the matrix back.

    With ``run=False`` nothing runs: the matrix holds what the store has (NaN elsewhere),
    read without writing, so it can be looked at while another process collects.

    Raises
    ------
    InputError
        A dataset cannot be read (named), or runs are missing after collection.
    """
    import os

    from asc.runs import campaign as cp

    spec.work.mkdir(parents=True, exist_ok=True)
    listing = spec.work / "datasets.txt"
    listing.write_text("".join(f"{p}\n" for p in spec.datasets), encoding="utf-8")
    files = cp.find_instances(listing, "qsar")
    # Workers inherit the environment: one representation cache for all runs of the study
    # (restored afterwards, so that a second study in the same process gets its own).
    previous_cache = os.environ.get("ASC_QSAR_CACHE")
    os.environ["ASC_QSAR_CACHE"] = str(spec.work / "cache")
    try:
        return _collect(spec, files, jobs, scheduler, progress, run)
    finally:
        if previous_cache is None:
            os.environ.pop("ASC_QSAR_CACHE", None)
        else:
            os.environ["ASC_QSAR_CACHE"] = previous_cache


def _collect(spec: StudySpec, files: list[Any], jobs: int, scheduler: str | None, progress: bool,
             run: bool) -> Matrix:
    from asc.runs import campaign as cp
    from asc.runs.store import RunStore

    db = spec.work / "runs.sqlite"
    if not run and not db.exists():
        raise InputError("expected a run store from an earlier run of the study; found none", db)
    with RunStore(db, write=run) as store:
        cp.check_limits(store, spec.cutoff_time, spec.mem_limit)
        bad: list[str] = []
        instances = cp.hash_instances(files, store, on_error=lambda f, exc: bad.append(str(exc)), problem="qsar")
        if bad:
            raise InputError(f"a dataset of the study cannot be read: {bad[0]}", spec.path)
        if run:
            store.add_instances(instances)
        kfold = cp.plan_runs(instances, _algorithms(spec, "kfold"), cutoff_time=spec.cutoff_time,
                             mem_limit_mb=spec.mem_limit, repetitions=spec.repetitions, seed=spec.cv_seed)
        # repetition-major: a study stopped midway has whole CV repetitions
        kfold.sort(key=lambda r: r.repetition)
        requests = list(kfold)
        split_requests: list[Any] = []
        if spec.time_split:
            split_requests = cp.plan_runs(instances, _algorithms(spec, "split"), cutoff_time=spec.cutoff_time,
                                          mem_limit_mb=spec.mem_limit, repetitions=1, seed=spec.cv_seed)
            requests += split_requests
        if not run:
            stored = {r.key: r for r in store.runs()}
            return _matrix(spec, instances, kfold, split_requests, stored)
        env = cp.environment(spec.cutoff_time, spec.mem_limit, experiment=str(spec.path), jobs=jobs,
                             scheduler=scheduler or "local:thread", planned_runs=len(requests))
        campaign = store.start_campaign(spec.cutoff_time, spec.mem_limit, env)
        sched: Any = cp.DaskScheduler(scheduler) if scheduler else cp.LocalScheduler(jobs, kind="thread")
        try:
            report = cp.run_campaign(store, requests, sched, campaign_id=campaign.id, progress=progress)
        finally:
            sched.close()
        _log(f"{report.done} runs done, {report.skipped} already stored, {report.planned} planned "
             f"in {report.seconds:.1f} s")
        if report.errors:
            raise InputError(f"{len(report.errors)} runs failed in the harness (first: {report.errors[0]}); "
                             "run the study again to retry them", spec.path)
        stored = {r.key: r for r in store.runs()}
    return _matrix(spec, instances, kfold, split_requests, stored)


def _matrix(spec: StudySpec, instances: list[Any], kfold: list[Any], split_requests: list[Any],
            stored: dict[Any, Any]) -> Matrix:
    """The stored RMSEs of the planned runs as a :class:`Matrix` (NaN where a run is missing or failed)."""
    from asc.runs.campaign import request_key

    # the content of one file per hash, in dataset order
    seen: dict[str, Any] = {}
    for inst in instances:
        seen.setdefault(inst.hash, inst)
    order = sorted(seen.values(), key=lambda i: Path(i.path).name)
    index = {inst.hash: k for k, inst in enumerate(order)}
    names = [p.name for p in spec.pairs]
    col = {n: j for j, n in enumerate(names)}
    rmse = np.full((len(order), len(names), spec.repetitions), np.nan)
    for req in kfold:
        rec = stored.get(request_key(req))
        if rec is not None and rec.quality is not None:
            rmse[index[req.instance_hash], col[req.algorithm.name], req.repetition - 1] = rec.quality
    split = None
    if spec.time_split:
        split = np.full((len(order), len(names)), np.nan)
        for req in split_requests:
            rec = stored.get(request_key(req))
            if rec is not None and rec.quality is not None:
                split[index[req.instance_hash], col[req.algorithm.name]] = rec.quality
    from asc.instances.qsar import dataset_stem

    stems = [dataset_stem(i.path) for i in order]
    return Matrix(stems, [_target(i.path) for i in order], [i.hash for i in order], names, rmse, split)


def _target(path: str) -> str:
    """The ChEMBL target named by a dataset's file name (the stem when none)."""
    import re

    from asc.instances.qsar import dataset_stem

    m = re.search(r"CHEMBL\d+", Path(path).name)
    return m.group(0) if m else dataset_stem(path)


def meta_features(spec: StudySpec, matrix: Matrix) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Meta-features of the matrix's datasets, cached by content hash in ``work/features.csv``.

    Returns
    -------
    names, X, has_split
        Feature names (sorted by step, then as the step gives them), datasets x features,
        and whether each dataset has a split column.
    """
    from asc.features.qsar_meta import FEATURE_STEPS, compute_qsar_features
    from asc.instances.qsar import read_qsar

    cache_file = spec.work / "features.csv"
    cached: dict[str, dict[str, str]] = {}
    if cache_file.exists():
        with cache_file.open(encoding="utf-8", newline="") as fh:
            cached = {row["hash"]: row for row in csv.DictReader(fh)}
    paths = {}
    for line in (spec.work / "datasets.txt").read_text(encoding="utf-8").splitlines():
        from asc.instances.qsar import dataset_stem

        paths[dataset_stem(line)] = line
    rows: list[dict[str, float]] = []
    steps_key = ",".join(spec.steps)
    for stem, h in zip(matrix.datasets, matrix.hashes):
        row = cached.get(h)
        if row is None or row.get("steps") != steps_key:
            ds = read_qsar(paths[stem])
            result = compute_qsar_features(ds, spec.steps, cache_dir=spec.work / "cache")
            values: dict[str, float] = {}
            for step in spec.steps:
                values.update(result.steps[step].values)
            values["__has_split"] = float(ds.split is not None)
            row = {"hash": h, "steps": steps_key, **{k: repr(float(v)) for k, v in values.items()}}
            cached[h] = row
        rows.append({k: float(v) for k, v in row.items() if k not in ("hash", "steps") and v != ""})
    fields = ["hash", "steps"] + sorted({k for r in cached.values() for k in r} - {"hash", "steps"})
    tmp = cache_file.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, restval="")
        w.writeheader()
        for h in sorted(cached):
            w.writerow(cached[h])
    tmp.replace(cache_file)
    # the steps' own feature order, whether the values were computed now or read back from the cache
    names = [f for step in spec.steps for f in FEATURE_STEPS[step][0]]
    X = np.array([[r[n] for n in names] for r in rows], dtype=float)
    X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    return names, X, np.array([r.get("__has_split", 0.0) > 0 for r in rows])


def group_folds(groups: list[str], k: int, seed: int) -> np.ndarray:
    """Meta-level fold of each dataset: groups shuffled by the seed, dealt round-robin to ``k`` folds.

    All datasets of a group (a ChEMBL target) share a fold, so no held-out dataset has a
    twin of its target among the training datasets. Groups are sorted before shuffling,
    so the folds depend only on the group names and the seed.
    """
    names = sorted(set(groups))
    if len(names) < k:
        raise InputError(f"meta-level CV needs at least {k} groups (meta.folds); the study has {len(names)}")
    perm = np.random.default_rng(seed).permutation(len(names))
    fold_of = {names[g]: i % k for i, g in enumerate(perm)}
    return np.array([fold_of[g] for g in groups], dtype=np.int64)


class RankingKNN:
    """Meta-QSAR's ranking meta-learner: the pair of lowest mean rank over the k nearest training datasets.

    Distance: Euclidean on meta-features standardised with the training datasets' mean
    and sd (constant features dropped). Ranks are per dataset over the pairs' RMSE
    (average ranks on ties); ties of the mean rank go to the first pair in grid order.
    """

    def __init__(self, k: int = 5) -> None:
        self.k = k

    def fit(self, X: np.ndarray, C: np.ndarray) -> RankingKNN:
        from scipy.stats import rankdata

        self.mu_, sd = X.mean(axis=0), X.std(axis=0)
        self.keep_ = sd > 0
        self.sd_ = np.where(self.keep_, sd, 1.0)
        self.Z_ = ((X - self.mu_) / self.sd_)[:, self.keep_]
        self.ranks_ = rankdata(C, axis=1)
        return self

    def choose(self, X: np.ndarray) -> np.ndarray:
        Z = ((X - self.mu_) / self.sd_)[:, self.keep_]
        d = ((Z[:, None, :] - self.Z_[None, :, :]) ** 2).sum(axis=2)
        k = min(self.k, len(self.Z_))
        near = np.argsort(d, axis=1, kind="stable")[:, :k]
        return np.argmin(self.ranks_[near].mean(axis=1), axis=1)


def _fit_choose(name: str, Xtr: np.ndarray, Ctr: np.ndarray, Xte: np.ndarray, seed: int,
                pairs: list[str]) -> np.ndarray:
    """Fit meta-learner ``name`` on training datasets and choose a pair (column) per test dataset."""
    if name == "ranking-knn":
        return RankingKNN().fit(Xtr, Ctr).choose(Xte)
    import pandas as pd

    from asc.selectors.registry import make_selector

    sel = make_selector(name)
    if "random_state" in sel.get_params():
        sel.set_params(random_state=seed)
    sel.fit(Xtr, pd.DataFrame(Ctr, columns=pairs))
    decision = sel.decide(Xte)
    order = [pairs.index(a) for a in decision.algorithms]
    return np.array([order[c] for c in decision.choice], dtype=np.int64)


def meta_cv(spec: StudySpec, matrix: Matrix, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Choices of every meta-learner and of the training single best, by target-grouped CV.

    Returns
    -------
    folds, choices
        The meta-level fold of each dataset; per learner (and ``single-best``) the
        column chosen for each dataset when it was held out.
    """
    C = np.nanmean(matrix.rmse, axis=2)
    groups = matrix.targets if spec.group == "target" else matrix.datasets
    folds = group_folds(groups, spec.meta_folds, spec.meta_seed)
    choices = {n: np.full(len(C), -1, dtype=np.int64) for n in ("single-best", *spec.learners)}
    for f in range(spec.meta_folds):
        te, tr = folds == f, folds != f
        choices["single-best"][te] = int(np.argmin(C[tr].mean(axis=0)))
        for name in spec.learners:
            choices[name][te] = _fit_choose(name, X[tr], C[tr], X[te], spec.meta_seed + f, matrix.pairs)
    return folds, choices


def importance(names: list[str], X: np.ndarray, C: np.ndarray, seed: int) -> list[tuple[str, float]]:
    """Impurity importance of each meta-feature in a seeded multi-output forest predicting every pair's RMSE.

    The forest is the joint-regression meta-learner's model class fitted on all datasets:
    it says which meta-features explain how the pairs' RMSEs differ across datasets.
    Relative RMSE (each row divided by its mean) is the target, so that features that
    only predict how hard a dataset is overall do not dominate.
    """
    from sklearn.ensemble import RandomForestRegressor

    rel = C / C.mean(axis=1, keepdims=True)
    forest = RandomForestRegressor(n_estimators=300, min_samples_leaf=2, random_state=seed, n_jobs=1)
    forest.fit(X, rel)
    return sorted(zip(names, forest.feature_importances_.tolist()), key=lambda t: (-t[1], t[0]))


def check_complete(spec: StudySpec, matrix: Matrix) -> None:
    """Refuse to report on a matrix with holes: a failed run would be read as a missing pair.

    Raises
    ------
    InputError
        Naming the first dataset and pair without an RMSE.
    """
    holes = np.argwhere(np.isnan(matrix.rmse))
    if len(holes):
        d, p, r = holes[0]
        raise InputError(f"{len(holes)} runs have no RMSE (failed or timed out), e.g. {matrix.datasets[d]} x "
                         f"{matrix.pairs[p]} repetition {r + 1}; raise cv.cutoff_time/mem_limit or drop the pair",
                         spec.path)


def completed_part(matrix: Matrix) -> Matrix:
    """The datasets with every pair's first repetition stored, and the repetitions complete for all of them.

    What an interim report of an unfinished study may look at: whole datasets (a
    dataset with some pairs missing would bias its oracle and its choices) and whole
    repetitions; the time split is kept only where it is complete for those datasets.

    Raises
    ------
    InputError
        No dataset is complete yet.
    """
    keep = np.all(np.isfinite(matrix.rmse[:, :, 0]), axis=1)
    if keep.sum() == 0:
        raise InputError("no dataset has all its runs of CV repetition 1 stored yet")
    rm = matrix.rmse[keep]
    reps = 1
    while reps < rm.shape[2] and np.all(np.isfinite(rm[:, :, reps])):
        reps += 1
    split = matrix.split_rmse
    if split is not None:
        split = split[keep]
    pick = [i for i in range(len(keep)) if keep[i]]
    return Matrix([matrix.datasets[i] for i in pick], [matrix.targets[i] for i in pick],
                  [matrix.hashes[i] for i in pick], matrix.pairs, rm[:, :, :reps], split)


def run_study(spec: StudySpec, jobs: int = 1, scheduler: str | None = None, progress: bool = True,
              stored_only: bool = False) -> Path:
    """The whole study: collect, meta-features, meta-level CV, tables, report. Returns ``report.md``.

    With ``stored_only``, nothing runs: an interim report on the completed part of the
    store (:func:`completed_part`) goes to ``results-interim/``, never over ``results/``.
    """
    from asc.experiments.metaqsar_report import write_results

    _log(f"{spec.name}: {len(spec.datasets)} datasets x {len(spec.pairs)} pairs x {spec.repetitions} CV "
         f"repetitions{' + time split' if spec.time_split else ''}")
    matrix = collect(spec, jobs=jobs, scheduler=scheduler, progress=progress, run=not stored_only)
    out = spec.results
    if stored_only:
        matrix = completed_part(matrix)
        out = spec.folder / "results-interim"
        _log(f"interim: {len(matrix.datasets)} of {len(spec.datasets)} datasets complete, "
             f"{matrix.rmse.shape[2]} of {spec.repetitions} CV repetitions")
    check_complete(spec, matrix)
    _log("meta-features")
    names, X, has_split = meta_features(spec, matrix)
    _log("meta-level cross-validation")
    folds, choices = meta_cv(spec, matrix, X)
    imp = importance(names, X, np.nanmean(matrix.rmse, axis=2), spec.meta_seed)
    return write_results(spec, matrix, names, X, has_split, folds, choices, imp, out=out,
                         interim=len(spec.datasets) if stored_only else None)


__all__ = ["Matrix", "Pair", "RankingKNN", "collect", "group_folds", "meta_cv", "meta_features", "run_study"]
