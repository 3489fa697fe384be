"""Trained selection models: a fitted selector plus what it needs to be used, in a safe file.

A model file is a zip archive whose members are all stored (uncompressed) and
checksummed, none of which can run code when loaded (never pickle):

- ``asc-model.json``: a format tag, the container version and the JSON-able
  :class:`ModelInfo` (algorithms, features and feature steps the selector was trained
  on, cutoff, backup solver, versions of the libraries that wrote it);
- ``selector.skops``: a skops archive (deflate-compressed inside) holding the format
  tag, the info and the fitted selector. Loading it checks every type against an
  allow-list (our selectors, scikit-learn, NumPy) before anything is built, and
  compares the recorded versions with the running ones;
- ``asc-compiled/``: the same selector as plain arrays and a JSON recipe, when it has
  such a form (:mod:`asc.models.compiled`), which ``asc select`` predicts with
  without importing scikit-learn.

Every member's CRC-32 is verified before anything is used, so a truncated file or a
flipped byte fails in one clear line. Anything else (a bare skops archive of the
layout before the container, another container or format version) is refused with
a "retrain" message: no model of those layouts was ever released.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import math
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from collections.abc import Iterator
from typing import Any

from asc import __version__
from asc.errors import ModelError

log = logging.getLogger(__name__)

FORMAT = "asc-selection-model"
#: Version of the payload inside the skops archive (format tag, info, selector).
#: Version 2: every fitted selector that uses features carries its backup solver (``backup_``).
FORMAT_VERSION = 2
#: Version of the zip container around it (header, skops archive, compiled arrays).
CONTAINER_VERSION = 1
HEADER_MEMBER = "asc-model.json"
SKOPS_MEMBER = "selector.skops"
#: Fixed member timestamps: the container adds nothing that changes from run to run.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Module prefixes of the types a model file may contain.
TRUSTED_PREFIXES = ("asc.selectors.", "sklearn.", "numpy.", "scipy.")
#: File name of the default model inside the ``asc.models`` package folder.
DEFAULT_MODEL_NAME = "default.skops"
#: The compiled part (:mod:`asc.models.compiled`): its members' folder, its recipe, and
#: its version (2: every selector's node records its backup solver).
COMPILED_VERSION = 2
PREFIX = "asc-compiled/"
RECIPE = PREFIX + "recipe.json"


@dataclass(frozen=True)
class ModelInfo:
    """What a model was trained on and with.

    Attributes
    ----------
    selector
        Registry name of the selector (e.g. ``pairwise-rf``).
    scenario
        Id of the training scenario.
    algorithms
        The algorithms it chooses among, in cost-matrix column order.
    features
        Feature names, in the column order ``predict`` expects.
    steps
        Feature steps to compute (closed under ``requires``, in computation order).
    cutoff, par
        Runtime cutoff (seconds, ``None`` for quality scenarios) and PAR factor of the training costs.
    seed
        Seed the selector was fitted with.
    versions
        Versions of asc, scikit-learn, NumPy, skops and Python, and the machine
        architecture, that wrote the file: what a retraining needs to give the same
        model (with the spec's seed). The CPU model is not needed: the training path
        uses no CPU-dispatched floating-point kernel (see
        :func:`asc.selectors.scoring.portable_log10`).
    created
        UTC timestamp (ISO 8601).
    backup
        The algorithm to run when the features cannot be computed (a step crashes or
        times out): the selector's own backup solver when it learned one (the SATzilla
        pipeline), else the single best of the training data (lowest mean cost).
    mean_costs
        Mean training cost (PAR-``par``) of each algorithm, for reports.
    """

    selector: str
    scenario: str
    algorithms: tuple[str, ...]
    features: tuple[str, ...]
    steps: tuple[str, ...]
    cutoff: float | None
    par: float
    seed: int
    backup: str
    mean_costs: dict[str, float]
    versions: dict[str, str] = field(default_factory=dict)
    created: str = ""


@dataclass(frozen=True)
class SelectionModel:
    """A fitted selector with its :class:`ModelInfo`."""

    info: ModelInfo
    selector: Any

    def predict_scores(self, features: dict[str, float]) -> dict[str, float]:
        """Scores (lower is better) per algorithm for one instance given as ``{feature: value}``."""
        import numpy as np

        row = np.array([[features.get(name, np.nan) for name in self.info.features]], dtype=float)
        scores = self.selector.predict_scores(row)[0]
        return {str(a): float(s) for a, s in zip(self.selector.algorithms_, scores, strict=True)}


def default_model_path() -> Path:
    """Where the default model ships: ``asc/models/default.skops``, package data of ``asc``."""
    from importlib.resources import files

    return Path(str(files("asc") / "models" / DEFAULT_MODEL_NAME))


def require_default_model() -> Path:
    """The default model's path, or a clear error when the package has none.

    Raises
    ------
    ModelError
        The package has no default model (not built yet, or an install that left out
        the package data).
    """
    path = default_model_path()
    if not path.is_file():
        raise ModelError(f"no default model installed ({path} is missing); train one with "
                         "'asc train SCENARIO_DIR -o model.skops' and pass --model model.skops")
    return path


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose objects a model file holds."""
    import platform

    import numpy
    import sklearn
    import skops

    return {"asc": __version__, "scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "skops": skops.__version__, "python": platform.python_version(), "machine": platform.machine()}


def train_model(scenario: Any, selector_name: str, steps: tuple[str, ...] | None = None, seed: int = 0,
                par: float = 10.0, **params: Any) -> SelectionModel:
    """Fit the named selector on a whole scenario and wrap it as a :class:`SelectionModel`.

    The selector gets what the evaluation gives it: the scenario's cutoff (when it has
    a ``cutoff`` parameter left unset), the feature costs, failures and step structure
    of the training instances. A selector whose decision names its own feature steps
    (``auto``) records those steps, so that only they are computed when the model is
    used.
    """
    import numpy as np

    from asc.aslib.views import cutoff_of, feature_steps
    from asc.selectors.base import fill_unset
    from asc.selectors.registry import make_selector

    selector = fill_unset(make_selector(selector_name, **params), random_state=seed)
    is_runtime = scenario.description.is_runtime
    if is_runtime:
        fill_unset(selector, cutoff=cutoff_of(scenario))
    view = scenario.feature_matrix(steps)
    cost = scenario.cost_matrix(par=par)
    structure = feature_steps(scenario, view, charged=is_runtime)
    failed = structure.failed()
    selector.fit(view.X, cost, feature_cost=view.cost.to_numpy(dtype=float) if is_runtime else np.zeros(len(cost)),
                 feature_failed=failed, feature_steps=structure)
    decision = selector.decide(view.X.iloc[:0])
    means = cost.mean(axis=0)
    # the selector's own backup solver (learned on instances whose features failed) when
    # it has one, else the training data's single best: what asc solve runs when its choice crashes
    backup = decision.backup or str(means.idxmin())
    info = ModelInfo(
        selector=selector_name, scenario=scenario.name, algorithms=tuple(str(a) for a in cost.columns),
        features=tuple(str(f) for f in view.X.columns),
        steps=tuple(view.steps if decision.steps is None else decision.steps),
        cutoff=scenario.cutoff if is_runtime else None, par=par, seed=seed,
        versions=library_versions(), created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        backup=str(backup), mean_costs={str(a): float(v) for a, v in means.items()},
    )
    return SelectionModel(info, selector)


def save_model(model: SelectionModel, path: str | Path) -> Path:
    """Write ``model`` to ``path`` (see the module docstring for the layout), atomically."""
    import skops.io as sio

    from asc.models.compiled import compiled_members

    path = Path(path)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "info": asdict(model.info),
               "selector": model.selector}
    header = {"format": FORMAT, "container_version": CONTAINER_VERSION, "info": asdict(model.info)}
    # skops writes every tree as JSON: deflate makes a forest model about ten times smaller
    members = [(HEADER_MEMBER, json.dumps(header, sort_keys=True).encode()),
               (SKOPS_MEMBER, sio.dumps(payload, compression=zipfile.ZIP_DEFLATED)),
               # the same model as plain arrays, so that asc select predicts without loading
               # scikit-learn or rebuilding thousands of trees (see asc.models.compiled)
               *compiled_members(model)]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), data)
    tmp.replace(path)
    return path


