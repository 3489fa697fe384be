"""Views of a run store: the runs table, the summary, and ASlib / CSV / Parquet export.

Runtime is the solver's CPU time by default: on a shared machine wall time also
counts the time other processes held the CPU, so CPU time is the honest measure of
the solver alone for single-threaded solvers. ``measure="wall_time"`` is available
for solvers that use several threads. An unsolved run (TIMEOUT, MEMOUT, CRASH,
WRONG, UNKNOWN) costs ``par`` times the cutoff in PAR scores.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from asc.errors import InputError, UsageError
from asc.instances.discovery import COMPRESSION_SUFFIXES, instance_stem
from asc.instances.qsar import dataset_stem
from asc.runs.status import SOLVED
from asc.runs.store import RunStore

if TYPE_CHECKING:
    from asc.features.batch import FeatureTables

#: Runner status -> ASlib runstatus level.
ASLIB_STATUS: Mapping[str, str] = {
    "SAT": "ok",
    "UNSAT": "ok",
    "TIMEOUT": "timeout",
    "MEMOUT": "memout",
    "CRASH": "crash",
    "WRONG": "other",
    "UNKNOWN": "other",
    "OK": "ok",
}

MEASURES = ("cpu_time", "wall_time")
#: The performance measure of quality scenarios exported from QSAR runs (minimised).
QUALITY_MEASURE = "rmse"

_RUN_COLUMNS = [
    "instance_id", "instance_hash", "algorithm", "configuration", "seed", "repetition", "status",
    "cpu_time", "wall_time", "peak_memory_mb", "model_checked", "message", "started_at", "ended_at",
    "host", "campaign_id", "instance_path", "expected", "exit_code", "kill_latency",
    # a quality run's measure (QSAR: cross-validated RMSE); empty for SAT runs
    "quality",
    # the limits of the run's campaign: a PAR score means nothing without its cutoff, and
    # `asc runs import` checks them against what it is told
    "cutoff_time", "mem_limit_mb",
]


def runs_frame(store: RunStore) -> pd.DataFrame:
    """Every stored run as a table, with the instance's readable id, path and expected answer."""
    instances = store.instances()
    campaigns = store.campaigns()
    limits = {c.id: (c.cutoff_time, c.mem_limit_mb) for c in campaigns}
    # runs without a campaign (imported from a CSV that had no campaign ids) were
    # collected under the store's one pair of limits
    fallback = (campaigns[-1].cutoff_time, campaigns[-1].mem_limit_mb) if campaigns else (None, None)
    rows = []
    for r in store.runs():
        inst = instances.get(r.instance_hash)
        row = r.__dict__.copy()
        row["status"] = r.status.value  # the plain string: frames and files hold no enum
        row["instance_id"] = inst.name if inst else r.instance_hash
        row["instance_path"] = inst.path if inst else None
        row["expected"] = inst.expected if inst else None
        row["cutoff_time"], row["mem_limit_mb"] = limits.get(r.campaign_id, fallback)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=_RUN_COLUMNS)
    # Int64 (nullable) keeps exit codes integers in the CSV although runs may have none.
    types = {"seed": "int64", "repetition": "int64", "model_checked": "bool", "exit_code": "Int64",
             "kill_latency": "float64", "cutoff_time": "float64", "mem_limit_mb": "float64", "quality": "float64"}
    return frame.astype(types) if rows else frame


def cutoff_of(store: RunStore) -> tuple[float, float]:
    """(cutoff time, memory limit) of the store's campaigns (one pair per store, see ``check_limits``)."""
    campaigns = store.campaigns()
    if not campaigns:
        raise InputError("expected a run store with at least one campaign; it is empty", store.path)
    return campaigns[-1].cutoff_time, campaigns[-1].mem_limit_mb


def algorithm_labels(frame: pd.DataFrame) -> pd.Series:
    """One label per (algorithm, configuration): the name, suffixed when a name has several configurations."""
    pairs = frame[["algorithm", "configuration"]].drop_duplicates()
    several = pairs["algorithm"].value_counts()
    labels = {}
    for name, conf in pairs.itertuples(index=False):
        if several[name] > 1 and conf:
            labels[(name, conf)] = f"{name}@{hashlib.sha1(conf.encode()).hexdigest()[:8]}"
        else:
            labels[(name, conf)] = name
    return pd.Series([labels[(a, c)] for a, c in zip(frame["algorithm"], frame["configuration"])], index=frame.index)


