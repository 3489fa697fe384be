"""``asc solve``: select an algorithm for a CNF instance and run it, as a SAT solver would.

Steps: the model's pre-solving schedule (if it learned one) runs first, each slot
with its own CPU limit, before the model is loaded when it can (:mod:`asc.cli.presolve`:
each slot a forked child of this process on the formula read once, so that an easy
instance costs little more than its solver); then the features are computed and the
model chooses (or falls back to its backup solver, see :mod:`asc.models.deploy`); the chosen
algorithm (or, for a selector that schedules per instance such as SUNNY, each slot
of the instance's schedule in turn) runs through the harness's runner (:func:`asc.runs.runner.execute`): its
own process tree under CPU, wall-clock and memory limits, its output parsed. If it
crashes or runs out of memory with time left, the backup solver gets the rest.

Output is SAT-competition style. stdout: ``s SATISFIABLE`` and the model on ``v``
lines ending with ``0`` (exit 10), ``s UNSATISFIABLE`` (exit 20) or ``s UNKNOWN``
(exit 0). A model is printed only after it has been checked against the formula
(by the runner and again here against the formula as read): a wrong model is never
printed as SAT, it gives ``s UNKNOWN``. stderr: ``c`` lines saying which solver ran,
why, and its CPU and wall time.

``--cutoff-time`` is the CPU budget of the whole solve (this process's CPU time,
which includes reading the instance and the features, plus every solver run);
without it the solver runs until it answers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: CPU limit used when no --cutoff-time is given: a year, i.e. none in practice (the
#: runner needs a number for its OS limits).
NO_LIMIT = 365 * 24 * 3600.0
#: Characters per ``v`` line, as competition solvers wrap their models.
V_WIDTH = 78


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_cutoff_time_option, add_mem_limit_option, add_output_limit_option, seed
    from asc.cli.select import add_common_options

    p = sub.add_parser(
        "solve", help="select an algorithm with a model and run it on a CNF instance (SAT-competition output)",
        description="Select an algorithm for a DIMACS CNF file with a trained model (default: the model "
                    "shipped with asc) and run it under the harness's limits. Prints 's SATISFIABLE' and "
                    "'v' lines (exit 10), 's UNSATISFIABLE' (exit 20) or 's UNKNOWN' (exit 0) on stdout; "
                    "'c' lines with the chosen solver and its CPU and wall time on stderr.",
        epilog="SAT models are checked against the formula before they are printed. Exit status 2 "
               "(one line on stderr) for an unreadable instance or model file.",
    )
    add_common_options(p)
    add_cutoff_time_option(p, "CPU seconds for the whole solve: features and solver runs (default: no limit)")
    add_mem_limit_option(p, "memory limit of each solver run in MiB (default: none)", default=None)
    add_output_limit_option(p)
    p.add_argument("--portfolio", metavar="TOML", default=None,
                   help="portfolio file defining the model's algorithms (default: algorithms named after "
                        "python-sat solvers run as python-sat backends)")
    p.add_argument("--seed", type=seed, default=0, help="seed passed to the solver (default: 0)")
    p.set_defaults(func=run)


def comment(text: str) -> None:
    """A ``c`` line on stderr (flushed: a user watching a long run sees what is running)."""
    print(f"c {text}", file=sys.stderr, flush=True)


def resolve_algorithm(name: str, portfolio: Any | None) -> Any:
    """The runnable :class:`asc.portfolios.Algorithm` of a model's algorithm name.

    Raises
    ------
    UsageError
        The name is neither in ``portfolio`` nor a python-sat solver.
    """
    from asc.errors import InputError, UsageError
    from asc.portfolios import pysat_algorithm

    if portfolio is not None:
        try:
            return portfolio[name]
        except KeyError:
            raise UsageError(f"the model's algorithm {name!r} is not in portfolio {portfolio.path}") from None
    try:
        return pysat_algorithm(name, name=name)
    except InputError:
        raise UsageError(f"the model's algorithm {name!r} is not a python-sat solver; give --portfolio "
                         "with the portfolio file the model was trained on") from None


def run_algorithm(algorithm: Any, instance: str, cutoff: float, mem_limit: float | None,
                  seed: int, output_limit: float | None = None) -> tuple[Any, Any]:
    """Run ``algorithm`` through the harness runner; (RunResult, parsed solver output)."""
    from asc.runs.check import parse_output
    from asc.runs.runner import RunRequest, execute

    # solvers run in a scratch folder of the runner: a relative path would not resolve there
    request = RunRequest(instance=str(Path(instance).resolve()), instance_hash="", algorithm=algorithm, seed=seed,
                         repetition=1, cutoff_time=cutoff, mem_limit_mb=mem_limit, output_limit_mb=output_limit)
    with tempfile.TemporaryDirectory(prefix="asc-solve-") as tmp:
        # the runner deletes the solver's output unless asked to keep it; the model is in it
        result = execute(request, keep_output=Path(tmp))
        parsed = parse_output((Path(tmp) / "stdout.txt").read_bytes())
    return result, parsed


def checked_model(result: Any, parsed: Any, cnf: Any) -> Any | None:
    """The solver's model if the run is SAT and the model satisfies ``cnf``, else None."""
    from asc.runs.check import check_model
    from asc.runs.status import RunStatus

    if result.status != RunStatus.SAT or not result.model_checked or parsed.model is None:
        return None
    # checked by the runner against the file; checked again against the formula this
    # process read, so that what is printed is exactly what was verified
    verdict = check_model(cnf, parsed.model)
    if not verdict.ok:
        comment(f"WARNING: {result.algorithm}'s model does not satisfy the formula: {verdict.message}")
        return None
    return parsed.model


