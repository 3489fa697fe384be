"""``asc solve``'s fast path: the model's pre-solving schedule, run before anything heavy is loaded.

Why. On an easy instance the schedule's first slot answers in hundredths of a second,
and everything ``asc solve`` did before it (NumPy, the model's arrays, the project's
reader, then a new interpreter per slot that imports python-sat and reads the file
again) cost several times the solver's own time. Here the schedule is read from the
model file's header and recipe (:func:`asc.models.files.read_schedule`), the formula is
read once with python-sat's C parser, and each slot runs its python-sat backend in a
forked child of this warm process (:func:`asc.runs.limits.run_forked`: the runner's OS
limits, an exact CPU timer, the output limit, its answer sent back by a pipe). A SAT
answer is accepted only with a model that satisfies every clause of the formula read
here (:func:`asc.runs.modelcheck.check_clauses`, the rule of
:func:`asc.runs.check.check_model`).

When it applies. No ``--portfolio`` (its entries may configure a backend), a model
with a compiled pre-solving pipeline, slots that are plain python-sat backends
(CryptoMiniSat is seeded and runs through its own module), and a formula that python-
sat's strict parser reads exactly as the header says (one clause per line, the
``p cnf`` counts right). Anything else (a header that miscounts, a malformed line, an
unreadable file) falls through to the full path, which reads the file with the
project's reader and reports its warnings and errors as before; so does a schedule
that did not decide the instance, without running its slots again.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

#: The ``p cnf VARS CLAUSES`` header line.
_HEADER = re.compile(rb"^p\s+cnf\s+(\d+)\s+(\d+)\s*$", re.M)


@dataclass
class Presolve:
    """What the fast path did: the exit code when it decided the instance, else what it spent.

    ``code`` is 10 or 20 when a slot decided the instance (the answer is printed), None
    otherwise; ``solver_cpu`` is the CPU seconds of the slots run (children of this
    process); ``tried`` the slots run, so the full path does not run them again;
    ``announced`` whether the ``c asc solve: model ...`` line was printed.
    """

    code: int | None = None
    solver_cpu: float = 0.0
    tried: list[str] = field(default_factory=list)
    announced: bool = False


@dataclass
class Formula:
    """A formula read by python-sat's parser: clauses as lists, the header's counts."""

    nvars: int
    clauses: list[list[int]]

    @property
    def nclauses(self) -> int:
        return len(self.clauses)


def read_simple(path: str) -> Formula | None:
    """The formula of ``path`` when python-sat's strict parser reads it as the project's reader would.

    python-sat's C parser (``pyformula``) takes one clause per line ending with 0 and
    raises on anything else (SATLIB's ``%`` end marker is cut off first, as the
    project's reader stops there); its result is accepted only when the header is there and
    its counts hold (as many clauses, no variable beyond the count), the cases where
    :func:`asc.instances.read_cnf` reads the same clauses and warns about nothing.
    None otherwise: the full path then reads the file and says what is wrong with it.
    """
    try:
        from pysat.formula import pyformula_present

        if not pyformula_present:
            return None
        import pyformula

        from asc.instances.compression import read_bytes

        data = read_bytes(path)
        end = data.find(b"\n%")
        if end >= 0 or b"%" in data:
            # SATLIB's end marker: the reader stops at a % that opens a line (the only %)
            if end < 0 or data.find(b"%") != end + 1:
                return None
            data = data[:end + 1]
        header = _HEADER.search(data)
        if header is None:
            return None
        nvars, declared = int(header.group(1)), int(header.group(2))
        top, clauses, _ = pyformula.parse_cnf(data.decode("ascii"), ["c"])
    except Exception:  # noqa: BLE001 - any doubt: the full path reads it and reports
        return None
    # one line starting with p: a second header is the full reader's to judge
    if len(clauses) != declared or top > nvars or data.count(b"\np") + data.startswith(b"p") != 1:
        return None
    return Formula(nvars, clauses)


def fast_presolve(args: Any, budget: float, used: Any) -> Presolve:
    """Run the model's pre-solving schedule on the fast path, if it applies (see the module docstring).

    Parameters
    ----------
    args
        ``asc solve``'s arguments.
    budget
        CPU seconds of the whole solve.
    used
        Callable: CPU seconds used so far by this process, plus ``solver_cpu`` given.

    Raises
    ------
    ModelError
        A damaged or foreign model file (the full path would refuse it the same way).
    """
    from asc.cli.solve import comment, print_model
    from asc.models.files import read_schedule
    from asc.cli.select import model_path_arg

    done = Presolve()
    if args.portfolio is not None or args.instance.lower().endswith((".csv", ".csv.gz", ".csv.xz", ".csv.bz2")):
        return done
    path = model_path_arg(args.model)
    found = read_schedule(path)
    if found is None or not found[1]:
        return done
    info, schedule = found
    from pysat.solvers import SolverNames

    if any(name == "cryptosat" or name in getattr(SolverNames, "cryptosat", ()) or
           not isinstance(getattr(SolverNames, name, None), tuple) for name, _ in schedule):
        return done
    formula = read_simple(args.instance)
    if formula is None:
        return done
    comment(f"asc solve: model {path} ({info.selector} trained on {info.scenario}), {formula.nvars} variables, "
            f"{formula.nclauses} clauses")
    done.announced = True
    for name, seconds in schedule:
        left = budget - used(done.solver_cpu)
        if left <= 0:
            break
        cutoff = min(seconds, left)
        comment(f"running {name} (pre-solving slot of {seconds:g} s), CPU limit {cutoff:.2f} s")
        status, m, model, message = run_slot(name, formula, cutoff, args.mem_limit, args.output_limit)
        done.solver_cpu += m.cpu_time
        done.tried.append(name)
        detail = f"; {message}" if message else ""
        comment(f"{name}: {status}, CPU {m.cpu_time:.3f} s, wall {m.wall_time:.3f} s, "
                f"peak memory {m.peak_rss_mb:.0f} MiB{detail}")
        if status not in ("SAT", "UNSAT"):
            continue
        comment(f"answer by {name}: solver CPU {m.cpu_time:.3f} s, wall {m.wall_time:.3f} s; "
                f"asc total CPU {used(done.solver_cpu):.2f} s")
        if status == "SAT":
            print("s SATISFIABLE")
            print_model(model)
            done.code = 10
        else:
            print("s UNSATISFIABLE")
            done.code = 20
        sys.stdout.flush()
        return done
    return done


def run_slot(name: str, formula: Formula, cutoff: float, mem_limit: float | None,
             output_limit: float | None) -> tuple[str, Any, list[int] | None, str]:
    """One pre-solving slot in a forked child: ``(status, Measurement, checked model or None, message)``.

    The status follows the runner's rules (:mod:`asc.runs.runner`): TIMEOUT at the CPU
    or wall limit, or for an answer given after the cutoff; CRASH for a child that
    failed or printed past the output limit; SAT only with a model that satisfies every
    clause (else WRONG); UNSAT; UNKNOWN.
    """
    from asc.portfolios.pysat_solver import backend_name, complete_model, solve_pysat
    from asc.runs.limits import OUTPUT_LIMIT_MB, WALL_EXTRA, WALL_FACTOR, Limits, run_forked
    from asc.runs.modelcheck import check_clauses

    backend = backend_name(name)
    empty = not all(formula.clauses)  # the empty clause

    def solve() -> bytes:
        answer, model = solve_pysat(backend, [formula.clauses], formula.nvars, empty)
        if answer is None:
            return b"UNKNOWN"
        if not answer:
            return b"UNSAT"
        return b"SAT " + " ".join(map(str, complete_model(model, formula.nvars))).encode()

    limits = Limits(cpu_time=cutoff, wall_time=WALL_FACTOR * cutoff + WALL_EXTRA, memory_mb=mem_limit or None,
                    output_mb=OUTPUT_LIMIT_MB if output_limit is None else float(output_limit))
    m, data = run_forked(solve, limits)
    return judge_slot(m, data, formula, cutoff, check_clauses)


def judge_slot(m: Any, data: bytes, formula: Formula, cutoff: float,
               check: Any) -> tuple[str, Any, list[int] | None, str]:
    """The status of a forked slot from its measurement and result (see :func:`run_slot`)."""
    if m.killed_for == "output":
        return "CRASH", m, None, "output limit exceeded"
    if m.killed_for in ("cpu", "wall"):
        what = "CPU-time" if m.killed_for == "cpu" else "wall-clock"
        return "TIMEOUT", m, None, f"{what} limit exceeded"
    if m.returncode != 0:
        return "CRASH", m, None, f"exit status {m.returncode}"
    words = data.split()
    answer = words[0].decode(errors="replace") if words else ""
    if m.cpu_time > cutoff and answer in ("SAT", "UNSAT"):
        return "TIMEOUT", m, None, f"answered {answer} after the cutoff ({m.cpu_time:.3f} s CPU)"
    if answer == "UNSAT":
        return "UNSAT", m, None, ""
    if answer != "SAT":
        return "UNKNOWN", m, None, "no answer"
    try:
        model = [int(x) for x in words[1:]]
    except ValueError:
        return "CRASH", m, None, "malformed model"
    verdict = check(formula.clauses, model)
    if verdict:
        return "WRONG", m, None, f"wrong model: {verdict}"
    return "SAT", m, model, ""
