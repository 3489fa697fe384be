"""``asc configure``'s search: SMAC's algorithm-configuration facade driven by ask and tell.

Every trial SMAC asks for runs through the harness (:func:`asc.runs.runner.execute`:
its own process tree under CPU, wall-clock and memory limits, the answer checked) and
is stored in the run store at once, under the algorithm's name and the trial's
configuration (the ``configuration`` column of the run key). The run store is the
truth: on resume the stored trials are told to a fresh SMAC before it is asked
anything, and a trial SMAC asks for that is already stored is told from the store
instead of being run again. So a ``kill -9`` loses only the trials in flight (their
solver processes die with the harness, :mod:`asc.runs.limits`) and repeats none.

The SMAC traps and what is done about each (all seen with SMAC 2.4.1):

* ``crash_cost`` defaults to infinity, which puts ``inf`` into the random forest's
  targets: every failed trial costs PAR10's ``10 * cutoff`` here, and so does the
  scenario's ``crash_cost``.
* ``n_trials`` defaults to 100 and would end a wall-clock search silently: it is set
  to :data:`N_TRIALS` and only the budget (ours, not SMAC's ``walltime_limit``) ends a search.
* NumPy scalars from ConfigSpace render wrongly on a command line:
  :func:`asc.configuration.configs.plain` converts them before anything is rendered.
* ``adaptive_capping``: not used (SMAC 2.x has no CAPPED status and caps the incumbent
  at 0 after a few hundred trials); the runner enforces the cutoff.
* ``cputime_limit`` counts SMAC's own process only, not the solver children: not used.
* A changed scenario with ``overwrite=False`` prompts on stdin: SMAC's output goes to a
  fresh temporary folder with ``overwrite=True``, and the resumable state is ours.
* The AC facade models raw costs (``log_y=False``) though runtimes are heavy-tailed:
  the surrogate is a random forest on log-scaled costs (SMAC's log-scaled encoder and
  ``log_y=True``), as SMAC's HPO facade does.
* A small space tried in full makes ``ask()`` raise ``ConfigurationSpaceExhaustedException``:
  the search ends there, with what it measured.
* An exit other than 10/20 before the cutoff is a crash (the runner's status), never a
  timeout; both cost the same, but SMAC is told which.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from asc.configuration.configs import default_values, fingerprint, parse_configuration, plain, with_configuration
from asc.errors import InputError, UsageError
from asc.portfolios.algorithm import Algorithm
from asc.runs.record import RunRecord
from asc.runs.store import InstanceRecord, RunStore

log = logging.getLogger(__name__)

#: SMAC's trial cap: large, so that the wall-clock budget alone ends a search.
N_TRIALS = 10**9

#: PAR factor of the cost: a run that does not answer costs this many cutoffs.
PAR = 10

#: Least cost of a solved run in seconds: a run measured at 0 s would be log(0) to the surrogate.
MIN_COST = 1e-3


def run_and_read(algorithms: Sequence[Algorithm], instances: Sequence[InstanceRecord], store: RunStore, *,
                 cutoff: float, mem_limit: float, seed: int, repeats: int = 1, jobs: int = 1,
                 campaign_id: int | None = None, scheduler: str | None = None,
                 progress: bool = False) -> list[RunRecord]:
    """Every run of ``algorithms`` x ``instances`` x ``repeats``, made now or found in the store.

    The one way validation and Hydra measure a configuration: planned as a campaign
    (seeds ``seed + k``), run on ``jobs`` local threads or a Dask ``scheduler``, skipped
    when stored, and read back from the store, which is the truth (a run that failed
    in the harness is not stored, so it is simply missing from the result).
    """
    from asc.runs import campaign as cp

    requests = cp.plan_runs(instances, list(algorithms), cutoff_time=cutoff, mem_limit_mb=mem_limit,
                            repetitions=repeats, seed=seed)
    where: Any = cp.DaskScheduler(scheduler) if scheduler else cp.LocalScheduler(jobs)
    try:
        cp.run_campaign(store, requests, where, campaign_id=campaign_id, progress=progress)
    finally:
        where.close()
    wanted = {cp.request_key(r) for r in requests}
    return [r for h in {i.hash for i in instances} for r in store.runs(h) if r.key in wanted]


def par10(record: RunRecord, cutoff: float) -> float:
    """A run's cost: its CPU time when it answered correctly within the cutoff, else ``10 * cutoff``.

    Only SAT and UNSAT count as answers (the runner checks models and flags wrong
    answers WRONG); timeouts, memouts, crashes, wrong answers and ``s UNKNOWN`` all cost
    PAR10's penalty, so that a crash region looks as bad as it is, never better.
    """
    if record.status.solved and record.cpu_time is not None and record.cpu_time <= cutoff:
        return max(float(record.cpu_time), MIN_COST)
    return PAR * float(cutoff)


def smac_status(record: RunRecord) -> Any:
    """SMAC's status of a stored run (for its bookkeeping; the cost is :func:`par10`)."""
    from smac.runhistory import StatusType

    if record.status.solved:
        return StatusType.SUCCESS
    return {"TIMEOUT": StatusType.TIMEOUT, "UNKNOWN": StatusType.TIMEOUT,
            "MEMOUT": StatusType.MEMORYOUT}.get(record.status.value, StatusType.CRASHED)


