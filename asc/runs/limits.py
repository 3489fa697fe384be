"""Run a command under CPU-time, wall-clock and memory limits, children included (as runsolver does).

Three layers, because each alone can be escaped:

- **The operating system.** The command starts under ``/bin/sh -c 'ulimit ...; exec
  "$@"'``: ``RLIMIT_CPU`` (soft = ceil(cutoff) + 1 s, raising SIGXCPU; hard one second
  later, SIGKILL), ``RLIMIT_AS`` (the memory limit) and ``RLIMIT_FSIZE`` (the output
  limit: no file a process writes, its captured stdout and stderr included, grows past
  it; the write fails with SIGXFSZ or EFBIG) hold for each process and are
  inherited by its children. The output limit is the one bound on the disk a run's
  output takes whatever the solver prints, however fast: the monitor below only sees
  the files between two samples. A shell rather than ``preexec_fn`` because runs are
  started from threads (a ``preexec_fn`` may deadlock there) and because it keeps
  ``subprocess``'s fast vfork path; it costs about half a millisecond.
- **The harness's death.** Nothing of a run outlives the harness process, however it
  ends (SIGKILL included), by two means:

  * Where util-linux ``setpriv`` exists, the run's root process gets
    ``PR_SET_PDEATHSIG`` = SIGKILL, so the solver itself dies at once. A harness
    killed before setpriv has set it leaves an orphan shell, which checks its parent
    and stops before starting the solver. The death signal is not inherited across
    fork, so it alone leaves the solver's children running.
  * The reaper (:class:`_Reaper`): one small process per harness process, started
    with its first run, in a session of its own (a Ctrl-C at the terminal does not
    reach it). It reads a pipe whose only write end the harness holds (close-on-exec,
    so no solver inherits it; closed in forked children). The harness tells it each
    run's session id (the root's pid, also its process group) as the run starts,
    every process the monitor sees in the run's tree, each scratch folder, and when a
    run ends. The kernel closes the pipe when the harness ends, however it ends; the
    reaper then SIGKILLs every process of a registered session or process group and
    every registered process still alive (the same pid with the same start time:
    never a recycled one), again until none is left (a fork may race the kill), and
    removes the scratch folders. Session and group ids are safe to match: Linux does
    not reuse a pid while a session or group of that id has a member. A run is
    registered as soon as its root has been spawned, before the solver is even
    executed, so it has no children yet; what the reaper cannot see is a process that
    left the run's session (``setsid``) between two samples of the monitor, for
    which the OS limits still hold. Should the reaper be killed too, the next
    harness removes the scratch folders (:mod:`asc.runs.runner`).
- **Monitoring.** The command runs in its own session (process group). This process
  samples the whole tree every 10-100 ms with psutil: CPU time (user + system, plus
  that of children already reaped by their parents) and resident memory summed over
  the tree, and the size of the captured stdout and stderr (which ends a run that
  keeps printing at the output limit, instead of letting it spin on failed writes
  until its CPU limit). When the tree exceeds a limit it is killed: SIGTERM to the group and to
  every process seen in the tree, then SIGKILL to what is left after ``term_grace``.

A run that needs no new program (a python-sat backend on a formula this process has
already read: ``asc solve``'s pre-solving slots) can run in a forked child instead
(:func:`run_forked`): the same OS limits (:func:`os_limit_values`, one home for both),
a kernel CPU timer in place of the sampling monitor, the output limit on what it sends
back, the wall-clock limit and the death signal; no new interpreter, no re-import.

When the command ends (answer or not), any process it leaves behind (same process
group or session, or seen in the tree) is killed with SIGKILL, so that no run leaks
work into the next.

What is measured: wall time from just before the spawn until the command has been
reaped; CPU time of the tree as the maximum of the kernel's account (``wait4`` of
the command, which includes every descendant it waited for, plus the CPU time of
leftover descendants read just before killing them) and the largest sampled tree
sum; peak memory as the largest sampled tree RSS sum (not the kernel's
``ru_maxrss``, which after a vfork/exec still holds the parent's high-water mark; a
command that ends before the first sample, 10 ms, reports 0). A process that escapes both the session and the sampling (a
double-forking daemon born and detached between two samples) is not seen; the OS
limits still hold for it.
"""

from __future__ import annotations

import math
import os
import resource
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:  # imported where used: asc solve's pre-solving path starts without them
    import subprocess

    import psutil

