"""The spec of a Meta-QSAR-style study (``asc experiment run SPEC``; issue 24).

Format
------
::

    name = "meta-qsar-fast"

    [datasets]
    paths = ["../../instances/qsar", "../../../shared/qsar/simpd/chemblKi_SIMPD/CHEMBL3155-1.csv"]
    # files, folders (searched recursively) or globs; relative to the spec's folder

    [grid]
    portfolio = "../../portfolios/qsar-fast.toml"   # a kind = "qsar" portfolio, and/or inline pairs:
    pairs = [{name = "ridge-ecfp4-1024", learner = "ridge", representation = "ecfp4-1024"}]
    baseline = "rf100-fcfp4-1024"  # the paper's baseline pair (RF on FCFP4-1024)

    [cv]                           # the performance measure of each (dataset, pair)
    folds = 5
    repetitions = 2                # repetition r uses seed + r - 1: its spread is the CV noise
    seed = 0
    time_split = false             # also run each pair on the dataset's own split column
    cutoff_time = 300              # per run, CPU seconds
    mem_limit = 3072               # per run, MiB

    [meta_features]
    steps = ["Size", "Response", "Bits", "Similarity", "Scaffolds", "Landscape", "Target"]

    [meta]
    learners = ["sbs", "joint-regression", "pairwise-regression", "ranking-knn"]
    primary = "joint-regression"   # the one the per-dataset table and the plots follow
    folds = 5                      # meta-level folds, grouped by ChEMBL target
    group = "target"               # or "dataset" (no grouping)
    seed = 0
    bootstrap = 2000               # resamples of the confidence intervals

Every relative path is resolved against the spec's folder. The run store, the
representation cache and the meta-feature cache go to ``work/`` beside the spec (not
committed); tables, ``report.md`` and plots to ``results/``. A mistake is an
:class:`~asc.errors.InputError` naming the spec file, the key and what was expected.
"""

from __future__ import annotations

import glob
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asc.errors import InputError

#: Meta-learners the study adds to the selector registry's: the ranking approach of
#: Meta-QSAR (Brazdil-style: the mean rank of each pair over the k nearest training datasets).
EXTRA_LEARNERS = ("ranking-knn",)
#: Registry selectors that need runtimes or search for minutes: not meta-learners here.
_REFUSED = ("satzilla", "auto", "vbs")

_KEYS = {
    "": {"name", "description", "datasets", "grid", "cv", "meta_features", "meta"},
    "datasets": {"paths"},
    "grid": {"portfolio", "pairs", "baseline"},
    "cv": {"folds", "repetitions", "seed", "time_split", "cutoff_time", "mem_limit"},
    "meta_features": {"steps"},
    "meta": {"learners", "primary", "folds", "group", "seed", "bootstrap"},
}


@dataclass(frozen=True)
class Pair:
    """A learner x representation pair of the grid."""

    name: str
    learner: str
    representation: str
    params: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class StudySpec:
    """A parsed Meta-QSAR study spec (see the module docstring)."""

    path: Path
    name: str
    datasets: tuple[Path, ...]
    pairs: tuple[Pair, ...]
    baseline: str
    folds: int
    repetitions: int
    cv_seed: int
    time_split: bool
    cutoff_time: float
    mem_limit: float
    steps: tuple[str, ...]
    learners: tuple[str, ...]
    primary: str
    meta_folds: int
    group: str
    meta_seed: int
    bootstrap: int
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The spec's folder: outputs go beside it."""
        return self.path.resolve().parent

    @property
    def work(self) -> Path:
        """Run store, caches: rebuilt by a rerun, not committed."""
        return self.folder / "work"

    @property
    def results(self) -> Path:
        """Tables, report and plots."""
        return self.folder / "results"


