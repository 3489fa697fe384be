"""One solver run: a child process under limits, its answer parsed and checked.

:func:`execute` is what campaign workers (local threads or processes, Dask workers)
call. It never raises for anything the solver does; a harness failure (e.g. an
unreadable instance while checking a model) is reported as the run's ``message``.

Limits. ``cutoff_time`` is the CPU-time limit of the solver's whole process tree.
The wall-clock limit is ``wall_time_limit`` when given, else ``5 * cutoff + 10`` s:
generous, because on a loaded machine a CPU-bound solver gets less than a core and a
tight wall limit would report timeouts that the CPU time does not justify (with
``2 * cutoff + 5`` a campaign on 2 cores at load 6.5 timed out runs at 7 s of a 10 s
CPU cutoff); it exists to stop solvers that sleep or block. A wall-clock TIMEOUT
says the CPU time it reached, so an overloaded machine shows in the data. The memory limit applies to the
resident memory of the tree (monitored) and to each process's address space
(``RLIMIT_AS``). See :mod:`asc.runs.limits`.

Measurement. CPU and wall time are those of the process tree (see
:mod:`asc.runs.limits`). For python-sat backends the wrapper reports on a
``c asc-startup`` line the CPU and wall time the interpreter spent starting and
importing python-sat before it opened the instance; that start-up is subtracted
from the reported times and does not count towards the limits, so a python-sat
backend is measured from reading the instance to its answer, like a compiled
solver. The line is only honoured for our own wrapper. Memory is not adjusted: the
wrapper's interpreter, numpy and python-sat take about 35 MiB resident and 110 MiB of
address space, so python-sat backends need a memory limit well above that.

Output. A solver's stdout and stderr go to files, each bounded by the output limit
(:data:`asc.runs.limits.OUTPUT_LIMIT_MB`); a run that reaches it is a CRASH ("output
limit exceeded"): what it printed was not read to the end, so no answer is taken
from it. The harness reads stdout in blocks and keeps only what the answer check
needs (``s`` lines, ``c asc-`` lines, the model's distinct literals), and of stderr
its two ends, so its memory does not grow with what a solver prints, and a model
printed after any amount of comments below the limit is still checked.

Status. TIMEOUT/MEMOUT when the monitor (or the OS limit) stopped the run; an answer
whose CPU time exceeds the cutoff is TIMEOUT too. SAT needs a model that satisfies
every clause, else WRONG (a SAT claim with no model is UNKNOWN: it cannot be
checked). UNSAT where the known answer is SAT is WRONG. A checked SAT model where the
known answer is UNSAT stays SAT: the model proves the known answer wrong, and the
message says so. The exit code must agree with the answer (10 SAT, 20 UNSAT, 0
accepted for both); a signal or any other exit code without an answer is CRASH
(or MEMOUT when the run failed at its memory limit).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from asc.runs.record import RunRecord
from asc.runs.status import RunStatus

if TYPE_CHECKING:
    from asc.portfolios import Algorithm

# wall limit = WALL_FACTOR * cutoff + WALL_EXTRA seconds (see the module docstring)
from asc.runs.limits import WALL_EXTRA, WALL_FACTOR  # noqa: E402

#: stderr phrases that mean an allocation failed (C, C++, Python, Java).
_MEMORY_WORDS = (b"MemoryError", b"bad_alloc", b"out of memory", b"Out of memory", b"Cannot allocate memory",
                 b"OutOfMemoryError", b"memory exhausted",
                 # the dynamic loader cannot map a shared library under RLIMIT_AS (a limit
                 # below what the program needs to start: exit 127 before main)
                 b"failed to map segment from shared object")


@dataclass(frozen=True)
class RunRequest:
    """One run to do; picklable (sent to worker processes and Dask workers).

    Parameters
    ----------
    instance
        Path of the CNF file (plain or compressed).
    instance_hash
        Content hash of the instance (the instance part of the run key).
    algorithm
        The :class:`asc.portfolios.Algorithm` to run.
    seed
        Seed passed to the solver (``{seed}``).
    repetition
        Repetition number (1-based), part of the run key.
    cutoff_time
        CPU-time limit in seconds.
    mem_limit_mb
        Memory limit in MiB, or None.
    expected
        Known answer ``"SAT"``/``"UNSAT"``, or None.
    wall_time_limit
        Wall-clock limit in seconds; None for ``5 * cutoff_time + 10``.
    output_limit_mb
        Most a run may print on stdout or on stderr, in MiB; None for
        :data:`asc.runs.limits.OUTPUT_LIMIT_MB`. Reaching it ends the run as a CRASH.
    """

    instance: str
    instance_hash: str
    algorithm: Algorithm
    seed: int
    repetition: int
    cutoff_time: float
    mem_limit_mb: float | None = None
    expected: str | None = None
    wall_time_limit: float | None = None
    output_limit_mb: float | None = None

    @property
    def wall_limit(self) -> float:
        """The wall-clock limit in force."""
        if self.wall_time_limit is not None:
            return float(self.wall_time_limit)
        return WALL_FACTOR * float(self.cutoff_time) + WALL_EXTRA


def execute(request: RunRequest, *, term_grace: float | None = None, keep_output: Path | None = None) -> RunRecord:
    """Run one solver run in its own child process under limits and check its answer.

    Parameters
    ----------
    request
        The run.
    term_grace
        Seconds between SIGTERM and SIGKILL when a limit is hit (default
        :data:`asc.runs.limits.TERM_GRACE`).
    keep_output
        If given, a folder where the solver's stdout and stderr are kept
        (``stdout.txt``, ``stderr.txt``); by default they are deleted.

    Returns
    -------
    RunRecord
        Never raises for solver misbehaviour.
    """
    from asc.runs.limits import OUTPUT_LIMIT_MB, TERM_GRACE, Limits, run_limited

    algo = request.algorithm
    limits = Limits(
        cpu_time=float(request.cutoff_time),
        wall_time=request.wall_limit,
        memory_mb=float(request.mem_limit_mb) if request.mem_limit_mb else None,
        term_grace=TERM_GRACE if term_grace is None else term_grace,
        output_mb=OUTPUT_LIMIT_MB if request.output_limit_mb is None else float(request.output_limit_mb),
    )
    workdir = _workdir()
    # anonymous files: nothing to delete afterwards, and the output survives the solver
    with tempfile.TemporaryFile(dir=workdir) as out, tempfile.TemporaryFile(dir=workdir) as err:
        argv = algo.command_line(request.instance, request.seed, request.cutoff_time, request.mem_limit_mb)
        # python -m asc.portfolios.pysat_solver / qsar_run: start-up measured and subtracted, asc importable
        wrapped = algo.kind in ("pysat", "qsar")
        probe = _StartupProbe(out.fileno()) if wrapped else None
        env = _pysat_env() if wrapped else None
        m = run_limited(argv, limits, out, err, cwd=str(workdir), env=env, offset=probe)
        if keep_output is not None:
            keep_output.mkdir(parents=True, exist_ok=True)
            for f, name in ((out, "stdout.txt"), (err, "stderr.txt")):
                f.seek(0)
                with open(keep_output / name, "wb") as kept:
                    shutil.copyfileobj(f, kept)
        out.seek(0)
        stdout = _answer_lines(out)
        stderr = _ends(err)
        printed = max(os.fstat(out.fileno()).st_size, os.fstat(err.fileno()).st_size) / 2**20
    _clean(workdir)

    from asc.runs.check import parse_output

    parsed = parse_output(stdout)
    cpu, wall = m.cpu_time, m.wall_time
    if probe is not None:
        shift = probe.read(stdout)
        if shift is not None:
            cpu, wall = max(0.0, cpu - shift[0]), max(0.0, wall - shift[1])
    if m.killed_for is None and printed >= limits.output_mb:
        # stopped by RLIMIT_FSIZE (SIGXFSZ, or a failed write) before the monitor saw it
        m.killed_for, m.overshoot, m.kill_latency = "output", printed - limits.output_mb, 0.0
    status, checked, message = _judge(request, m, parsed, stderr, cpu, limits.output_mb)
    quality = _quality(parsed)[0] if status is RunStatus.OK else None
    return RunRecord(
        instance_hash=request.instance_hash,
        algorithm=algo.name,
        configuration=algo.configuration,
        seed=int(request.seed),
        repetition=int(request.repetition),
        status=status,
        cpu_time=round(cpu, 6),
        wall_time=round(wall, 6),
        peak_memory_mb=round(m.peak_rss_mb, 3),
        model_checked=checked,
        message=message,
        started_at=m.started_at,
        ended_at=m.ended_at,
        host=socket.gethostname(),
        exit_code=m.returncode,
        kill_latency=m.kill_latency,
        quality=quality,
    )


def _quality(parsed: Any) -> tuple[float | None, str]:
    """(RMSE, the whole ``c asc-quality`` text) of a quality run's output; (None, "") without the line."""
    import math

    text = parsed.comments.get("asc-quality", "")
    fields = dict(kv.partition("=")[::2] for kv in text.split())
    try:
        value = float(fields.get("rmse", "nan"))
    except ValueError:
        value = math.nan
    return (value if math.isfinite(value) else None), text


