"""``asc features``: SATzilla base features of CNF files, as a table or ASlib feature files.

One row per instance: the feature values, each feature step's cost in seconds and its
runstatus (ok, timeout, memout, presolved, crash). Batches are what users run, so a
bad file does not stop the others:

* a file that cannot be read prints one line ``asc: error: FILE:LINE: ...`` on
  stderr and still gets a row, with every step ``crash`` and no values, so the
  output keeps one row per input and drops into an ASlib scenario as is;
* the exit status is 2 when any file could not be read (after every other file's
  row is written), else 0: a step that timed out or crashed is a result, recorded
  in its runstatus, not an error of the command.

Costs are the steps' own measurements (seconds) plus, for the first step (``Pre``),
the CPU time to read, decompress and parse the file: no step can run without it
(SATzilla's ``Pre`` cost includes reading, too). Compiled kernels are loaded before
any timing, so no instance pays for Numba's start-up.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

DEFAULT_STEPS = ("Pre", "Basic", "KLB", "CG")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "features", help="SATzilla base features (Pre, Basic, KLB, CG) of CNF files",
        description="Compute SATzilla's base feature steps of DIMACS CNF files (plain, .gz, .bz2, .xz, "
                    ".lzma): one row per instance with feature values, step costs (seconds) and "
                    "runstatus. Directories are searched recursively for *.cnf[.gz|.bz2|.xz|.lzma].",
        epilog="Exit status: 0 when every file was read (timeouts and crashes of steps are recorded "
               "in their runstatus), 2 when a file could not be read: it is reported on stderr in one "
               "line and its row has every step 'crash' and no values. The time to read a file is "
               "charged to the first step's cost. With --format arff, -o DIR receives ASlib's "
               "feature_values.arff, feature_costs.arff and feature_runstatus.arff.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE|DIR", help="CNF files or directories of them")
    p.add_argument("--steps", default=",".join(DEFAULT_STEPS), metavar="S1,S2",
                   help="feature steps to compute, comma-separated; required steps are added "
                        "(default: %(default)s)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel worker processes (default 1)")
    p.add_argument("--format", choices=("csv", "json", "arff"), default="csv",
                   help="csv or json on stdout (or -o FILE); arff writes ASlib feature files into -o DIR")
    p.add_argument("--step-timeout", type=float, default=None, metavar="S",
                   help="time limit per feature step in seconds (default: none)")
    p.add_argument("-o", "--output", metavar="OUT", default=None,
                   help="output file (csv, json) or folder (arff, required)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it is shown on stderr for several files when stderr is a terminal)")
    p.set_defaults(func=run)


# -- discovering the instances -------------------------------------------------------


def discover(paths: list[str]) -> list[tuple[str, Path]]:
    """(instance_id, path) of every instance named by ``paths``: :func:`asc.instances.discovery.discover`."""
    from asc.instances.discovery import discover as discover_instances

    return discover_instances(paths)


def step_closure(requested: list[str], feature_steps: dict[str, Any]) -> list[str]:
    """The requested steps plus every step they require, in the order of ``feature_steps``."""
    from asc.errors import UsageError

    unknown = [s for s in requested if s not in feature_steps]
    if unknown:
        raise UsageError(f"unknown feature step {', '.join(map(repr, unknown))}; "
                         f"expected some of {', '.join(feature_steps)}")
    needed: set[str] = set()
    stack = list(requested)
    while stack:
        step = stack.pop()
        if step not in needed:
            needed.add(step)
            stack.extend(feature_steps[step][1])
    return [s for s in feature_steps if s in needed]


# -- the work of one instance (runs in a worker process) -----------------------------


def extract_one(instance_id: str, path: str, steps: tuple[str, ...], step_timeout: float | None) -> dict:
    """Read one file and compute its features; never raises for a bad file.

    Returns
    -------
    dict
        ``instance_id``, ``path``, ``error`` (one-line message or None), ``warnings``,
        ``instance_hash``, ``read_seconds`` and ``steps``: name -> (status, cost, values).
    """
    from asc.errors import InputError
    from asc.features import compute_features
    from asc.instances import instance_hash, read_cnf

    row: dict[str, Any] = {"instance_id": instance_id, "path": path, "error": None, "warnings": [],
                           "instance_hash": None, "read_seconds": 0.0, "steps": {}}
    start = time.process_time()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cnf = read_cnf(path)
        row["warnings"] = [str(w.message) for w in caught]
    except InputError as exc:
        row["error"] = str(exc)
        row["read_seconds"] = time.process_time() - start
        return row
    row["read_seconds"] = time.process_time() - start
    row["instance_hash"] = instance_hash(cnf)
    try:
        result = compute_features(cnf, steps=steps, step_timeout=step_timeout)
    except MemoryError:
        row["steps"] = {s: ("memout", math.nan, {}) for s in steps}
        return row
    except Exception as exc:  # a bug of ours must not lose the batch: record it as a crash
        row["warnings"].append(f"{path}: feature computation crashed: {type(exc).__name__}: {exc}")
        row["steps"] = {s: ("crash", math.nan, {}) for s in steps}
        return row
    row["steps"] = {name: (r.status, float(r.cost), {k: float(v) for k, v in r.values.items()})
                    for name, r in result.steps.items()}
    return row


# -- running the batch --------------------------------------------------------------


def run_batch(tasks: list[tuple], jobs: int, progress: bool, report) -> list[dict]:
    """Rows of ``tasks`` in their order, computed by ``jobs`` processes.

    ``report(row)`` is called as each row completes (for messages on stderr).
    """
    from tqdm import tqdm

    # disable=None: tqdm shows the bar only when stderr is a terminal, so logs and pipes
    # stay clean. A terminal that reports no width (a bare pty) gets a fixed one.
    # (tqdm hides its bar on a 0x0 terminal, which some containers' ttys report.)
    size: dict[str, int] = {}
    try:
        if os.get_terminal_size(sys.stderr.fileno()).columns == 0:
            size = {"ncols": 80, "nrows": 24}
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    bar = tqdm(total=len(tasks), unit="file", desc="features", file=sys.stderr,
               disable=None if progress else True, **size)
    rows: list[dict | None] = [None] * len(tasks)
    try:
        if jobs <= 1 or len(tasks) <= 1:
            for i, task in enumerate(tasks):
                rows[i] = extract_one(*task)
                report(rows[i], bar)
                bar.update()
        else:
            pending = _run_pool(tasks, list(range(len(tasks))), jobs, rows, report, bar)
            # A worker died (killed, out of memory, segfault) and took the pool with it.
            # Re-run what was unfinished one instance per process, so that only the
            # instance that kills its worker is marked a crash.
            for i in pending:
                if _run_pool(tasks, [i], 1, rows, report, bar):
                    iid, path, steps, _ = tasks[i]
                    rows[i] = {"instance_id": iid, "path": path, "error": None, "instance_hash": None,
                               "warnings": [f"{path}: the worker process died (killed or out of memory)"],
                               "read_seconds": math.nan, "steps": {s: ("crash", math.nan, {}) for s in steps}}
                    report(rows[i], bar)
                    bar.update()
    finally:
        bar.close()
    return [r for r in rows if r is not None]


def _run_pool(tasks: list[tuple], indices: list[int], jobs: int, rows: list, report, bar) -> list[int]:
    """Run ``tasks[i]`` for ``i`` in ``indices`` in a pool; the indices left undone if it broke."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending = set(indices)
    with ProcessPoolExecutor(max_workers=min(jobs, len(indices))) as pool:
        futures = {pool.submit(extract_one, *tasks[i]): i for i in indices}
        try:
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    rows[i] = fut.result()
                except BrokenProcessPool:
                    break
                pending.discard(i)
                report(rows[i], bar)
                bar.update()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return sorted(pending)


