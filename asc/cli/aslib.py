"""``asc aslib``: inspect, validate and build ASlib scenarios."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_cutoff_time_option, add_format_option, at_least, seed

    p = sub.add_parser("aslib", help="inspect, validate and build ASlib scenarios",
                       description="Inspect, validate and build ASlib scenarios.")
    actions = p.add_subparsers(dest="aslib_command", metavar="ACTION")
    actions.required = True

    info = actions.add_parser("info", help="summary of a scenario: sizes, steps, cutoff, SBS, VBS")
    info.add_argument("scenario", metavar="DIR")
    add_format_option(info)
    info.set_defaults(func=run_info)

    validate = actions.add_parser("validate", help="check a scenario folder with the official checker's rules",
                                  description="Check a scenario folder with the official checker's rules; every "
                                              "finding names the file, the line and the rule.",
                                  epilog="Exit status: 0 valid, 1 errors found (or warnings, with --strict), "
                                         "2 when the folder cannot be checked at all.")
    validate.add_argument("scenario", metavar="DIR")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    add_format_option(validate)
    validate.set_defaults(func=run_validate)

    csv = actions.add_parser(
        "from-csv", help="build a scenario from a performance CSV and a feature CSV (AutoFolio style)",
        description="Build an ASlib scenario from two plain tables: a performance CSV (instance, then one "
                    "column per algorithm) and a feature CSV (instance, then one column per feature).",
    )
    csv.add_argument("--performance", required=True, metavar="CSV", help="instances x algorithms table")
    csv.add_argument("--features", required=True, metavar="CSV", help="instances x features table")
    csv.add_argument("--feature-costs", metavar="CSV", help="instance, cost columns (seconds, summed)")
    add_cutoff_time_option(csv, "runtime cutoff in seconds (required for runtime data)", deprecated_alias=True)
    csv.add_argument("--quality", action="store_true", help="the values are solution quality, not runtime")
    csv.add_argument("--maximize", action="store_true", help="with --quality: higher is better")
    csv.add_argument("--id", default=None, help="scenario id (default: the output folder's name)")
    csv.add_argument("--folds", type=at_least(2), default=10, help="number of cv folds (default: 10)")
    csv.add_argument("--seed", type=seed, default=0, help="seed of the cv folds (default: 0)")
    csv.add_argument("-o", "--output", required=True, metavar="DIR", help="scenario folder to write")
    csv.set_defaults(func=run_from_csv)


def run_info(args: argparse.Namespace) -> int:
    from asc.aslib import read_scenario
    from asc.cli.output import print_json, print_table

    scenario = read_scenario(args.scenario)
    desc = scenario.description
    cost = scenario.cost_matrix()
    solved = scenario.solved_matrix()
    means = cost.mean()
    sbs = str(means.idxmin())
    view = scenario.feature_matrix()
    unsolved = int((solved.max(axis=1) < 0.5).sum())
    step_costs = None if scenario.feature_costs is None else scenario.feature_costs.drop(
        columns=["instance_id", "repetition"]).mean()
    steps = [
        {"step": name, "features": len(step.provides), "requires": list(step.requires),
         "default": name in view.steps,
         "mean_cost": None if step_costs is None or name not in step_costs else float(step_costs[name])}
        for name, step in desc.feature_steps.items()
    ]
    measure = "PAR10" if desc.is_runtime else "cost"
    folds = scenario.folds()
    info = {
        "scenario": scenario.name,
        "performance": [f"{m} ({t}, {'maximize' if x else 'minimize'})" for m, t, x in
                        zip(desc.performance_measures, desc.performance_type, desc.maximize, strict=True)],
        "instances": len(scenario.instances),
        "algorithms": list(scenario.algorithms),
        "features": len(scenario.features),
        "steps": steps,
        "default_steps": list(view.steps),
        "algorithm_cutoff_time": desc.algorithm_cutoff_time,
        "algorithm_cutoff_memory": desc.algorithm_cutoff_memory,
        "repetitions": int(scenario.runs["repetition"].nunique()),
        "cv_folds": None if folds is None else int(folds.nunique()),
        "sbs": {"algorithm": sbs, measure: float(means[sbs]), "solved": int((solved[sbs] >= 0.5).sum())},
        "vbs": {measure: float(cost.min(axis=1).mean()), "solved": int((solved.max(axis=1) >= 0.5).sum())},
        "unsolved_instances": unsolved,
        "presolved_by_default_steps": int(view.presolved.sum()),
        "mean_default_feature_cost": float(view.cost.mean()),
    }
    if args.format == "json":
        print_json(info)
        return 0
    print(f"scenario        {info['scenario']}")
    print(f"performance     {', '.join(info['performance'])}")
    print(f"cutoff          {desc.algorithm_cutoff_time if desc.algorithm_cutoff_time is not None else '?'} s, "
          f"memory {desc.algorithm_cutoff_memory if desc.algorithm_cutoff_memory is not None else '?'} MB")
    print(f"instances       {info['instances']} ({unsolved} solved by no algorithm, "
          f"{info['presolved_by_default_steps']} presolved by the default steps)")
    print(f"algorithms      {len(info['algorithms'])}: {', '.join(info['algorithms'])}")
    print(f"features        {info['features']} in {len(steps)} steps; default steps {','.join(view.steps)} "
          f"(mean cost {info['mean_default_feature_cost']:.2f} s)")
    print(f"repetitions     {info['repetitions']}; cv folds {info['cv_folds'] or 'none (drawn when evaluating)'}")
    fmt = ".1f" if desc.is_runtime else ".6g"
    print(f"single best     {sbs}: {measure} {info['sbs'][measure]:{fmt}}, solved {info['sbs']['solved']}")
    print(f"virtual best    {measure} {info['vbs'][measure]:{fmt}}, solved {info['vbs']['solved']}")
    print()
    print_table(["step", "features", "requires", "default", "mean cost (s)"],
                [[s["step"], s["features"], ",".join(s["requires"]) or "-", s["default"],
                  float("nan") if s["mean_cost"] is None else s["mean_cost"]] for s in steps])
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from asc.aslib.validator import count_findings, validate_scenario
    from asc.cli.output import print_json

    findings = validate_scenario(args.scenario)
    errors = [f for f in findings if f.severity == "error" or args.strict]
    # Counted, not listed: a file's findings past the listing cap share one summary entry.
    counts = count_findings(findings)
    if args.format == "json":
        print_json({"scenario": args.scenario, "valid": not errors, "errors": counts["error"],
                    "warnings": counts["warning"], "findings": [f.__dict__ for f in findings]})
    else:
        for finding in findings:
            print(finding)
    verdict = "valid" if not errors else "invalid"
    print(f"asc: {args.scenario}: {verdict} ({counts['error']} errors, {counts['warning']} warnings)",
          file=sys.stderr)
    return 1 if errors else 0  # findings; an unreadable folder raised (exit 2) before this


def run_from_csv(args: argparse.Namespace) -> int:
    from pathlib import Path

    from asc.aslib.csv_import import scenario_from_csv
    from asc.aslib.writer import write_scenario

    from asc.cli.options import check_outputs

    check_outputs({"-o": args.output}, {"--performance": args.performance, "--features": args.features,
                                        "--feature-costs": args.feature_costs})
    output = Path(args.output)
    scenario = scenario_from_csv(
        args.performance, args.features, cutoff=args.cutoff_time,
        performance_type="solution_quality" if args.quality else "runtime", maximize=args.maximize,
        scenario_id=args.id or output.name, feature_costs_csv=args.feature_costs,
        n_folds=args.folds, seed=args.seed,
    )
    write_scenario(scenario, output)
    print(f"asc: wrote {scenario!r} to {output}", file=sys.stderr)
    print(output)
    return 0
