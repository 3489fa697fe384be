"""``asc evaluate``: cross-validate a selector on an ASlib scenario."""

from __future__ import annotations

import argparse
import sys
import time


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_format_option, add_jobs_option, at_least, par_factor, seed
    from asc.cli.search_options import add_search_options
    from asc.selectors.registry import DEFAULT_QUALITY_SELECTOR, DEFAULT_SELECTOR  # light: no scikit-learn yet

    p = sub.add_parser(
        "evaluate",
        help="cross-validate a selector on an ASlib scenario",
        description="Cross-validate a selector on an ASlib scenario. The default protocol is the ASlib "
                    "website's: cv.arff repetition 1, PAR10 over all instances, the selector charged the "
                    "feature costs of the default steps, global single best.",
    )
    p.add_argument("scenario", metavar="DIR", nargs="?", help="ASlib scenario folder")
    p.add_argument("--selector", default=None,
                   help=f"selector name (default: {DEFAULT_SELECTOR}, the best fixed selector we measured; "
                        f"{DEFAULT_QUALITY_SELECTOR} on solution-quality scenarios; 'asc evaluate --list' names all)")
    p.add_argument("--list", action="store_true", help="list the selectors and exit")
    p.add_argument("--no-feature-costs", action="store_true", help="do not charge feature costs to the selector")
    p.add_argument("--steps", help="comma-separated feature steps (default: the scenario's default steps)")
    p.add_argument("--sbs", choices=["global", "per-fold"], default="global",
                   help="single best used for gap closed (default: global, as LLAMA)")
    p.add_argument("--par", type=par_factor, default=10.0, help="PAR factor for unsolved runs (default: 10)")
    p.add_argument("--cv-repetition", type=at_least(1), default=1, help="cv.arff repetition giving the folds (default: 1)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the selector and of drawn folds (default: 0)")
    p.add_argument("--save", metavar="FILE.json",
                   help="also write the whole evaluation (summary, per fold, and per instance: fold, choice, cost, "
                        "time, solved) as JSON to FILE.json, the input of `asc report`")
    add_jobs_option(p, "folds fitted in parallel")
    add_search_options(p, "per outer fold: each fold's search sees only that fold's training instances")
    add_format_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asc.selectors.registry import DEFAULT_SELECTOR, SELECTORS

    if args.list:
        for name, (_, text) in SELECTORS.items():
            print(f"{name:26s} {text}{' (default)' if name == DEFAULT_SELECTOR else ''}")
        return 0

    from asc.errors import UsageError

    if args.scenario is None:
        raise UsageError("asc evaluate needs a scenario folder (asc evaluate DIR --selector NAME)")

    from asc.aslib import read_scenario
    from asc.cli.output import print_json, print_table
    from asc.cli.search_options import search_params
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.selectors import make_selector

    from asc.selectors.registry import check_selector_fits, default_selector

    if args.save:
        from asc.cli.options import check_outputs

        check_outputs({"--save": args.save}, {"DIR": args.scenario}, files=("--save",))
    started = time.perf_counter()
    scenario = read_scenario(args.scenario)
    if args.selector is None:
        args.selector = default_selector(scenario.description.is_runtime)
    check_selector_fits(args.selector, scenario.name, scenario.description.is_runtime)
    params = search_params(args)
    if args.selector == "auto":
        params["progress"] = True  # each fold's search reports trials, best cost and time left on stderr
    selector = make_selector(args.selector, **params)
    protocol = Protocol(
        par=args.par, cv_repetition=args.cv_repetition, charge_feature_costs=not args.no_feature_costs,
        steps=tuple(s.strip() for s in args.steps.split(",") if s.strip()) if args.steps else None,
        sbs=args.sbs, seed=args.seed,
    )
    print(f"asc: evaluating {args.selector} on {scenario.name} ({len(scenario.instances)} instances, "
          f"{len(scenario.algorithms)} algorithms)", file=sys.stderr)
    result = cross_validate(scenario, selector, protocol, name=args.selector, n_jobs=args.jobs)
    elapsed = time.perf_counter() - started
    s = result.summary
    if args.save:
        from asc.evaluation.saved import write_evaluation

        print(f"asc: evaluation written to {write_evaluation(result, args.save, args.scenario)}", file=sys.stderr)
    if args.format == "json":
        data = result.to_dict()
        data["seconds"] = elapsed
        print_json(data)
        return 0

    measure = s["measure"].upper()
    rows = [[int(f), int(r.n), r.cost, r.par1, int(r.solved), r.sbs, r.vbs, r.gap_closed]
            for f, r in result.per_fold.iterrows()]
    rows.append(["all", s["instances"], s["cost"], s["par1"] if s["par1"] is not None else float("nan"),
                 s["solved"], s["sbs_global_cost"] if protocol.sbs == "global" else s["sbs_per_fold_cost"],
                 s["vbs_cost"], s["gap_closed"]])
    print(f"{scenario.name}: {args.selector}, steps {','.join(s['steps']) or '-'}, "
          f"feature costs {'charged' if s['feature_costs_charged'] else 'not charged'}, seed {args.seed}")
    print_table(["fold", "n", measure, "PAR1", "solved", f"SBS {measure}", f"VBS {measure}", "gap closed"], rows)
    print()
    print(f"selector      {measure} {s['cost']:.1f}, solved {s['solved']}/{s['instances']}, "
          f"misclassification penalty {s['misclassification_penalty']:.1f}")
    print(f"single best   {s['sbs_global']} (global): {measure} {s['sbs_global_cost']:.1f}, "
          f"solved {s['sbs_global_solved']}; per-fold SBS {measure} {s['sbs_per_fold_cost']:.1f}")
    print(f"virtual best  {measure} {s['vbs_cost']:.1f}, solved {s['vbs_solved']}")
    print(f"gap closed    {s['gap_closed_global_sbs']:.3f} (global SBS), {s['gap_closed_per_fold_sbs']:.3f} "
          f"(per-fold SBS); per-fold spread: sd of {measure} {s['fold_cost_std']:.1f}, "
          f"sd of gap closed {s['fold_gap_closed_std']:.3f}")
    for fold, config in s["configurations"].items():
        print(f"asc: fold {fold} chose {config}", file=sys.stderr)
    print(f"asc: done in {elapsed:.1f} s", file=sys.stderr)
    return 0
