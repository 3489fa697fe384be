"""A python-sat backend as a SAT-competition style command line.

Usage::

    python -m asc.portfolios.pysat_solver INSTANCE --solver NAME [--seed S]
                                          [--phase solver|pos|neg|random] [--shuffle no|yes]
                                          [--OPTION=INT ...]   (cadical195: CaDiCaL's options)
                                          [--OPTION=VALUE ...] (cryptosat: CryptoMiniSat's options)

Prints ``s SATISFIABLE`` with the model on ``v`` lines (exit 10), ``s UNSATISFIABLE``
(exit 20) or ``s UNKNOWN`` (exit 0). The first line, ``c asc-startup cpu=C wall=W``,
reports the CPU and wall seconds spent before the instance was opened (interpreter
start-up and imports), measured here; the runner subtracts them, so that a backend is
timed from reading its input, like a compiled solver.

python-sat backends take no random seed. ``--seed`` drives ``--phase random`` and
``--shuffle yes`` (the clause order is permuted), so seeds matter exactly when a
configuration asks for randomness; with the defaults the run is deterministic.

CryptoMiniSat (``cryptosat``, alias ``cryptominisat5``) runs through ``pycryptosat``
directly, not python-sat's class, which can set no option: one thread, verbosity 0,
its options set before any clause, and ``--seed`` as its own ``seed`` option, so a run
is reproducible from its seed and different seeds are different runs (CryptoMiniSat
is randomized: :func:`asc.configuration.search.is_deterministic` says so).
"""

from __future__ import annotations

import os
import time

# numpy is only used to read the input: one BLAS thread keeps the address space
# (RLIMIT_AS) and the memory footprint of the wrapper small
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

from pysat.solvers import Solver, SolverNames  # noqa: E402

from asc.errors import InputError  # noqa: E402