def is_study_spec(path: str | Path) -> bool:
    """Whether a spec file describes a Meta-QSAR study (it has a ``[grid]`` table)."""
    try:
        return "grid" in tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_study_spec(path: str | Path) -> StudySpec:
    """Read and check a study spec; datasets and the portfolio must exist.

    Raises
    ------
    InputError
        Naming the spec file, the key and what was expected: a missing or unknown key, a
        wrong type, a dataset path that matches nothing, an unknown pair, learner,
        meta-learner or feature step, a bad protocol value.
    """
    from asc.experiments.spec import read_spec_toml

    path = Path(path)
    data = read_spec_toml(path)
    base = path.resolve().parent

    def fail(key: str, expected: str, found: Any = ...) -> None:
        tail = "" if found is ... else f"; found {found!r}"
        raise InputError(f"{key}: expected {expected}{tail}", path)

    def table(name: str, required: bool = True) -> dict[str, Any]:
        t = data.get(name, None)
        if t is None:
            if required:
                fail(f"[{name}]", "a table; it is missing")
            return {}
        if not isinstance(t, dict):
            fail(name, "a table", t)
        extra = sorted(set(t) - _KEYS[name])
        if extra:
            fail(f"{name}.{extra[0]}", f"one of the keys {', '.join(sorted(_KEYS[name]))}")
        return t

    extra = sorted(set(data) - _KEYS[""])
    if extra:
        fail(extra[0], f"one of the top-level keys {', '.join(sorted(_KEYS['']))}")

    def get(t: dict[str, Any], where: str, key: str, kind: type | tuple[type, ...], default: Any = ...,
            check: Any = None, expected: str = "") -> Any:
        if key not in t:
            if default is ...:
                fail(f"{where}.{key}", "a value; it is missing")
            return default
        v = t[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
            fail(f"{where}.{key}", expected or " or ".join(k.__name__ for k in kinds), v)
        if check is not None and not check(v):
            fail(f"{where}.{key}", expected, v)
        return v

    # datasets
    ds = table("datasets")
    paths = get(ds, "datasets", "paths", list, check=lambda v: v and all(isinstance(p, str) for p in v),
                expected="a non-empty list of dataset files, folders or globs")
    datasets = _resolve_datasets(paths, base, path)

    # grid
    grid = table("grid")
    pairs: list[Pair] = []
    if "portfolio" in grid:
        from asc.portfolios import load_portfolio

        pfile = (base / get(grid, "grid", "portfolio", str)).resolve()
        if not pfile.is_file():
            fail("grid.portfolio", "a kind = \"qsar\" portfolio file; not found", str(pfile))
        portfolio = load_portfolio(pfile)
        if portfolio.kind != "qsar":
            fail("grid.portfolio", "a kind = \"qsar\" portfolio", portfolio.kind)
        for a in portfolio.algorithms:
            learner, representation = a.backend.split(":", 1)
            params = tuple((k, v) for k, v in a.values if not k.startswith("cv_"))
            if len(params) != len(a.values):
                fail("grid.portfolio", "a portfolio without folds/protocol (the spec's [cv] sets them)", str(pfile))
            pairs.append(Pair(a.name, learner, representation, params))
    for i, p in enumerate(get(grid, "grid", "pairs", list, [])):
        where = f"grid.pairs[{i}]"
        if not isinstance(p, dict) or not {"name", "learner", "representation"} <= set(p) \
                or set(p) - {"name", "learner", "representation", "configuration"}:
            fail(where, "a table with name, learner, representation (and optionally configuration)", p)
        from asc.errors import UsageError
        from asc.portfolios.qsar_learners import check_pair

        try:
            check_pair(p["learner"], p["representation"], dict(p.get("configuration", {})))
        except UsageError as exc:
            fail(where, f"a valid learner x representation pair ({exc})")
        pairs.append(Pair(str(p["name"]), p["learner"], p["representation"],
                          tuple(sorted(dict(p.get("configuration", {})).items()))))
    if not pairs:
        fail("grid", "a portfolio or at least one pair; found none")
    names = [p.name for p in pairs]
    if len(set(names)) != len(names):
        fail("grid.pairs", "unique pair names", sorted({n for n in names if names.count(n) > 1}))
    baseline = get(grid, "grid", "baseline", str)
    if baseline not in names:
        fail("grid.baseline", f"one of the grid's pairs ({', '.join(names)})", baseline)

    # cv
    cv = table("cv")
    folds = get(cv, "cv", "folds", int, 5, lambda v: 2 <= v <= 100, "an integer from 2 to 100")
    reps = get(cv, "cv", "repetitions", int, 1, lambda v: 1 <= v <= 100, "an integer from 1 to 100")
    cv_seed = get(cv, "cv", "seed", int, 0, lambda v: 0 <= v < 2**32 - 100, "a seed from 0 to 2**32 - 101")
    time_split = get(cv, "cv", "time_split", bool, False)
    cutoff = float(get(cv, "cv", "cutoff_time", (int, float), 300, lambda v: math.isfinite(v) and v > 0,
                       "a positive number of seconds"))
    mem = float(get(cv, "cv", "mem_limit", (int, float), 3072, lambda v: math.isfinite(v) and v > 0,
                    "a positive number of MiB"))

    # meta-features
    from asc.features.qsar_meta import STEP_NAMES

    mf = table("meta_features", required=False)
    steps = get(mf, "meta_features", "steps", list, list(STEP_NAMES),
                lambda v: v and all(s in STEP_NAMES for s in v),
                f"a non-empty list of steps among {', '.join(STEP_NAMES)}")

    # meta level
    from asc.selectors.registry import SELECTORS

    meta = table("meta")
    known = [n for n in SELECTORS if n not in _REFUSED and "+presolve" not in n] + list(EXTRA_LEARNERS)
    learners = get(meta, "meta", "learners", list, check=lambda v: bool(v) and all(isinstance(x, str) for x in v),
                   expected="a non-empty list of meta-learner names")
    for x in learners:
        if x not in known:
            fail("meta.learners", f"meta-learners among {', '.join(known)}", x)
    primary = get(meta, "meta", "primary", str, learners[0], lambda v: v in learners,
                  "one of meta.learners")
    meta_folds = get(meta, "meta", "folds", int, 5, lambda v: v >= 2, "an integer of at least 2")
    group = get(meta, "meta", "group", str, "target", lambda v: v in ("target", "dataset"),
                "\"target\" or \"dataset\"")
    meta_seed = get(meta, "meta", "seed", int, 0, lambda v: v >= 0, "a non-negative seed")
    boot = get(meta, "meta", "bootstrap", int, 2000, lambda v: 100 <= v <= 1_000_000,
               "an integer from 100 to 1000000")
    return StudySpec(
        path=path, name=str(get(data, "spec", "name", str, base.name)), datasets=datasets,
        pairs=tuple(pairs), baseline=baseline, folds=folds, repetitions=reps, cv_seed=cv_seed,
        time_split=time_split, cutoff_time=cutoff, mem_limit=mem, steps=tuple(steps),
        learners=tuple(learners), primary=primary, meta_folds=meta_folds, group=group,
        meta_seed=meta_seed, bootstrap=boot, description=str(data.get("description", "")),
    )


def _resolve_datasets(paths: list[str], base: Path, spec: Path) -> tuple[Path, ...]:
    """Dataset files named by files, folders and globs, sorted, each once.

    A path that matches no dataset file is an error: a study silently missing a
    collection would report on less than it claims.
    """
    from asc.instances.qsar import find_dataset_files, is_dataset_name

    found: set[Path] = set()
    for i, p in enumerate(paths):
        full = base / p
        matches = [Path(m) for m in sorted(glob.glob(str(full), recursive=True))] if glob.has_magic(p) else [full]
        files: list[Path] = []
        for m in matches:
            if m.is_dir():
                try:
                    files += find_dataset_files(m)
                except InputError:
                    pass
            elif m.is_file() and is_dataset_name(m):
                files.append(m)
        if not files:
            raise InputError(f"datasets.paths[{i}]: expected QSAR dataset files (*.csv[.gz|.bz2|.xz]), a folder "
                             f"or a glob matching some; found none at {full}", spec)
        found.update(f.resolve() for f in files)
    return tuple(sorted(found))
