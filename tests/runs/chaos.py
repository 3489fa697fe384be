"""A fault-injection campaign: a real ``asc collect`` of misbehaving solvers, SIGKILLed and resumed.

Shared by the default suite (``tests/runs/test_chaos_campaign.py``, a short campaign) and the
benchmark (``benchmarks/chaos_campaign.py``, a long one that prints the figures). One seed
fixes everything random: the instances and the moments of the kills.

The portfolio holds the fault solvers of ``tests/runs/fault_solvers``, copied into the
campaign's own folder so that every process of its runs names that folder on its command
line (how survivors are found even when they left the harness's tree and session). Each
algorithm has one fault, and so one expected status per instance (:data:`ALGORITHMS`).

After each SIGKILL the campaign looks for what the killed harness left: processes of its
tree (a snapshot taken just before the kill), of its session, or naming the fault solvers'
folder, and scratch folders ``/tmp/asc-run-<pid>-*`` of the killed pid; each is given
:data:`GONE_WITHIN` seconds to go (the reaper's job) before it counts as a survivor.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
FAULTS = HERE / "fault_solvers"
REPO = HERE.parents[1]

#: Seconds the processes and scratch folders of a killed harness's runs get to be gone.
GONE_WITHIN = 5.0

#: name -> (fault solver, its arguments after the instance, expected status on a
#: satisfiable / an unsatisfiable instance). ``{pids}`` is a file the solver writes its pids to.
ALGORITHMS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "correct": ("echo_sat.py", (), "SAT", "UNSAT"),
    "crash": ("crash.py", ("segv",), "CRASH", "CRASH"),
    "exit3": ("crash.py", ("exit3",), "CRASH", "CRASH"),
    "hang": ("busy.py", ("--ignore-term",), "TIMEOUT", "TIMEOUT"),
    "family": ("family.py", ("{pids}",), "TIMEOUT", "TIMEOUT"),
    "family-detach": ("family.py", ("{pids}", "detach"), "TIMEOUT", "TIMEOUT"),
    "flood": ("flood.py", ("forever",), "CRASH", "CRASH"),
    "liar": ("liar_unsat.py", (), "WRONG", "UNSAT"),
    "wrong-model": ("wrong_model.py", (), "WRONG", "WRONG"),
}

#: Algorithms of the long form only: a solver that sleeps uses no CPU, so only the
#: wall-clock limit (``5 * cutoff + 10`` s, :mod:`asc.runs.runner`) stops it: 15 s a run.
SLOW_ALGORITHMS = {
    "sleep": ("sleeper.py", (), "TIMEOUT", "TIMEOUT"),
}


@dataclass
class Figures:
    planned: int = 0
    stored: int = 0
    duplicates: int = 0
    missing: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)  # (instance, algorithm, expected, got, message)
    kills: int = 0
    in_flight: list = field(default_factory=list)  # solver processes running at each kill
    survivors: list = field(default_factory=list)  # (kill number, pid, cmdline)
    scratch_left: list = field(default_factory=list)
    integrity: str = ""
    peak_rss_mb: float = 0.0
    attempts: int = 0
    final_exit: int | None = None
    wall_s: float = 0.0
    stderr_tail: str = ""

    def summary(self) -> str:
        return (f"runs planned {self.planned}, runs stored {self.stored}, duplicates {self.duplicates}, "
                f"missing {len(self.missing)}, unexpected status {len(self.unexpected)}, kills {self.kills} "
                f"(solver processes running at each: {self.in_flight}), "
                f"survivors {len(self.survivors)}, scratch folders left {len(self.scratch_left)}, "
                f"integrity {self.integrity!r}, peak RSS {self.peak_rss_mb:.1f} MiB, "
                f"collects {self.attempts}, wall time {self.wall_s:.1f} s")


def _satisfiable(nvars: int, clauses: list[tuple[int, ...]]) -> bool:
    return any(all(any(bits[abs(lit) - 1] == (lit > 0) for lit in c) for c in clauses)
               for bits in itertools.product((False, True), repeat=nvars))


def make_instances(folder: Path, count: int, rng: random.Random) -> dict[Path, str]:
    """``count`` distinct random 3-CNF formulas, half satisfiable, half not; all-false is no model."""
    folder.mkdir(parents=True, exist_ok=True)
    want = {"SAT": (count + 1) // 2, "UNSAT": count // 2}
    out: dict[Path, str] = {}
    seen: set = set()
    while any(want.values()):
        nvars = rng.randint(5, 9)
        clauses = [tuple(v if rng.random() < 0.5 else -v for v in rng.sample(range(1, nvars + 1), 3))
                   for _ in range(round(nvars * rng.uniform(4.0, 6.0)))]
        key = (nvars, tuple(sorted(clauses)))
        if key in seen or not any(all(lit > 0 for lit in c) for c in clauses):
            continue  # the same content twice would be one instance; all-false must not be a model
        answer = "SAT" if _satisfiable(nvars, clauses) else "UNSAT"
        if not want[answer]:
            continue
        want[answer] -= 1
        seen.add(key)
        path = folder / f"i{len(out):03d}.cnf"
        path.write_text(f"p cnf {nvars} {len(clauses)}\n" + "".join(" ".join(map(str, c)) + " 0\n" for c in clauses))
        out[path] = answer
    return out


def write_portfolio(workdir: Path, algorithms: dict) -> Path:
    solvers = workdir / "solvers"
    solvers.mkdir(parents=True, exist_ok=True)
    for name in {s for s, *_ in algorithms.values()} | {"tiny_dimacs.py"}:  # and what they import
        shutil.copy(FAULTS / name, solvers / name)
    (workdir / "pids").mkdir(exist_ok=True)
    text = []
    for name, (solver, args, *_) in algorithms.items():
        argv = ["{python}", str(solvers / solver), "{instance}",
                *(a.replace("{pids}", str(workdir / "pids" / f"{name}.pids")) for a in args)]
        text.append(f'[[algorithm]]\nname = "{name}"\ncommand = {json.dumps(argv)}\n')
    portfolio = workdir / "chaos.toml"
    portfolio.write_text("\n".join(text))
    return portfolio


def _suspects(workdir: Path, session: int) -> dict[int, str]:
    """Live processes naming the campaign's folder, or of the killed harness's session."""
    found = {}
    needle = str(workdir)
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if p.info["status"] == psutil.STATUS_ZOMBIE or p.pid == os.getpid():
                continue
            cmd = " ".join(p.info["cmdline"] or ())
            if needle in cmd or os.getsid(p.pid) == session:
                found[p.pid] = cmd
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _scratch(pids) -> list[Path]:
    return [f for pid in pids for f in Path(tempfile.gettempdir()).glob(f"asc-run-{pid}-*")]


def _sample_rss(proc: subprocess.Popen, peak: list[float], stop: threading.Event) -> None:
    """Peak resident memory of the harness process itself: its ``VmHWM``, read until it exits.

    Not its children's: a child between fork and exec shows the harness's pages as its own,
    and the solvers' memory is bounded by the memory limit, not the harness.
    """
    status = Path(f"/proc/{proc.pid}/status")
    while not stop.is_set():
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]) / 1024)
        except (OSError, ValueError):
            return  # gone (or a zombie: no memory lines)
        stop.wait(0.02)


def run_campaign(workdir: Path, *, instances: int = 10, kills: int = 3, seed: int = 0, cutoff: float = 1.0,
                 jobs: int = 2, repetitions: int = 1, kill_window: tuple[float, float] = (0.8, 3.0),
                 algorithms: dict | None = None, max_collects: int = 50, log=None) -> Figures:
    """Run the campaign in ``workdir``; SIGKILL ``kills`` collects at seeded moments; resume to the end.

    The collect is started anew after each kill; the first ``kills`` collects are each killed
    a seeded random time in ``kill_window`` seconds after their start (unless they end first),
    the next ones run to the end. Returns the :class:`Figures`; asserting them is the caller's.
    """
    algorithms = dict(ALGORITHMS if algorithms is None else algorithms)
    t0 = time.perf_counter()
    rng = random.Random(seed)
    workdir = Path(workdir).resolve()
    truth = make_instances(workdir / "instances", instances, rng)
    portfolio = write_portfolio(workdir, algorithms)
    db = workdir / "store.sqlite"
    cmd = [sys.executable, "-m", "asc", "collect", "--portfolio", str(portfolio), "--instances",
           str(workdir / "instances"), "--cutoff-time", str(cutoff), "--mem-limit", "512", "--jobs", str(jobs),
           "--repetitions", str(repetitions), "--seed", str(seed), "--db", str(db), "--no-progress",
           "--format", "json"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    fig = Figures(planned=len(truth) * len(algorithms) * repetitions)
    try:
        while fig.attempts < max_collects:
            fig.attempts += 1
            kill_now = fig.kills < kills
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                    start_new_session=True, cwd=workdir)
            peak, stop = [0.0], threading.Event()
            sampler = threading.Thread(target=_sample_rss, args=(proc, peak, stop), daemon=True)
            sampler.start()
            if kill_now:
                at = time.monotonic() + rng.uniform(*kill_window)
                tree: dict[int, str] = {}
                while time.monotonic() < at and proc.poll() is None:
                    try:  # what the harness runs at the moment it dies
                        for c in psutil.Process(proc.pid).children(recursive=True):
                            tree.setdefault(c.pid, " ".join(c.cmdline()))
                    except psutil.Error:
                        pass
                    time.sleep(0.02)
                if proc.poll() is None:
                    owners = [proc.pid]
                    running = 0
                    try:  # process-pool workers name scratch folders after themselves
                        owners += [c.pid for c in psutil.Process(proc.pid).children()]
                        for c in psutil.Process(proc.pid).children(recursive=True):
                            tree.setdefault(c.pid, " ".join(c.cmdline()))
                            running += str(workdir / "solvers") in tree[c.pid]
                    except psutil.Error:
                        pass
                    proc.send_signal(signal.SIGKILL)
                    proc.communicate()
                    stop.set()
                    fig.kills += 1
                    fig.in_flight.append(running)
                    tree = {p: c for p, c in tree.items() if _alive(p)}
                    deadline = time.monotonic() + GONE_WITHIN
                    while True:
                        left = {p: c for p, c in tree.items() if _alive(p)}
                        left.update(_suspects(workdir, proc.pid))
                        folders = _scratch(owners)
                        if (not left and not folders) or time.monotonic() > deadline:
                            break
                        time.sleep(0.05)
                    fig.survivors += [(fig.kills, p, c) for p, c in left.items()]
                    fig.scratch_left += [(fig.kills, str(f)) for f in folders]
                    _kill_all(left)
                    if log:
                        log(f"kill {fig.kills}: collect {fig.attempts} at {time.perf_counter() - t0:.1f} s, "
                            f"{running} solver processes running, {_count(db)} runs stored, {len(left)} survivors, {len(folders)} scratch folders")
                    continue
            out, err = proc.communicate()
            stop.set()
            sampler.join()
            fig.final_exit = proc.returncode
            fig.stderr_tail = err.decode(errors="replace")[-2000:]
            if proc.returncode in (0, 1):
                fig.peak_rss_mb = peak[0]  # of the collect that completed the campaign
                report = json.loads(out)
                if report["skipped"] + report["stored"] == report["planned"] and fig.kills >= kills:
                    break
            elif proc.returncode != 0:
                break  # an error exit: reported through final_exit
        left = _suspects(workdir, -1)
        fig.survivors += [("end", p, c) for p, c in left.items()]
        _kill_all(left)
        _check_store(fig, db, truth, repetitions, algorithms)
    finally:
        _kill_all(_suspects(workdir, -1))
        fig.wall_s = time.perf_counter() - t0
    return fig


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _check_store(fig: Figures, db: Path, truth: dict[Path, str], repetitions: int, algorithms: dict) -> None:
    from asc.runs.store import RunStore

    with RunStore(db) as store:
        fig.integrity = store.integrity_check()
        by_hash = {h: Path(rec.path).resolve() for h, rec in store.instances().items()}
        rows = list(store.runs())
    keys = Counter((by_hash.get(r.instance_hash), r.algorithm, r.configuration, r.seed, r.repetition) for r in rows)
    fig.stored = len(rows)
    fig.duplicates = sum(n - 1 for n in keys.values())
    seen = Counter((path, algo) for path, algo, *_ in keys)
    for path, answer in truth.items():
        for algo in algorithms:
            if seen[(path.resolve(), algo)] != repetitions:
                fig.missing.append((path.name, algo, seen[(path.resolve(), algo)]))
    for r in rows:
        path = by_hash.get(r.instance_hash)
        if path is None or r.algorithm not in algorithms:
            fig.unexpected.append((str(path), r.algorithm, "?", r.status.value, r.message))
            continue
        _, _, on_sat, on_unsat = algorithms[r.algorithm]
        want = on_sat if truth[path] == "SAT" else on_unsat
        got = getattr(r.status, "value", r.status)
        if got != want:
            fig.unexpected.append((path.name, r.algorithm, want, got, r.message))
