"""``asc train``: fit a selector on a scenario and save it as a model file."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.search_options import add_search_options

    p = sub.add_parser("train", help="fit a selector on an ASlib scenario and save the model",
                       description="Fit a selector on a whole ASlib scenario and save it as a safe model file "
                                   "(skops) stamped with the versions that wrote it.")
    p.add_argument("scenario", metavar="SCENARIO_DIR", help="ASlib scenario folder")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write (.skops)")
    p.add_argument("--selector", default="pairwise-rf", help="selector name (default: pairwise-rf)")
    p.add_argument("--steps", help="comma-separated feature steps (default: the scenario's default steps)")
    p.add_argument("--par", type=float, default=10.0, help="PAR factor of the training costs (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the selector (default: 0)")
    add_search_options(p, "on the whole scenario, before the chosen configuration is fitted on all of it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asc.aslib import read_scenario
    from asc.cli.search_options import search_params
    from asc.selectors.model import save_model, train_model

    scenario = read_scenario(args.scenario)
    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip()) if args.steps else None
    model = train_model(scenario, args.selector, steps=steps, seed=args.seed, par=args.par, **search_params(args))
    path = save_model(model, args.output)
    info = model.info
    print(f"asc: trained {info.selector} on {info.scenario}: {len(info.algorithms)} algorithms, "
          f"{len(info.features)} features from steps {','.join(info.steps)}", file=sys.stderr)
    chosen = getattr(model.selector, "best_config_", None)
    if chosen is not None:
        print(f"asc: search tried {len(model.selector.search_history_)} configurations in "
              f"{model.selector.search_seconds_:.0f} s; chosen: {chosen}", file=sys.stderr)
    print(path)
    return 0
