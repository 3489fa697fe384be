"""``asc runs``: look into a run store (``summary``), hand it on (``export``) and load a runs CSV back (``import``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc runs summary``, ``asc runs export`` and ``asc runs import``."""
    from asc.cli.options import (add_cutoff_time_option, add_format_option, add_mem_limit_option, at_least,
                                 par_factor, seed)

    p = subparsers.add_parser("runs", help="summarise or export a run store", description=__doc__)
    sub = p.add_subparsers(dest="runs_command", metavar="ACTION")
    sub.required = True

    s = sub.add_parser("summary", help="per-algorithm results and the per-instance virtual best solver")
    s.add_argument("--db", default="runs.sqlite", metavar="FILE", help="run store (default runs.sqlite)")
    add_format_option(s)
    s.add_argument("--par", type=par_factor, default=10.0, help="penalty factor of unsolved runs (default 10: PAR10)")
    s.add_argument("--measure", choices=("cpu_time", "wall_time"), default="cpu_time", help="time measure (default cpu_time)")
    s.add_argument("--instances", action="store_true", help="also list every instance with its best algorithm")
    s.set_defaults(func=run_summary)

    e = sub.add_parser("export", help="export the runs as an ASlib scenario, CSV or Parquet")
    e.add_argument("--db", default="runs.sqlite", metavar="FILE", help="run store (default runs.sqlite)")
    what = e.add_argument_group("targets (at least one)")
    what.add_argument("--aslib", metavar="DIR", help="write an ASlib scenario folder")
    what.add_argument("--csv", metavar="FILE", help="write every run as CSV")
    what.add_argument("--parquet", metavar="FILE", help="write every run as Parquet")
    e.add_argument("--features", metavar="DIR|CSV",
                   help="features to include in the ASlib scenario (from `asc features`; may be the --aslib "
                        "folder itself). Without it the scenario gets 3 placeholder features read from the DIMACS "
                        "headers, and feature files already in the folder are never replaced by them")
    e.add_argument("--scenario-id", default=None, help="ASlib scenario id (default: the folder name)")
    e.add_argument("--folds", type=at_least(2), default=10, help="cross-validation folds in cv.arff (default 10)")
    e.add_argument("--fold-seed", type=seed, default=0, help="seed of the fold assignment (default 0)")
    e.add_argument("--measure", choices=("cpu_time", "wall_time"), default="cpu_time", help="runtime measure (default cpu_time)")
    e.set_defaults(func=run_export)

    i = sub.add_parser(
        "import", help="load a runs CSV (from `asc runs export --csv`) into a run store",
        description="Load every run of a runs CSV written by `asc runs export --csv` into a run store, so that "
                    "committed runs can be summarised and exported again without re-collecting them. Importing "
                    "twice adds nothing. The CSV records the limits the runs were collected under (cutoff_time and "
                    "mem_limit_mb columns); for a CSV written before it did, give them with --cutoff-time and "
                    "--mem-limit. A limit given that differs from the CSV's is an error.",
    )
    i.add_argument("csv", metavar="RUNS.csv", help="runs CSV written by `asc runs export --csv`")
    i.add_argument("--db", default="runs.sqlite", metavar="FILE", help="run store to load into (default runs.sqlite; "
                   "created when missing)")
    add_cutoff_time_option(i, "CPU-time cutoff in seconds the runs were collected with (required unless the CSV "
                              "has a cutoff_time column)")
    # No default: the limit is a record of how the runs were collected, not a choice made here.
    add_mem_limit_option(i, "memory limit in MiB the runs were collected with (required unless the CSV has a "
                            "mem_limit_mb column)", default=None)
    i.set_defaults(func=run_import)


def run_summary(args: argparse.Namespace) -> int:
    """Print the summary of a store."""
    from asc.runs.export import summarize
    from asc.runs.store import RunStore

    with RunStore(args.db) as store:
        data = summarize(store, par=args.par, measure=args.measure)
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        _print_table(data, show_instances=args.instances)
    return 0


def _print_quality_table(data: dict[str, Any], show_instances: bool) -> None:
    """The summary of a store of quality runs (QSAR: cross-validated RMSE, lower is better)."""
    print(f"{data['db']}: {data['runs']} runs, cutoff {data['cutoff_time']:g} s, memory {data['mem_limit_mb']:g} MiB, "
          f"quality {data['measure']} (lower is better)")
    head = ("algorithm", "runs", "ok", "timeout", "memout", "crash", "mean RMSE", "cost")
    rows = [(a["algorithm"], a["runs"], a["ok"], a["timeout"], a["memout"], a["crash"],
             "-" if a["mean_rmse"] is None else f"{a['mean_rmse']:.4f}", f"{a['mean_cost']:.4f}")
            for a in sorted(data["algorithms"], key=lambda a: a["mean_cost"])]
    _table(head, rows)
    vbs, sbs = data["vbs"], data["sbs"]
    print(f"\nVBS (oracle): RMSE {vbs['rmse']:.4f} over {vbs['instances']} instances")
    print(f"SBS: {sbs['algorithm']}, RMSE {sbs['rmse']:.4f} over {sbs['instances']} instances")
    _print_vbs_picks(data["instances"])
    if show_instances:
        print()
        _table(("instance", "best", "rmse"), [(i["instance"], i["best"] or "-",
                                               "-" if i["best_cost"] is None else f"{i['best_cost']:.4f}")
                                              for i in data["instances"]])