def _startup_wall() -> float:
    """Seconds since this process was created (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            start_ticks = int(fh.read().rsplit(b")", 1)[1].split()[19])
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asc.portfolios.pysat_solver", description=__doc__.split("\n\n")[0])
    parser.add_argument("instance")
    parser.add_argument("--solver", required=True, help="python-sat solver name or alias")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phase", choices=("solver", "pos", "neg", "random"), default="solver")
    parser.add_argument("--shuffle", choices=("no", "yes"), default="no")
    args, rest = parser.parse_known_args(argv)
    options = _solver_options(args.solver, rest, parser)
    if isinstance(options, dict) and _is_cms(args.solver) and args.phase != "solver":
        options = "CryptoMiniSat sets no phases through pycryptosat; --phase may only be solver (see its polar option)"
    if isinstance(options, str):
        print(f"asc: error: {options}", file=sys.stderr)  # one line: the runner records it as the CRASH message
        return 2

    # imported before the start-up line (numpy with it): start-up, not solving (imported
    # here, not at the top, so that asc solve's pre-solving path can use this module
    # without numpy)
    from asc.instances import CNFHeaderWarning, read_cnf

    name = backend_name(args.solver)
    out = sys.stdout
    out.write(f"c asc-startup cpu={time.process_time():.6f} wall={_startup_wall():.6f}\n")
    out.flush()

    # The project's reader, as the runner's model check, so the solver gets exactly the
    # clauses its model is checked against. engine="numpy": the Numba kernels would add
    # half a second of start-up and 150 MiB resident to every run, and could not even
    # load under a small memory limit.
    try:
        with warnings.catch_warnings():
            # header counts that disagree with the clauses: the clauses win, and the
            # runner's model check (same reader) reads them; keep stderr for failures
            warnings.simplefilter("ignore", CNFHeaderWarning)
            formula = read_cnf(args.instance, engine="numpy")
    except InputError as exc:
        # one line on stderr: the runner records it as the CRASH message
        print(f"asc: error: {exc}", file=sys.stderr)
        return 2
    rng = order = None
    if args.shuffle == "yes" or args.phase == "random":
        import random

        rng = random.Random(args.seed)
    if args.shuffle == "yes":
        order = list(range(formula.nclauses))
        rng.shuffle(order)  # type: ignore[union-attr]
    if _is_cms(args.solver):
        try:
            answer, model = _solve_cms(formula, options, args.seed, order)
        except ImportError as exc:  # one line: the runner records it as the CRASH message
            print(f"asc: error: CryptoMiniSat needs pycryptosat ({exc}); pip install pycryptosat", file=sys.stderr)
            return 2
    else:
        offs = formula.offsets
        empty = bool(formula.nclauses and (offs[1:] == offs[:-1]).any())
        answer, model = solve_pysat(name, _clauses(formula, order), formula.nvars, empty, options, args.phase, rng)
    if answer is None:
        out.write("s UNKNOWN\n")
        return 0
    if not answer:
        out.write("s UNSATISFIABLE\n")
        out.flush()
        return 20
    out.write("s SATISFIABLE\n")
    model = complete_model(model, formula.nvars)
    step = 20
    for i in range(0, len(model), step):
        out.write("v " + " ".join(map(str, model[i:i + step])) + "\n")
    out.write("v 0\n")
    out.flush()
    return 10


def _clauses(formula: Any, order: list[int] | None) -> Iterator[list[list[int]]]:
    """The clauses as lists, chunk by chunk (never the whole formula as Python lists), or in ``order``."""
    lits, offs = formula.literals, formula.offsets
    if order is not None:
        flat, o = lits.tolist(), offs.tolist()
        yield [flat[o[i]:o[i + 1]] for i in order]
        return
    for a in range(0, formula.nclauses, 50000):
        b = min(a + 50000, formula.nclauses)
        flat, o = lits[offs[a]:offs[b]].tolist(), (offs[a:b + 1] - offs[a]).tolist()
        yield [flat[o[i]:o[i + 1]] for i in range(b - a)]


def _solve_cms(formula: Any, options: dict[str, Any], seed: int, order: list[int] | None) -> tuple[bool | None, Any]:
    """CryptoMiniSat through pycryptosat: one thread, silent, seeded, options before any clause.

    Returns ``(answer, model)``: True with the model as signed literals, False, or None.
    """
    import pycryptosat

    offs = formula.offsets
    if formula.nclauses and (offs[1:] == offs[:-1]).any():
        return False, None  # the empty clause: UNSAT by definition
    settings = {k: str(v) for k, v in options.items()}
    settings["seed"] = str(seed % 2**32)
    solver = pycryptosat.Solver(verbose=0, threads=1, options=settings)
    if order is None:
        import numpy as np

        # one flat buffer of zero-terminated clauses: pycryptosat reads it without Python lists
        solver.add_clauses(np.ascontiguousarray(np.insert(formula.literals, offs[1:], 0), dtype=np.int32))
    else:
        for chunk in _clauses(formula, order):
            solver.add_clauses(chunk)
    sat, solution = solver.solve()
    if not sat:
        return False, None
    return True, [v if solution[v] else -v for v in range(1, len(solution)) if solution[v] is not None]


def backend_name(solver: str) -> str:
    """python-sat's own name of a solver name or alias (``kissat404`` for ``kissat``...)."""
    aliases = getattr(SolverNames, solver, None)
    return aliases[0] if isinstance(aliases, tuple) else solver


def complete_model(model: Any, nvars: int) -> list[int]:
    """A backend's model with every variable up to ``nvars`` assigned.

    Backends may omit variables that occur in no clause; any value satisfies them, so
    they are set false, and the printed model assigns every variable of the header.
    """
    model = list(model or [])
    seen = {abs(x) for x in model}
    model += [-v for v in range(1, nvars + 1) if v not in seen]
    return model