def print_model(model: Any, out: Any = None) -> None:
    """``v`` lines of at most :data:`V_WIDTH` characters, the last ending with ``0``."""
    out = out or sys.stdout
    line = "v"
    for lit in [*map(str, (int(x) for x in model)), "0"]:
        if len(line) + 1 + len(lit) > V_WIDTH:
            out.write(line + "\n")
            line = "v"
        line += " " + lit
    out.write(line + "\n")


def plan_slots(plan: Any, left: float, limited: bool) -> list[tuple[str, float]]:
    """CPU limits of a per-instance schedule's slots (SUNNY) given ``left`` seconds.

    The slots were learned in seconds of the training cutoff. Under a budget they are
    scaled so that the schedule fills what is left, as SUNNY scales its schedule to
    the time limit; without one they keep their learned lengths. Either way the last
    slot gets all the time that remains: stopping a solver that may still answer
    would only turn time into ``s UNKNOWN``.
    """
    total = sum(t for _, t in plan)
    scale = left / total if limited and total > 0 else 1.0
    slots = [(str(a), float(t) * scale) for a, t in plan]
    if slots:
        slots[-1] = (slots[-1][0], left)
    return slots


def run_plan(plan: Any, attempt: Any, remaining: Any, limited: bool) -> tuple[int, Any, Any] | None:
    """Run a per-instance schedule's slots in order until one decides the instance."""
    slots = plan_slots(plan, remaining(), limited)
    for i, (name, seconds) in enumerate(slots):
        left = remaining()
        if left <= 0:
            return None
        last = i == len(slots) - 1
        outcome = attempt(name, left if last else min(seconds, left),
                          f"slot {i + 1} of {len(slots)} of the model's schedule for this instance")
        if outcome is not None:
            return outcome
    return None


