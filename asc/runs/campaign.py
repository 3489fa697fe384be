"""A collection campaign: which runs to do, and doing them on a local pool or a Dask cluster.

The coordinating process (the one calling :func:`run_campaign`) is the only one
that writes the run store. Workers only execute :func:`asc.runs.runner.execute`
and send the :class:`~asc.runs.record.RunRecord` back; each record is committed
as soon as it arrives, so a kill loses at most the runs in flight.

At most ``window`` runs are submitted ahead of the results, so memory stays
bounded on campaigns of millions of runs and a kill loses little scheduled work.
"""

from __future__ import annotations

import csv
import importlib.metadata
import logging
import os
import platform
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from asc.errors import InputError, UsageError
from asc.instances.discovery import find_instance_files, is_instance_name
from asc.runs.record import MAX_SEED, RunKey, RunRecord
from asc.runs.status import SOLVED, RunStatus
from asc.runs.store import InstanceRecord, RunStore

log = logging.getLogger(__name__)



# -- instances ---------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceFile:
    """An instance file chosen for a campaign.

    ``name`` is the readable id used in summaries and exports: the path relative to
    the instance directory (or to the common folder of a list's entries).
    """

    path: Path
    name: str
    expected: str | None = None


def find_instances(spec: str | Path, problem: str = "sat") -> list[InstanceFile]:
    """The instances named by ``--instances``: a directory (searched recursively) or a list file.

    A directory's instances are the files following the naming rule of
    :mod:`asc.instances.discovery` (the rule ``asc features`` applies too); a single
    file following it is one instance, any other file is a list.

    A list file holds one path per line (relative paths are relative to the list's
    folder; blank lines and ``#`` comments are skipped). Expected answers are read
    from a ``MANIFEST.csv`` beside the instances (columns ``file`` and ``expected``
    or ``known_status``), as shipped with ``instances/`` and ``../shared/instances``.

    Raises
    ------
    InputError
        The path does not exist, the directory holds no CNF file, a list file is
        unreadable or names a file that does not exist.
    """
    spec = Path(spec)
    if problem == "qsar":
        # QSAR datasets (``kind = "qsar"`` portfolios): *.csv[.gz...] files, same list-file rule
        from asc.instances.qsar import find_dataset_files, is_dataset_name

        finder, is_name = find_dataset_files, is_dataset_name
    else:
        finder, is_name = find_instance_files, is_instance_name
    if spec.is_dir():
        files = finder(spec)
        root = spec
    elif spec.is_file():
        if is_name(spec):
            files, root = [spec], spec.parent
        else:
            files = _read_list(spec)
            root = Path(os.path.commonpath([str(p.resolve().parent) for p in files]))
    else:
        raise InputError("expected an instance directory or a list file (one path per line); not found", spec)
    expected = _manifest_answers(files)
    out = []
    for p in files:
        try:
            name = p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            name = p.name
        out.append(InstanceFile(p, name, expected.get(p.resolve())))
    return out


def _read_list(path: Path) -> list[Path]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"expected a readable text file with one instance path per line: {exc}", path) from None
    files = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        p = Path(line)
        if not p.is_absolute():
            p = path.parent / p
        if not p.is_file():
            raise InputError(f"expected an existing instance file; {line!r} not found", path, lineno)
        files.append(p)
    if not files:
        raise InputError("expected at least one instance path in the list; found none", path)
    return files


def _manifest_answers(files: Sequence[Path]) -> dict[Path, str]:
    """Expected answers from MANIFEST.csv files found in the instances' folders or their parents."""
    from asc.instances.discovery import manifests_above

    answers: dict[Path, str] = {}
    for m in manifests_above(files):
        try:
            with m.open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    answer = (row.get("expected") or row.get("known_status") or "").strip().upper()
                    if row.get("file") and answer in SOLVED:
                        answers.setdefault((m.parent / row["file"]).resolve(), answer)
        except (OSError, csv.Error, UnicodeDecodeError) as exc:
            log.warning("ignoring unreadable manifest %s: %s", m, exc)
    return answers