def read_header(path: Path, archive: zipfile.ZipFile) -> dict:
    """The container header of an open model file.

    Raises
    ------
    ModelError
        No header (a bare skops archive, the layout before the container), a header
        that is not ours, or a container version this asc cannot read.
    """
    if HEADER_MEMBER not in archive.namelist():
        raise ModelError(f"{path}: not a model file of this asc (no {HEADER_MEMBER}; an older layout?): "
                         "retrain it with 'asc train'")
    try:
        header = json.loads(archive.read(HEADER_MEMBER))
    except (ValueError, RecursionError, zipfile.BadZipFile) as exc:  # RecursionError: JSON nested too deep
        raise ModelError(f"{path}: not a readable model file (header: {exc})") from None
    return _check_format(path, header, "container_version", CONTAINER_VERSION, "container")


def _check_format(path: Path, part: Any, key: str, version: int, what: str) -> dict:
    """``part`` when it carries our format tag and ``key == version``, else the ModelError that says why."""
    if not isinstance(part, dict) or part.get("format") != FORMAT:
        raise ModelError(f"{path}: not an asc selection model (expected format {FORMAT!r})")
    if part.get(key) != version:
        raise ModelError(f"{path}: model {what} version {part.get(key)} is not supported "
                         f"(this asc reads version {version}); retrain with 'asc train'")
    return part