def is_deterministic(algorithm: Algorithm) -> bool:
    """Whether runs of ``algorithm`` do not depend on their seed.

    The rule: a command line without ``{seed}`` cannot use one; a python-sat backend
    uses its seed only for ``phase = random`` or ``shuffle = yes`` (see
    :mod:`asc.portfolios.pysat_solver`), so it is randomized when its space offers
    either; CryptoMiniSat takes the run's seed as its own ``seed`` option and is
    randomized always (one seed solves a random 3-SAT formula with no conflict, the
    next needs 180,000). Anything else that takes ``{seed}`` is taken to be randomized.
    """
    from asc.portfolios.algorithm import placeholders
    from asc.portfolios.cryptominisat import BACKEND as CMS_BACKEND

    used = {n for tok in algorithm.command for n in placeholders(tok)}
    if algorithm.kind == "pysat" and algorithm.backend == CMS_BACKEND:
        return False
    if algorithm.kind == "pysat":
        names = {p.name: p for p in algorithm.space}
        random_phase = "phase" in names and "random" in names["phase"].choices
        shuffles = "shuffle" in names and "yes" in names["shuffle"].choices
        return not (random_phase or shuffles)
    return "seed" not in used


def instance_features(instances: Sequence[InstanceRecord], step_timeout: float = 10.0, jobs: int = 1,
                      components: int = 4) -> dict[str, list[float]] | None:
    """SATzilla features of the training instances (``asc features``' extractor) for SMAC's model.

    Keyed by instance hash (the instance names SMAC sees). A feature missing for an
    instance (a step that timed out) takes the column's median; constant columns are
    dropped (they cannot split); the rest are standardized and reduced to their first
    ``components`` principal components (SMAC's AC facade default is 4 components,
    but its own reduction is broken, see the code). None when no column is left.
    """
    import numpy as np

    from asc.features.batch import DEFAULT_STEPS, extract_batch, feature_columns

    steps = tuple(DEFAULT_STEPS)
    columns = feature_columns(steps)
    rows = extract_batch([(i.hash, i.path) for i in instances], steps, jobs=jobs, step_timeout=step_timeout)
    X = np.array([r.values(steps, columns) for r in rows], dtype=float).reshape(len(rows), len(columns))
    X[~np.isfinite(X)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        med = np.nanmedian(X, axis=0) if len(X) else np.zeros(len(columns))
    med = np.where(np.isfinite(med), med, 0.0)
    X = np.where(np.isnan(X), med, X)
    # (nearly) constant columns cannot split; a relative threshold, since a column of one
    # value repeated can have a standard deviation of rounding noise, not 0
    sd = X.std(axis=0) if len(X) > 1 else np.zeros(X.shape[1])
    keep = sd > 1e-9 * (np.abs(X).max(axis=0, initial=0.0) + 1.0)
    if not keep.any():
        return None
    X = (X[:, keep] - X[:, keep].mean(axis=0)) / sd[keep]
    k = min(components, X.shape[0] - 1, X.shape[1])
    if k < X.shape[1]:
        # SMAC 2.4.1's forest applies its own PCA when it trains but not when it
        # marginalizes over instances (an assertion fails after a few trials), so the
        # reduction is done here and SMAC's is switched off
        _, _, vt = np.linalg.svd(X, full_matrices=False)
        X = X @ vt[:k].T
    return {r.instance_id: [round(float(v), 9) for v in x] for r, x in zip(rows, X)}


@dataclass
class Trial:
    """One finished trial: configuration, instance, seed, its stored run and its cost."""

    config: dict[str, Any]
    instance_hash: str
    seed: int
    record: RunRecord
    cost: float
    replayed: bool = False


@dataclass
class SearchResult:
    """What a search found.

    Attributes
    ----------
    default, incumbent
        The configurations (plain dicts): the portfolio entry's and the best found.
    incumbent_cost
        SMAC's mean cost (PAR10) of the incumbent over the training trials it ran.
    incumbent_instances
        How many training instance-seed pairs the incumbent was run on.
    default_cost
        The default's mean PAR10 on the training pairs it was run on.
    trials
        Trials told to SMAC, this session's and replayed ones.
    ran, replayed
        Trials run in this session; stored trials told to SMAC on resume (or reused
        when SMAC asked for a stored one).
    elapsed
        Search seconds used, over every session of this search.
    overhead
        SMAC's own seconds (ask and tell) per trial run in this session.
    """

    default: dict[str, Any]
    incumbent: dict[str, Any]
    incumbent_cost: float
    incumbent_instances: int
    default_cost: float
    trials: int
    ran: int
    replayed: int
    elapsed: float
    overhead: float
    history: list[dict[str, Any]] = field(default_factory=list)


class SearchState:
    """The resumable state of a search: a small JSON file beside the result, replaced atomically.

    Holds the search's fingerprint (what it searches, on what, under which limits and
    seed), the seconds of budget used so far and, once finished, the result. The runs
    themselves are in the run store; this only says how much of the budget is gone, so
    that ``kill -9`` and the same command again continue with what was left.
    """

    def __init__(self, path: str | Path, key: str) -> None:
        self.path = Path(path)
        self.key = key
        self.data: dict[str, Any] = {"key": key, "elapsed": 0.0, "result": None}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"expected the JSON state of an earlier asc configure: {exc}", self.path) from None
            if not isinstance(data, dict) or data.get("key") != key:
                raise UsageError(f"{self.path} holds the state of another search (other algorithm, space, training "
                                 "instances, limits or seed); give another -o, or delete it to start afresh")
            self.data = data

    @property
    def elapsed(self) -> float:
        return float(self.data.get("elapsed", 0.0))

    @property
    def result(self) -> dict[str, Any] | None:
        return self.data.get("result")

    def save(self, **updates: Any) -> None:
        self.data.update(updates)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, self.path)