def _costs(frame: pd.DataFrame, cutoff: float, par: float, measure: str) -> pd.Series:
    solved = frame["status"].isin(SOLVED)
    return frame[measure].where(solved, par * cutoff).astype(float)


# -- summary -----------------------------------------------------------------------


def summarize(store: RunStore, par: float = 10.0, measure: str = "cpu_time") -> dict[str, Any]:
    """Per-algorithm results and per-instance virtual best solver.

    Returns a JSON-ready dict: ``cutoff``, ``algorithms`` (one entry per algorithm:
    runs, solved, status counts, PAR score, mean time of solved runs),
    ``vbs`` (PAR score and solved count of the per-instance best), ``sbs`` (the best
    single algorithm) and ``instances`` (per instance: best algorithm and its cost).
    Repetitions are averaged per instance and algorithm before taking the best.
    """
    if measure not in MEASURES:
        raise UsageError(f"unknown time measure {measure!r}; expected one of {', '.join(MEASURES)}")
    cutoff, mem = cutoff_of(store)
    frame = runs_frame(store)
    out: dict[str, Any] = {"db": str(store.path), "cutoff_time": cutoff, "mem_limit_mb": mem, "par": par,
                           "measure": measure, "runs": int(len(frame)), "algorithms": [], "instances": []}
    if frame.empty:
        return out
    frame["label"] = algorithm_labels(frame)
    if frame["status"].eq("OK").any():
        return _summarize_quality(frame, out)
    frame["cost"] = _costs(frame, cutoff, par, measure)
    frame["solved"] = frame["status"].isin(SOLVED)
    for label, g in frame.groupby("label", sort=True):
        counts = g["status"].value_counts()
        solved_times = g.loc[g["solved"], measure]
        out["algorithms"].append({
            "algorithm": label,
            "runs": int(len(g)),
            "solved": int(g["solved"].sum()),
            **{s.lower(): int(counts.get(s, 0)) for s in ("SAT", "UNSAT", "TIMEOUT", "MEMOUT", "CRASH", "WRONG", "UNKNOWN")},
            "models_checked": int(g["model_checked"].sum()),
            f"par{par:g}": float(g["cost"].mean()),
            "mean_solved_time": float(solved_times.mean()) if len(solved_times) else None,
        })
    per = frame.groupby(["instance_id", "label"], sort=True).agg(cost=("cost", "mean"), solved=("solved", "mean"))
    cost = per["cost"].unstack("label")
    solved = per["solved"].unstack("label")
    best = cost.idxmin(axis=1)
    for inst in cost.index:
        b = best[inst]
        out["instances"].append({
            "instance": inst,
            "best": b if solved.loc[inst, b] > 0 else None,
            "best_cost": float(cost.loc[inst, b]),
            "solved_by": int((solved.loc[inst] > 0).sum()),
        })
    # The single best is compared on the instances every algorithm has run on, so that
    # a campaign still in progress does not favour the algorithm with the fewest runs.
    complete = cost.dropna()
    out["missing_pairs"] = int(cost.isna().sum().sum())
    mean_cost = (complete if len(complete) else cost).mean(axis=0)
    sbs = str(mean_cost.idxmin())
    out["vbs"] = {f"par{par:g}": float(cost.min(axis=1).mean()), "solved": int((solved.max(axis=1) > 0).sum()),
                  "instances": int(len(cost))}
    out["sbs"] = {"algorithm": sbs, f"par{par:g}": float(mean_cost[sbs]), "solved": int((solved[sbs] > 0).sum()),
                  "instances": int(len(complete) if len(complete) else len(cost))}
    return out


def is_quality_store(store: RunStore) -> bool:
    """Whether the store holds quality runs (QSAR, status OK): its scenario is a quality scenario
    whose features, without ``--features``, are the QSAR meta-features (not placeholders)."""
    return any(r.status.value == "OK" for r in store.runs())