def info_from_dict(path: Path, raw: Any) -> ModelInfo:
    """:class:`ModelInfo` from its JSON form, or a ModelError naming the file.

    Every field is checked for its type, so that a header edited by hand (or by an
    attacker who recomputed the checksums) is refused here, in one line, rather than
    failing later in ``asc select`` as an attribute error.
    """
    def names(v: Any) -> bool:
        return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    def mapping(v: Any, values: Any) -> bool:
        return isinstance(v, dict) and all(isinstance(k, str) and values(x) for k, x in v.items())

    checks = {
        "selector": lambda v: isinstance(v, str), "scenario": lambda v: isinstance(v, str),
        "algorithms": lambda v: names(v) and len(v) > 0 and len(set(v)) == len(v),
        "features": lambda v: names(v) and len(set(v)) == len(v), "steps": names,
        "cutoff": lambda v: v is None or (number(v) and v > 0), "par": lambda v: number(v) and v >= 1,
        "seed": lambda v: isinstance(v, int) and not isinstance(v, bool), "backup": lambda v: isinstance(v, str),
        "mean_costs": lambda v: mapping(v, lambda x: isinstance(x, (int, float)) and not isinstance(x, bool)),
        "versions": lambda v: mapping(v, lambda x: x is None or isinstance(x, str)),
        "created": lambda v: isinstance(v, str),
    }
    optional = {"versions", "created"}
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: model information is missing (expected a mapping, found {type(raw).__name__})")
    unknown = sorted(set(raw) - set(checks))
    missing = sorted(set(checks) - optional - set(raw))
    if unknown or missing:
        what = f"unknown field {unknown[0]!r}" if unknown else f"no field {missing[0]!r}"
        raise ModelError(f"{path}: model information is incomplete ({what})")
    bad = [k for k, check in checks.items() if k in raw and not check(raw[k])]
    if bad:
        raise ModelError(f"{path}: model information is malformed (field {bad[0]!r}: {str(raw[bad[0]])[:60]!r})")
    return ModelInfo(**{**raw, "algorithms": tuple(raw["algorithms"]), "features": tuple(raw["features"]),
                        "steps": tuple(raw["steps"])})


@contextlib.contextmanager
def open_checked(path: str | Path) -> Iterator[tuple[zipfile.ZipFile, dict[str, Any]]]:
    """The model file's archive, every member's checksum verified, and its container header.

    The one way every reader (the full loader, the compiled predictor, the pre-solving
    fast path, the digest) opens a model file, so that a missing, truncated, corrupted or
    foreign file fails each of them with the same one-line error.

    Raises
    ------
    ModelError
        Missing, truncated, corrupted or foreign file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    _check_archive(path)
    with zipfile.ZipFile(path) as archive:
        yield archive, read_header(path, archive)


def _check_archive(path: Path) -> None:
    """Refuse a file whose zip structure or member checksums are broken.

    skops reads only the members it needs, and zip readers verify a member's CRC-32
    only when it is read to its end: a flipped byte could otherwise surface as an
    obscure error deep inside skops, or not at all. Every member is checked up front
    so that corruption is reported as such, in one line.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            # A zip reader finds an archive from its end. A truncated model file can end
            # inside the skops archive the container holds, and would then open as that
            # (older, bare) archive: a real archive starts at byte 0, that one does not.
            first = min((info.header_offset for info in archive.infolist()), default=0)
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, OSError...: all mean a damaged file
        raise ModelError(f"{path}: not a readable model file (corrupted or truncated: "
                         f"{type(exc).__name__}: {exc})") from None
    if bad is not None:
        raise ModelError(f"{path}: not a readable model file (corrupted: checksum of member {bad!r} "
                         "does not match)")
    if first != 0:
        raise ModelError(f"{path}: not a readable model file (corrupted or truncated: the archive does not "
                         "start at the beginning of the file)")