def search_key(algorithm: Algorithm, instances: Sequence[InstanceRecord], cutoff: float, mem_limit: float | None,
               seed: int, deterministic: bool) -> str:
    """The fingerprint of a search: same algorithm, space, instances, limits and seed, same key."""
    return fingerprint({
        "algorithm": algorithm.name, "command": list(algorithm.command), "kind": algorithm.kind,
        "space": [vars(p) for p in algorithm.space], "default": default_values(algorithm),
        "instances": sorted(i.hash for i in instances), "cutoff": float(cutoff),
        "mem": None if mem_limit is None else float(mem_limit), "seed": int(seed), "deterministic": deterministic,
    })


def _make_facade(space: Any, instances: list[str], features: dict[str, list[float]] | None, cutoff: float,
                 deterministic: bool, seed: int, output: Path, default: Any) -> Any:
    """SMAC's algorithm-configuration facade with the traps of the module docstring handled."""
    from smac import AlgorithmConfigurationFacade as AC
    from smac import Scenario
    from smac.model.random_forest import RandomForest
    from smac.runhistory.encoder import RunHistoryLogScaledEncoder

    def unused_target(config: Any, instance: str, seed: int = 0) -> float:  # pragma: no cover
        raise AssertionError("asc runs the trials itself (ask and tell)")

    scenario = Scenario(space, name="asc-configure", output_directory=output, deterministic=deterministic,
                        crash_cost=PAR * cutoff, n_trials=N_TRIALS, walltime_limit=math.inf, seed=seed,
                        instances=instances, instance_features=features, n_workers=1)
    model = RandomForest(space, log_y=True, instance_features=features, pca_components=None, seed=seed, n_jobs=1)
    extra = [] if default == space.get_default_configuration() else [default]
    initial = AC.get_initial_design(scenario, additional_configs=extra)
    return AC(scenario, unused_target, model=model, initial_design=initial,
              runhistory_encoder=RunHistoryLogScaledEncoder(scenario),
              logging_level=False, overwrite=True)