def solve_pysat(name: str, chunks: Any, nvars: int, empty: bool, options: dict[str, Any] | None = None,
                phase: str = "solver", rng: Any = None) -> tuple[bool | None, Any]:
    """A python-sat backend on clauses given as lists: ``(answer, model)`` as :func:`_solve_cms`.

    The one place a python-sat backend (other than CryptoMiniSat) is driven: this
    wrapper's runs and ``asc solve``'s forked pre-solving slots
    (:mod:`asc.cli.presolve`) give the same solver the same clauses in the same way.

    Parameters
    ----------
    name
        python-sat's name of the backend (:func:`backend_name`).
    chunks
        Iterable of lists of clauses (each a list of nonzero ints), in order.
    nvars
        Variables of the formula (the header's count), for ``phase``.
    empty
        Whether the formula has the empty clause: UNSAT by definition, and some
        backends reject it, so no clause is given then.
    options, phase, rng
        CaDiCaL's options (set before any clause), the initial phases
        (``solver``, ``pos``, ``neg``, ``random`` drawn from ``rng``).
    """
    with Solver(name=name) as solver:
        if options:
            solver.solver.configure(options)  # before any clause: CaDiCaL takes options only then
        if empty:
            answer = False
        else:
            for chunk in chunks:
                solver.append_formula(chunk)
            if phase != "solver" and nvars:
                if phase == "pos":
                    phases = range(1, nvars + 1)
                elif phase == "neg":
                    phases = (-v for v in range(1, nvars + 1))
                else:
                    phases = (v if rng.random() < 0.5 else -v for v in range(1, nvars + 1))
                solver.set_phases(list(phases))
            answer = solver.solve()
        model = solver.get_model() if answer else None
    return answer, model


def _is_cms(solver: str) -> bool:
    """Whether ``solver`` names CryptoMiniSat (python-sat's ``cryptosat`` or one of its aliases)."""
    return solver == "cryptosat" or solver in getattr(SolverNames, "cryptosat", ())


def _solver_options(solver: str, rest: list[str], parser: argparse.ArgumentParser) -> dict[str, Any] | str:
    """Solver options given as ``--name=value``: CaDiCaL's (backends of
    :data:`asc.portfolios.cadical.CADICAL_NAMESPACES`) or CryptoMiniSat's.

    Each is checked against the solver's own option table, because python-sat's
    ``configure`` ignores unknown names and CaDiCaL clamps values out of range silently,
    and CryptoMiniSat's ``set_option`` checks only the C type; a bad one is returned as
    its one-line error (the run ends with exit 2: a crash). Other backends take no
    options: anything left over is a usage error, as before.
    """
    if not rest:
        return {}
    from asc.portfolios.cadical import CADICAL_NAMESPACES, check_value

    cms = _is_cms(solver)
    if solver not in CADICAL_NAMESPACES and not cms:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    options: dict[str, Any] = {}
    for arg in rest:
        name, eq, text = arg.removeprefix("--").partition("=")
        if not (arg.startswith("--") and eq):
            return f"expected --name=value; got {arg!r}"
        if cms:
            from asc.portfolios import cryptominisat

            try:
                value = _cms_value(name, text)
                problem = cryptominisat.check_value(name, value)
            except cryptominisat.OptionTableError as exc:
                problem = str(exc)
        else:
            try:
                value = int(text)
            except ValueError:
                value = None
            problem = check_value(solver, name, value)
        if problem:
            return problem
        options[name] = value
    return options


def _cms_value(name: str, text: str) -> Any:
    """``text`` as a value of CryptoMiniSat option ``name``'s kind (the text itself when it does not parse)."""
    from asc.portfolios.cryptominisat import NOT_SEARCH, kind_and_range

    if name in NOT_SEARCH:
        return text
    kind = kind_and_range(name)[0]
    try:
        return int(text) if kind in ("int", "unsigned") else float(text) if kind == "float" else text
    except ValueError:
        return text


if __name__ == "__main__":
    sys.exit(main())