def hash_instances(
    files: Sequence[InstanceFile],
    store: RunStore | None = None,
    on_error: Callable[[InstanceFile, InputError], None] | None = None,
    problem: str = "sat",
) -> list[InstanceRecord]:
    """Content hashes of the instances, reusing those cached in the store for unchanged files.

    Parameters
    ----------
    files
        The instances.
    store
        A store whose hash cache is used (and, if writable, filled).
    on_error
        Called with each file that cannot be read (as a CNF formula, or as a QSAR
        dataset), which is then left out: one bad file among thousands should not stop
        a campaign. Without it the first such file raises.
    problem
        ``"sat"``, or ``"qsar"``: the content hash of the standardised dataset
        (:func:`asc.instances.qsar.read_qsar`).

    Raises
    ------
    InputError
        A file cannot be read and ``on_error`` is None.
    """
    if problem == "qsar":
        from asc.instances.qsar import read_qsar

        def digest_of(path: Path) -> str:
            return read_qsar(path).content_hash
    else:
        from asc.instances import instance_hash as digest_of

    records, fresh = [], []
    for f in files:
        digest = store.cached_hash(f.path) if store is not None else None
        if digest is None:
            try:
                digest = digest_of(f.path)
            except InputError as exc:
                if on_error is None:
                    raise
                on_error(f, exc)
                continue
            fresh.append((f.path, digest))
        records.append(InstanceRecord(digest, str(f.path), f.name, f.expected))
    if store is not None and store.writable and fresh:
        store.cache_hashes(fresh)
    return records


# -- the run list ------------------------------------------------------------------


def algorithm_key(algorithm: Any) -> tuple[str, str]:
    """(name, configuration string) of an algorithm as used in run keys."""
    name = str(getattr(algorithm, "name"))
    conf = getattr(algorithm, "configuration", "")
    if callable(conf):
        conf = conf()
    if isinstance(conf, dict):
        conf = " ".join(f"-{k} {v}" for k, v in sorted(conf.items()))
    return name, str(conf or "")


def run_seed(base_seed: int, repetition: int) -> int:
    """The solver seed of a repetition: explicit and the same for every instance and algorithm."""
    return int(base_seed) + int(repetition) - 1


def check_seeds(seed: int, repetitions: int) -> None:
    """Refuse repetitions whose seeds ``seed .. seed + repetitions - 1`` leave 0..MAX_SEED.

    Raises
    ------
    UsageError
        ``repetitions`` is below 1, or a seed would be negative or wrap around.
    """
    if repetitions < 1:
        raise UsageError(f"--repetitions must be at least 1, got {repetitions}")
    if not 0 <= seed or run_seed(seed, repetitions) > MAX_SEED:
        raise UsageError(f"--seed {seed} with --repetitions {repetitions} gives seeds up to "
                         f"{run_seed(seed, repetitions)}; seeds must be at most {MAX_SEED} (2^32 - 1)")


def plan_runs(
    instances: Sequence[InstanceRecord],
    algorithms: Sequence[Any],
    *,
    cutoff_time: float,
    mem_limit_mb: float,
    repetitions: int = 1,
    seed: int = 0,
    output_limit_mb: float | None = None,
) -> list[Any]:
    """Every run of the campaign as a :class:`~asc.runs.runner.RunRequest`, in a fixed order.

    Instances with the same content are run once (the first path is used). The seeds
    of the repetitions, ``seed .. seed + repetitions - 1``, must all be valid solver
    seeds (unsigned 32-bit, as NumPy's and most solvers'): a seed that would wrap
    around is refused rather than silently repeated.
    """
    from asc.runs.runner import RunRequest

    check_seeds(seed, repetitions)
    seen: set[str] = set()
    unique = [i for i in instances if not (i.hash in seen or seen.add(i.hash))]  # type: ignore[func-returns-value]
    requests = []
    for inst in unique:
        for algo in algorithms:
            for rep in range(1, repetitions + 1):
                requests.append(
                    RunRequest(
                        # absolute: the solver runs in its own scratch folder (and maybe on another machine)
                        instance=str(Path(inst.path).resolve()),
                        instance_hash=inst.hash,
                        algorithm=algo,
                        seed=run_seed(seed, rep),
                        repetition=rep,
                        cutoff_time=float(cutoff_time),
                        mem_limit_mb=float(mem_limit_mb),
                        expected=inst.expected,
                        output_limit_mb=output_limit_mb,
                    )
                )
    return requests


