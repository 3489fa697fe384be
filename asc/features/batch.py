"""Batch feature extraction: SATzilla's base features of many CNF files, in parallel.

One :class:`InstanceFeatures` per instance: each feature step's runstatus (ok,
timeout, memout, presolved, crash), cost in seconds and values. Batches are what
users run, so a bad file does not stop the others:

* a file that cannot be read still gets a row, with its one-line error and every
  step ``crash`` with no values, so the output keeps one row per input and drops
  into an ASlib scenario as is;
* a feature computation that fails (a bug of ours, out of memory) is recorded in
  the steps' runstatus, never raised: a step that timed out or crashed is a result;
* a worker process that dies (killed, out of memory, a segfault) takes the process
  pool with it; what was unfinished is re-run one instance per process, so that
  only the instance that kills its worker is marked a crash.

Costs are the steps' own measurements (CPU seconds) plus, for the first step
(``Pre``), the CPU time to read, decompress and parse the file: no step can run
without it (SATzilla's ``Pre`` cost includes reading, too). The compiled kernels are
loaded before any timing (:func:`warm_up`), so no instance pays for Numba's start-up,
and forked workers inherit them instead of loading them each.

Results are data (:class:`InstanceFeatures`, :func:`feature_tables`); the writers
(:func:`write_csv`, :func:`write_json`, :func:`write_aslib`) are the formats of
``asc features``, and :func:`feature_tables` is what ``asc train`` joins to a run
store's runs without a file in between.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from asc.errors import InputError, UsageError
from asc.features.satzilla import FEATURE_STEPS, STEP_NAMES, compute_features

#: The steps computed when none are asked for: every base step.
DEFAULT_STEPS: tuple[str, ...] = tuple(STEP_NAMES)

#: (status, cost in seconds, values) of one feature step of one instance.
StepOutcome = tuple[str, float, Mapping[str, float]]


@dataclass(frozen=True)
class InstanceFeatures:
    """The features of one instance as extracted: per step, runstatus, cost and values.

    Attributes
    ----------
    instance_id
        The instance's id in the output (ASlib's ``instance_id``).
    path
        The file read.
    error
        One-line message when the file could not be read (then ``steps`` is empty
        and every step counts as ``crash``), else None.
    warnings
        One-line notes (header counts that disagree with the clauses, a crashed
        computation, a dead worker), for the user's terminal.
    instance_hash
        Content hash of the formula (None when it was not read).
    read_seconds
        CPU seconds to read, decompress and parse the file (charged to the first step).
    steps
        Step name -> (status, cost in seconds, feature name -> value).
    """

    instance_id: str
    path: str
    error: str | None = None
    warnings: tuple[str, ...] = ()
    instance_hash: str | None = None
    read_seconds: float = 0.0
    steps: Mapping[str, StepOutcome] = field(default_factory=dict)

    def step(self, name: str) -> StepOutcome:
        """(status, cost, values) of step ``name``; ``crash`` with no cost when it has no result."""
        if self.error:
            return "crash", math.nan, {}
        return self.steps.get(name, ("crash", math.nan, {}))

    def costs(self, steps: Sequence[str]) -> list[float]:
        """The cost of each of ``steps``, the read time charged to the first (NaN: no cost)."""
        costs = [self.step(s)[1] for s in steps]
        if steps and not self.error:
            costs[0] = (0.0 if math.isnan(costs[0]) else costs[0]) + self.read_seconds
        return costs

    def values(self, steps: Sequence[str], columns: Sequence[str]) -> list[float]:
        """The value of each feature in ``columns`` computed by ``steps`` (NaN: missing)."""
        merged: dict[str, float] = {}
        for s in steps:
            merged.update(self.step(s)[2])
        return [merged.get(c, math.nan) for c in columns]


def step_closure(requested: Iterable[str], feature_steps: Mapping[str, Any] | None = None) -> list[str]:
    """The requested steps plus every step they require, in the order of ``feature_steps``.

    Raises
    ------
    UsageError
        A requested step is unknown.
    """
    from asc.policy import step_closure as closure

    feature_steps = FEATURE_STEPS if feature_steps is None else feature_steps
    requested = list(requested)
    unknown = [s for s in requested if s not in feature_steps]
    if unknown:
        raise UsageError(f"unknown feature step {', '.join(map(repr, unknown))}; "
                         f"expected some of {', '.join(feature_steps)}")
    return list(closure(requested, {s: feature_steps[s][1] for s in feature_steps}, list(feature_steps)))


def feature_columns(steps: Iterable[str], feature_steps: Mapping[str, Any] | None = None) -> list[str]:
    """The feature names ``steps`` provide, in step order (``feature_steps``: SATzilla's by default)."""
    feature_steps = FEATURE_STEPS if feature_steps is None else feature_steps
    return [name for step in steps for name in feature_steps[step][0]]


#: The problem kinds ``asc features`` extracts features of.
PROBLEMS: tuple[str, ...] = ("sat", "qsar")


def problem_steps(problem: str) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The ASlib feature steps of a problem kind: SATzilla's for ``sat``, the QSAR meta-features for ``qsar``."""
    if problem == "qsar":
        from asc.features.qsar_meta import FEATURE_STEPS as QSAR_STEPS

        return QSAR_STEPS
    if problem != "sat":
        raise UsageError(f"unknown problem kind {problem!r}; expected one of {', '.join(PROBLEMS)}")
    return FEATURE_STEPS


# -- the work of one instance (runs in a worker process) -----------------------------


def extract_one(instance_id: str, path: str, steps: tuple[str, ...],
                step_timeout: float | None = None) -> InstanceFeatures:
    """Read one file and compute its features; never raises for a bad file (see the module docstring)."""
    from asc.instances import instance_hash, read_cnf

    from asc.instances._jit import compile_seconds

    # compiling a reader kernel (once per install) is not reading: not charged
    start, compiled = time.process_time(), compile_seconds()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cnf = read_cnf(path)
    except InputError as exc:
        return InstanceFeatures(instance_id, path, error=str(exc), read_seconds=time.process_time() - start)
    read_seconds = max(0.0, time.process_time() - start - (compile_seconds() - compiled))
    notes = [str(w.message) for w in caught]
    digest = instance_hash(cnf)
    row = InstanceFeatures(instance_id, path, None, tuple(notes), digest, read_seconds)
    holder = [cnf]
    del cnf  # compute_features frees the file's arrays once Pre has normalised them
    try:
        result = compute_features(holder.pop(), steps=steps, step_timeout=step_timeout)
    except MemoryError:
        return replace(row, steps={s: ("memout", math.nan, {}) for s in steps})
    except Exception as exc:  # a bug of ours must not lose the batch: record it as a crash
        notes.append(f"{path}: feature computation crashed: {type(exc).__name__}: {exc}")
        return replace(row, warnings=tuple(notes), steps={s: ("crash", math.nan, {}) for s in steps})
    return replace(row, steps={name: (r.status, float(r.cost), {k: float(v) for k, v in r.values.items()})
                             for name, r in result.steps.items()})


def extract_one_qsar(instance_id: str, path: str, steps: tuple[str, ...], step_timeout: float | None = None,
                     options: tuple[tuple[str, Any], ...] = ()) -> InstanceFeatures:
    """Read one QSAR dataset and compute its meta-features; never raises for a bad file.

    ``options`` are keyword arguments of :func:`asc.instances.qsar.read_qsar` (column
    names) and ``cache_dir`` (the representation cache), as pairs so that they pickle.
    The time to read and standardise the file is charged to the first step (``Size``).
    """
    from asc.features.qsar_meta import compute_qsar_features
    from asc.instances.qsar import read_qsar

    opts = dict(options)
    cache_dir = opts.pop("cache_dir", None)
    start = time.process_time()
    try:
        dataset = read_qsar(path, **opts)
    except InputError as exc:
        return InstanceFeatures(instance_id, path, error=str(exc), read_seconds=time.process_time() - start)
    read_seconds = time.process_time() - start
    notes = [f"{path}:{r.line}: left out the molecule {r.smiles[:60]!r}: {r.reason}" for r in dataset.rejected]
    row = InstanceFeatures(instance_id, path, None, tuple(notes), dataset.content_hash, read_seconds)
    try:
        result = compute_qsar_features(dataset, steps, cache_dir=cache_dir)
    except MemoryError:
        return replace(row, steps={s: ("memout", math.nan, {}) for s in steps})
    except Exception as exc:  # a bug of ours must not lose the batch: record it as a crash
        notes.append(f"{path}: feature computation crashed: {type(exc).__name__}: {exc}")
        return replace(row, warnings=tuple(notes), steps={s: ("crash", math.nan, {}) for s in steps})
    return replace(row, steps={name: (r.status, float(r.cost), dict(r.values))
                             for name, r in result.steps.items() if name in steps})


def _worker_died(instance_id: str, path: str, steps: Sequence[str]) -> InstanceFeatures:
    return InstanceFeatures(instance_id, path, None, (f"{path}: the worker process died (killed or out of memory)",),
                            None, math.nan, {s: ("crash", math.nan, {}) for s in steps})


def warm_up(problem: str = "sat", steps: Sequence[str] | None = None) -> None:
    """Load the compiled kernels of ``steps`` in this process (before any timing; forked workers inherit them).

    Only the reader's kernels and those of the steps asked for (default: every step)
    are loaded: ``asc features --steps Pre`` does not pay for loading CG's.
    """
    if problem == "qsar":
        import numpy as np

        from asc.features import _qsar_kernels as K

        packed = np.array([[1, 3], [2, 0], [3, 1]], np.uint64)
        sim = K.tanimoto_self(packed)
        K.tanimoto_matrix(packed, packed)
        K.pair_landscape(sim, np.arange(3.0), 0.7, 0.7, 1.0)
        K.bit_frequencies(packed, 128)
        K.bit_class_counts(packed, 128, np.zeros(3, np.int64), 4)
        return
    from asc.features.satzilla import warm_up as warm_up_steps
    from asc.instances import instance_hash, parse_cnf

    instance_hash(parse_cnf(b"p cnf 1 1\n1 0\n", "<warm-up>"))
    warm_up_steps(STEP_NAMES if steps is None else tuple(steps))


# -- running the batch --------------------------------------------------------------

#: ``report(row, echo)``: called as each row completes; ``echo(line)`` prints a line on
#: stderr without breaking the progress bar.
Report = Callable[[InstanceFeatures, Callable[[str], None]], None]


def extract_batch(instances: Sequence[tuple[str, str | os.PathLike]], steps: Sequence[str] = DEFAULT_STEPS, *,
                  jobs: int = 1, step_timeout: float | None = None, progress: bool = False,
                  report: Report | None = None, problem: str = "sat",
                  options: Mapping[str, Any] | None = None) -> list[InstanceFeatures]:
    """The features of every ``(instance_id, path)``, in their order, computed by ``jobs`` processes.

    Parameters
    ----------
    instances
        Instance ids and files (e.g. from :func:`asc.instances.discovery.discover`).
    steps
        Feature steps, with the steps they require (see :func:`step_closure`).
    jobs
        Worker processes; 1 computes in this process.
    step_timeout
        Time limit of each feature step in seconds (None: no limit).
    progress
        Show a progress bar on stderr (only when stderr is a terminal).
    report
        Called with each row as it completes, for messages on stderr.
    problem
        ``sat`` (CNF files, SATzilla's steps) or ``qsar`` (QSAR dataset files, the
        meta-features of :mod:`asc.features.qsar_meta`).
    options
        For ``qsar``: :func:`asc.instances.qsar.read_qsar`'s column names and ``cache_dir``.

    Raises
    ------
    UsageError
        ``jobs`` is not positive or ``step_timeout`` is not a positive number.
    """
    if jobs < 1:
        raise UsageError(f"--jobs expects a positive number, got {jobs}")
    if step_timeout is not None and not step_timeout > 0:
        raise UsageError(f"--step-timeout expects a positive number of seconds, got {step_timeout}")
    from asc.progress import progress_bar

    steps = tuple(steps)
    problem_steps(problem)  # an unknown kind is a usage error before any work
    fn = extract_one_qsar if problem == "qsar" else extract_one
    extra = (tuple(sorted((options or {}).items())),) if problem == "qsar" else ()
    tasks = [(str(iid), str(path), steps, step_timeout, *extra) for iid, path in instances]
    warm_up(problem, steps if problem == "sat" else None)
    bar = progress_bar(len(tasks), unit="file", desc="features", enabled=progress)

    def say(line: str) -> None:
        if bar is not None:
            bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def done(i: int, row: InstanceFeatures) -> None:
        rows[i] = row
        if report is not None:
            report(row, say)
        if bar is not None:
            bar.update()

    rows: list[InstanceFeatures | None] = [None] * len(tasks)
    try:
        if jobs <= 1 or len(tasks) <= 1:
            for i, task in enumerate(tasks):
                done(i, fn(*task))
        else:
            pending = _run_pool(fn, tasks, list(range(len(tasks))), jobs, done)
            # A worker died and took the pool with it: re-run what was unfinished one
            # instance per process, so that only the instance that kills its worker is a crash.
            for i in pending:
                if _run_pool(fn, tasks, [i], 1, done):
                    done(i, _worker_died(*tasks[i][:3]))
    finally:
        if bar is not None:
            bar.close()
    return [r for r in rows if r is not None]


def _run_pool(fn: Callable[..., InstanceFeatures], tasks: list[tuple], indices: list[int], jobs: int,
              done: Callable[[int, InstanceFeatures], None]) -> list[int]:
    """Run ``tasks[i]`` for ``i`` in ``indices`` in a pool; the indices left undone if it broke."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = set(indices)
    with ProcessPoolExecutor(max_workers=min(jobs, len(indices))) as pool:
        futures = {pool.submit(fn, *tasks[i]): i for i in indices}
        try:
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    row = fut.result()
                except BrokenProcessPool:
                    break
                pending.discard(i)
                done(i, row)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(pending)


# -- output -------------------------------------------------------------------------


def _cell(value: float) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


def write_csv(rows: Sequence[InstanceFeatures], steps: Sequence[str], columns: Sequence[str], out: TextIO) -> None:
    """One line per instance: id, feature values, ``<step>_cost`` and ``<step>_status`` columns."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["instance_id", *columns, *(f"{s}_cost" for s in steps), *(f"{s}_status" for s in steps)])
    for row in rows:
        writer.writerow([row.instance_id, *map(_cell, row.values(steps, columns)),
                         *map(_cell, row.costs(steps)), *(row.step(s)[0] for s in steps)])


def write_json(rows: Sequence[InstanceFeatures], steps: Sequence[str], columns: Sequence[str], out: TextIO) -> None:
    """A JSON list, one object per instance (missing numbers are null)."""
    import json

    def num(value: float) -> float | None:
        return None if math.isnan(value) else value

    records = []
    for row in rows:
        costs = row.costs(steps)
        records.append({
            "instance_id": row.instance_id,
            "path": row.path,
            "instance_hash": row.instance_hash,
            "error": row.error,
            "read_seconds": num(row.read_seconds),
            "steps": {s: {"status": row.step(s)[0], "cost": num(c)} for s, c in zip(steps, costs)},
            "features": dict(zip(columns, map(num, row.values(steps, columns)))),
        })
    json.dump(records, out, indent=1, allow_nan=False)
    out.write("\n")


def write_aslib(rows: Sequence[InstanceFeatures], steps: Sequence[str], columns: Sequence[str],
                folder: str | os.PathLike) -> Path:
    """ASlib's feature_values, feature_costs and feature_runstatus files (repetition 1) in ``folder``.

    Raises
    ------
    InputError
        The folder cannot be created.
    """
    from asc.aslib.arff import write_arff
    from asc.aslib.scenario import FEATURE_STATUSES

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or exc}", folder) from None
    key = [("instance_id", "STRING"), ("repetition", "NUMERIC")]
    write_arff(folder / "feature_values.arff", "FEATURE_VALUES", key + [(c, "NUMERIC") for c in columns],
               ([r.instance_id, 1, *r.values(steps, columns)] for r in rows))
    write_arff(folder / "feature_costs.arff", "FEATURE_COSTS", key + [(s, "NUMERIC") for s in steps],
               ([r.instance_id, 1, *r.costs(steps)] for r in rows))
    write_arff(folder / "feature_runstatus.arff", "FEATURE_RUNSTATUS",
               key + [(s, list(FEATURE_STATUSES)) for s in steps],
               ([r.instance_id, 1, *(r.step(s)[0] for s in steps)] for r in rows))
    return folder


