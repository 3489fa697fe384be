"""``asc features``: SATzilla base features of CNF files, or QSAR meta-features of QSAR datasets.

``--problem qsar`` (or, by default, arguments that are all ``*.csv[.gz...]`` files or
folders holding such files and no CNF file) reads QSAR dataset files
(:mod:`asc.instances.qsar`) and computes the meta-feature steps of
:mod:`asc.features.qsar_meta` (docs/qsar.md); molecules left out of a dataset are
reported on stderr, one line each (file, line, reason).

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

The command is a thin caller: instances are found by :mod:`asc.instances.discovery`
and extracted and written by :mod:`asc.features.batch`.
"""

from __future__ import annotations

import argparse
import sys

#: The default steps, spelt out for the help text (this module loads on start-up, the feature
#: modules load Numba and NumPy); tests/cli keeps them equal to the feature modules' own.
DEFAULT_STEPS = ("Pre", "Basic", "KLB", "CG")
QSAR_STEPS = ("Size", "Response", "Bits", "Similarity", "Scaffolds", "Landscape", "Target")


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_format_option, add_jobs_option, seconds

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
    p.add_argument("--steps", default=None, metavar="S1,S2",
                   help="feature steps to compute, comma-separated; required steps are added "
                        f"(default: {','.join(DEFAULT_STEPS)}; QSAR: {','.join(QSAR_STEPS)})")
    p.add_argument("--problem", choices=("auto", "sat", "qsar"), default="auto",
                   help="sat: CNF files; qsar: QSAR dataset CSV files (meta-features); auto (default): qsar "
                        "when every argument is a *.csv[.gz|.bz2|.xz] file or a folder of such files without CNF files")
    p.add_argument("--smiles-col", default=None, metavar="NAME",
                   help="QSAR: the SMILES column (default: recognised from the MoleculeACE and SIMPD layouts)")
    p.add_argument("--target-col", default=None, metavar="NAME",
                   help="QSAR: the activity column (default: recognised from the MoleculeACE and SIMPD layouts)")
    p.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="QSAR: folder caching fingerprints by dataset content hash (default: none)")
    add_jobs_option(p, "parallel worker processes")
    add_format_option(p, ("csv", "text", "json", "arff"),
                      help="csv (default) or json: every value, on stdout (or -o FILE); text: a summary for "
                           "people (each step's status, the cost, how many values); arff: ASlib feature files "
                           "into -o DIR")
    p.add_argument("--step-timeout", type=seconds, default=None, metavar="S",
                   help="time limit per feature step in seconds (default: none)")
    p.add_argument("-o", "--output", metavar="OUT", default=None,
                   help="output file (csv, json) or folder (arff, required)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it is shown on stderr for several files when stderr is a terminal)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asc.errors import UsageError

    if args.jobs < 1:
        raise UsageError(f"--jobs expects a positive number, got {args.jobs}")
    if args.step_timeout is not None and not args.step_timeout > 0:
        raise UsageError(f"--step-timeout expects a positive number of seconds, got {args.step_timeout}")
    if args.format == "arff" and not args.output:
        raise UsageError("--format arff writes three ASlib files: give the folder with -o DIR")
    problem = _problem(args)
    default = QSAR_STEPS if problem == "qsar" else DEFAULT_STEPS
    requested = [s.strip() for s in (args.steps or ",".join(default)).split(",") if s.strip()]
    if not requested:
        raise UsageError("--steps expects at least one step name")
    try:
        from asc.features import batch
    except ImportError as exc:  # a broken or partial installation: say so in one line
        raise UsageError(f"the feature groups cannot be loaded ({exc})") from None
    feature_steps = batch.problem_steps(problem)
    steps = tuple(batch.step_closure(requested, feature_steps))
    if problem == "qsar":
        from asc.instances.qsar import discover_datasets

        instances = discover_datasets(args.paths)
    else:
        from asc.instances.discovery import discover

        instances = discover(args.paths)
    from asc.cli.options import check_outputs

    # -o names a file (csv, json, text) or the folder of the ARFF files; never an instance
    check_outputs({"-o": args.output}, {"FILE|DIR": [*args.paths, *(p for _, p in instances)]},
                  files=() if args.format == "arff" else ("-o",))
    failed = 0

    def report(row: batch.InstanceFeatures, echo) -> None:
        nonlocal failed
        for message in row.warnings:
            echo(f"asc: warning: {message}")
        if row.error:
            failed += 1
            echo(f"asc: error: {row.error}")

    options = {"smiles_col": args.smiles_col, "target_col": args.target_col, "cache_dir": args.cache_dir}
    rows = batch.extract_batch(instances, steps, jobs=args.jobs, step_timeout=args.step_timeout,
                               progress=not args.no_progress and len(instances) > 1, report=report,
                               problem=problem, options=options if problem == "qsar" else None)
    columns = batch.feature_columns(steps, feature_steps)
    if args.format == "arff":
        folder = batch.write_aslib(rows, steps, columns, args.output)
        print(f"wrote {len(rows)} instances x {len(columns)} features ({', '.join(steps)}) to {folder}",
              file=sys.stderr)
    else:
        write = {"json": batch.write_json, "text": write_text}.get(args.format, batch.write_csv)
        try:
            out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
        except OSError as exc:
            from asc.errors import InputError

            raise InputError(f"cannot write the output file: {exc.strerror or exc}", args.output) from None
        try:
            write(rows, steps, columns, out)
        finally:
            if args.output:
                out.close()
    return 2 if failed else 0


def _problem(args: argparse.Namespace) -> str:
    """``sat`` or ``qsar``: as given, or guessed from the arguments' names (see ``--problem``)."""
    if args.problem != "auto":
        return args.problem
    from pathlib import Path

    from asc.instances.discovery import is_instance_name
    from asc.instances.qsar import is_dataset_name

    for arg in args.paths:
        path = Path(arg)
        if path.is_dir():
            names = [p.name for p in path.rglob("*")]
            if any(is_instance_name(n) for n in names) or not any(is_dataset_name(n) for n in names):
                return "sat"
        elif not is_dataset_name(path.name):
            return "sat"
    return "qsar"


def write_text(rows, steps, columns, out) -> None:
    """A summary for people: each step's status, the summed cost, how many values were computed."""
    import math

    from asc.cli.output import print_table

    table = []
    for row in rows:
        costs = [c for c in row.costs(steps) if not math.isnan(c)]
        values = sum(not math.isnan(v) for v in row.values(steps, columns))
        table.append([row.instance_id, *(row.step(s)[0] for s in steps),
                      math.fsum(costs) if costs else math.nan, f"{values}/{len(columns)}"])
    print_table(["instance", *steps, "cost (s)", "values"], table, out)