def request_key(request: Any) -> RunKey:
    """The store key a request will produce."""
    name, conf = algorithm_key(request.algorithm)
    return RunKey(request.instance_hash, name, conf, int(request.seed), int(request.repetition))


def environment(cutoff_time: float, mem_limit_mb: float, **extra: Any) -> dict[str, Any]:
    """What is recorded once per campaign: host, versions, limits and how the runs were scheduled."""
    import asc

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    env = {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "asc": asc.__version__,
        "python-sat": version("python-sat"),
        "cutoff_time": float(cutoff_time),
        "mem_limit_mb": float(mem_limit_mb),
        "argv": sys.argv,
    }
    env.update(extra)
    return env


# -- cross-run checks --------------------------------------------------------------


class ContradictionTracker:
    """Flags UNSAT answers contradicted by a checked model of another run on the same instance.

    Kept incrementally in the coordinating process (seeded from the store on resume)
    because results arrive one at a time and are stored at once: a later checked SAT
    model turns earlier UNSAT rows WRONG in the store.
    """

    def __init__(self, store: RunStore) -> None:
        self._sat: set[str] = set()
        self._unsat: dict[str, list[RunKey]] = {}
        for r in store.runs():
            self._note(r)

    def _note(self, r: RunRecord) -> None:
        if r.status == "SAT" and r.model_checked:
            self._sat.add(r.instance_hash)
        elif r.status == "UNSAT":
            self._unsat.setdefault(r.instance_hash, []).append(r.key)

    def check(self, record: RunRecord) -> tuple[RunRecord, list[RunKey]]:
        """The record to store (WRONG if it contradicts) and earlier keys it makes WRONG."""
        h = record.instance_hash
        if record.status == "UNSAT" and h in self._sat:
            msg = "UNSAT contradicted by a checked model of another run"
            record = replace(record, status=RunStatus.WRONG, message=_join(record.message, msg))
            return record, []
        stale: list[RunKey] = []
        if record.status == "SAT" and record.model_checked:
            stale = self._unsat.pop(h, [])
        self._note(record)
        return record, stale


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


# -- executors ---------------------------------------------------------------------


class Scheduler(Protocol):
    """Runs ``fn`` on each item, yielding ``(item, result_or_exception)`` as runs finish."""

    slots: int

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]: ...

    def close(self) -> None: ...


class LocalScheduler:
    """A local pool of ``jobs`` workers.

    ``kind="thread"`` (the default): each thread supervises one solver child process,
    which is where the work happens, so threads cost less than worker processes
    (no interpreter start-up, no pickling); ``benchmarks/harness_overhead.py``
    measures both. ``kind="process"`` isolates the supervising code too.
    """

    def __init__(self, jobs: int = 1, kind: str = "thread", window: int | None = None) -> None:
        if jobs < 1:
            raise UsageError(f"--jobs must be at least 1, got {jobs}")
        self.slots = jobs
        self.window = window or 2 * jobs
        if kind == "thread":
            self._pool: Executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="asc-run")
        elif kind == "process":
            self._pool = ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_the_coordinator,
                                             initargs=(os.getpid(),))
        else:
            raise UsageError(f"unknown local pool kind {kind!r}; expected 'thread' or 'process'")

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        it = iter(items)
        pending: dict[Future, Any] = {}

        def top_up() -> None:
            while len(pending) < self.window:
                try:
                    item = next(it)
                except StopIteration:
                    return
                pending[self._pool.submit(fn, item)] = item

        top_up()
        interrupted = False
        try:
            while pending:
                try:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    if interrupted:
                        raise  # the second: the caller abandons the runs in flight (abandon())
                    # First Ctrl-C (or SIGTERM): submit nothing more, drop queued runs and
                    # store the runs in flight as they end (each ends by its own limits).
                    interrupted = True
                    it = iter(())
                    for fut in [f for f in pending if f.cancel()]:
                        pending.pop(fut)
                    log.warning("interrupted: finishing %d runs in flight (interrupt again to abandon them)",
                                len(pending))
                    continue
                for fut in done:
                    item = pending.pop(fut)
                    exc = fut.exception()
                    yield item, (exc if exc is not None else fut.result())
                top_up()
        finally:
            for fut in pending:
                fut.cancel()
        if interrupted:
            raise KeyboardInterrupt

    def abandon(self) -> int:
        """Kill the runs in flight at once (their results, if any, are the caller's to drop).

        Threads cannot be killed, but the solver processes they supervise can: each
        supervising thread then returns promptly. Pool workers are killed instead, and
        their reapers (:mod:`asc.runs.limits`) kill their runs. Returns how many runs
        were in flight (for the process pool, how many workers were killed).
        """
        from asc.runs.limits import abandon_runs

        if isinstance(self._pool, ThreadPoolExecutor):
            return abandon_runs()
        workers = list(getattr(self._pool, "_processes", {}).values())
        for w in workers:
            w.kill()
        return len(workers)

    def close(self) -> None:
        # Waits for runs in flight: threads cannot be killed, and each run ends by its
        # limits, or at once once abandon() has killed it.
        from asc.runs.limits import resume_runs

        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            resume_runs()