def _warm_up() -> None:
    """Load the compiled kernels once in the parent, so forked workers inherit them."""
    from asc.features import compute_features
    from asc.instances import instance_hash, parse_cnf

    cnf = parse_cnf(b"p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n", "<warm-up>")
    instance_hash(cnf)
    compute_features(cnf)


def run(args: argparse.Namespace) -> int:
    from asc.errors import UsageError

    if args.jobs < 1:
        raise UsageError(f"--jobs expects a positive number, got {args.jobs}")
    if args.step_timeout is not None and not args.step_timeout > 0:
        raise UsageError(f"--step-timeout expects a positive number of seconds, got {args.step_timeout}")
    if args.format == "arff" and not args.output:
        raise UsageError("--format arff writes three ASlib files: give the folder with -o DIR")
    requested = [s.strip() for s in args.steps.split(",") if s.strip()]
    if not requested:
        raise UsageError("--steps expects at least one step name")
    try:
        from asc.features import FEATURE_STEPS
    except ImportError as exc:  # a broken or partial installation: say so in one line
        raise UsageError(f"the feature groups cannot be loaded ({exc})") from None

    steps = tuple(step_closure(requested, FEATURE_STEPS))
    instances = discover(args.paths)

    tasks = [(iid, str(path), steps, args.step_timeout) for iid, path in instances]
    # Load the compiled kernels before any timing, so no instance's cost includes it (and
    # forked workers inherit them instead of loading them each).
    _warm_up()
    failed = 0

    def report(row: dict, bar) -> None:
        nonlocal failed
        for message in row["warnings"]:
            bar.write(f"asc: warning: {message}", file=sys.stderr)
        if row["error"]:
            failed += 1
            bar.write(f"asc: error: {row['error']}", file=sys.stderr)

    rows = run_batch(tasks, args.jobs, not args.no_progress and len(tasks) > 1, report)
    columns = [name for step in steps for name in FEATURE_STEPS[step][0]]
    write_output(rows, steps, columns, args.format, args.output)
    return 2 if failed else 0


