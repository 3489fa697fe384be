"""``asc report``: an HTML page with PNG plots from a run store, a scenario or an evaluation."""

from __future__ import annotations

import argparse
import os
import sys

DESCRIPTION = """\
Draw a report a person reads at a glance: DIR/index.html with PNG plots and DIR/report.json,
the numbers each plot is drawn from. matplotlib, no server: open index.html in a browser.

SOURCE is a run store (SQLite, from `asc collect`), an ASlib scenario folder, or an evaluation
file (`asc evaluate SCENARIO --save EVAL.json`, whose scenario folder it names). Always drawn:
the cactus plot (instances solved within a time, per algorithm, the virtual best and the single
best) and the tables of algorithms and families. With an evaluation (as SOURCE or --evaluation)
also the selector's cactus curve, the per-instance scatter of the selector against the single
best (log axes; timeouts on the border, at PAR10) and the gap closed per fold, as `asc evaluate`
reports it.

Families: the 'family' column of --families CSV (columns file or instance_id, and family), or
for a run store of a MANIFEST.csv beside the instance files or above them (as shipped in
instances/); else the innermost folder of the instance id; else the file name's leading letters.
See docs/reports.md.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_format_option, par_factor

    p = sub.add_parser("report", help="an HTML page with PNG plots of a run store, a scenario or an evaluation",
                       description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="SOURCE", help="run store (.sqlite), ASlib scenario folder or evaluation "
                                                    "file (.json from `asc evaluate --save`)")
    p.add_argument("-o", "--output", metavar="DIR", required=True,
                   help="folder to write index.html, report.json and the PNGs into (created; never an input)")
    p.add_argument("--evaluation", metavar="EVAL.json",
                   help="an evaluation of a selector on the same instances (`asc evaluate --save`)")
    p.add_argument("--families", metavar="CSV", help="instance families: a CSV with a 'family' column and a 'file' "
                                                     "or 'instance_id' column (e.g. instances/MANIFEST.csv)")
    p.add_argument("--par", type=par_factor, default=None,
                   help="PAR factor of unsolved runs (default: the evaluation's, else 10)")
    p.add_argument("--title", help="the page's title (default: the scenario, its instances and algorithms)")
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asc.cli.options import check_outputs
    from asc.evaluation.report import (CACTUS, FOLDS, INDEX, NUMBERS, SCATTER, instance_families, load_source,
                                       report_numbers, write_report)

    inputs = {"SOURCE": args.source, "--evaluation": args.evaluation, "--families": args.families}
    # the folder, and each file written into it (an evaluation saved as DIR/report.json survives)
    outputs = {"-o": args.output, **{f"-o ({name})": os.path.join(args.output, name)
                                     for name in (INDEX, NUMBERS, CACTUS, SCATTER, FOLDS)}}
    check_outputs(outputs, inputs)
    src = load_source(args.source, args.evaluation)
    # the evaluation as SOURCE names its scenario folder: that is read too, and never written over
    if src.evaluation is not None and src.evaluation.scenario_path and src.kind == "evaluation":
        check_outputs(outputs, {"the evaluated scenario": src.evaluation.scenario_path})
    families = instance_families(src.scenario.instances, src.instance_paths, args.families)
    data = report_numbers(src, par=args.par, families=families, title=args.title)
    files = write_report(data, args.output)
    if args.format == "json":
        from asc.cli.output import print_json

        print_json({**data, "files": [str(f) for f in files]})
        return 0
    m = data["measure"].upper()
    print(f"report: {files[-1] if files[-1].name == INDEX else args.output} "
          f"({', '.join(f.name for f in files if f.name != INDEX)})")
    print(f"{data['scenario']}: {data['instances']} instances, {len(data['algorithms'])} algorithms, "
          f"{len(data['families'])} families, cutoff {data['cutoff']:g} s")
    print(f"virtual best  solved {data['vbs']['solved']}, {m} {data['vbs']['cost']:.2f}")
    print(f"single best   {data['single_best']}: solved {data['sbs']['solved']}, {m} {data['sbs']['cost']:.2f}")
    sel = data.get("selector")
    if sel:
        gap = sel["evaluation_gap_closed"]
        print(f"selector      {sel['name']}: solved {sel['solved']}, {m} {sel['cost']:.2f}, gap closed "
              f"{'n/a' if gap is None else format(gap, '.3f')}")
    print(f"asc: report written to {args.output}", file=sys.stderr)
    return 0
