"""The evaluation file: what ``asc evaluate --save FILE`` writes and ``asc report`` reads.

One JSON object, so that a person can read it and a report can be drawn from it
without fitting anything again::

    {"format": "asc-evaluation", "version": 1,
     "scenario": "<scenario id>", "scenario_path": "<absolute path of the scenario folder>",
     "selector": "<name>", "protocol": {...}, "summary": {...},
     "per_fold": [{"fold": 1, "n": ..., "cost": ..., "sbs": ..., "vbs": ..., "gap_closed": ...}, ...],
     "per_instance": [{"instance_id": "...", "fold": 1, "choice": "...", "cost": ..., "time": ...,
                       "solved": true, ...}, ...]}

``summary``, ``protocol`` and ``per_fold`` are exactly what ``asc evaluate --format json``
prints; ``per_instance`` is :attr:`asc.evaluation.crossval.EvaluationResult.per_instance`,
one record per instance. Non-finite numbers are written as ``null`` (JSON has no NaN).
This module needs no scikit-learn: reading a saved evaluation is cheap.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asc.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from asc.evaluation.crossval import EvaluationResult

FORMAT = "asc-evaluation"
VERSION = 1
#: Columns of ``per_instance`` a report needs (older or foreign files without them are refused).
REQUIRED_INSTANCE_KEYS = ("instance_id", "fold", "choice", "cost", "time", "solved")
REQUIRED_FOLD_KEYS = ("fold", "n", "cost", "sbs", "vbs", "gap_closed")


@dataclass(frozen=True)
class SavedEvaluation:
    """A cross-validation read back from its file.

    Attributes
    ----------
    path
        The file it was read from.
    scenario, scenario_path, selector
        The scenario's id, the folder it was read from when evaluated, the selector's name.
    protocol, summary
        As printed by ``asc evaluate --format json``.
    per_fold
        One row per fold (index ``fold``): ``n``, ``cost``, ``sbs``, ``vbs``, ``gap_closed``, ...
    per_instance
        One row per instance (index ``instance_id``): ``fold``, ``choice``, ``cost``,
        ``time``, ``solved``, ...
    """

    path: Path
    scenario: str
    scenario_path: str | None
    selector: str
    protocol: dict[str, Any]
    summary: dict[str, Any]
    per_fold: pd.DataFrame
    per_instance: pd.DataFrame


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars as Python ones, NaN and infinities as None."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def evaluation_record(result: EvaluationResult, scenario_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The JSON object of the evaluation file for ``result`` (see the module docstring)."""
    data = result.to_dict()
    records = result.per_instance.reset_index().to_dict("records")
    return _plain({
        "format": FORMAT,
        "version": VERSION,
        "scenario": data["scenario"],
        "scenario_path": None if scenario_path is None else str(Path(scenario_path).resolve()),
        "selector": data["selector"],
        "protocol": data["protocol"],
        "summary": data["summary"],
        "per_fold": data["per_fold"],
        "per_instance": records,
    })


def write_evaluation(result: EvaluationResult, path: str | os.PathLike[str],
                     scenario_path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``result`` as an evaluation file (atomically: a temporary file renamed into place)."""
    path = Path(path)
    text = json.dumps(evaluation_record(result, scenario_path), indent=1, allow_nan=False) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write the evaluation file: {exc.strerror or exc}", path) from None
    return path


def is_evaluation_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` looks like an evaluation file (a ``.json`` file), before reading it."""
    return Path(path).is_file() and Path(path).suffix.lower() == ".json"


def read_evaluation(path: str | os.PathLike[str]) -> SavedEvaluation:
    """Read an evaluation file written by :func:`write_evaluation`.

    Raises
    ------
    InputError
        The file cannot be read, is not JSON, is not an ``asc-evaluation`` object of
        this version, or lacks the per-fold or per-instance fields a report needs;
        the message names the file and what was expected.
    """
    import pandas as pd

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"expected a readable evaluation file: {exc.strerror or exc}", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"expected an evaluation file (JSON from `asc evaluate --save`): {exc}", path) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"expected an evaluation file (a JSON object with \"format\": \"{FORMAT}\", written by "
                         "`asc evaluate --save`)", path)
    if data.get("version") != VERSION:
        raise InputError(f"expected an evaluation file of version {VERSION}, found {data.get('version')!r}", path)
    per_fold, per_instance = data.get("per_fold"), data.get("per_instance")
    for name, rows, keys in (("per_fold", per_fold, REQUIRED_FOLD_KEYS),
                             ("per_instance", per_instance, REQUIRED_INSTANCE_KEYS)):
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"expected a non-empty list of objects under {name!r}", path)
        missing = [k for k in keys if any(k not in r for r in rows)]
        if missing:
            raise InputError(f"expected every {name} record to have {', '.join(keys)}; "
                             f"{', '.join(missing)} missing", path)
    if not isinstance(data.get("summary"), dict) or not isinstance(data.get("protocol"), dict):
        raise InputError("expected \"summary\" and \"protocol\" objects", path)
    instances = pd.DataFrame(per_instance)
    if instances["instance_id"].duplicated().any():
        dup = instances.loc[instances["instance_id"].duplicated(), "instance_id"].iloc[0]
        raise InputError(f"expected one per_instance record per instance; {dup!r} appears twice", path)
    try:
        instances = instances.astype({"instance_id": str, "choice": str, "fold": "int64", "cost": float,
                                      "time": float, "solved": bool})
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected numbers in per_instance cost/time/fold and booleans in solved: {exc}",
                         path) from None
    folds = pd.DataFrame(per_fold)
    try:
        folds = folds.astype({"fold": "int64", "n": "int64", "cost": float, "sbs": float, "vbs": float,
                              "gap_closed": float})
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected numbers in per_fold: {exc}", path) from None
    return SavedEvaluation(
        path=path, scenario=str(data.get("scenario", "")), scenario_path=data.get("scenario_path"),
        selector=str(data.get("selector", "selector")), protocol=data["protocol"], summary=data["summary"],
        per_fold=folds.set_index("fold"), per_instance=instances.set_index("instance_id"),
    )