def _summarize_quality(frame: pd.DataFrame, out: dict[str, Any]) -> dict[str, Any]:
    """:func:`summarize` of a store of quality runs (QSAR: CV RMSE, lower is better).

    Per algorithm: runs, OK runs, failures by status, mean RMSE over its OK runs. A
    run without a quality (failed) costs the worst RMSE on its instance, as in the
    quality scenario's cost view; repetitions are averaged per instance and algorithm;
    the oracle (``vbs``) takes the best per instance and the single best (``sbs``) the
    lowest mean over the instances every algorithm has a result on.
    """
    out["measure"] = QUALITY_MEASURE
    out["quality"] = True
    ok = frame["status"].eq("OK")
    frame = frame.assign(cost=frame["quality"].where(ok))
    frame["cost"] = frame["cost"].fillna(frame.groupby("instance_id")["cost"].transform("max"))
    for label, g in frame.groupby("label", sort=True):
        counts = g["status"].value_counts()
        good = g.loc[g["status"].eq("OK"), "quality"]
        out["algorithms"].append({
            "algorithm": label, "runs": int(len(g)), "ok": int(len(good)),
            **{s.lower(): int(counts.get(s, 0)) for s in ("TIMEOUT", "MEMOUT", "CRASH")},
            "mean_rmse": float(good.mean()) if len(good) else None,
            "mean_cost": float(g["cost"].mean()),
        })
    cost = frame.groupby(["instance_id", "label"], sort=True)["cost"].mean().unstack("label")
    for inst in cost.index:
        row = cost.loc[inst].dropna()
        out["instances"].append({"instance": inst, "best": str(row.idxmin()) if len(row) else None,
                                 "best_cost": float(row.min()) if len(row) else None})
    complete = cost.dropna()
    out["missing_pairs"] = int(cost.isna().sum().sum())
    mean_cost = (complete if len(complete) else cost).mean(axis=0)
    sbs = str(mean_cost.idxmin())
    out["vbs"] = {"rmse": float(cost.min(axis=1).mean()), "instances": int(len(cost))}
    out["sbs"] = {"algorithm": sbs, "rmse": float(mean_cost[sbs]),
                  "instances": int(len(complete) if len(complete) else len(cost))}
    return out


# -- flat exports ------------------------------------------------------------------


def _flat(store: RunStore) -> pd.DataFrame:
    """:func:`runs_frame` as the flat files hold it: the quality column only when a run has a quality,
    so that the CSV of a SAT store is byte for byte what exports wrote before quality runs existed."""
    frame = runs_frame(store)
    return frame.drop(columns="quality") if frame["quality"].isna().all() else frame


def write_csv(store: RunStore, path: str | Path) -> Path:
    """Every run, one row each, as CSV."""
    path = Path(path)
    frame = _flat(store)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
    return path


def write_parquet(store: RunStore, path: str | Path) -> Path:
    """Every run, one row each, as Parquet (pyarrow)."""
    path = Path(path)
    frame = _flat(store)
    with _writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False, engine="pyarrow")
    return path