#: First and largest interval between two samples of the process tree (seconds).
#: Short at first so that short runs are measured and stopped promptly; longer later so
#: that monitoring costs little CPU on long runs.
POLL_FIRST = 0.01
POLL_MAX = 0.1

#: Wall-clock limit of a run when none is given: WALL_FACTOR * cutoff + WALL_EXTRA
#: seconds; generous, see :mod:`asc.runs.runner` for why.
WALL_FACTOR = 5.0
WALL_EXTRA = 10.0

#: Default time between SIGTERM and SIGKILL when a limit is exceeded (seconds).
TERM_GRACE = 1.0

#: Default limit of each of a run's captured stdout and stderr, and of any file its
#: processes write (MiB). Without one, a solver printing endless comment lines fills the
#: disk (and, on a tmpfs, memory) for as long as its CPU limit lets it. 64 MiB holds the
#: model of an instance of about six million variables (about ten bytes a literal) with
#: room to spare for its comments; a solver that prints more has its run ended as a
#: crash ("output limit exceeded"), for a larger model raise ``Limits.output_mb``.
OUTPUT_LIMIT_MB = 64


@dataclass(frozen=True)
class Limits:
    """Limits of one run.

    Parameters
    ----------
    cpu_time
        CPU seconds of the whole process tree (minus the ``offset`` a probe reports).
    wall_time
        Wall-clock seconds.
    memory_mb
        Resident memory of the tree in MiB (monitoring) and address space of each
        process (``RLIMIT_AS``); None for no limit.
    term_grace
        Seconds between SIGTERM and SIGKILL.
    output_mb
        Size of each of the captured stdout and stderr in MiB, and of any file the
        command writes (``RLIMIT_FSIZE``).
    """

    cpu_time: float
    wall_time: float
    memory_mb: float | None = None
    term_grace: float = TERM_GRACE
    output_mb: float = OUTPUT_LIMIT_MB


@dataclass
class Measurement:
    """What happened to one limited command.

    ``returncode`` is the command's exit status, negative for a signal (as in subprocess).
    ``killed_for`` is ``"cpu"``, ``"wall"``, ``"memory"`` or ``"output"`` when the monitor killed the
    tree. ``kill_latency`` is the time from the monitor noticing the excess until every
    process of the tree was gone; ``overshoot`` is how far past the limit the tree was
    when it was noticed (in the limit's unit).
    """

    returncode: int
    cpu_time: float
    wall_time: float
    peak_rss_mb: float
    peak_vms_mb: float
    started_at: float
    ended_at: float
    killed_for: str | None = None
    kill_latency: float | None = None
    overshoot: float | None = None
    leftovers: list[int] = field(default_factory=list)
    pids_seen: list[int] = field(default_factory=list)
    spawn_error: str | None = None