def run(args: argparse.Namespace) -> int:
    from asc.cli.presolve import fast_presolve
    from asc.cli.select import check_step_timeout
    from asc.errors import UsageError

    if args.cutoff_time is not None and args.cutoff_time <= 0:
        raise UsageError(f"--cutoff-time must be positive, got {args.cutoff_time:g}")
    if args.mem_limit is not None and args.mem_limit <= 0:
        raise UsageError(f"--mem-limit must be positive, got {args.mem_limit:g}")
    check_step_timeout(args.step_timeout)
    budget = args.cutoff_time if args.cutoff_time is not None else NO_LIMIT
    # CPU is counted from here: loading the model and libraries, reading, features and
    # every solver run (the interpreter's start-up before this point is a few 0.1 s)
    start_cpu = time.process_time()
    solver_cpu = 0.0

    def used() -> float:
        return time.process_time() - start_cpu + solver_cpu

    def remaining() -> float:
        return budget - used()

    # the pre-solving schedule before anything heavy is loaded (asc.cli.presolve): an
    # easy instance is answered there; otherwise its slots are not run again below
    early = fast_presolve(args, budget, lambda extra: time.process_time() - start_cpu + extra)
    if early.code is not None:
        return early.code
    solver_cpu = early.solver_cpu

    import numpy as np

    from asc.cli.select import check_model_steps, load_model_arg, model_path_arg, read_instance
    from asc.errors import InputError
    from asc.models.deploy import select_instance
    from asc.runs.status import RunStatus

    model = load_model_arg(args.model)
    portfolio = None
    if args.portfolio:
        from asc.portfolios import load_portfolio

        portfolio = load_portfolio(args.portfolio)
    cnf = read_instance(args.instance)
    check_model_steps(model, cnf, args.model)
    if not early.announced:
        comment(f"asc solve: model {model_path_arg(args.model)} ({model.info.selector} trained on "
                f"{model.info.scenario}), {cnf.nvars} variables, {cnf.nclauses} clauses")

    def attempt(name: str, cutoff: float, why: str) -> tuple[int, Any, Any] | None:
        """Run one algorithm; the exit code to finish with if it decided the instance, else None."""
        nonlocal solver_cpu
        algorithm = resolve_algorithm(name, portfolio)
        problem = algorithm.program_problem()
        if problem is not None:
            raise InputError(f"algorithm {name!r}: {problem}", args.portfolio,
                             portfolio.line_of(name) if portfolio is not None else None)
        limit = "none" if cutoff >= NO_LIMIT / 2 else f"{cutoff:.2f} s"
        comment(f"running {name} ({why}), CPU limit {limit}")
        result, parsed = run_algorithm(algorithm, args.instance, cutoff, args.mem_limit, args.seed,
                                       args.output_limit)
        solver_cpu += result.cpu_time
        detail = f"; {result.message}" if result.message else ""
        comment(f"{name}: {result.status.value}, CPU {result.cpu_time:.3f} s, wall {result.wall_time:.3f} s, "
                f"peak memory {result.peak_memory_mb:.0f} MiB{detail}")
        if result.status == RunStatus.SAT:
            found = checked_model(result, parsed, cnf)
            if found is not None:
                return 10, result, found
            return None
        if result.status == RunStatus.UNSAT:
            return 20, result, None
        return None

    outcome = None
    # the schedule is the same for every instance: asked of a decision on no instance
    for name, seconds in model.selector.decide(np.empty((0, len(model.info.features)))).schedule:
        if name in early.tried:
            continue  # run by the fast path, without an answer
        left = remaining()
        if left <= 0:
            break
        outcome = attempt(name, min(seconds, left), f"pre-solving slot of {seconds:g} s")
        if outcome is not None:
            break
    if outcome is None and remaining() > 0:
        step_timeout = args.step_timeout
        if args.cutoff_time is not None:
            # a feature step may not eat the whole budget: the solver still needs time
            share = max(remaining(), 0.0) / 2
            step_timeout = share if step_timeout is None else min(step_timeout, share)
        selection = select_instance(model, cnf, step_timeout=step_timeout)
        steps = ", ".join(f"{n} {o.status} {o.cost:.3f} s" for n, o in selection.steps.items())
        if steps:
            comment(f"features: {steps}")
        if selection.note:
            comment(selection.note)
        why = {"predicted": "chosen by the model", "backup": "backup solver",
               "presolved": f"backup solver, instance presolved {selection.presolved}"}[selection.reason]
        tried = [selection.algorithm]
        if selection.plan and selection.reason == "predicted":
            tried = [a for a, _ in selection.plan]
            outcome = run_plan(selection.plan, attempt, remaining, args.cutoff_time is not None)
        elif remaining() > 0:
            outcome = attempt(selection.algorithm, remaining(), why)
        if outcome is None and remaining() > 0:
            # a crash or memory failure of the chosen solver is no answer; the backup may do better
            backup = model.info.backup
            if backup and backup not in tried:
                outcome = attempt(backup, remaining(), "backup solver after the chosen one failed")
    if outcome is None:
        comment(f"no answer (CPU used {used():.2f} s)")
        print("s UNKNOWN", flush=True)
        return 0
    code, result, found = outcome
    comment(f"answer by {result.algorithm}: solver CPU {result.cpu_time:.3f} s, wall {result.wall_time:.3f} s; "
            f"asc total CPU {used():.2f} s")
    if code == 10:
        print("s SATISFIABLE")
        print_model(found)
    else:
        print("s UNSATISFIABLE")
    sys.stdout.flush()
    return code