def _print_vbs_picks(instances: list[dict[str, Any]]) -> None:
    """How often each algorithm is the virtual best's pick, most often first."""
    wins: dict[str, int] = {}
    for inst in instances:
        if inst["best"]:
            wins[inst["best"]] = wins.get(inst["best"], 0) + 1
    print("VBS picks: " + ", ".join(f"{k} {v}" for k, v in sorted(wins.items(), key=lambda kv: -kv[1])))


def _print_table(data: dict[str, Any], show_instances: bool) -> None:
    if data.get("quality"):
        _print_quality_table(data, show_instances)
        return
    par = f"par{data['par']:g}"
    print(f"{data['db']}: {data['runs']} runs, cutoff {data['cutoff_time']:g} s, memory {data['mem_limit_mb']:g} MiB, "
          f"{data['measure']}")
    if not data["algorithms"]:
        return
    head = ("algorithm", "runs", "solved", "sat", "checked", "unsat", "timeout", "memout", "crash", "wrong",
            "unknown", par.upper())
    rows = [
        (a["algorithm"], a["runs"], a["solved"], a["sat"], a["models_checked"], a["unsat"], a["timeout"], a["memout"],
         a["crash"], a["wrong"], a["unknown"], f"{a[par]:.2f}")
        for a in sorted(data["algorithms"], key=lambda a: a[par])
    ]
    _table(head, rows)
    vbs, sbs = data["vbs"], data["sbs"]
    print(f"\nVBS: {par.upper()} {vbs[par]:.2f}, solves {vbs['solved']} of {vbs['instances']} instances")
    print(f"SBS: {sbs['algorithm']}, {par.upper()} {sbs[par]:.2f}, solves {sbs['solved']}")
    if data.get("missing_pairs"):
        print(f"incomplete: {data['missing_pairs']} instance x algorithm pairs have no run yet; "
              f"SBS compared on the {sbs['instances']} instances every algorithm has run on")
    _print_vbs_picks(data["instances"])
    if show_instances:
        print()
        _table(("instance", "best", "cost", "solved_by"),
               [(i["instance"], i["best"] or "-", f"{i['best_cost']:.3f}", i["solved_by"]) for i in data["instances"]])


def _table(head: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, widths)))  # noqa: E731
    print(fmt(head))
    for r in rows:
        print(fmt(r))


def run_export(args: argparse.Namespace) -> int:
    """Write the requested exports and name them on stdout."""
    from pathlib import Path

    from asc.errors import UsageError
    from asc.runs import export
    from asc.runs.store import RunStore

    if not (args.aslib or args.csv or args.parquet):
        raise UsageError("asc runs export needs at least one of --aslib DIR, --csv FILE, --parquet FILE")
    if args.features and not args.aslib:
        raise UsageError("--features only applies to --aslib")
    from asc.cli.options import check_outputs

    # --features DIR may be the --aslib folder itself: its feature files are read before
    # the scenario is written, and written back unchanged
    same = args.features is not None and os.path.realpath(args.features) == os.path.realpath(args.aslib)
    check_outputs({"--csv": args.csv, "--parquet": args.parquet, "--aslib": args.aslib},
                  {"--db": args.db, "--features": None if same else args.features},
                  files=("--csv", "--parquet"), make_folders=True)
    with RunStore(args.db) as store:
        if args.csv:
            print(f"csv: {export.write_csv(store, args.csv)}")
        if args.parquet:
            print(f"parquet: {export.write_parquet(store, args.parquet)}")
        if args.aslib:
            sid = args.scenario_id or Path(args.aslib).resolve().name
            out = export.write_aslib(store, args.aslib, scenario_id=sid, features=args.features,
                                     n_folds=args.folds, fold_seed=args.fold_seed, measure=args.measure)
            print(f"aslib: {out}")
            if args.features is None and not export.is_quality_store(store):
                print(f"asc: warning: no --features: {out} holds {len(export.PLACEHOLDER_FEATURES)} placeholder "
                      f"features ({', '.join(export.PLACEHOLDER_FEATURES)}, from the DIMACS headers), not "
                      f"SATzilla's; for a model worth deploying run `asc features INSTANCES -o {out} --format "
                      f"arff` and export again with --features {out}", file=sys.stderr)
    sys.stdout.flush()
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Import a runs CSV and say on stdout what was added."""
    from asc.runs.importer import import_runs_csv, read_runs_csv
    from asc.runs.store import RunStore

    from asc.cli.options import check_outputs

    check_outputs({"--db": args.db}, {"RUNS.csv": args.csv})
    # Check the whole file before opening (and perhaps creating) the store, so that a
    # malformed CSV leaves no empty store behind.
    parsed = read_runs_csv(args.csv, cutoff_time=args.cutoff_time, mem_limit_mb=args.mem_limit)
    with RunStore(args.db, write=True) as store:
        report = import_runs_csv(parsed, store)
        total = store.count()
    campaigns = ", ".join(str(c) for c in report.campaigns_added) or "none"
    print(f"{args.db}: {report.added} runs added, {report.present} already present ({report.rows} in {args.csv}, "
          f"{report.instances} instances); campaigns added: {campaigns}; {total} runs in the store")
    return 0