def os_limit_values(limits: Limits) -> dict[str, tuple[int, int]]:
    """The OS limits of a run: ``{"cpu": (soft, hard) seconds, "as": (soft, hard) bytes, "fsize": ...}``.

    The one place these numbers are decided, for both ways a run starts: the shell
    prefix of a command (:func:`os_limit_prefix`) and a forked child of this process
    (:func:`run_forked`). ``RLIMIT_CPU`` counts whole seconds: soft = ceil(cutoff) + 1
    (SIGXCPU), hard one second later (SIGKILL); it is the backstop, the monitor (or a
    forked child's CPU timer) stops the run at the cutoff itself. ``RLIMIT_AS`` is the
    memory limit (only with one). ``RLIMIT_FSIZE`` is the output limit. None exceeds
    the hard limit this process runs under (clusters set them).
    """
    values: dict[str, tuple[int, int]] = {}
    soft_cpu = int(math.ceil(limits.cpu_time)) + 1
    _, cpu_hard_max = resource.getrlimit(resource.RLIMIT_CPU)
    hard_cpu = soft_cpu + 1
    if cpu_hard_max != resource.RLIM_INFINITY:  # never ask for more than we are allowed (clusters)
        hard_cpu = min(hard_cpu, cpu_hard_max)
        soft_cpu = min(soft_cpu, hard_cpu)
    values["cpu"] = (soft_cpu, hard_cpu)
    if limits.memory_mb:
        size = int(limits.memory_mb * 1024) * 1024
        _, as_hard = resource.getrlimit(resource.RLIMIT_AS)
        if as_hard != resource.RLIM_INFINITY:
            size = min(size, as_hard // 1024 * 1024)
        values["as"] = (size, size)
    # in 512-byte blocks, as POSIX ulimit -f counts them (dash, and bash as sh)
    size = int(math.ceil(limits.output_mb * 2**20 / 512)) * 512
    _, fsize_hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    if fsize_hard != resource.RLIM_INFINITY:
        size = min(size, fsize_hard // 512 * 512)
    values["fsize"] = (size, size)
    return values


def os_limit_prefix(limits: Limits) -> list[str]:
    """The ``sh -c 'ulimit ...; exec "$@"' asc-run`` prefix that sets the OS limits (:func:`os_limit_values`)."""
    values = os_limit_values(limits)
    # soft before hard: dash refuses a hard limit below the current soft one
    steps = [f"ulimit -S -t {values['cpu'][0]}", f"ulimit -H -t {values['cpu'][1]}"]
    if "as" in values:
        kb = values["as"][0] // 1024
        steps += [f"ulimit -S -v {kb}", f"ulimit -H -v {kb}"]
    blocks = values["fsize"][0] // 512
    steps += [f"ulimit -S -f {blocks}", f"ulimit -H -f {blocks}"]
    # If this harness dies (even by SIGKILL), the kernel kills the run's root process
    # instead of leaving an orphan solver running; util-linux setpriv where available.
    setpriv = _setpriv()
    pdeath = [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []
    if pdeath:
        # A harness that dies before setpriv has set the death signal leaves the shell
        # orphaned (its parent is no longer this process): it then stops before the
        # solver starts (the prctl-then-getppid check of prctl(2)).
        steps.insert(0, f'[ "$PPID" = "{os.getpid()}" ]')
    script = " && ".join(steps) + ' && exec "$@"'

    return [*pdeath, "/bin/sh", "-c", script, "asc-run"]


_SETPRIV: list[str | None] = []


def _setpriv() -> str | None:
    """util-linux ``setpriv``'s path, or None; looked up once, at the first run."""
    if not _SETPRIV:
        import shutil

        _SETPRIV.append(shutil.which("setpriv"))
    return _SETPRIV[0]


class _Tree:
    """Samples of a process tree rooted at ``root``: CPU, memory, and every process seen."""

    def __init__(self, root: int) -> None:
        import psutil

        self.root = root
        self.procs: dict[int, psutil.Process] = {}
        self.last_cpu: dict[int, float] = {}
        self.cpu = 0.0
        self.rss = 0.0
        self.peak_rss = 0.0
        self.peak_vms = 0.0
        try:
            self.procs[root] = psutil.Process(root)
        except psutil.Error:
            pass

    def sample(self) -> None:
        import psutil

        root = self.procs.get(self.root)
        if root is None:
            return
        try:
            members = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        cpu = rss = 0.0
        for p in members:
            # keep the first Process object of a pid: it remembers the creation time,
            # so a recycled pid is never mistaken for the process we saw
            if p.pid not in self.procs:
                _REAPER.watch(self.root, p.pid)
            p = self.procs.setdefault(p.pid, p)
            try:
                with p.oneshot():
                    t = p.cpu_times()
                    m = p.memory_info()
            except psutil.Error:
                continue
            # children_* hold descendants this process has waited for; they left the tree
            c = t.user + t.system + t.children_user + t.children_system
            self.last_cpu[p.pid] = c
            cpu += c
            rss += m.rss
            self.peak_vms = max(self.peak_vms, m.vms / 2**20)
        # a descendant reaped by init takes its CPU time with it: never let the total go back
        self.cpu = max(self.cpu, cpu)
        self.rss = rss / 2**20
        self.peak_rss = max(self.peak_rss, self.rss)

    def others_alive(self, pgid: int) -> list[psutil.Process]:
        """Live processes other than the root: seen in the tree, or in its process group or session."""
        import psutil

        found: dict[int, psutil.Process] = {}
        for pid, p in self.procs.items():
            if pid != self.root and _alive(p):
                found[pid] = p
        for pid in psutil.pids():
            if pid == self.root or pid in found:
                continue
            try:
                if os.getpgid(pid) == pgid or os.getsid(pid) == pgid:
                    p = psutil.Process(pid)
                    if _alive(p):
                        found[pid] = p
                        if pid not in self.procs:
                            _REAPER.watch(self.root, pid)
                        self.procs.setdefault(pid, p)
            except (OSError, psutil.Error):
                continue
        return list(found.values())


def _alive(p: psutil.Process) -> bool:
    import psutil

    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal(procs: list[psutil.Process], pgid: int, sig: int) -> None:
    import psutil

    try:
        os.killpg(pgid, sig)
    except OSError:
        pass
    for p in procs:
        try:
            p.send_signal(sig)  # psutil checks the pid was not recycled
        except psutil.Error:
            pass


def run_limited(
    argv: list[str],
    limits: Limits,
    stdout: BinaryIO,
    stderr: BinaryIO,
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    offset: Callable[[], tuple[float, float] | None] | None = None,
) -> Measurement:
    """Run ``argv`` to completion or to a limit; never raises for misbehaviour of the command.

    Parameters
    ----------
    argv
        The command.
    limits
        The limits.
    stdout, stderr
        Open binary files the command's output goes to (files, not pipes: a solver
        printing a large model never blocks on us, and what it printed survives its death).
    cwd, env
        Working directory and environment of the command.
    offset
        Called at each sample; may return ``(cpu, wall)`` seconds of start-up that do
        not count towards the CPU and wall limits (the python-sat wrapper's start-up).

    Returns
    -------
    Measurement
    """
    import subprocess

    import psutil

    full = os_limit_prefix(limits) + list(argv)
    started_at = time.time()
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd=cwd, env=env,
                                start_new_session=True, close_fds=True)
    except OSError as exc:
        now = time.time()
        return Measurement(-1, 0.0, 0.0, 0.0, 0.0, started_at, now, spawn_error=str(exc))
    pid = pgid = proc.pid
    try:
        _REAPER.watch_run(pid)
        tree = _Tree(pid)
        pidfd = _pidfd(pid)
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[pid] = tree
            abandoned = _ABANDONED.is_set()
        if abandoned:  # started as the runs in flight were abandoned: it goes with them
            _kill_now(tree)
    except BaseException:
        _emergency_stop(pid)
        raise
    killed_for: str | None = None
    overshoot = None
    noticed = None
    interval = POLL_FIRST
    shift = (0.0, 0.0)
    try:
        while True:
            if _exited(pid, pidfd, interval):
                break
            interval = min(interval * 1.5, POLL_MAX)
            tree.sample()
            if offset is not None:
                shift = offset() or shift
            wall = time.monotonic() - t0 - shift[1]
            cpu = tree.cpu - shift[0]
            if cpu > limits.cpu_time:
                killed_for, overshoot = "cpu", cpu - limits.cpu_time
            elif wall > limits.wall_time:
                killed_for, overshoot = "wall", wall - limits.wall_time
            elif limits.memory_mb and tree.rss > limits.memory_mb:
                killed_for, overshoot = "memory", tree.rss - limits.memory_mb
            elif (printed := _output_mb(stdout, stderr)) >= limits.output_mb:
                # at the limit, not past it: RLIMIT_FSIZE stops the files there
                killed_for, overshoot = "output", printed - limits.output_mb
            if killed_for:
                noticed = time.monotonic()
                _kill_tree(tree, pgid, pidfd, limits.term_grace)
                break
        # The command has ended (or was killed); it is a zombie until reaped, so its
        # process group is still ours to clean up.
        leftovers = tree.others_alive(pgid)
        extra_cpu = 0.0
        for p in leftovers:
            try:
                t = p.cpu_times()
                extra_cpu += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                extra_cpu += tree.last_cpu.get(p.pid, 0.0)
        if leftovers:
            _signal(leftovers, pgid, signal.SIGKILL)
            _wait_gone(leftovers, 5.0)
        _, status, usage = os.wait4(pid, 0)
    except BaseException:
        # a harness failure or an interrupt (Ctrl-C in a one-job campaign): never leave
        # the solver running
        _emergency_stop(pid)
        raise
    finally:
        if pidfd is not None:
            os.close(pidfd)
        _REAPER.forget_run(pid)
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.pop(pid, None)
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen never waits for it again
    t1 = time.monotonic()
    kill_latency = None if noticed is None else t1 - noticed
    cpu_kernel = usage.ru_utime + usage.ru_stime + extra_cpu
    return Measurement(
        returncode=proc.returncode,
        cpu_time=max(cpu_kernel, tree.cpu),
        wall_time=t1 - t0,
        peak_rss_mb=tree.peak_rss,
        peak_vms_mb=tree.peak_vms,
        started_at=started_at,
        ended_at=time.time(),
        killed_for=killed_for,
        kill_latency=kill_latency,
        overshoot=overshoot,
        leftovers=[p.pid for p in leftovers],
        pids_seen=sorted(tree.procs),
    )


def _output_mb(*files: BinaryIO) -> float:
    """Size of the largest of the captured output files in MiB (0 for one that cannot be measured)."""
    size = 0
    for f in files:
        try:
            size = max(size, os.fstat(f.fileno()).st_size)
        except (OSError, ValueError, AttributeError):
            continue
    return size / 2**20


#: The runs of this process in flight, by root pid: what :func:`abandon_runs` kills.
_IN_FLIGHT: dict[int, _Tree] = {}
_IN_FLIGHT_LOCK = threading.Lock()
_ABANDONED = threading.Event()


def abandon_runs() -> int:
    """SIGKILL every run of this process in flight, and any run started until :func:`resume_runs`.

    For a campaign abandoning its runs (a second interrupt): each ``run_limited`` in
    flight then returns at once, as for a command killed by a signal; the caller
    stores nothing of them. Returns how many runs were in flight.
    """
    with _IN_FLIGHT_LOCK:
        _ABANDONED.set()
        trees = list(_IN_FLIGHT.values())
    for tree in trees:
        _kill_now(tree)
    return len(trees)


def resume_runs() -> None:
    """Let runs start again after :func:`abandon_runs` (once the campaign that abandoned them has ended)."""
    _ABANDONED.clear()


def _kill_now(tree: _Tree) -> None:
    _signal(list(tree.procs.values()), tree.root, signal.SIGKILL)
    try:
        os.kill(tree.root, signal.SIGKILL)  # our child: its pid is not reused before we reap it
    except OSError:
        pass


def _start_ticks(pid: int) -> int | None:
    """The start time of ``pid`` in clock ticks since boot (``/proc/PID/stat`` field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


#: The reaper's program (run as ``python -I -S -c``; standard library only, so it starts
#: in milliseconds). Lines on stdin: ``run ROOT TICKS``, ``pid ROOT PID TICKS``,
#: ``end ROOT``, ``dir PATH``. At end of input (the harness has ended) it kills and
#: removes what is still registered.
_REAPER_CODE = r"""
import os, shutil, signal, sys, time
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGPIPE):
    signal.signal(s, signal.SIG_IGN)
runs, pids, dirs = {}, {}, set()
for line in sys.stdin.buffer:
    w = line.split()
    try:
        if w[0] == b"run":
            runs[int(w[1])] = int(w[2])
        elif w[0] == b"pid":
            pids.setdefault(int(w[1]), {})[int(w[2])] = int(w[3])
        elif w[0] == b"end":
            runs.pop(int(w[1]), None)
            pids.pop(int(w[1]), None)
        elif w[0] == b"dir":
            dirs.add(line[4:].rstrip(b"\n").decode())
    except (IndexError, ValueError):
        continue
sessions = set(runs)
known = {p: t for per_run in pids.values() for p, t in per_run.items()}
me = os.getpid()
end = time.monotonic() + 10
while (sessions or known) and time.monotonic() < end:
    victims = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                f = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(name)
        if f[0] in (b"Z", b"X"):
            continue
        if int(f[2]) in sessions or int(f[3]) in sessions or known.get(pid) == int(f[19]):
            victims.append(pid)
    if not victims:
        break
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.02)
for d in dirs:
    shutil.rmtree(d, ignore_errors=True)
