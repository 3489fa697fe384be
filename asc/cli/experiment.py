"""``asc experiment``: run a reproducible, seeded experiment spec (``experiments/*/spec.toml``).

``asc experiment run SPEC`` runs a whole Meta-QSAR-style study (a spec with a ``[grid]``
table, :mod:`asc.experiments.metaqsar_spec`): collects the performance matrix through the
harness into ``work/runs.sqlite`` beside the spec (resumable: a killed study is continued by
running the same command again), computes meta-features, cross-validates the meta-learners
grouped by ChEMBL target and writes ``results/`` (CSV tables, ``report.md``, PNG plots);
the report's path goes to stdout. ``asc experiment train SPEC`` and ``asc experiment
evaluate SPEC`` run a selector spec (:mod:`asc.experiments.spec`, e.g.
``experiments/default-model``), as ``python -m asc.experiments`` does.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc experiment run|train|evaluate``."""
    from asc.cli.options import OneLineParser, add_format_option, add_jobs_option

    p = subparsers.add_parser(
        "experiment", help="run a reproducible experiment spec (experiments/*/spec.toml)",
        description=("run: a whole Meta-QSAR-style study from one seeded spec (runs into work/runs.sqlite beside "
                     "the spec, resumable; meta-features; meta-learners cross-validated by ChEMBL target; "
                     "results/ with CSV tables, report.md and plots). train/evaluate: a selector spec such as "
                     "experiments/default-model/spec.toml."))
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=OneLineParser)
    sub.required = True
    r = sub.add_parser("run", help="run a study spec end to end: runs, meta-features, meta-learners, report",
                       description="Run a Meta-QSAR-style study spec end to end; resumable.")
    r.add_argument("spec", metavar="SPEC", help="study spec (TOML with a [grid] table)")
    where = r.add_mutually_exclusive_group()
    add_jobs_option(where, "parallel runs on this machine")
    where.add_argument("--scheduler", metavar="ADDR", help="address of a Dask scheduler (tcp://host:8786) to run on")
    r.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    r.add_argument("--interim", action="store_true",
                   help="run nothing: report on the datasets whose runs are all stored (results-interim/), "
                        "e.g. while the study collects in another process")
    r.set_defaults(func=run)
    t = sub.add_parser("train", help="fit a selector spec's selector and write its model file")
    t.add_argument("spec", metavar="SPEC", help="selector experiment spec (TOML with a [train] table)")
    t.add_argument("-o", "--output", metavar="MODEL", help="write here instead of the spec's train.output")
    t.set_defaults(func=run)
    e = sub.add_parser("evaluate", help="cross-validate a selector spec's candidate selectors under its protocol")
    e.add_argument("spec", metavar="SPEC", help="selector experiment spec (TOML with a [train] table)")
    e.add_argument("--selector", action="append", metavar="NAME",
                   help="evaluate this selector instead of the spec's candidates (repeatable)")
    add_jobs_option(e, "folds fitted in parallel")
    add_format_option(e)
    e.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch on the action; errors are :class:`asc.errors.AscError` (one line, exit 2 in ``asc.cli.main``)."""
    if args.action == "run":
        from asc.errors import InputError
        from asc.experiments.metaqsar import run_study
        from asc.experiments.metaqsar_spec import is_study_spec, load_study_spec

        if not is_study_spec(args.spec):
            from pathlib import Path

            if Path(args.spec).is_file():
                # a selector spec: train/evaluate; say so rather than fail on a missing [grid]
                import tomllib

                try:
                    tomllib.loads(Path(args.spec).read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                    pass
                else:
                    raise InputError("[grid]: expected a study spec with a [grid] table (a selector spec "
                                     "runs with 'asc experiment train' or 'evaluate')", args.spec)
        spec = load_study_spec(args.spec)
        print(run_study(spec, jobs=args.jobs, scheduler=args.scheduler, progress=not args.no_progress,
                        stored_only=args.interim))
        return 0
    from asc.experiments.spec import evaluate_candidates, load_spec, train_from_spec

    spec = load_spec(args.spec)
    if args.action == "train":
        print(train_from_spec(spec, args.output))
        return 0
    rows = evaluate_candidates(spec, tuple(args.selector) if args.selector else None, n_jobs=args.jobs)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    from asc.experiments.__main__ import print_table

    print_table(rows)
    return 0