def _pysat_env() -> dict[str, str]:
    """The environment of the python-sat wrapper: this ``asc`` importable even when not installed."""
    import asc

    root = str(Path(asc.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


_local = threading.local()


def _workdir() -> Path:
    """This thread's working directory for solver runs, made once (cheaper than one per run).

    Solvers run there so that files they write never land in the user's folder; what
    they leave is removed after each run. The folder is named after this process
    (``asc-run-PID-*``) and removed when it ends: at exit, or by the reaper
    (:func:`asc.runs.limits.remove_with_the_harness`) when it is killed. Folders of
    processes that ended without either (the reaper killed too) are removed by the
    next harness to make one (:func:`_remove_stale_workdirs`).
    """
    from asc.runs.limits import remove_with_the_harness

    path = getattr(_local, "workdir", None)
    if path is None or not path.is_dir():
        _remove_stale_workdirs()
        path = Path(tempfile.mkdtemp(prefix=f"asc-run-{os.getpid()}-"))
        _local.workdir = path
        atexit.register(shutil.rmtree, path, True)
        remove_with_the_harness(path)
    return path


_stale_checked = False


def _remove_stale_workdirs() -> None:
    """Remove the scratch folders of harness processes that have ended (once per process).

    A folder ``asc-run-PID-*`` is stale when no process PID exists, or when the one
    that does started after the folder was last modified (the pid was reused: the
    owner lived while it used the folder). A folder that cannot be removed (another
    user's) is left alone.
    """
    global _stale_checked
    if _stale_checked:
        return
    _stale_checked = True
    import psutil

    for entry in Path(tempfile.gettempdir()).glob("asc-run-*-*"):
        owner = entry.name.split("-")[2]
        if not owner.isdigit() or int(owner) == os.getpid():
            continue
        try:
            modified = entry.stat().st_mtime
            if psutil.pid_exists(int(owner)) and psutil.Process(int(owner)).create_time() <= modified:
                continue
        except (OSError, psutil.Error):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _clean(workdir: Path) -> None:
    for entry in os.scandir(workdir):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


class _StartupProbe:
    """Reads the python-sat wrapper's ``c asc-startup cpu=.. wall=..`` line from its stdout file."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.value: tuple[float, float] | None = None

    def __call__(self) -> tuple[float, float] | None:
        if self.value is None:
            try:
                self.value = self.read(os.pread(self.fd, 256, 0))
            except OSError:
                pass
        return self.value

    @staticmethod
    def read(head: bytes) -> tuple[float, float] | None:
        for line in head.splitlines()[:3]:
            if line.startswith(b"c asc-startup "):
                try:
                    fields = dict(f.split(b"=", 1) for f in line.split()[2:])
                    return float(fields[b"cpu"]), float(fields[b"wall"])
                except (ValueError, KeyError):
                    return None
        return None


#: Bytes read from a captured output file at a time: the harness's memory for reading
#: a solver's output is this, whatever the solver printed.
_BLOCK = 2**20

#: Longest ``s`` or ``c asc-`` line kept (bytes); a longer one is cut (an ``s`` line that
#: long is malformed anyway).
_LINE_MAX = 4096

#: Bytes kept from each end of the stderr file: its last line says why a solver failed,
#: and allocation failures are reported there.
_STDERR_ENDS = 2**16


def _answer_lines(f: BinaryIO) -> bytes:
    """What :func:`asc.runs.check.parse_output` needs of a stdout file, read in blocks.

    The harness never holds a solver's whole output: a solver may print anything up to
    the output limit, and reading it whole made the harness's memory grow with it.
    Kept: ``s`` lines and ``c asc-`` lines (cut at :data:`_LINE_MAX`), and the ``v``
    lines reduced to what decides their verdict (:class:`_ModelReducer`). Every other
    line is dropped as it is read, so the memory used is a block plus the model's
    distinct literals, whatever the solver printed.
    """
    kept: list[bytes] = []
    model = _ModelReducer()
    kind: str | None = None  # of the line being read: "v", "keep" (s or c), "skip"; None: not known yet
    buf = bytearray()  # the line's first bytes while its kind is not known, then what is kept of it

    def decide() -> str:
        head = bytes(buf[:2])
        if head in (b"v ", b"v", b"v\r"):
            model.feed(bytes(buf[1:]))
            buf.clear()
            return "v"
        return "keep" if head in (b"s ", b"c ") else "skip"

    def finish() -> None:
        line = bytes(buf).rstrip(b"\r")
        if kind == "v":
            model.end_line()
        elif kind == "keep" and (line[:2] == b"s " or line.startswith(b"c asc-")):
            kept.append(line)

    for block in iter(lambda: f.read(_BLOCK), b""):
        start = 0
        while start < len(block):
            end = block.find(b"\n", start)
            piece = block[start:] if end < 0 else block[start:end]
            if kind is None:
                take = 2 - len(buf)
                buf += piece[:take]
                piece = piece[take:]
                if len(buf) < 2 and end < 0:
                    break  # its kind shows in the next block
                kind = decide()
            if kind == "v":
                model.feed(piece)
            elif kind == "keep":
                buf += piece[:max(0, _LINE_MAX - len(buf))]
            if end < 0:
                break
            finish()
            kind = None
            buf.clear()
            start = end + 1
    if buf or kind is not None:
        if kind is None:
            kind = decide()
        finish()
    kept.extend(model.lines())
    return b"\n".join(kept) + b"\n"


class _ModelReducer:
    """The tokens of a stream of ``v`` lines reduced to what decides their verdict.

    A model is a set of literals: their order and repeats change neither what it
    assigns nor :func:`asc.runs.check.check_model`'s verdict, so only the distinct
    literals are kept (a bounded number, whatever was printed). Of the 0s, what
    :func:`asc.runs.check.parse_output` judges is kept: one 0 at the very end (a
    terminated model), or a 0 before the end (a malformed one); of the tokens, whether
    one was not an integer.
    """

    #: Longer than any integer parse_output accepts: a token this long is not one.
    TOKEN_MAX = 64

    def __init__(self) -> None:
        self.saw_line = False
        self.carry = b""  # a token cut by the end of a block
        self.parts: list[Any] = []
        self.count = 0
        self.zeros = 0
        self.last_zero = False
        self.bad = False

    def feed(self, data: bytes) -> None:
        self.saw_line = True
        data = self.carry + data
        self.carry = b""
        if data and not data[-1:].isspace():
            cut = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\r"), data.rfind(b"\x0b"),
                      data.rfind(b"\x0c"))
            data, self.carry = data[:cut + 1], data[cut + 1:]
            if len(self.carry) > self.TOKEN_MAX:
                self.bad, self.carry = True, b""
        self._tokens(data)

    def end_line(self) -> None:
        data, self.carry = self.carry, b""
        self._tokens(data)

    def _tokens(self, data: bytes) -> None:
        import numpy as np

        tokens = data.split()
        if not tokens or self.bad:
            return
        try:
            lits = np.array(tokens, dtype=np.int64)
        except (ValueError, OverflowError):
            self.bad = True
            return
        zeros = lits == 0
        self.zeros += int(zeros.sum())
        self.last_zero = bool(zeros[-1])
        self.parts.append(np.unique(lits[~zeros]))
        self.count += len(self.parts[-1])
        if self.count > _BLOCK:
            self.parts = [np.unique(np.concatenate(self.parts))]
            self.count = len(self.parts[0])

    def lines(self) -> list[bytes]:
        import numpy as np

        if not self.saw_line:
            return []
        if self.bad:
            return [b"v x"]
        lits = np.unique(np.concatenate(self.parts)) if self.parts else []
        body = b" ".join(b"%d" % v for v in lits)
        if self.zeros == 1 and self.last_zero:
            return [b"v " + body + b" 0"]
        if self.zeros:
            return [b"v 0 " + body + b" 0"]  # a 0 before the end, as the solver printed
        return [b"v " + body]


def _ends(f: BinaryIO) -> bytes:
    """The first and last :data:`_STDERR_ENDS` bytes of a file (all of it when shorter)."""
    size = os.fstat(f.fileno()).st_size
    f.seek(0)
    if size <= 2 * _STDERR_ENDS:
        return f.read()
    first = f.read(_STDERR_ENDS)
    f.seek(size - _STDERR_ENDS)
    return first + b"\n" + f.read(_STDERR_ENDS)


def _signame(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else ""


def _judge(request: RunRequest, m: Any, parsed: Any, stderr: bytes, cpu: float,
           output_mb: float) -> tuple[RunStatus, bool, str]:
    """(status, model_checked, message) of a finished run."""
    cutoff = float(request.cutoff_time)
    if m.spawn_error:
        return RunStatus.CRASH, False, f"could not start the command: {m.spawn_error}"
    if m.killed_for is not None:
        # formatted only for the limit that was hit: the memory limit may be None
        if m.killed_for == "output":
            # not a verdict on the solver's answer: what it printed was not read to the end
            return RunStatus.CRASH, False, (f"output limit exceeded: stdout or stderr reached {output_mb:g} MiB, "
                                            "the most a run may print; the run was stopped there")
        what = {"cpu": lambda: f"CPU-time limit {cutoff:g} s",
                "wall": lambda: f"wall-clock limit {request.wall_limit:g} s",
                "memory": lambda: f"memory limit {request.mem_limit_mb:g} MiB"}[m.killed_for]()
        unit = "MiB" if m.killed_for == "memory" else "s"
        msg = (f"{what} exceeded (by {m.overshoot:.3f} {unit} when noticed); process tree killed "
               f"{m.kill_latency:.3f} s later")
        if m.killed_for == "wall":
            msg += f"; CPU time {cpu:.3f} s of {cutoff:g}"
        return (RunStatus.MEMOUT if m.killed_for == "memory" else RunStatus.TIMEOUT), False, msg
    code = m.returncode
    leftover = f"; killed {len(m.leftovers)} leftover process(es)" if m.leftovers else ""
    at_memory_limit = bool(request.mem_limit_mb) and (
        m.peak_rss_mb >= 0.9 * float(request.mem_limit_mb) or m.peak_vms_mb >= 0.9 * float(request.mem_limit_mb))
    if code < 0 and -code == signal.SIGXCPU or (code == -signal.SIGKILL and cpu >= cutoff):
        return RunStatus.TIMEOUT, False, f"stopped by the OS CPU-time limit ({_signame(code)}){leftover}"
    answer = parsed.answer
    expected = (request.expected or "").strip().upper() or None
    consistent = (answer == "SAT" and code in (0, 10)) or (answer == "UNSAT" and code in (0, 20)) or (
        answer in ("UNKNOWN", None) and code == 0)
    if parsed.problems:
        return RunStatus.CRASH, False, "malformed output: " + "; ".join(parsed.problems) + leftover
    if not consistent:
        if any(w in stderr for w in _MEMORY_WORDS) or at_memory_limit or code == -signal.SIGKILL:
            why = _last_line(stderr) or (_signame(code) if code < 0 else f"exit code {code}")
            return RunStatus.MEMOUT, False, f"failed at the memory limit: {why}{leftover}"
        how = _signame(code) if code < 0 else f"exit code {code}"
        said = f" after answering {answer}" if answer not in (None, "UNKNOWN") else ""
        tail = _last_line(stderr)
        return RunStatus.CRASH, False, f"{how}{said}{': ' + tail if tail else ''}{leftover}"
    if request.algorithm.kind == "qsar":
        value, text = _quality(parsed)
        if value is None:
            return RunStatus.CRASH, False, f"no c asc-quality line with a finite rmse=...{leftover}"
        if cpu > cutoff:
            return RunStatus.TIMEOUT, False, f"reported its quality after the cutoff ({cpu:.3f} s CPU){leftover}"
        return RunStatus.OK, False, text + leftover
    if answer == "SAT":
        return _judge_sat(request, parsed, cpu, cutoff, leftover)
    if answer == "UNSAT":
        if expected == "SAT":
            return RunStatus.WRONG, False, f"UNSAT on a formula known to be satisfiable{leftover}"
        if cpu > cutoff:
            return RunStatus.TIMEOUT, False, f"answered UNSAT after the cutoff ({cpu:.3f} s CPU){leftover}"
        return RunStatus.UNSAT, False, leftover.lstrip("; ")
    if code == 10:
        return RunStatus.UNKNOWN, False, f"exit code 10 without an s line or model{leftover}"
    return RunStatus.UNKNOWN, False, ("s UNKNOWN" if answer == "UNKNOWN" else "no answer") + leftover


def _judge_sat(request: RunRequest, parsed: Any, cpu: float, cutoff: float,
               leftover: str) -> tuple[RunStatus, bool, str]:
    from asc.runs.check import check_model, read_formula

    if parsed.model is None:
        return RunStatus.UNKNOWN, False, f"claimed SAT without a model (no v lines); not accepted{leftover}"
    if not parsed.model_terminated:
        return RunStatus.WRONG, False, f"the model's v lines do not end with 0 (truncated model){leftover}"
    try:
        formula = read_formula(request.instance)
    except Exception as exc:  # noqa: BLE001 - a harness problem, reported, not raised
        return RunStatus.UNKNOWN, False, f"claimed SAT but the model could not be checked: {exc}{leftover}"
    verdict = check_model(formula, parsed.model)
    if not verdict.ok:
        return RunStatus.WRONG, True, f"wrong model: {verdict.message}{leftover}"
    note = ""
    if (request.expected or "").strip().upper() == "UNSAT":
        note = "; the model checks, so the known answer UNSAT is wrong"
    if cpu > cutoff:
        return RunStatus.TIMEOUT, True, f"answered SAT after the cutoff ({cpu:.3f} s CPU){note}{leftover}"
    return RunStatus.SAT, True, (note + leftover).lstrip("; ")