"""


class _Reaper:
    """This process's reaper: kills what is left of its runs once this process has ended.

    See the module docstring ("The harness's death"). Started with the first message;
    a forked child of this process (a process-pool worker) starts its own, since the
    pipe's end it inherited is closed in it. Messages are single lines shorter than
    ``PIPE_BUF``, so writes from several threads never interleave.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._owner = 0
        self._proc: subprocess.Popen | None = None
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        # in a forked child: the pipe belongs to the parent's reaper
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
        self._fd, self._proc = None, None
        self._lock = threading.Lock()

    def _start(self) -> int | None:
        if not os.path.isdir("/proc"):
            return None  # not Linux: the death signal and the OS limits are all there is
        try:
            r, w = os.pipe()  # both close-on-exec: no solver inherits the write end
        except OSError:
            return None
        import subprocess

        try:
            self._proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _REAPER_CODE], stdin=r,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True, close_fds=True)
        except OSError:
            os.close(w)
            return None
        finally:
            os.close(r)
        self._fd, self._owner = w, os.getpid()
        return w

    def send(self, line: str) -> None:
        data = (line + "\n").encode()
        with self._lock:
            fd = self._fd if self._owner == os.getpid() else None
            if fd is None:
                fd = self._start()
                if fd is None:
                    return
            try:
                os.write(fd, data)
            except OSError:  # the reaper is gone: the next message starts another
                os.close(fd)
                self._fd = None

    def watch_run(self, root: int) -> None:
        """Register a run whose root ``root`` leads its own session and process group."""
        ticks = _start_ticks(root)
        if ticks is not None:
            self.send(f"run {root} {ticks}")

    def watch(self, root: int, pid: int) -> None:
        """Register a process seen in the tree of the run ``root``."""
        ticks = _start_ticks(pid)
        if ticks is not None:
            self.send(f"pid {root} {pid} {ticks}")

    def forget_run(self, root: int) -> None:
        """The run ``root`` has ended and its processes are gone."""
        self.send(f"end {root}")

    def watch_folder(self, path: str | os.PathLike) -> None:
        """Remove ``path`` (a scratch folder) once this process has ended."""
        path = os.fspath(path)
        if "\n" not in path and len(path) < 3000:
            self.send(f"dir {path}")

    @property
    def pid(self) -> int | None:
        """The reaper's pid, None before it is started."""
        return self._proc.pid if self._proc is not None and self._owner == os.getpid() else None