def search(algorithm: Algorithm, instances: Sequence[InstanceRecord], store: RunStore, *, budget: float,
           cutoff: float, mem_limit: float | None, seed: int = 0, deterministic: bool | None = None,
           features: dict[str, list[float]] | None = None, jobs: int = 1, campaign_id: int | None = None,
           state: SearchState | None = None, progress: Callable[[Mapping[str, Any]], None] | None = None,
           execute: Callable[[Any], RunRecord] | None = None, executor: Executor | None = None,
           max_trials: int | None = None, cost_of: Callable[[RunRecord, str], float] | None = None,
           smac_seed: int | None = None, max_new_trials: int | None = None) -> SearchResult:
    """Configure ``algorithm`` on ``instances`` with SMAC within ``budget`` wall-clock seconds.

    Parameters
    ----------
    algorithm
        A parameterized algorithm (non-empty space).
    instances
        Training instances (registered in ``store``).
    store
        The run store, open for writing: every trial is stored as it ends, and stored
        trials of this algorithm on these instances are replayed first (resume).
    budget
        Wall-clock seconds of search, over every session (``state`` carries what was used).
    cutoff, mem_limit
        Limits of each run (CPU seconds, MiB).
    seed
        SMAC's seed, the space's seed and, for a deterministic algorithm, every run's seed.
    deterministic
        Whether runs ignore their seed (one seed per instance); default :func:`is_deterministic`.
    features
        Instance features by hash for SMAC's model (:func:`instance_features`), or None.
    jobs
        Trials run at once (asked ahead of results, told as they end).
    executor
        Where trials run: a :class:`concurrent.futures.Executor` such as a Dask client's
        ``get_executor(pure=False)`` (``--scheduler``); default a local thread pool of
        ``jobs`` threads, each supervising one solver process. Runs are sent as picklable
        :class:`asc.runs.runner.RunRequest` objects; only this process writes the store.
    state
        The resumable budget state; None keeps nothing between sessions.
    progress
        Called after each trial with ``{"trials", "ran", "incumbent_cost", "left", ...}``.
    execute
        The runner (default :func:`asc.runs.runner.execute`).
    max_trials
        Also stop once this many trials (replayed ones included) were told: a search
        that ends on this cap does not depend on the machine's speed or load.
    cost_of
        The cost SMAC is told of a run on an instance (by hash); default :func:`par10`.
        Hydra tells the cost of the portfolio with the configuration added: the run's
        PAR10 or the portfolio's best on that instance, whichever is lower.
    smac_seed
        SMAC's seed when it differs from the runs' (``seed``): Hydra's later searches
        explore afresh while their runs keep the store's keys.
    max_new_trials
        Also stop once this many trials were run in this call (Hydra's per-iteration
        cap: each iteration replays the earlier ones' trials).
    """
    if not algorithm.space:
        raise UsageError(f"algorithm {algorithm.name!r} has no parameters to configure; give a parameterized "
                         "algorithm ([algorithm.parameters] in the portfolio file)")
    if not instances:
        raise UsageError("no training instances to configure on")
    if not (math.isfinite(budget) and budget > 0):
        raise UsageError(f"the budget must be a positive, finite number of seconds; got {budget!r}")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    if execute is None:
        from asc.runs.runner import execute as _execute

        execute = _execute
    from smac.main.exceptions import ConfigurationSpaceExhaustedException
    from smac.runhistory import TrialInfo, TrialValue

    from asc.runs.campaign import ContradictionTracker
    from asc.runs.runner import RunRequest

    det = is_deterministic(algorithm) if deterministic is None else bool(deterministic)
    sseed = int(seed if smac_seed is None else smac_seed)
    space = _space(algorithm, sseed)
    if cost_of is None:
        def cost_of(record: RunRecord, instance_hash: str) -> float:
            return par10(record, cutoff)
    by_hash = {i.hash: i for i in instances}
    names = sorted(by_hash)
    default_cfg = default_values(algorithm)
    if features is None:
        # without features SMAC's encoder cannot tell instances apart and feeds the
        # forest one point with several values; an instance's index is the fallback it advises
        features = {h: [float(i)] for i, h in enumerate(names)}
    started = time.monotonic()
    used_before = state.elapsed if state is not None else 0.0

    def left() -> float:
        return budget - used_before - (time.monotonic() - started)

    smac_logger = logging.getLogger("smac")
    level = smac_logger.level
    smac_logger.setLevel(logging.ERROR)
    trials: list[Trial] = []
    overhead = 0.0
    ran = 0
    tracker = ContradictionTracker(store)
    try:
        with tempfile.TemporaryDirectory(prefix="asc-configure-") as tmp, warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Mean of empty slice", category=RuntimeWarning)
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="smac")
            warnings.filterwarnings("ignore", category=RuntimeWarning, module="numpy")
            from ConfigSpace import Configuration

            default = Configuration(space, values=default_cfg)
            facade = _make_facade(space, names, features, cutoff, det, sseed, Path(tmp), default)

            def solver_seed(smac_seed: int) -> int:
                # deterministic: one seed for every run (asc's --seed), so runs of `asc collect` match;
                # randomized: SMAC's seed, within what solvers take
                return int(seed) if det else int(smac_seed) % (2**31)

            # -- replay the store ------------------------------------------------------------
            stored: dict[tuple[str, str, int], RunRecord] = {}
            for r in store.runs():
                if r.algorithm == algorithm.name and r.instance_hash in by_hash and r.repetition == 1:
                    if (not det or r.seed == int(seed)) and parse_configuration(r.configuration, algorithm.space) \
                            is not None:
                        stored[(r.configuration, r.instance_hash, r.seed)] = r
            for (conf_text, h, s), r in sorted(stored.items(), key=lambda kv: (kv[1].ended_at or 0.0)):
                cfg = parse_configuration(conf_text, algorithm.space)
                # told before the first ask: SMAC's intensifier takes the runhistory's seeds and
                # configurations as its own then (deterministic: the one seed, asc's --seed)
                info = TrialInfo(Configuration(space, values=cfg), instance=h, seed=s)
                cost = cost_of(r, h)
                facade.tell(info, TrialValue(cost=cost, time=r.wall_time or 0.0, status=smac_status(r)), save=False)
                trials.append(Trial(cfg, h, s, r, cost, replayed=True))
            replayed = len(trials)

            # -- search ----------------------------------------------------------------------
            def request(info: Any, cfg: dict[str, Any], s: int) -> Any:
                inst = by_hash[info.instance]
                return RunRequest(instance=str(Path(inst.path).resolve()), instance_hash=inst.hash,
                                  algorithm=with_configuration(algorithm, cfg), seed=s, repetition=1,
                                  cutoff_time=float(cutoff), mem_limit_mb=mem_limit, expected=inst.expected)

            def finish(info: Any, cfg: dict[str, Any], s: int, record: RunRecord, reused: bool) -> None:
                nonlocal overhead, ran
                if not reused:
                    record, stale = tracker.check(replace(record, campaign_id=campaign_id))
                    store.add(record)
                    if stale:
                        store.set_status(stale, "WRONG", "UNSAT contradicted by a checked model of another run")
                    ran += 1
                cost = cost_of(record, info.instance)
                t0 = time.monotonic()
                facade.tell(info, TrialValue(cost=cost, time=record.wall_time or 0.0, status=smac_status(record)),
                            save=False)
                overhead += time.monotonic() - t0
                trials.append(Trial(cfg, info.instance, s, record, cost, replayed=reused))
                if state is not None:
                    state.save(elapsed=used_before + time.monotonic() - started)
                if progress is not None:
                    inc = facade.intensifier.get_incumbent()
                    inc_cost = facade.runhistory.get_cost(inc) if inc is not None else math.nan
                    progress({"trials": len(trials), "ran": ran, "incumbent_cost": inc_cost, "left": left(),
                              "cost": cost, "status": record.status.value})

            own = executor is None
            pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="asc-configure") if own else executor
            pending: dict[Future, tuple[Any, dict[str, Any], int]] = {}
            exhausted = completing = False
            completion: list[Any] = []

            def complete() -> list[Any]:
                """Trials that put every configuration tried on every training instance (one seed each)."""
                told = {(with_configuration(algorithm, t.config).configuration, t.instance_hash) for t in trials}
                told |= {(with_configuration(algorithm, c).configuration, i.instance)
                         for i, c, _ in pending.values()}
                seeds = [t.seed for t in trials if not t.replayed] or [t.seed for t in trials] or [int(seed)]
                smac_seed0 = seeds[0]
                out = []
                for config in facade.runhistory.get_configs():
                    text = with_configuration(algorithm, {k: plain(v) for k, v in dict(config).items()}).configuration
                    out += [TrialInfo(config, instance=h, seed=smac_seed0) for h in names if (text, h) not in told]
                return out
            try:
                while True:
                    while not exhausted and len(pending) < jobs and left() > 0 and (
                            max_trials is None or len(trials) + len(pending) < max_trials) and (
                            max_new_trials is None or ran + len(pending) < max_new_trials):
                        t0 = time.monotonic()
                        try:
                            info = completion.pop(0) if completing else facade.ask()
                        except (StopIteration, ConfigurationSpaceExhaustedException):
                            # a small space tried in full: SMAC raises rather than proposing again,
                            # before its intensifier has run the configurations on every instance;
                            # asc runs each of them on the instances it has not seen (below)
                            completing = True
                            completion = complete()
                            continue
                        except IndexError:
                            exhausted = True
                            break
                        finally:
                            overhead += time.monotonic() - t0
                        cfg = {k: plain(v) for k, v in dict(info.config).items()}
                        s = solver_seed(info.seed)
                        conf_text = with_configuration(algorithm, cfg).configuration
                        known = stored.get((conf_text, info.instance, s))
                        if known is not None:  # stored already (a resumed search): told, never run twice
                            finish(info, cfg, s, known, reused=True)
                            continue
                        pending[pool.submit(execute, request(info, cfg, s))] = (info, cfg, s)
                    if not pending:
                        break
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        info, cfg, s = pending.pop(fut)
                        record = fut.result()
                        stored[(with_configuration(algorithm, cfg).configuration, info.instance, s)] = record
                        finish(info, cfg, s, record, reused=False)
            except BaseException:
                if own and pending:
                    # interrupted: kill the runs in flight rather than wait for their limits
                    # (they are not stored, so they may be asked for again on resume)
                    from asc.runs.limits import abandon_runs

                    abandon_runs()
                raise
            finally:
                for fut in pending:
                    fut.cancel()
                if own:
                    pool.shutdown(wait=True, cancel_futures=True)
                    from asc.runs.limits import resume_runs

                    resume_runs()
            inc = facade.intensifier.get_incumbent()
            incumbent = default_cfg if inc is None else {k: plain(v) for k, v in dict(inc).items()}
            inc_cost = facade.runhistory.get_cost(inc) if inc is not None else math.nan
            inc_n = len(facade.runhistory.get_trials(inc)) if inc is not None else 0
            if completing:
                # every configuration was run on every instance: the lowest mean cost wins
                per: dict[str, list[float]] = {}
                configs: dict[str, dict[str, Any]] = {}
                for t in trials:
                    text = with_configuration(algorithm, t.config).configuration
                    per.setdefault(text, []).append(t.cost)
                    configs[text] = t.config
                full = {c: v for c, v in per.items() if len(v) >= len(names)}
                if full:
                    best = min(sorted(full), key=lambda c: sum(full[c]) / len(full[c]))
                    incumbent, inc_cost, inc_n = configs[best], sum(full[best]) / len(full[best]), len(full[best])
            def_trials = [t.cost for t in trials if t.config == default_cfg]
    finally:
        smac_logger.setLevel(level)
    elapsed = used_before + time.monotonic() - started
    if state is not None:
        state.save(elapsed=elapsed)
    history = [{"config": t.config, "instance": t.instance_hash, "seed": t.seed, "status": t.record.status.value,
                "cost": t.cost, "replayed": t.replayed} for t in trials]
    return SearchResult(default=default_cfg, incumbent=dict(sorted(incumbent.items())), incumbent_cost=inc_cost,
                        incumbent_instances=inc_n,
                        default_cost=float(sum(def_trials) / len(def_trials)) if def_trials else math.nan,
                        trials=len(trials), ran=ran, replayed=replayed, elapsed=elapsed,
                        overhead=overhead / max(ran, 1), history=history)


def _space(algorithm: Algorithm, seed: int) -> Any:
    from asc.portfolios.space import to_configspace

    return to_configspace(algorithm.space, name=algorithm.name, seed=seed)


def stderr_progress(every: float = 5.0, stream: Any = None) -> Callable[[Mapping[str, Any]], None]:
    """A progress reporter: one line on stderr when the incumbent's cost changes, else every ``every`` s."""
    last = [-math.inf, math.nan]

    def report(event: Mapping[str, Any]) -> None:
        now = time.monotonic()
        cost = event["incumbent_cost"]
        if now - last[0] < every and cost == last[1]:
            return
        last[0], last[1] = now, cost
        out = stream if stream is not None else sys.stderr
        out.write(f"asc: configure: {event['trials']} trials ({event['ran']} run now), incumbent PAR10 "
                  f"{cost:.4g}, {max(event['left'], 0):.0f} s left\n")
        out.flush()

    return report
