"""``asc train``: fit a selector on a scenario and save it as a model file."""

from __future__ import annotations

import argparse
import os
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_jobs_option, par_factor, seed
    from asc.cli.search_options import add_search_options
    from asc.selectors.registry import DEFAULT_QUALITY_SELECTOR, DEFAULT_SELECTOR  # light: no scikit-learn yet

    p = sub.add_parser("train", help="fit a selector on an ASlib scenario or a run store and save the model",
                       description="Fit a selector on a whole ASlib scenario, or on the runs of an `asc collect` "
                                   "store, and save it as a safe model file (skops) stamped with the versions "
                                   "that wrote it. From a run store, the SATzilla features (Pre, Basic, KLB, CG) "
                                   "of its instances are computed first, unless --features gives them.")
    p.add_argument("scenario", metavar="SCENARIO_DIR|RUNS_DB", help="ASlib scenario folder, or run store (SQLite)")
    p.add_argument("--features", metavar="CSV|DIR",
                   help="with a run store: features from `asc features` (CSV, or ASlib folder) instead of "
                        "computing them")
    add_jobs_option(p, "with a run store: processes computing the features")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="model file to write (.skops)")
    p.add_argument("--selector", default=None,
                   help=f"selector name (default: {DEFAULT_SELECTOR}; {DEFAULT_QUALITY_SELECTOR} on "
                        "solution-quality scenarios; 'asc evaluate --list' names all)")
    p.add_argument("--steps", help="comma-separated feature steps (default: the scenario's default steps)")
    p.add_argument("--par", type=par_factor, default=10.0, help="PAR factor of the training costs (default: 10)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the selector (default: 0)")
    add_search_options(p, "on the whole scenario, before the chosen configuration is fitted on all of it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asc.cli.options import check_outputs
    from asc.cli.search_options import search_params
    from asc.models.files import save_model, train_model

    # before the training, which may take minutes: a typo must neither lose the model at
    # the end nor replace the scenario or run store it was trained on
    check_outputs({"-o": args.output}, {"SCENARIO_DIR|RUNS_DB": args.scenario, "--features": args.features},
                  files=("-o",))
    from asc.selectors.registry import check_selector_fits, default_selector

    scenario = load_training_data(args.scenario, args.features, args.jobs)
    if args.selector is None:
        args.selector = default_selector(scenario.description.is_runtime)
    check_selector_fits(args.selector, scenario.name, scenario.description.is_runtime)
    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip()) if args.steps else None
    params = search_params(args)
    if args.selector == "auto":
        params["progress"] = True  # the search reports trials, best cost and time left on stderr
    from asc.progress import Phase

    # a fit takes from a second to minutes and reports nothing itself: say what runs (the
    # search of 'auto' reports its own trials)
    what = (f"training {args.selector} on {scenario.name} "
            f"({len(scenario.instances)} instances, {len(scenario.algorithms)} algorithms)")
    with Phase(what, enabled=args.selector != "auto"):
        model = train_model(scenario, args.selector, steps=steps, seed=args.seed, par=args.par, **params)
    try:
        with Phase(f"saving the model to {args.output} (its compiled form is checked against the fit)"):
            path = save_model(model, args.output)
    except OSError as exc:  # the folder checked above went away or filled up during training
        from asc.errors import InputError

        raise InputError(f"cannot write the model file: {exc.strerror or exc}", args.output) from None
    info = model.info
    print(f"asc: trained {info.selector} on {info.scenario}: {len(info.algorithms)} algorithms, "
          f"{len(info.features)} features from steps {','.join(info.steps)}", file=sys.stderr)
    if args.selector == "auto":
        print(f"asc: search tried {len(model.selector.search_history_)} configurations in "
              f"{model.selector.search_seconds_:.0f} s; chosen: {model.selector.best_config_}", file=sys.stderr)
    print(path)
    return 0


def load_training_data(source: str, features: str | None = None, jobs: int = 1):
    """The scenario to train on: an ASlib folder as it is, or a run store with features.

    A run store holds runtimes but no features: unless ``features`` names an
    ``asc features`` output, the SATzilla base features of every instance the store
    knows are computed here (from the paths recorded at collection time) and joined
    to the runs as ASlib feature steps with their costs and runstatus, in memory.
    """
    from pathlib import Path

    from asc.aslib import read_scenario
    from asc.errors import InputError, UsageError

    path = Path(source)
    if path.is_dir():
        return read_scenario(path)
    if not path.is_file():
        raise InputError("expected an ASlib scenario folder or an asc run store (SQLite file); found nothing",
                         path)
    if jobs < 1:
        raise UsageError(f"--jobs expects a positive number, got {jobs}")
    from asc.runs.export import to_scenario
    from asc.runs.store import RunStore

    with RunStore(path) as store:
        tables = features
        if features is None:
            tables = _compute_features([inst.path for inst in store.instances().values()], jobs)
        return to_scenario(store, scenario_id=path.stem, features=tables)


def _compute_features(paths: list[str], jobs: int):
    """The base features of ``paths`` (every step) as :class:`asc.features.batch.FeatureTables`.

    Unlike ``asc features``, an unreadable file is an error here: a model trained on a
    store must not silently lose instances.
    """
    from asc.errors import InputError
    from asc.features.batch import DEFAULT_STEPS, extract_batch, feature_tables

    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise InputError(f"expected the store's instance files to compute features; {len(missing)} not found "
                         f"(paths are those given to `asc collect`; run from the same folder, or pass --features)",
                         missing[0])
    rows = extract_batch([(p, p) for p in paths], DEFAULT_STEPS, jobs=jobs,
                         progress=sys.stderr.isatty() and len(paths) > 1)
    failed = [r for r in rows if r.error]
    if failed:
        raise InputError(f"expected readable instances; {failed[0].error}", failed[0].path)
    return feature_tables(rows, DEFAULT_STEPS)