_REAPER = _Reaper()


def remove_with_the_harness(path: str | os.PathLike) -> None:
    """Have ``path`` (a scratch folder) removed when this process ends, even by SIGKILL."""
    _REAPER.watch_folder(path)


def _emergency_stop(pid: int) -> None:
    """SIGKILL the run's process group and reap the root, ignoring every error."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # Linux < 5.3 or not Linux: fall back to polling
        return None


def _exited(pid: int, pidfd: int | None, timeout: float) -> bool:
    """Wait up to ``timeout`` for the command to exit, without reaping it."""
    if pidfd is not None:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        return bool(ready)
    end = time.monotonic() + timeout
    while True:
        try:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        if info is not None:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.002)


def _kill_tree(tree: _Tree, pgid: int, pidfd: int | None, grace: float) -> None:
    """SIGTERM the whole tree, SIGKILL whatever is left after ``grace`` seconds."""
    tree.sample()  # catch children born since the last sample
    others = tree.others_alive(pgid)
    _signal(others, pgid, signal.SIGTERM)
    try:
        os.kill(tree.root, signal.SIGTERM)  # in case the root left its process group
    except OSError:
        pass
    end = time.monotonic() + grace
    while time.monotonic() < end:
        root_done = _exited(tree.root, pidfd, 0.01)
        if root_done and not any(_alive(p) for p in others):
            return
    others = tree.others_alive(pgid)
    _signal(others, pgid, signal.SIGKILL)
    try:
        os.kill(tree.root, signal.SIGKILL)  # the root may have left its group; it is our child
    except OSError:
        pass
    _exited(tree.root, pidfd, 5.0)
    _wait_gone(others, 5.0)


def _wait_gone(procs: list[psutil.Process], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(_alive(p) for p in procs):
        time.sleep(0.005)


#: Exit status of a forked child whose target raised (an exception is no answer).
FORK_FAILED = 70


def run_forked(target: Callable[[], bytes], limits: Limits) -> tuple[Measurement, bytes]:
    """Run ``target`` in a forked child of this process under ``limits``; its result comes back by a pipe.

    For a run that needs no new program: a python-sat backend solving a formula this
    process has already read (``asc solve``'s pre-solving slots). Forking a warm
    process costs a millisecond where a new interpreter costs 0.2 CPU-s (start-up,
    imports, re-reading the instance). The rules are the runner's, applied in-process:

    - OS limits from :func:`os_limit_values` (``RLIMIT_CPU``, ``RLIMIT_AS``,
      ``RLIMIT_FSIZE``) are set in the child before ``target`` runs, and the child's
      CPU timer (``ITIMER_PROF``, no handler: the kernel ends the child with SIGPROF)
      stops it at exactly ``limits.cpu_time``, which the monitor of
      :func:`run_limited` only approximates by sampling. ``target`` runs C code that
      never returns to Python in between, so only a kernel signal can stop it.
    - The result is read from the pipe up to ``limits.output_mb``; more is an output
      limit (the child is killed). Nothing the child prints reaches this process's
      stdout or stderr (both point at ``/dev/null`` in the child): the answer is what
      ``target`` returns, never what a library writes.
    - The wall-clock limit is enforced from here (SIGKILL). The child leads its own
      session, dies with this process (``PR_SET_PDEATHSIG``, where ``prctl`` can be
      called) and has ended, reaped, when this returns: it never outlives the call.

    Parameters
    ----------
    target
        Called in the child; what it returns is the result. It must not start
        processes of its own (they are not monitored; the OS limits still hold).
    limits
        The run's limits (``term_grace`` is not used: a child that does not return
        by its CPU or wall limit is stopped by a signal it cannot catch).

    Returns
    -------
    (Measurement, bytes)
        ``killed_for`` is ``"cpu"`` (SIGPROF or SIGXCPU), ``"wall"``, ``"memory"``
        is never reported (a failed allocation ends the child, see ``returncode``),
        ``"output"``; the bytes are the result (empty unless the child exited with 0).
    """
    values = os_limit_values(limits)
    parent = os.getpid()
    r, w = os.pipe()
    started_at = time.time()
    t0 = time.monotonic()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = FORK_FAILED
        try:
            os.close(r)
            os.setsid()
            _die_with_parent(parent)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            resource.setrlimit(resource.RLIMIT_CPU, values["cpu"])
            if "as" in values:
                resource.setrlimit(resource.RLIMIT_AS, values["as"])
            resource.setrlimit(resource.RLIMIT_FSIZE, values["fsize"])
            signal.signal(signal.SIGPROF, signal.SIG_DFL)
            # a forked child's CPU times and timers start at zero: the timer counts this run only
            signal.setitimer(signal.ITIMER_PROF, max(limits.cpu_time, 1e-3))
            data = target()
            with os.fdopen(w, "wb") as out:
                out.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - the child reports by its exit status only
            code = FORK_FAILED
        finally:
            os._exit(code)
    os.close(w)
    killed_for = overshoot = None
    noticed = None
    chunks: list[bytes] = []
    size = 0
    limit = limits.output_mb * 2**20
    try:
        while True:
            left = limits.wall_time - (time.monotonic() - t0)
            if left <= 0:
                killed_for, overshoot = "wall", -left
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                killed_for, overshoot = "output", size / 2**20 - limits.output_mb
                break
        if killed_for is not None:
            noticed = time.monotonic()
            _kill_session(pid)
        _, status, usage = os.wait4(pid, 0)
    except BaseException:
        _emergency_stop(pid)
        raise
    finally:
        os.close(r)
    _kill_session(pid)  # anything the child left in its session
    t1 = time.monotonic()
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    # SIGPROF: the CPU timer (its own clock may read a little below the rusage one);
    # SIGXCPU: the soft RLIMIT_CPU; SIGKILL at the limit: the hard one (as the runner judges)
    if killed_for is None and (code in (-signal.SIGPROF, -signal.SIGXCPU) or
                               (code == -signal.SIGKILL and cpu >= limits.cpu_time)):
        killed_for, overshoot, noticed = "cpu", max(0.0, cpu - limits.cpu_time), t1
    return Measurement(
        returncode=code, cpu_time=cpu, wall_time=t1 - t0,
        # ru_maxrss (KiB on Linux): a forked child's starts at this process's resident
        # size when it forked, the pages they share counted
        peak_rss_mb=usage.ru_maxrss / 1024, peak_vms_mb=0.0,
        started_at=started_at, ended_at=time.time(), killed_for=killed_for,
        kill_latency=None if noticed is None else t1 - noticed, overshoot=overshoot,
        pids_seen=[pid],
    ), (b"".join(chunks) if code == 0 and killed_for is None else b"")


def _kill_session(pid: int) -> None:
    """SIGKILL the session (and process group) ``pid`` leads, ignoring a group already gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _die_with_parent(parent: int) -> None:
    """In a forked child: be killed when ``parent`` dies (``PR_SET_PDEATHSIG``), or end now if it has.

    The prctl-then-getppid check of prctl(2): a parent that died before the call is
    caught by the second test. Without ``prctl`` (not Linux), the child's CPU timer
    still bounds what an orphan can do.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(FORK_FAILED)