class _writing:
    """Turns an OSError while writing ``path`` (permissions, read-only or full file system) into an InputError."""

    def __init__(self, path: str | Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and issubclass(exc_type, OSError):
            raise InputError(f"cannot write here: {exc.strerror or exc}", getattr(exc, "filename", None) or self.path) \
                from None


# -- ASlib -------------------------------------------------------------------------


def to_scenario(
    store: RunStore,
    *,
    scenario_id: str = "asc-collected",
    features: str | Path | FeatureTables | None = None,
    n_folds: int = 10,
    fold_seed: int = 0,
    measure: str = "cpu_time",
    select: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> Any:
    """The store as an ASlib :class:`~asc.aslib.Scenario`.

    ``runtime`` is the measured time of solved runs and the cutoff otherwise (so that
    readers that ignore ``runstatus`` still see unsolved runs at the cutoff); the
    ASlib ``runstatus`` says which. Repetitions are the store's repetitions.
    Ground truth (``satunsat``) comes from the manifests' expected answers, else from
    the runs' answers (checked SAT models first, then UNSAT answers not marked WRONG).

    Parameters
    ----------
    features
        Features to include: an ASlib folder holding ``feature_values.arff`` (with
        ``feature_costs.arff``, ``feature_runstatus.arff`` and ``description.txt``
        when present), a CSV file with an ``instance_id`` column, or the tables of
        :func:`asc.features.batch.feature_tables` (in memory: what ``asc features``
        would have written, without the file).
    n_folds, fold_seed
        Cross-validation folds written to ``cv.arff``.
    select
        Given the runs frame (:func:`runs_frame`), returns the runs to export: a
        subset of its rows, with a ``label`` column naming each run's algorithm if it
        sets one (``asc configure --hydra`` exports only its members' runs on the
        training instances, one label per member, from a store that holds every
        configuration SMAC tried).
    """
    from asc.aslib import AlgorithmInfo, Description, FeatureStep, Scenario
    from asc.aslib.folds import make_folds

    if measure not in MEASURES:
        raise UsageError(f"unknown time measure {measure!r}; expected one of {', '.join(MEASURES)}")
    cutoff, mem = cutoff_of(store)
    frame = runs_frame(store)
    if frame.empty:
        raise InputError("expected stored runs to export; the run store has none", store.path)
    if select is not None:
        frame = select(frame)
        if frame.empty:
            raise InputError("expected stored runs to export; none were selected", store.path)
    if "label" not in frame.columns:
        frame["label"] = algorithm_labels(frame)
    solved = frame["status"].isin(SOLVED)
    quality = bool(frame["status"].eq("OK").any())
    if quality and solved.any():
        raise UsageError(f"{store.path} mixes quality runs (QSAR) with SAT runs; export them from separate stores")
    if quality:
        # a quality scenario: the measure is the run's quality (QSAR: CV RMSE, minimised);
        # runs that failed have none (ASlib's ?), their runstatus says why, and the
        # cost views charge them the worst quality on the instance
        runs = pd.DataFrame({
            "instance_id": frame["instance_id"].astype(str),
            "repetition": frame["repetition"].astype("int64"),
            "algorithm": frame["label"].astype(str),
            QUALITY_MEASURE: frame["quality"].where(frame["status"].eq("OK")).astype(float),
            "runstatus": frame["status"].map(ASLIB_STATUS).fillna("other"),
        })
    else:
        runs = pd.DataFrame({
            "instance_id": frame["instance_id"].astype(str),
            "repetition": frame["repetition"].astype("int64"),
            "algorithm": frame["label"].astype(str),
            "runtime": frame[measure].where(solved, cutoff).astype(float).clip(upper=cutoff),
            "runstatus": frame["status"].map(ASLIB_STATUS).fillna("other"),
        })
    algos = {}
    for label, g in frame.groupby("label", sort=True):
        # Repetitions with different seeds mean the algorithm is run as stochastic.
        algos[str(label)] = AlgorithmInfo(configuration=str(g["configuration"].iloc[0]),
                                          deterministic=g["seed"].nunique() <= 1)
    instance_ids = sorted(runs["instance_id"].unique())

    if features is not None:
        feat = _load_features(features, frame)
    elif quality:
        feat = _qsar_features(frame)
    else:
        feat = _size_features(frame)
    steps: dict[str, Any] = {}
    det: tuple[str, ...] = ()
    fcut = fmem = None
    fvalues = fstatus = fcosts = None
    default_steps: tuple[str, ...] = ()
    if feat is not None:
        fvalues, fstatus, fcosts, steps, det, default_steps, fcut, fmem = feat
        fvalues = fvalues[fvalues["instance_id"].isin(instance_ids)]
        fstatus = None if fstatus is None else fstatus[fstatus["instance_id"].isin(instance_ids)]
        fcosts = None if fcosts is None else fcosts[fcosts["instance_id"].isin(instance_ids)]

    desc = Description(
        scenario_id=scenario_id,
        performance_measures=(QUALITY_MEASURE,) if quality else ("runtime",),
        maximize=(False,),
        performance_type=("solution_quality",) if quality else ("runtime",),
        algorithm_cutoff_time=cutoff,
        algorithm_cutoff_memory=mem,
        features_cutoff_time=fcut,
        features_cutoff_memory=fmem,
        features_deterministic=det,
        features_stochastic=(),
        algorithms=algos,
        feature_steps={k: FeatureStep(tuple(v.provides), tuple(v.requires)) for k, v in steps.items()},
        default_steps=default_steps,
    )
    return Scenario(
        description=desc,
        runs=runs,
        feature_values=fvalues,
        feature_runstatus=fstatus,
        feature_costs=fcosts,
        cv=make_folds(instance_ids, n_folds=n_folds, seed=fold_seed),
        ground_truth=None if quality else _ground_truth(frame),
    )


#: Feature files of an ASlib folder (what ``asc features --format arff -o DIR`` writes).
FEATURE_FILES = ("feature_values.arff", "feature_costs.arff", "feature_runstatus.arff")
#: The placeholder features written when no features are given (see :func:`_size_features`).
PLACEHOLDER_FEATURES = ("num_vars", "num_clauses", "clause_var_ratio")


def write_aslib(store: RunStore, directory: str | Path, **kwargs: Any) -> Path:
    """Write :func:`to_scenario` of the store as an ASlib folder.

    Raises
    ------
    InputError
        No ``features`` were given and ``directory`` already holds feature files
        other than the placeholders an earlier export wrote (e.g. those of
        ``asc features -o DIR --format arff``): they are not replaced by placeholders.
    """
    from asc.aslib import write_scenario

    if kwargs.get("features") is None:
        kept = real_feature_files(directory)
        if kept:
            raise InputError(f"the folder already holds features ({', '.join(p.name for p in kept)}) that an "
                             "export without --features would replace by 3 placeholders; give --features "
                             f"{directory} to export with them, or choose another folder", directory)
    scenario = to_scenario(store, **kwargs)
    with _writing(directory):
        return write_scenario(scenario, directory)


def real_feature_files(directory: str | Path) -> list[Path]:
    """Feature files in ``directory`` that are not the placeholders of an earlier export."""
    from asc.aslib.arff import read_arff

    folder = Path(directory)
    present = [folder / name for name in FEATURE_FILES if (folder / name).is_file()]
    if not present:
        return []
    values = folder / FEATURE_FILES[0]
    if values.is_file():
        try:
            names = tuple(n for n in read_arff(values).names if n.lower() not in ("instance_id", "repetition"))
        except InputError:
            return present  # unreadable: not ours to overwrite either
        if names == PLACEHOLDER_FEATURES:
            return []
    return present


def _ground_truth(frame: pd.DataFrame) -> pd.DataFrame:
    truth: dict[str, str] = {}
    for inst, g in frame.groupby("instance_id", sort=True):
        expected = g["expected"].dropna()
        if len(expected):
            truth[str(inst)] = str(expected.iloc[0])
        elif ((g["status"] == "SAT") & g["model_checked"]).any():
            truth[str(inst)] = "SAT"
        elif (g["status"] == "UNSAT").any():
            truth[str(inst)] = "UNSAT"
    ids = sorted(frame["instance_id"].unique())
    # ASlib ground truth levels; instances no run decided are left missing.
    return pd.DataFrame({"instance_id": ids, "satunsat": [truth.get(i) for i in ids]})


def _aliases(frame: pd.DataFrame) -> dict[str, str]:
    """Names under which a feature file may refer to an instance -> our instance_id."""
    alias: dict[str, str] = {}
    for inst, h, path in frame[["instance_id", "instance_hash", "instance_path"]].drop_duplicates().itertuples(index=False):
        names = {inst, h}
        if path:
            p = Path(path)
            plain = next((p.name[: -len(c)] for c in COMPRESSION_SUFFIXES if p.name.lower().endswith(c)), p.name)
            names |= {str(path), p.name, str(p.resolve()), plain, instance_stem(p.name), dataset_stem(p.name)}
        for n in names:
            alias.setdefault(str(n), str(inst))
    return alias


def _load_features(source: str | Path | FeatureTables, frame: pd.DataFrame):
    """Feature tables (values, runstatus, costs) re-keyed to our instance ids, plus step metadata.

    Accepts what ``asc features`` writes: ``--format arff -o DIR`` (feature_values,
    feature_costs, feature_runstatus; a description.txt is used when present) or its
    CSV (feature columns, then ``<step>_cost`` and ``<step>_status`` columns), and the
    same tables in memory (:class:`asc.features.batch.FeatureTables`). A plain CSV of
    features with an ``instance_id`` column works too (one step, ``all``).
    """
    from asc.aslib.reader import load_feature_costs, load_feature_runstatus, load_feature_values
    from asc.features.batch import FeatureTables

    alias = _aliases(frame)
    steps: dict[str, Any] = {}
    default_steps: tuple[str, ...] = ()
    fcut = fmem = None
    fstatus = fcosts = None
    if isinstance(source, FeatureTables):
        fvalues, fstatus, fcosts = source.values, source.runstatus, source.costs
        source = "<features computed in memory>"  # named in messages
    elif Path(source).is_dir():
        source = Path(source)
        fv_path = source / "feature_values.arff"
        if not fv_path.is_file():
            raise InputError("expected feature_values.arff in the features folder; not found", source)
        fvalues = load_feature_values(fv_path).table
        if (source / "feature_runstatus.arff").is_file():
            fstatus = load_feature_runstatus(source / "feature_runstatus.arff").table
        if (source / "feature_costs.arff").is_file():
            fcosts = load_feature_costs(source / "feature_costs.arff").table
        if (source / "description.txt").is_file():
            from asc.aslib import read_description

            d = read_description(source / "description.txt")
            # A description.txt that is not about these feature files (an earlier export's,
            # left beside files `asc features` wrote since) would declare steps they lack.
            names = {c for c in fvalues.columns if c not in ("instance_id", "repetition")}
            provided = {f for step in d.feature_steps.values() for f in step.provides}
            step_columns = None if fstatus is None else \
                {c for c in fstatus.columns if c not in ("instance_id", "repetition")}
            if provided == names and (step_columns is None or step_columns == set(d.feature_steps)):
                steps, default_steps = dict(d.feature_steps), tuple(d.default_steps)
                fcut, fmem = d.features_cutoff_time, d.features_cutoff_memory
    elif Path(source).is_file():
        source = Path(source)
        try:
            table = pd.read_csv(source)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"expected a CSV file of features with an instance_id column: {exc}", source) from None
        if "instance_id" not in table.columns:
            raise InputError(f"expected an instance_id column; found {', '.join(map(str, table.columns[:5]))}", source, 1)
        if "repetition" not in table.columns:
            table.insert(1, "repetition", 1)
        key = ["instance_id", "repetition"]
        step_names = [c[: -len("_status")] for c in table.columns if c.endswith("_status")]
        if step_names:
            fstatus = table[key + [f"{n}_status" for n in step_names]].set_axis(key + step_names, axis=1)
            fstatus[step_names] = fstatus[step_names].fillna("other").astype(str)
            cost_cols = [f"{n}_cost" for n in step_names if f"{n}_cost" in table.columns]
            if cost_cols:
                fcosts = table[key + cost_cols].set_axis(key + [c[: -len("_cost")] for c in cost_cols], axis=1)
        extra = {f"{n}_status" for n in step_names} | {f"{n}_cost" for n in step_names}
        fvalues = table[[c for c in table.columns if c not in extra]]
    else:
        raise InputError("expected a features folder (ASlib) or CSV file; not found", source)

    def rekey(t: pd.DataFrame | None) -> pd.DataFrame | None:
        if t is None:
            return None
        t = t.copy()
        t["instance_id"] = t["instance_id"].astype(str).map(lambda s: alias.get(s, alias.get(Path(s).name, s)))
        return t.drop_duplicates(["instance_id", "repetition"])

    fvalues, fstatus, fcosts = rekey(fvalues), rekey(fstatus), rekey(fcosts)
    names = [c for c in fvalues.columns if c not in ("instance_id", "repetition")]
    fvalues[names] = fvalues[names].apply(pd.to_numeric, errors="coerce")
    if not steps:
        steps, default_steps = _infer_steps(names, fstatus, fcosts)
    if fcosts is not None:
        fcosts = fcosts[["instance_id", "repetition", *[c for c in fcosts.columns if c in steps]]]
    if fstatus is not None:
        fstatus = fstatus[["instance_id", "repetition", *[c for c in fstatus.columns if c in steps]]]
    matched = int(fvalues["instance_id"].isin(set(frame["instance_id"])).sum())
    if matched == 0:
        raise InputError("expected features of the collected instances; no instance id matched", source)
    if fstatus is None:
        fstatus = _status_from_values(fvalues, steps)
    return fvalues, fstatus, fcosts, steps, tuple(names), default_steps, fcut, fmem


def _infer_steps(names: list[str], fstatus: pd.DataFrame | None,
                 fcosts: pd.DataFrame | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Feature steps when the source has no description.txt.

    Step names come from the runstatus (or cost) columns; which features each step
    provides comes from :data:`asc.features.FEATURE_STEPS` when the step is one of
    ours, else every feature goes to the first step (so no feature is undeclared).
    """
    from asc.aslib import FeatureStep

    table = fstatus if fstatus is not None else fcosts
    step_names = [c for c in table.columns if c not in ("instance_id", "repetition")] if table is not None else []
    if not step_names:
        return {"all": FeatureStep(tuple(names), ())}, ("all",)
    try:
        from asc.features import FEATURE_STEPS
    except ImportError:
        FEATURE_STEPS = {}
    steps: dict[str, Any] = {}
    claimed: set[str] = set()
    for step in step_names:
        known = FEATURE_STEPS.get(step)
        provides = tuple(f for f in (known[0] if known else ()) if f in names)
        requires = tuple(r for r in (known[1] if known and len(known) > 1 else ()) if r in step_names)
        steps[step] = FeatureStep(provides, requires)
        claimed.update(provides)
    rest = tuple(f for f in names if f not in claimed)
    if rest:
        first = step_names[0]
        steps[first] = FeatureStep(steps[first].provides + rest, steps[first].requires)
    return steps, tuple(step_names)


def _status_from_values(fvalues: pd.DataFrame, steps: Mapping[str, Any]) -> pd.DataFrame:
    """Feature runstatus when the source has none: ok where every feature of the step is present."""
    status = fvalues[["instance_id", "repetition"]].copy()
    for name, step in steps.items():
        cols = [c for c in step.provides if c in fvalues.columns]
        present = fvalues[cols].notna().all(axis=1) if cols else pd.Series(True, index=fvalues.index)
        status[name] = present.map({True: "ok", False: "other"})
    return status


def _size_features(frame: pd.DataFrame):
    """A minimal feature step (``size``: variables, clauses, their ratio) read from each DIMACS header.

    ASlib requires feature_values.arff and feature_runstatus.arff; when no features
    are given this cheap step keeps the exported scenario valid and usable. The
    header is found in the first kilobytes, so the cost is the time to read them.
    """
    import time as _time

    from asc.aslib import FeatureStep

    names = ("num_vars", "num_clauses", "clause_var_ratio")
    values, status, costs = [], [], []
    for inst, path in frame[["instance_id", "instance_path"]].drop_duplicates("instance_id").itertuples(index=False):
        t0 = _time.perf_counter()
        header = _dimacs_header(path) if path else None
        cost = _time.perf_counter() - t0
        if header is None:
            values.append((inst, 1, None, None, None))
            status.append((inst, 1, "other"))
        else:
            v, c = header
            values.append((inst, 1, float(v), float(c), c / v if v else 0.0))
            status.append((inst, 1, "ok"))
        costs.append((inst, 1, cost))
    fvalues = pd.DataFrame(values, columns=["instance_id", "repetition", *names])
    fstatus = pd.DataFrame(status, columns=["instance_id", "repetition", "size"])
    fcosts = pd.DataFrame(costs, columns=["instance_id", "repetition", "size"])
    steps = {"size": FeatureStep(names, ())}
    return fvalues, fstatus, fcosts, steps, names, ("size",), None, None


def _qsar_features(frame: pd.DataFrame):
    """The QSAR meta-features (every step of :mod:`asc.features.qsar_meta`) of the stored datasets.

    What ``asc features --problem qsar`` computes, in this process: a few seconds per
    dataset of a few thousand molecules. A dataset that cannot be read any more gets
    every step ``crash``.
    """
    from asc.aslib import FeatureStep
    from asc.features.batch import extract_batch, feature_tables
    from asc.features.qsar_meta import FEATURE_STEPS as QSAR_STEPS
    from asc.features.qsar_meta import STEP_NAMES

    pairs = frame[["instance_id", "instance_path"]].drop_duplicates("instance_id")
    rows = extract_batch([(i, p) for i, p in pairs.itertuples(index=False)], STEP_NAMES, problem="qsar")
    tables = feature_tables(rows, STEP_NAMES, problem="qsar")
    steps = {s: FeatureStep(QSAR_STEPS[s][0], QSAR_STEPS[s][1]) for s in STEP_NAMES}
    names = tuple(n for s in STEP_NAMES for n in QSAR_STEPS[s][0])
    return tables.values, tables.runstatus, tables.costs, steps, names, STEP_NAMES, None, None


def _dimacs_header(path: str) -> tuple[int, int] | None:
    """(variables, clauses) of a possibly compressed DIMACS file's header, or None when unreadable."""
    from asc.instances import read_header

    try:
        return read_header(path)
    except InputError:
        return None