def load_model(path: str | Path) -> SelectionModel:
    """Load a model file, refusing anything that is not a model this version can trust.

    Raises
    ------
    ModelError
        Missing, truncated or corrupted file; a type outside the allow-list (a tampered
        file); another format; or versions that differ from the running libraries in a
        way that changes the fitted objects (scikit-learn major.minor).
    """
    import skops.io as sio

    path = Path(path)
    with open_checked(path) as (archive, _):
        if SKOPS_MEMBER not in archive.namelist():
            # a header alone (a file cut down or assembled by hand) is no model
            raise ModelError(f"{path}: not a complete model file (no {SKOPS_MEMBER} member holding the "
                             "selector): retrain it with 'asc train'")
        data = archive.read(SKOPS_MEMBER)
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelError(f"{path}: not a readable model file (corrupted or truncated: {exc})") from None
    except Exception as exc:  # skops raises assorted errors on garbage; all mean the same here
        raise ModelError(f"{path}: not a readable model file ({type(exc).__name__}: {exc})") from None
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise ModelError(f"{path}: refusing to load type {refused[0]} (not a selector, scikit-learn or NumPy "
                         "type; the file may have been tampered with)")
    try:
        payload = sio.loads(data, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{path}: cannot load model ({type(exc).__name__}: {exc})") from None
    _check_format(path, payload, "format_version", FORMAT_VERSION, "format")
    info = info_from_dict(path, payload.get("info"))
    current = library_versions()
    written = info.versions.get("scikit-learn", "")
    if written.split(".")[:2] != current["scikit-learn"].split(".")[:2]:
        raise ModelError(f"{path}: written with scikit-learn {written}, running {current['scikit-learn']}; "
                         "retrain the model with 'asc train' for this version")
    if info.versions.get("asc") != current["asc"]:
        log.warning("%s: written by asc %s, running %s", path, info.versions.get("asc"), current["asc"])
    check_selector_fits_info(path, info, payload["selector"])
    return SelectionModel(info, payload["selector"])


def check_selector_fits_info(path: Path, info: ModelInfo, selector: Any) -> None:
    """Refuse a model whose selector does not answer for its header's algorithms and features.

    Both loaders call it: a header and a selector that disagree (a file put together
    from two models, or edited) would otherwise fail, or mislabel its choices, at
    ``asc select`` time.
    """
    try:
        algorithms = [str(a) for a in selector.algorithms_]
        n_features = int(selector.n_features_in_)
    except (AttributeError, TypeError, ValueError):
        raise ModelError(f"{path}: not a readable model file (the selector is not fitted)") from None
    if algorithms != list(info.algorithms):
        raise ModelError(f"{path}: not a readable model file (the selector's algorithms differ from the model's)")
    if n_features != len(info.features):
        raise ModelError(f"{path}: not a readable model file (the selector takes {n_features} features, the "
                         f"model names {len(info.features)})")


def read_schedule(path: str | Path) -> tuple[ModelInfo, list[tuple[str, float]]] | None:
    """A model's info and its pre-solving schedule, read without loading the model.

    The schedule is the same for every instance and needs neither NumPy, scikit-learn
    nor the arrays: ``asc solve`` runs it before anything else (:mod:`asc.cli.presolve`),
    so that an easy instance costs little more than its solver. The file is checked as
    :func:`asc.models.compiled.load_predictor` checks it (every member's checksum, the
    container header, the info's fields), so a damaged file fails here with the same
    one-line error. The schedule comes from the compiled recipe (the one the full
    loader predicts with).

    Returns
    -------
    (ModelInfo, list of (algorithm, seconds)) or None
        None when the file has no compiled recipe of this version, or its selector is
        not a pre-solving pipeline: the caller then loads the model as usual.

    Raises
    ------
    ModelError
        Missing, truncated, corrupted or foreign file, or malformed info.
    """
    path = Path(path)
    with open_checked(path) as (archive, header):
        if RECIPE not in archive.namelist():
            return None
        try:
            recipe = json.loads(archive.read(RECIPE))
        except (ValueError, RecursionError, zipfile.BadZipFile):
            return None  # the full loader says what is wrong with it
    info = info_from_dict(path, header.get("info"))
    node = recipe.get("selector") if isinstance(recipe, dict) and recipe.get("version") == COMPILED_VERSION else None
    if not isinstance(node, dict) or node.get("kind") != "pipeline":
        return None
    try:
        schedule = [(str(a), float(t)) for a, t in node.get("schedule", [])]
    except (TypeError, ValueError):
        return None
    if any(a not in info.algorithms or not (math.isfinite(t) and t > 0) for a, t in schedule):
        return None
    return info, schedule