def _die_with_the_coordinator(coordinator: int) -> None:
    """Process-pool worker initializer: the worker is SIGKILLed when the coordinating process dies.

    A worker that outlived a killed coordinator would go on supervising its run until
    the run's limits, then wait for work forever; dying with it, its reaper
    (:mod:`asc.runs.limits`) kills its run and removes its scratch folder. Linux only
    (``prctl(PR_SET_PDEATHSIG)``); a coordinator already dead when it is set is
    checked for afterwards, as prctl(2) advises.
    """
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != coordinator:
        os._exit(1)


_END = object()

#: Fewest runs kept submitted to a Dask cluster (see DaskScheduler).
DASK_MIN_WINDOW = 1000


class DaskScheduler:
    """Runs on a Dask distributed cluster at ``address`` (or on a given ``Client``).

    Results come back to this process, which alone writes the store.
    """

    def __init__(self, address: str | Any, window: int | None = None) -> None:
        from distributed import Client

        if isinstance(address, str):
            try:
                self._client = Client(address, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
            self._own = True
        else:
            self._client, self._own = address, False
        threads = sum(self._client.nthreads().values()) or 1
        self.slots = threads
        # An adaptive cluster (dask-jobqueue's adapt) scales on the number of pending
        # tasks and may start with no worker at all, so keep a deep queue: far more
        # than the workers present now, still bounded for campaigns of millions of runs.
        self.window = window or max(DASK_MIN_WINDOW, 2 * threads)

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        it = iter(items)
        pending: dict[str, tuple[Any, Any]] = {}
        ac = as_completed()

        def submit(item: Any) -> None:
            # pure=False: a rerun of the same request is a new measurement, never a cache hit.
            fut = self._client.submit(fn, item, pure=False)
            pending[fut.key] = (fut, item)
            ac.add(fut)

        for _, item in zip(range(self.window), it):
            submit(item)
        try:
            for fut in ac:
                _, item = pending.pop(fut.key)
                if fut.status == "finished":
                    result: Any = fut.result()
                else:
                    result = fut.exception() or RuntimeError(f"run {fut.status}")
                fut.release()
                yield item, result
                nxt = next(it, _END)
                if nxt is not _END:
                    submit(nxt)
        finally:
            if pending:
                self._client.cancel([f for f, _ in pending.values()])

    def abandon(self) -> int:
        """Nothing to kill from here: cancelled runs already started end on their workers by their limits."""
        return 0

    def close(self) -> None:
        if self._own:
            self._client.close()


# -- the campaign ------------------------------------------------------------------


@dataclass
class CampaignReport:
    """What a campaign did: counts by status, runs skipped (already stored) and harness errors."""

    planned: int = 0
    skipped: int = 0
    done: int = 0
    by_status: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def check_limits(store: RunStore, cutoff_time: float, mem_limit_mb: float) -> None:
    """Refuse to mix limits in one store: a TIMEOUT at 1 s is not a finished run at 10 s."""
    if store.count() == 0:
        return
    for c in store.campaigns():
        if (c.cutoff_time, c.mem_limit_mb) != (float(cutoff_time), float(mem_limit_mb)):
            raise UsageError(
                f"{store.path} holds runs collected with --cutoff-time {c.cutoff_time:g} --mem-limit "
                f"{c.mem_limit_mb:g}; use the same limits to resume, or another --db"
            )


def run_campaign(
    store: RunStore,
    requests: Sequence[Any],
    scheduler: Scheduler,
    *,
    campaign_id: int | None = None,
    execute: Callable[[Any], Any] | None = None,
    progress: bool = True,
    on_result: Callable[[RunRecord], None] | None = None,
    retry: Iterable[str] = (),
) -> CampaignReport:
    """Run every request whose key is not in the store yet, storing each result as it ends.

    Parameters
    ----------
    store
        The run store, open for writing.
    requests
        The planned runs (from :func:`plan_runs`).
    scheduler
        Where runs execute (:class:`LocalScheduler` or :class:`DaskScheduler`).
    campaign_id
        The campaign the new rows belong to.
    execute
        The function run for each request, returning its :class:`~asc.runs.record.RunRecord`;
        defaults to :func:`asc.runs.runner.execute`.
    progress
        Show a progress bar on stderr.
    on_result
        Called with each stored record (after any contradiction check).
    retry
        Statuses (e.g. ``CRASH``) whose stored runs are done again and replaced,
        for when the cause of the failure has been fixed.
    """
    if execute is None:
        from asc.runs.runner import execute as _execute

        execute = _execute
    t0 = time.perf_counter()
    retry = {str(getattr(r, "value", r)).upper() for r in retry}
    finished = store.finished_keys(exclude_status=retry)
    todo = [r for r in requests if request_key(r) not in finished]
    report = CampaignReport(planned=len(requests), skipped=len(requests) - len(todo))
    if report.skipped:
        log.info("resuming: %d of %d runs already in %s", report.skipped, len(requests), store.path)
    tracker = ContradictionTracker(store)
    bar = _progress_bar(len(requests), report.skipped, progress)
    try:
        for request, result in scheduler.map_unordered(execute, todo):
            if isinstance(result, BaseException):
                # A harness-side failure (worker lost, bug) is not a solver result:
                # nothing is stored, so the run is retried when the campaign resumes.
                key = request_key(request)
                report.errors.append(f"{key}: {type(result).__name__}: {result}")
                log.warning("run %s failed in the harness: %s", key, result)
                report.by_status["ERROR"] += 1
            else:
                record, stale = tracker.check(replace(result, campaign_id=campaign_id))
                store.add(record)
                if stale:
                    store.set_status(stale, "WRONG", "UNSAT contradicted by a checked model of another run")
                    report.by_status["UNSAT"] -= len(stale)
                    report.by_status["WRONG"] += len(stale)
                report.by_status[record.status.value] += 1
                report.done += 1
                if on_result is not None:
                    on_result(record)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(_counts(report.by_status), refresh=False)
    finally:
        if bar is not None:
            bar.close()
        report.seconds = time.perf_counter() - t0
    _final_cross_check(store, report)
    return report


def _final_cross_check(store: RunStore, report: CampaignReport) -> None:
    """Safety net over the whole store with the runner's batch check (the tracker works per run)."""
    from asc.runs.check import flag_contradictions

    keys = [RunKey(*k) for k in flag_contradictions(store.runs())]
    if keys:
        store.set_status(keys, "WRONG", "UNSAT contradicted by a checked model of another run")
        report.by_status["UNSAT"] -= len(keys)
        report.by_status["WRONG"] += len(keys)


def _counts(c: Counter) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(c.items()) if v)


def _progress_bar(total: int, already: int, enabled: bool) -> Any:
    from asc.progress import progress_bar

    # stderr: stdout is kept for results (house rule). Runs found in the store count
    # as done from the start; tqdm's rate and ETA only use the runs of this session.
    return progress_bar(total, initial=already, unit="run", enabled=enabled)
