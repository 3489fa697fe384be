"""The ``description.txt`` of an ASlib scenario: parsed leniently, written strictly.

Three generations of the file exist in the wild and all are read:

- **v1 line format** (ASlib 1.0): ``key: a, b, c`` lines, one ``feature_step NAME: f1, f2``
  line per step, ``?`` for unknown values, algorithms in ``algorithms_deterministic`` /
  ``algorithms_stochastic`` comma lists.
- **v2 YAML**: lists and a ``feature_steps`` mapping with ``provides`` / ``requires``;
  algorithms still as the two lists.
- **v3 YAML** (ASlib 2020+): ``metainfo_algorithms`` with each algorithm's configuration
  and determinism, optional ``algorithm_feature_steps`` for the ``-ALGO`` scenarios.

Real files mix these: scalars where lists are expected (``maximize: false``), empty
strings for empty lists (``algorithms_stochastic: ''``), YAML anchors, ``'?'`` for
unknown cutoffs. The reader normalises all of that into one frozen :class:`Description`;
the writer always emits v3 YAML plus the two algorithm lists, which both the official
checker and newer readers understand.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from asc.errors import ScenarioError

PERFORMANCE_TYPES = ("runtime", "solution_quality")

# Keys the Description models explicitly; anything else is kept in ``extra``.
_KNOWN_KEYS = {
    "scenario_id", "performance_measures", "maximize", "performance_type",
    "algorithm_cutoff_time", "algorithm_cutoff_memory", "features_cutoff_time",
    "features_cutoff_memory", "features_deterministic", "features_stochastic",
    "algorithms_deterministic", "algorithms_stochastic", "metainfo_algorithms",
    "number_of_feature_steps", "feature_steps", "default_steps", "algorithm_feature_steps",
    "algorithm_features_deterministic", "algorithm_features_stochastic",
    "algorithm_features_cutoff_time", "algorithm_features_cutoff_memory",
}


@dataclass(frozen=True)
class FeatureStep:
    """A feature-computation step: the features it provides and the steps it requires."""

    provides: tuple[str, ...]
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlgorithmInfo:
    """Metadata of one algorithm of the portfolio (``metainfo_algorithms``)."""

    configuration: str = ""
    deterministic: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Description:
    """Everything ``description.txt`` says about a scenario.

    Lists are tuples in file order; mappings keep file order. ``None`` stands for an
    unknown value (``?`` in the file).
    """

    scenario_id: str
    performance_measures: tuple[str, ...] = ("runtime",)
    maximize: tuple[bool, ...] = (False,)
    performance_type: tuple[str, ...] = ("runtime",)
    algorithm_cutoff_time: float | None = None
    algorithm_cutoff_memory: float | None = None
    features_cutoff_time: float | None = None
    features_cutoff_memory: float | None = None
    features_deterministic: tuple[str, ...] = ()
    features_stochastic: tuple[str, ...] = ()
    algorithms: Mapping[str, AlgorithmInfo] = field(default_factory=dict)
    feature_steps: Mapping[str, FeatureStep] = field(default_factory=dict)
    default_steps: tuple[str, ...] = ()
    algorithm_feature_steps: Mapping[str, FeatureStep] = field(default_factory=dict)
    algorithm_features_deterministic: tuple[str, ...] = ()
    algorithm_features_stochastic: tuple[str, ...] = ()
    algorithm_features_cutoff_time: float | None = None
    algorithm_features_cutoff_memory: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> tuple[str, ...]:
        """All instance features: deterministic first, then stochastic."""
        return self.features_deterministic + tuple(
            f for f in self.features_stochastic if f not in self.features_deterministic
        )

    @property
    def is_runtime(self) -> bool:
        """True when the first performance measure is a runtime."""
        return bool(self.performance_type) and self.performance_type[0] == "runtime"

    def with_algorithms(self, names: list[str]) -> Description:
        """A copy whose algorithm list is ``names`` (existing metadata kept)."""
        return replace(self, algorithms={n: self.algorithms.get(n, AlgorithmInfo()) for n in names})


# --------------------------------------------------------------------------- reading


def _is_unknown(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in ("?", "", "NA", "null"))


def _as_number(value: Any, key: str, path: Path) -> float | None:
    if _is_unknown(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"'{key}' must be a number or '?', found {value!r}", path) from None
    return None if math.isnan(number) else number


def _as_list(value: Any) -> list[Any]:
    """Lists stay lists; a comma-separated string or a scalar becomes a list; empty is []."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if not (isinstance(v, str) and v.strip() == "")]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value]


