"""``asc configure``: configure a parameterized solver with SMAC, validate it on held-out instances.

Every trial runs through the harness and is stored in the run store; the same command
run again (after an interrupt or ``kill -9``) continues the search with the budget left,
replaying the stored trials into SMAC, and a finished search asked again prints its
result. See docs/configuration.md.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``asc configure``."""
    from asc.cli.options import (add_cutoff_time_option, add_format_option, add_jobs_option, add_mem_limit_option,
                                 at_least, seconds, seed)

    p = subparsers.add_parser(
        "configure",
        help="configure a parameterized solver with SMAC (resumable), validated on held-out instances",
        description=(
            "Search the parameter space of a parameterized algorithm of a portfolio with SMAC's "
            "algorithm-configuration facade, on training instances, for --budget seconds; every trial runs "
            "under the harness's limits and is stored in the run store. The configuration found and the "
            "default are then run on --test-instances, and the result is written as a portfolio file. "
            "Running the same command again continues an interrupted search, or prints a finished one."
        ),
    )
    p.add_argument("--portfolio", required=True, metavar="FILE", help="portfolio file with the algorithm")
    p.add_argument("--algorithm", required=True, metavar="NAME", help="the parameterized algorithm to configure")
    p.add_argument("--instances", required=True, metavar="DIR|LIST", help="training instances")
    p.add_argument("--test-instances", metavar="DIR|LIST", help="held-out instances for validation")
    p.add_argument("--budget", required=True, type=seconds, metavar="S",
                   help="wall-clock seconds of search (over every resumed session)")
    add_cutoff_time_option(p, "CPU-time limit per run in seconds", required=True)
    add_mem_limit_option(p, "memory limit per run in MiB")
    where = p.add_mutually_exclusive_group()
    add_jobs_option(where, "trials run at once on this machine")
    where.add_argument("--scheduler", metavar="ADDR",
                       help="address of a Dask scheduler (tcp://host:8786) to run the trials and the validation on")
    p.add_argument("--seed", type=seed, default=0, metavar="N", help="seed of SMAC and of the runs (default 0)")
    p.add_argument("--trials", type=at_least(1), metavar="N",
                   help="also stop the search after N trials (stored ones included; with --hydra, N run per "
                        "iteration), whatever the budget left")
    p.add_argument("--repeats", type=at_least(1), metavar="K",
                   help="held-out runs per instance and configuration (default: 1 for a deterministic "
                        "solver, 3 for a randomized one)")
    p.add_argument("--deterministic", choices=("auto", "yes", "no"), default="auto",
                   help="whether runs ignore their seed (auto: python-sat backends without random phases or "
                        "shuffling, and command lines without {seed}, are deterministic)")
    p.add_argument("--no-features", action="store_true", help="no instance features for SMAC's model")
    p.add_argument("--hydra", type=at_least(1), metavar="K",
                   help="Hydra: build a portfolio of up to K configurations, each searched (for --budget/K "
                        "seconds) to lower the training PAR10 of the ones before; written as K entries")
    p.add_argument("--db", default="runs.sqlite", metavar="FILE", help="run store (default runs.sqlite)")
    p.add_argument("-o", "--output", required=True, metavar="RESULT.toml",
                   help="portfolio file written with the default and the configured entry; the search's "
                        "state is kept beside it (RESULT.toml.state.json), the scatter plot too (RESULT.png)")
    p.add_argument("--no-progress", action="store_true", help="no progress lines on stderr")
    add_format_option(p)
    p.set_defaults(func=run)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Check the inputs, search (or resume), validate, write the result and print it."""
    from pathlib import Path

    from asc.cli.options import check_outputs
    from asc.errors import InputError, UsageError

    for name in ("budget", "cutoff_time", "mem_limit"):
        value = getattr(args, name)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive, finite number; got {value!r}")
    out = Path(args.output)
    state_path = out.with_name(out.name + ".state.json")
    plot_path = out.with_suffix(".png")
    check_outputs({"-o": str(out), "--db": args.db, "state": str(state_path), "plot": str(plot_path)},
                  {"--portfolio": args.portfolio, "--instances": args.instances,
                   "--test-instances": args.test_instances}, files=("-o",))
    if not Path(args.portfolio).is_file():
        raise InputError("expected a portfolio file (e.g. portfolios/pysat.toml); not found", args.portfolio)

    from asc.runs import campaign as cp

    train_files = cp.find_instances(args.instances)
    test_files = cp.find_instances(args.test_instances) if args.test_instances else []
    from asc.portfolios import load_portfolio

    portfolio = load_portfolio(args.portfolio)
    try:
        algorithm = portfolio[args.algorithm]
    except KeyError:
        raise InputError(f"no algorithm {args.algorithm!r}; expected one of {', '.join(portfolio.names)}",
                         args.portfolio) from None
    if not algorithm.space:
        raise InputError(f"algorithm {args.algorithm!r} has no parameters to configure; expected a parameterized "
                         "algorithm ([algorithm.parameters] in its [[algorithm]] table)", args.portfolio)

    from asc.configuration import search as sr
    from asc.configuration.configs import with_configuration
    from asc.runs.store import RunStore

    det = sr.is_deterministic(algorithm) if args.deterministic == "auto" else args.deterministic == "yes"
    repeats = args.repeats or (1 if det else 3)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with RunStore(args.db, write=True) as store:
            cp.check_limits(store, args.cutoff_time, args.mem_limit)
            train = _hash(cp, train_files, store, args.instances)
            test = _hash(cp, test_files, store, args.test_instances) if test_files else []
            store.add_instances([*train, *test])
            overlap = {i.hash for i in train} & {i.hash for i in test}
            if overlap:
                print(f"asc: warning: {len(overlap)} of the {len(test)} test instances are also training instances "
                      "(same content); their held-out figures are not held out", file=sys.stderr)
            key = sr.search_key(algorithm, train, args.cutoff_time, args.mem_limit, args.seed, det)
            if args.hydra:
                key = f"{key}-hydra{args.hydra}"
            state = sr.SearchState(state_path, key)
            done = state.result
            ended = done is not None and (state.elapsed >= args.budget or (
                args.trials is not None and done["training"]["trials"] >= args.trials))
            if ended and out.is_file() and done.get("test_key") == _test_key(test, repeats):
                _print(done, args)
                return 0
            env = cp.environment(args.cutoff_time, args.mem_limit, command="configure", portfolio=str(args.portfolio),
                                 algorithm=algorithm.name, instances=str(args.instances),
                                 test_instances=args.test_instances, budget=args.budget, seed=args.seed,
                                 jobs=args.jobs, scheduler=args.scheduler or f"local:{args.jobs}", search_key=key)
            campaign = store.start_campaign(args.cutoff_time, args.mem_limit, env)
            features = None
            if not args.no_features:
                features = sr.instance_features(train, step_timeout=min(10.0, args.cutoff_time), jobs=1)
            progress = None if args.no_progress else sr.stderr_progress()
            client, executor, jobs = _dask(args.scheduler) if args.scheduler else (None, None, args.jobs)
            if args.hydra:
                try:
                    return _hydra(args, algorithm, train, test, store, state, key, det, repeats, features, progress,
                                  executor, jobs, campaign.id, out, plot_path)
                finally:
                    if client is not None:
                        client.close()
            try:
                result = sr.search(algorithm, train, store, budget=args.budget, cutoff=args.cutoff_time,
                                   mem_limit=args.mem_limit, seed=args.seed, deterministic=det, features=features,
                                   jobs=jobs, campaign_id=campaign.id, state=state, progress=progress,
                                   executor=executor, max_trials=args.trials)
            finally:
                if client is not None:
                    client.close()
            configured = with_configuration(algorithm, result.incumbent)
            default = with_configuration(algorithm, result.default)
            validation = None
            if test:
                if not args.no_progress:
                    print(f"asc: configure: validating on {len(test)} held-out instances "
                          f"({repeats} run{'s' if repeats > 1 else ''} each per configuration)", file=sys.stderr)
                from asc.configuration.validation import validate

                validation = validate(default, configured, test, store, cutoff=args.cutoff_time,
                                      mem_limit=args.mem_limit, repeats=repeats, seed=args.seed, jobs=args.jobs,
                                      campaign_id=campaign.id, scheduler=args.scheduler)
    finally:
        signal.signal(signal.SIGTERM, previous)
    summary = _summary(args, algorithm, result, validation, det, repeats, out, plot_path)
    summary["test_key"] = _test_key(test, repeats)
    _write(args, algorithm, result, validation, summary, out, plot_path)
    state.save(result=summary)
    _print(summary, args)
    return 0


def _hydra(args: argparse.Namespace, algorithm: Any, train: list, test: list, store: Any, state: Any, key: str,
           det: bool, repeats: int, features: Any, progress: Any, executor: Any, jobs: int, campaign_id: int,
           out: Any, plot: Any) -> int:
    """``--hydra K``: build the members, validate them, write them as one portfolio and print the result."""
    from asc.configuration.configs import with_configuration
    from asc.configuration.hydra import hydra
    from asc.configuration.result import portfolio_text, write_result
    from asc.configuration.validation import validate_members

    res = hydra(algorithm, train, store, k=args.hydra, budget=args.budget, cutoff=args.cutoff_time,
                mem_limit=args.mem_limit, seed=args.seed, deterministic=det, features=features, jobs=jobs,
                campaign_id=campaign_id, state_prefix=str(out), key=key, executor=executor,
                scheduler=args.scheduler, max_trials=args.trials, progress=progress)
    names = [f"{algorithm.name}-hydra{i}" for i in range(1, len(res.members) + 1)]
    train_par10 = [sum(c.values()) / len(c) for c in res.train_costs]
    best = min(range(len(train_par10)), key=train_par10.__getitem__)
    data: dict[str, Any] = {
        "algorithm": algorithm.name, "output": str(out), "db": str(args.db), "deterministic": det,
        "seed": args.seed, "budget": args.budget, "cutoff_time": args.cutoff_time,
        "default": res.searches[0].default,
        "hydra": {"k": args.hydra, "members": [{"name": n, "configuration": m, "train_par10": round(p, 6)}
                                                for n, m, p in zip(names, res.members, train_par10)],
                  "stopped_early": res.stopped_early, "train_vbs_par10": round(res.train_vbs, 6),
                  "trials": sum(r.trials for r in res.searches), "ran": sum(r.ran for r in res.searches),
                  "smac_overhead_per_trial": round(sum(r.overhead * r.ran for r in res.searches)
                                                   / max(1, sum(r.ran for r in res.searches)), 4)},
        "validation": None,
    }
    if test:
        default = with_configuration(algorithm, res.searches[0].default)
        members = [with_configuration(algorithm, m) for m in res.members]
        v = validate_members(default, members, best, test, store, cutoff=args.cutoff_time, mem_limit=args.mem_limit,
                             repeats=repeats, seed=args.seed, jobs=jobs, campaign_id=campaign_id,
                             scheduler=args.scheduler)
        data["validation"] = {k: (round(x, 6) if isinstance(x, float) and math.isfinite(x) else x)
                              for k, x in v.items()}
        data["validation"]["member_par10"] = [round(x, 6) for x in v["member_par10"]]
    data["selector"] = _hydra_selector(args, algorithm, res, names, train, test, store, repeats, jobs, out,
                                       data["validation"])
    h = data["hydra"]
    comments = [f"asc configure --hydra {args.hydra} --algorithm {algorithm.name} --portfolio {args.portfolio} "
                f"--instances {args.instances} --budget {args.budget:g} --cutoff-time {args.cutoff_time:g} "
                f"--seed {args.seed}",
                f"{len(names)} members; training PAR10 of each {[m['train_par10'] for m in h['members']]}, "
                f"of their virtual best {h['train_vbs_par10']}"]
    if data["validation"]:
        v = data["validation"]
        comments.append(f"held-out ({v['instances']} instances): PAR10 default {v['default_par10']}, best single "
                        f"member (hydra{v['best_single_member']}) {v['best_single_par10']}, members' virtual best "
                        f"{v['members_vbs_par10']}")
    sel = data["selector"]
    if sel is not None:
        comments.append(f"selector {sel['selector']} (chosen by cross-validation on the training instances), "
                        f"model {sel['model']}" + (f"; held-out PAR10 {sel['held_out_par10']} charged its feature "
                                                   f"cost, solved {sel['held_out_solved']}"
                                                   if sel.get("held_out_par10") is not None else ""))
    desc = (f"Hydra portfolio of {algorithm.name}, with a selector over it beside this file"
            if sel is not None else f"Hydra portfolio of {algorithm.name}: train a selector over it with asc "
            "collect + asc train")
    write_result(out, portfolio_text(algorithm, {}, comments, desc, members=list(zip(names, res.members))))
    state.save(result=None, elapsed=max(state.elapsed, args.budget))
    if args.format == "json":
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(f"{algorithm.name}: Hydra, {len(names)} of {args.hydra} members ({h['trials']} trials, SMAC "
              f"{h['smac_overhead_per_trial']:.3f} s per trial); training PAR10 of the members' virtual best "
              f"{h['train_vbs_par10']}")
        for m in h["members"]:
            conf = " ".join(f"{k}={json.dumps(x) if isinstance(x, bool) else x}" for k, x in sorted(
                m["configuration"].items()))
            print(f"  {m['name']}: {conf}  (training PAR10 {m['train_par10']})")
        if data["validation"]:
            v = data["validation"]
            print(f"  held-out, {v['instances']} instances: PAR10 default {v['default_par10']}, best single member "
                  f"{v['best_single_par10']}, members' virtual best {v['members_vbs_par10']}")
        sel = data["selector"]
        if sel is not None:
            print(f"  selector {sel['selector']} (cross-validated training PAR10 "
                  f"{sel['cv_par10'][sel['selector']]}), model {sel['model']}")
            if sel.get("held_out_par10") is not None:
                print(f"  held-out: selector PAR10 {sel['held_out_par10']} (feature cost "
                      f"{sel['held_out_feature_cost']} s per instance included), solved {sel['held_out_solved']}; "
                      f"choices {sel['held_out_choices']}")
        print(f"  wrote {out}")
    return 0


def _hydra_selector(args: argparse.Namespace, algorithm: Any, res: Any, names: list[str], train: list,
                    test: list, store: Any, repeats: int, jobs: int, out: Any,
                    validation: dict[str, Any] | None) -> dict[str, Any] | None:
    """Choose, fit and save a selector over Hydra's members, and charge it on the held-out instances.

    See :mod:`asc.configuration.hydra_selector`. One member leaves nothing to select
    (``None``). The model is saved beside the result (``RESULT.selector.skops``).
    """
    if len(names) < 2:
        return None
    from asc.configuration.configs import with_configuration
    from asc.configuration.hydra_selector import choose_selector, features_of, held_out, members_scenario
    from asc.models.files import save_model, train_model

    say = (lambda m: None) if args.no_progress else (lambda m: print(f"asc: configure: {m}", file=sys.stderr))
    members = [with_configuration(algorithm, m) for m in res.members]
    say(f"features of {len(train) + len(test)} instances for the selector over {len(names)} members")
    common = dict(cutoff=args.cutoff_time, mem_limit=args.mem_limit, seed=args.seed)
    scenario = members_scenario(store, train, members, names, features_of(train, jobs), repeats=1,
                                scenario_id=f"{algorithm.name}-hydra-train", **common)
    chosen, scores, errors = choose_selector(scenario, seed=args.seed, progress=say)
    model = train_model(scenario, chosen, seed=args.seed)
    path = save_model(model, out.with_name(out.stem + ".selector.skops"))
    report: dict[str, Any] = {
        "selector": chosen, "model": str(path),
        "cv_par10": {k: (round(v, 6) if math.isfinite(v) else None) for k, v in scores.items()},
        "cv_errors": errors, "held_out_par10": None,
    }
    if test and validation is not None:
        test_scenario = members_scenario(store, test, members, names, features_of(test, jobs), repeats=repeats,
                                         scenario_id=f"{algorithm.name}-hydra-test", **common)
        h = held_out(model, test_scenario)
        report.update(held_out_par10=round(h["par10"], 6), held_out_solved=h["solved"],
                      held_out_feature_cost=round(h["feature_cost_mean"], 6), held_out_choices=h["choices"],
                      held_out_per_instance=h["per_instance"],
                      selector_beats_best_single=h["par10"] < validation["best_single_par10"],
                      best_single_over_selector=round(validation["best_single_par10"] / h["par10"], 6)
                      if h["par10"] else None)
    return report


def _dask(address: str) -> tuple[Any, Any, int]:
    """(client, executor, slots) of the Dask cluster at ``address``: trials go there as picklable run requests."""
    from asc.errors import UsageError

    from distributed import Client

    try:
        client = Client(address, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    # pure=False: a trial asked again is a new measurement, never a cached result
    return client, client.get_executor(pure=False), max(1, sum(client.nthreads().values()))


def _hash(cp: Any, files: list, store: Any, spec: str) -> list:
    from asc.errors import InputError

    try:
        return cp.hash_instances(files, store)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"expected readable instance files: {exc}", spec) from None


def _test_key(test: list, repeats: int) -> str:
    from asc.configuration.configs import fingerprint

    return fingerprint({"test": sorted(i.hash for i in test), "repeats": repeats})


def _summary(args: argparse.Namespace, algorithm: Any, result: Any, validation: Any, det: bool, repeats: int,
             out: Any, plot: Any) -> dict[str, Any]:
    from asc.configuration.result import configured_name

    def num(x: float) -> float | None:
        return round(x, 6) if isinstance(x, float) and math.isfinite(x) else None

    data: dict[str, Any] = {
        "algorithm": algorithm.name, "configured_name": configured_name(algorithm), "output": str(out),
        "db": str(args.db), "deterministic": det, "seed": args.seed, "budget": args.budget,
        "cutoff_time": args.cutoff_time, "default": result.default, "incumbent": result.incumbent,
        "training": {"trials": result.trials, "ran": result.ran, "replayed": result.replayed,
                     "seconds": round(result.elapsed, 3), "smac_overhead_per_trial": round(result.overhead, 4),
                     "default_par10": num(result.default_cost), "incumbent_par10": num(result.incumbent_cost),
                     "incumbent_runs": result.incumbent_instances},
        "validation": None,
    }
    if validation is not None:
        v = validation.as_dict()
        v["per_instance"] = [{k: (num(x) if isinstance(x, float) else x) for k, x in r.items()}
                             for r in v["per_instance"]]
        data["validation"] = {k: (num(x) if isinstance(x, float) else x) for k, x in v.items()}
        data["plot"] = str(plot) if validation.instances else None
    return data


def _write(args: argparse.Namespace, algorithm: Any, result: Any, validation: Any, summary: dict[str, Any],
           out: Any, plot: Any) -> None:
    from asc.configuration.result import portfolio_text, write_result

    t = summary["training"]
    comments = [f"asc configure --algorithm {algorithm.name} --portfolio {args.portfolio} --instances "
                f"{args.instances} --budget {args.budget:g} --cutoff-time {args.cutoff_time:g} --seed {args.seed}",
                f"search: {t['trials']} trials in {t['seconds']:.0f} s; training PAR10 default {t['default_par10']} "
                f"incumbent {t['incumbent_par10']} (on {t['incumbent_runs']} runs)"]
    desc = f"{algorithm.name} configured by asc configure"
    if validation is not None and validation.instances:
        v = summary["validation"]
        line = (f"held-out ({v['instances']} instances x {v['repeats']}): PAR10 default {v['default_par10']} "
                f"configured {v['configured_par10']} (ratio {v['par10_ratio']}); solved {v['default_solved']} vs "
                f"{v['configured_solved']} of {v['runs_per_configuration']}; speedup geomean {v['speedup_geomean']} "
                f"median {v['speedup_median']}; faster on {v['faster']} of {v['instances']}")
        comments.append(line)
        desc += "; " + line
    write_result(out, portfolio_text(algorithm, result.incumbent, comments, desc))
    if validation is not None and validation.instances:
        from asc.configuration.validation import scatter_plot

        scatter_plot(validation, plot, args.cutoff_time, title=f"{algorithm.name}: default vs configured")


def _print(data: dict[str, Any], args: argparse.Namespace) -> None:
    if args.format == "json":
        print(json.dumps(data, indent=2, sort_keys=True))
        return
    t = data["training"]

    def conf(c: dict[str, Any]) -> str:
        return " ".join(f"{k}={json.dumps(v) if isinstance(v, bool) else v}" for k, v in sorted(c.items()))

    print(f"{data['algorithm']}: {t['trials']} trials ({t['ran']} run in this session, {t['replayed']} from the "
          f"store) in {t['seconds']:.1f} s; SMAC {t['smac_overhead_per_trial']:.3f} s per trial")
    print(f"  default:    {conf(data['default'])}  (training PAR10 {t['default_par10']})")
    print(f"  configured: {conf(data['incumbent'])}  (training PAR10 {t['incumbent_par10']} on "
          f"{t['incumbent_runs']} runs)")
    v = data.get("validation")
    if v and v["instances"]:
        print(f"  held-out, {v['instances']} instances x {v['repeats']}: PAR10 {v['default_par10']} -> "
              f"{v['configured_par10']} ({v['par10_ratio']}x); solved {v['default_solved']} -> "
              f"{v['configured_solved']} of {v['runs_per_configuration']}; per-instance speedup geomean "
              f"{v['speedup_geomean']}x, median {v['speedup_median']}x; faster on {v['faster']} of {v['instances']}")
    print(f"  wrote {data['output']} ({data['algorithm']}, {data['configured_name']})"
          + (f" and {data['plot']}" if data.get("plot") else ""))
