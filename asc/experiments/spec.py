"""Experiment specs: a small TOML file that fixes a training run and the protocol that chose it.

Format
------
::

    name = "default-model"

    [train]                        # what `train` fits and where it writes it
    scenario = "../pysat-training/scenario"   # ASlib folder, relative to the spec file
    selector = "pairwise-rf"       # a name from `asc evaluate --list`
    seed = 0                       # seed of the selector (random forests, ...)
    par = 10.0                     # PAR factor of the training costs
    steps = ["Pre", "Basic"]       # feature steps; omit for the scenario's default steps
    output = "model.skops"         # model file, relative to the spec file

    [train.params]                 # hyperparameters of the selector (optional)
    n_estimators = 20

    [protocol]                     # how `evaluate` compares the candidates
    candidates = ["sbs", "rf-regression", "pairwise-rf"]
    cv_repetition = 1              # cv.arff repetition giving the folds
    par = 10.0
    charge_feature_costs = true
    sbs = "global"                 # single best of gap closed: global or per-fold
    seed = 0

Relative paths are resolved against the spec file's folder, so a spec works from any
working directory. Everything is explicit: the same spec gives the same model (up to
the time stamps a model file records) and the same figures.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asc.errors import InputError

_TOP_KEYS = {"name", "description", "train", "protocol"}
_TRAIN_KEYS = {"scenario", "selector", "seed", "par", "steps", "output", "params"}
_PROTOCOL_KEYS = {"candidates", "cv_repetition", "par", "charge_feature_costs", "sbs", "seed"}


@dataclass(frozen=True)
class ExperimentSpec:
    """A parsed spec (see the module docstring for the file format).

    Attributes
    ----------
    path
        The spec file.
    name
        Name of the experiment.
    scenario
        ASlib scenario folder (absolute).
    selector
        Registry name of the selector that ``train`` fits.
    seed
        Seed of the selector.
    par
        PAR factor of the training costs.
    steps
        Feature steps, or ``None`` for the scenario's default steps.
    output
        Model file ``train`` writes (absolute).
    params
        Hyperparameters of the selector (``set_params``); empty for its defaults.
    candidates
        Selectors ``evaluate`` cross-validates with their default hyperparameters; the
        trained configuration (``selector`` with ``params``) is evaluated as well.
    protocol
        Keyword arguments of :class:`asc.evaluation.protocol.Protocol` for ``evaluate``.
    """

    path: Path
    name: str
    scenario: Path
    selector: str
    seed: int
    par: float
    steps: tuple[str, ...] | None
    output: Path
    params: dict[str, Any] = field(default_factory=dict)
    candidates: tuple[str, ...] = ()
    protocol: dict[str, Any] = field(default_factory=dict)


def read_spec_toml(path: Path) -> dict[str, Any]:
    """The TOML document of an experiment spec (every kind of spec reads its file here).

    Raises
    ------
    InputError
        The file is missing, unreadable or not TOML (tomllib's message keeps its
        "(at line N, column M)").
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("expected an experiment spec (TOML); not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"expected a readable TOML file: {exc}", path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"expected TOML: {exc}", path) from None


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and check a spec file.

    Raises
    ------
    InputError
        The file is missing, is not TOML, or a key is missing, unknown or of the wrong type.
    """
    path = Path(path)
    data = read_spec_toml(path)
    base = path.resolve().parent

    def unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise InputError(f"expected only {', '.join(sorted(allowed))} in {where}; found {', '.join(extra)}", path)

    def typed(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise InputError(f"expected {where}.{key}; it is missing", path)
            return default
        value = table[key]
        # bool is an int in Python, but `seed = true` is a mistake, not seed 1
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            raise InputError(f"expected {where}.{key} to be {_kind_name(kind)}; found {value!r}", path)
        return value

    unknown(data, _TOP_KEYS, "the spec")
    train = typed(data, "train", dict, "spec")
    unknown(train, _TRAIN_KEYS, "[train]")
    proto = typed(data, "protocol", dict, "spec", {})
    unknown(proto, _PROTOCOL_KEYS, "[protocol]")

    steps = typed(train, "steps", list, "train", None)
    if steps is not None and (not steps or not all(isinstance(s, str) and s for s in steps)):
        raise InputError(f"expected train.steps to be a non-empty list of step names; found {steps!r}", path)
    par = float(typed(train, "par", (int, float), "train", 10.0))
    if not math.isfinite(par) or par < 1:
        raise InputError(f"expected train.par to be at least 1; found {par}", path)
    params = typed(train, "params", dict, "train", {})
    candidates = typed(proto, "candidates", list, "protocol", [])
    if not all(isinstance(c, str) and c for c in candidates):
        raise InputError(f"expected protocol.candidates to be a list of selector names; found {candidates!r}", path)
    protocol = {
        "cv_repetition": typed(proto, "cv_repetition", int, "protocol", 1),
        "par": float(typed(proto, "par", (int, float), "protocol", 10.0)),
        "charge_feature_costs": typed(proto, "charge_feature_costs", bool, "protocol", True),
        "sbs": typed(proto, "sbs", str, "protocol", "global"),
        "seed": typed(proto, "seed", int, "protocol", 0),
    }
    return ExperimentSpec(
        path=path,
        name=str(typed(data, "name", str, "spec", base.name)),
        scenario=(base / typed(train, "scenario", str, "train")).resolve(),
        selector=typed(train, "selector", str, "train"),
        seed=typed(train, "seed", int, "train"),
        par=par,
        steps=None if steps is None else tuple(steps),
        output=(base / typed(train, "output", str, "train")).resolve(),
        params=dict(params),
        candidates=tuple(candidates),
        protocol=protocol,
    )


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a table", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def train_from_spec(spec: ExperimentSpec, output: str | Path | None = None) -> Path:
    """Fit the spec's selector on its whole scenario and write the model file.

    Parameters
    ----------
    spec
        The experiment.
    output
        Where to write the model instead of ``spec.output`` (e.g. a temporary folder,
        to compare a retrained model with the shipped one).

    Returns
    -------
    Path
        The model file written.
    """
    from asc.aslib import read_scenario
    from asc.models.files import save_model, train_model

    scenario = read_scenario(spec.scenario)
    model = train_model(scenario, spec.selector, steps=spec.steps, seed=spec.seed, par=spec.par, **spec.params)
    target = Path(output) if output is not None else spec.output
    target.parent.mkdir(parents=True, exist_ok=True)
    return save_model(model, target)


def evaluate_candidates(spec: ExperimentSpec, selectors: tuple[str, ...] | None = None,
                        n_jobs: int = 1) -> list[dict[str, Any]]:
    """Cross-validate each candidate selector on the spec's scenario under the spec's protocol.

    Parameters
    ----------
    spec
        The experiment.
    selectors
        Selectors to evaluate with their default hyperparameters. By default:
        ``spec.candidates`` and then the trained configuration, labelled ``selector``
        followed by its ``params`` when it has any.
    n_jobs
        Folds fitted in parallel (results do not depend on it).

    Returns
    -------
    list of dict
        Per selector: ``selector``, ``par10`` (mean cost), ``par1``, ``solved``,
        ``instances``, ``gap_closed``, ``fold_cost_std``, ``fold_gap_closed_std``,
        ``fold_gap_closed`` (per fold), ``misclassification_penalty`` (mean cost above
        the oracle's), ``sbs``, ``sbs_cost``, ``vbs_cost``.
    """
    from asc.aslib import read_scenario
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.selectors import make_selector

    scenario = read_scenario(spec.scenario)
    protocol = Protocol(steps=spec.steps, **spec.protocol)
    label = spec.selector + "".join(f" {k}={v}" for k, v in sorted(spec.params.items()))
    if selectors:
        runs = [(name, name, {}) for name in selectors]
    else:
        runs = [(name, name, {}) for name in spec.candidates if (name, {}) != (spec.selector, spec.params)]
        runs.append((label, spec.selector, spec.params))
    rows = []
    for label, name, params in runs:
        result = cross_validate(scenario, make_selector(name, **params), protocol, name=label, n_jobs=n_jobs)
        s = result.summary
        rows.append({
            "selector": label, "par10": s["cost"], "par1": s["par1"], "solved": s["solved"],
            "instances": s["instances"], "gap_closed": s["gap_closed"],
            "fold_cost_std": s["fold_cost_std"], "fold_gap_closed_std": s["fold_gap_closed_std"],
            "fold_gap_closed": [float(g) for g in result.per_fold["gap_closed"]],
            "misclassification_penalty": s["misclassification_penalty"],
            "sbs": s["sbs_global"] if protocol.sbs == "global" else "per-fold",
            "sbs_cost": s["sbs_global_cost"] if protocol.sbs == "global" else s["sbs_per_fold_cost"],
            "vbs_cost": s["vbs_cost"],
        })
    return rows