@dataclass(frozen=True)
class FeatureTables:
    """Extracted features as ASlib's three feature tables, keyed by ``instance_id`` and ``repetition``.

    What :func:`asc.runs.export.to_scenario` joins to a run store's runs, in memory:
    the same tables ``asc features --format csv`` or ``--format arff`` would write.
    """

    values: Any  # pandas.DataFrame: instance_id, repetition, one column per feature
    runstatus: Any  # pandas.DataFrame: instance_id, repetition, one column per step
    costs: Any  # pandas.DataFrame: instance_id, repetition, one column per step (seconds)
    steps: tuple[str, ...]


def feature_tables(rows: Sequence[InstanceFeatures], steps: Sequence[str],
                   columns: Sequence[str] | None = None, problem: str = "sat") -> FeatureTables:
    """The rows as :class:`FeatureTables` (``columns``: the steps' features of ``problem`` by default)."""
    import pandas as pd

    steps = tuple(steps)
    columns = feature_columns(steps, problem_steps(problem)) if columns is None else list(columns)
    key = ["instance_id", "repetition"]
    values = pd.DataFrame([[r.instance_id, 1, *r.values(steps, columns)] for r in rows], columns=key + columns)
    values[columns] = values[columns].astype(float)
    costs = pd.DataFrame([[r.instance_id, 1, *r.costs(steps)] for r in rows], columns=key + list(steps))
    costs[list(steps)] = costs[list(steps)].astype(float)
    status = pd.DataFrame([[r.instance_id, 1, *(r.step(s)[0] for s in steps)] for r in rows],
                          columns=key + list(steps))
    return FeatureTables(values, status, costs, steps)