def _as_names(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _as_list(value))


def _as_bool(value: Any, key: str, path: Path) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "t"):
        return True
    if text in ("false", "no", "0", "f"):
        return False
    raise ScenarioError(f"'{key}' must be true or false, found {value!r}", path)


def _parse_steps(raw: Any, key: str, path: Path) -> dict[str, FeatureStep]:
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"'{key}' must map step names to provides/requires, found {type(raw).__name__}", path)
    steps: dict[str, FeatureStep] = {}
    for name, body in raw.items():
        if isinstance(body, Mapping):
            provides, requires = body.get("provides"), body.get("requires")
        else:
            # Older files list the features directly under the step name.
            provides, requires = body, None
        steps[str(name)] = FeatureStep(_as_names(provides), _as_names(requires))
    return steps


def _parse_v1_lines(text: str, path: Path) -> dict[str, Any]:
    """Parse the ASlib 1.0 line format into the YAML-shaped mapping the rest expects."""
    data: dict[str, Any] = {}
    steps: dict[str, dict[str, list[str]]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if ":" not in line:
            raise ScenarioError(f"expected 'key: value', found {line[:60]!r}", path, number)
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        match = re.fullmatch(r"feature_step\s+(.+)", key)
        if match:
            steps[match.group(1).strip()] = {"provides": _as_names(value)}
        else:
            data[key] = value
    if steps:
        data["feature_steps"] = steps
    return data


def _load_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read as UTF-8 text: {exc}", path) from None
    if re.search(r"^\s*feature_step\s+\S", text, flags=re.MULTILINE):
        return _parse_v1_lines(text, path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError(f"invalid YAML: {problem}", path, line) from None
    if data is None:
        raise ScenarioError("empty description, expected 'scenario_id: ...' and the other ASlib keys", path, 1)
    if not isinstance(data, Mapping):
        raise ScenarioError(f"expected a mapping of ASlib keys, found {type(data).__name__}", path, 1)
    return dict(data)


def read_description(path: str | Path) -> Description:
    """Read a ``description.txt`` in any of the ASlib formats.

    Raises
    ------
    ScenarioError
        Missing file, malformed YAML (with its line), or values of the wrong kind.
    """
    path = Path(path)
    data = _load_mapping(path)

    measures = _as_names(data.get("performance_measures")) or ("runtime",)
    maximize = tuple(_as_bool(v, "maximize", path) for v in _as_list(data.get("maximize"))) or (False,)
    types = _as_names(data.get("performance_type")) or ("runtime",)
    for kind in types:
        if kind not in PERFORMANCE_TYPES:
            raise ScenarioError(f"'performance_type' must be runtime or solution_quality, found {kind!r}", path)
    # Scalars given once apply to every measure (v1 files often say 'maximize: false').
    if len(maximize) == 1 and len(measures) > 1:
        maximize = maximize * len(measures)
    if len(types) == 1 and len(measures) > 1:
        types = types * len(measures)

    algorithms: dict[str, AlgorithmInfo] = {}
    meta = data.get("metainfo_algorithms")
    if isinstance(meta, Mapping) and meta:
        for name, info in meta.items():
            if not isinstance(info or {}, Mapping):
                raise ScenarioError(f"'metainfo_algorithms' must map each algorithm to its keys (configuration, "
                                    f"deterministic); found {type(info).__name__} {info!r:.40} for {name!r}", path)
            info = dict(info or {})
            configuration = info.pop("configuration", "") or ""
            deterministic = _as_bool(info.pop("deterministic", True), "deterministic", path)
            algorithms[str(name)] = AlgorithmInfo(str(configuration), deterministic, info)
    else:
        for name in _as_names(data.get("algorithms_deterministic")):
            algorithms[name] = AlgorithmInfo("", True)
        for name in _as_names(data.get("algorithms_stochastic")):
            algorithms[name] = AlgorithmInfo("", False)

    feature_steps = _parse_steps(data.get("feature_steps"), "feature_steps", path)
    algorithm_feature_steps = _parse_steps(data.get("algorithm_feature_steps"), "algorithm_feature_steps", path)
    default_steps = _as_names(data.get("default_steps"))
    if not default_steps:
        default_steps = tuple(feature_steps)

    features_deterministic = _as_names(data.get("features_deterministic"))
    features_stochastic = _as_names(data.get("features_stochastic"))
    if not features_deterministic and not features_stochastic:
        seen: dict[str, None] = {}
        for step in feature_steps.values():
            seen.update(dict.fromkeys(step.provides))
        features_deterministic = tuple(seen)

    scenario_id = data.get("scenario_id")
    if _is_unknown(scenario_id):
        scenario_id = path.parent.name

    return Description(
        scenario_id=str(scenario_id),
        performance_measures=measures,
        maximize=maximize,
        performance_type=types,
        algorithm_cutoff_time=_as_number(data.get("algorithm_cutoff_time"), "algorithm_cutoff_time", path),
        algorithm_cutoff_memory=_as_number(data.get("algorithm_cutoff_memory"), "algorithm_cutoff_memory", path),
        features_cutoff_time=_as_number(data.get("features_cutoff_time"), "features_cutoff_time", path),
        features_cutoff_memory=_as_number(data.get("features_cutoff_memory"), "features_cutoff_memory", path),
        features_deterministic=features_deterministic,
        features_stochastic=features_stochastic,
        algorithms=algorithms,
        feature_steps=feature_steps,
        default_steps=default_steps,
        algorithm_feature_steps=algorithm_feature_steps,
        algorithm_features_deterministic=_as_names(data.get("algorithm_features_deterministic")),
        algorithm_features_stochastic=_as_names(data.get("algorithm_features_stochastic")),
        algorithm_features_cutoff_time=_as_number(
            data.get("algorithm_features_cutoff_time"), "algorithm_features_cutoff_time", path
        ),
        algorithm_features_cutoff_memory=_as_number(
            data.get("algorithm_features_cutoff_memory"), "algorithm_features_cutoff_memory", path
        ),
        extra={k: v for k, v in data.items() if k not in _KNOWN_KEYS},
    )


# --------------------------------------------------------------------------- writing


def _number_or_unknown(value: float | None) -> Any:
    if value is None:
        return "?"
    return int(value) if float(value).is_integer() else float(value)


def _steps_to_yaml(steps: Mapping[str, FeatureStep]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, step in steps.items():
        body: dict[str, Any] = {"provides": list(step.provides)}
        if step.requires:
            body["requires"] = list(step.requires)
        out[name] = body
    return out


def description_to_yaml(desc: Description) -> str:
    """Render a :class:`Description` as ASlib v3 YAML (plus the v2 algorithm lists)."""
    doc: dict[str, Any] = {
        "scenario_id": desc.scenario_id,
        "performance_measures": list(desc.performance_measures),
        "maximize": list(desc.maximize),
        "performance_type": list(desc.performance_type),
        "algorithm_cutoff_time": _number_or_unknown(desc.algorithm_cutoff_time),
        "algorithm_cutoff_memory": _number_or_unknown(desc.algorithm_cutoff_memory),
        "features_cutoff_time": _number_or_unknown(desc.features_cutoff_time),
        "features_cutoff_memory": _number_or_unknown(desc.features_cutoff_memory),
        "features_deterministic": list(desc.features_deterministic),
        "features_stochastic": list(desc.features_stochastic),
        "algorithms_deterministic": [n for n, a in desc.algorithms.items() if a.deterministic],
        "algorithms_stochastic": [n for n, a in desc.algorithms.items() if not a.deterministic],
        "metainfo_algorithms": {
            name: {"configuration": info.configuration, "deterministic": info.deterministic, **dict(info.extra)}
            for name, info in desc.algorithms.items()
        },
        "number_of_feature_steps": len(desc.feature_steps) + len(desc.algorithm_feature_steps),
        "feature_steps": _steps_to_yaml(desc.feature_steps),
        "default_steps": list(desc.default_steps),
    }
    if desc.algorithm_feature_steps:
        doc["algorithm_feature_steps"] = _steps_to_yaml(desc.algorithm_feature_steps)
        doc["algorithm_features_deterministic"] = list(desc.algorithm_features_deterministic)
        doc["algorithm_features_stochastic"] = list(desc.algorithm_features_stochastic)
        doc["algorithm_features_cutoff_time"] = _number_or_unknown(desc.algorithm_features_cutoff_time)
        doc["algorithm_features_cutoff_memory"] = _number_or_unknown(desc.algorithm_features_cutoff_memory)
    doc.update(desc.extra)

    class _NoAliases(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # anchors confuse hand readers of the file
            return True

    return yaml.dump(doc, Dumper=_NoAliases, sort_keys=False, default_flow_style=False, allow_unicode=True)