# -- output -------------------------------------------------------------------------


def _step(row: dict, step: str) -> tuple[str, float, dict]:
    """(status, cost, values) of ``step`` in ``row``; read time is charged to the first step."""
    if row["error"]:
        return "crash", math.nan, {}
    status, cost, values = row["steps"].get(step, ("crash", math.nan, {}))
    return status, cost, values


def _costs(row: dict, steps: tuple[str, ...]) -> list[float]:
    costs = [_step(row, s)[1] for s in steps]
    if steps and not row["error"]:
        costs[0] = (0.0 if math.isnan(costs[0]) else costs[0]) + row["read_seconds"]
    return costs


def _values(row: dict, steps: tuple[str, ...], columns: list[str]) -> list[float]:
    merged: dict[str, float] = {}
    for s in steps:
        merged.update(_step(row, s)[2])
    return [merged.get(c, math.nan) for c in columns]


def write_output(rows: list[dict], steps: tuple[str, ...], columns: list[str], fmt: str,
                 output: str | None) -> None:
    """Write the rows as csv/json (stdout or ``output``) or as ASlib ARFF files into ``output``."""
    if fmt == "arff":
        write_aslib(rows, steps, columns, Path(output))
        return
    out = open(output, "w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            _write_json(rows, steps, columns, out)
        else:
            _write_csv(rows, steps, columns, out)
    finally:
        if output:
            out.close()


def _cell(value: float) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


def _write_csv(rows, steps, columns, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["instance_id", *columns, *(f"{s}_cost" for s in steps), *(f"{s}_status" for s in steps)])
    for row in rows:
        writer.writerow([row["instance_id"], *map(_cell, _values(row, steps, columns)),
                         *map(_cell, _costs(row, steps)), *(_step(row, s)[0] for s in steps)])


def _write_json(rows, steps, columns, out) -> None:
    import json

    def num(value: float) -> float | None:
        return None if math.isnan(value) else value

    records = []
    for row in rows:
        costs = _costs(row, steps)
        records.append({
            "instance_id": row["instance_id"],
            "path": row["path"],
            "instance_hash": row["instance_hash"],
            "error": row["error"],
            "read_seconds": num(row["read_seconds"]),
            "steps": {s: {"status": _step(row, s)[0], "cost": num(c)} for s, c in zip(steps, costs)},
            "features": dict(zip(columns, map(num, _values(row, steps, columns)))),
        })
    json.dump(records, out, indent=1, allow_nan=False)
    out.write("\n")


def write_aslib(rows: list[dict], steps: tuple[str, ...], columns: list[str], folder: Path) -> None:
    """ASlib's feature_values, feature_costs and feature_runstatus files (repetition 1)."""
    from asc.aslib.arff import write_arff
    from asc.aslib.scenario import FEATURE_STATUSES
    from asc.errors import InputError

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or exc}", folder) from None
    key = [("instance_id", "STRING"), ("repetition", "NUMERIC")]
    write_arff(folder / "feature_values.arff", "FEATURE_VALUES", key + [(c, "NUMERIC") for c in columns],
               ([r["instance_id"], 1, *_values(r, steps, columns)] for r in rows))
    write_arff(folder / "feature_costs.arff", "FEATURE_COSTS", key + [(s, "NUMERIC") for s in steps],
               ([r["instance_id"], 1, *_costs(r, steps)] for r in rows))
    write_arff(folder / "feature_runstatus.arff", "FEATURE_RUNSTATUS",
               key + [(s, list(FEATURE_STATUSES)) for s in steps],
               ([r["instance_id"], 1, *(_step(r, s)[0] for s in steps)] for r in rows))
    print(f"wrote {len(rows)} instances x {len(columns)} features ({', '.join(steps)}) to {folder}",
          file=sys.stderr)
