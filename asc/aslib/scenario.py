"""The algorithm-selection scenario: ASlib's data model held as pandas tables.

Shapes, as built by :func:`asc.aslib.read_scenario` (every table sorted by its key):

=========================  ==================================================================
``runs``                   long table, one row per run: ``instance_id`` (str), ``repetition``
                           (int), ``algorithm`` (str), one float column per performance
                           measure (NaN for ``?``), ``runstatus`` (str, an ASlib level)
``feature_values``         ``instance_id``, ``repetition``, one float column per feature
``feature_runstatus``      ``instance_id``, ``repetition``, one str column per feature step
``feature_costs``          ``instance_id``, ``repetition``, one float column per step (seconds)
``cv``                     ``instance_id``, ``repetition``, ``fold`` (int, 1-based)
``ground_truth``           ``instance_id`` then the ground-truth columns as in the file
``algorithm_feature_*``    as the instance tables, keyed by ``algorithm`` instead
=========================  ==================================================================

Derived views (cost matrix, feature matrix, ...) live in :mod:`asc.aslib.views`; they
are computed from these tables with explicit, named policies and never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import pandas as pd

from asc.aslib.description import Description

if TYPE_CHECKING:
    from asc.aslib.views import FeatureView

RUN_STATUSES = ("ok", "timeout", "memout", "not_applicable", "crash", "other")
FEATURE_STATUSES = ("ok", "timeout", "memout", "presolved", "crash", "other", "unknown")

# Keys of each table; rows are sorted by them so that equal scenarios compare equal.
TABLE_KEYS = {
    "runs": ["instance_id", "repetition", "algorithm"],
    "feature_values": ["instance_id", "repetition"],
    "feature_runstatus": ["instance_id", "repetition"],
    "feature_costs": ["instance_id", "repetition"],
    "cv": ["repetition", "instance_id"],
    "ground_truth": ["instance_id"],
    "algorithm_feature_values": ["algorithm", "repetition"],
    "algorithm_feature_runstatus": ["algorithm", "repetition"],
    "algorithm_feature_costs": ["algorithm", "repetition"],
}


def canonical(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Sort ``table`` by its key columns and reset the index."""
    keys = [k for k in TABLE_KEYS[name] if k in table.columns]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class Scenario:
    """An ASlib scenario: description, runs, features, feature status and costs, folds.

    Build one with :func:`asc.aslib.read_scenario`, :func:`asc.aslib.scenario_from_csv`
    or directly from tables in the shapes given in the module docstring.
    """

    description: Description
    runs: pd.DataFrame
    feature_values: pd.DataFrame | None = None
    feature_runstatus: pd.DataFrame | None = None
    feature_costs: pd.DataFrame | None = None
    cv: pd.DataFrame | None = None
    ground_truth: pd.DataFrame | None = None
    algorithm_feature_values: pd.DataFrame | None = None
    algorithm_feature_runstatus: pd.DataFrame | None = None
    algorithm_feature_costs: pd.DataFrame | None = None

    # ----------------------------------------------------------------- identity

    @property
    def name(self) -> str:
        """The scenario id."""
        return self.description.scenario_id

    @property
    def instances(self) -> tuple[str, ...]:
        """Instance ids in sorted order: the row order of every matrix view."""
        ids = set(self.runs["instance_id"])
        if self.feature_values is not None:
            ids.update(self.feature_values["instance_id"])
        return tuple(sorted(ids))

    @property
    def algorithms(self) -> tuple[str, ...]:
        """Algorithm names: description order, then any others found in the runs."""
        listed = [a for a in self.description.algorithms]
        seen = set(listed)
        extra = sorted(set(self.runs["algorithm"]) - seen)
        present = set(self.runs["algorithm"])
        return tuple([a for a in listed if a in present] + extra)

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in ``feature_values`` column order."""
        if self.feature_values is None:
            return ()
        return tuple(c for c in self.feature_values.columns if c not in ("instance_id", "repetition"))

    @property
    def cutoff(self) -> float | None:
        """The algorithm cutoff time in seconds (``None`` when unknown)."""
        return self.description.algorithm_cutoff_time

    # ----------------------------------------------------------------- views

    def cost_matrix(self, par: float = 10.0, aggregate: str = "mean", measure: str | None = None) -> pd.DataFrame:
        """Instances x algorithms costs (lower is better). See :func:`asc.aslib.views.cost_matrix`."""
        from asc.aslib.views import cost_matrix

        return cost_matrix(self, par=par, aggregate=aggregate, measure=measure)

    def solved_matrix(self, aggregate: str = "mean") -> pd.DataFrame:
        """Instances x algorithms solved fraction. See :func:`asc.aslib.views.solved_matrix`."""
        from asc.aslib.views import solved_matrix

        return solved_matrix(self, aggregate=aggregate)

    def feature_matrix(self, steps: list[str] | tuple[str, ...] | None = None) -> FeatureView:
        """Features of the chosen steps with their costs. See :func:`asc.aslib.views.feature_matrix`."""
        from asc.aslib.views import feature_matrix

        return feature_matrix(self, steps=steps)

    def folds(self, repetition: int = 1) -> pd.Series | None:
        """Fold number per instance for one cv repetition (``None`` when there is no cv.arff)."""
        if self.cv is None:
            return None
        rows = self.cv[self.cv["repetition"] == repetition]
        return rows.set_index("instance_id")["fold"].astype(int).reindex(self.instances)

    # ----------------------------------------------------------------- equality

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return not self.differences(other)

    __hash__ = None  # type: ignore[assignment]  # mutable tables inside

    def differences(self, other: Scenario) -> list[str]:
        """Names of the parts in which two scenarios differ (empty when equal)."""
        diffs: list[str] = []
        if self.description != other.description:
            diffs.append("description")
        for f in fields(self):
            if f.name == "description":
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            if a is None and b is None:
                continue
            if a is None or b is None:
                diffs.append(f.name)
                continue
            a, b = canonical(a, f.name), canonical(b, f.name)
            if list(a.columns) != list(b.columns) or a.shape != b.shape:
                diffs.append(f.name)
                continue
            for column in a.columns:
                left, right = a[column], b[column]
                if pd.api.types.is_numeric_dtype(left) and pd.api.types.is_numeric_dtype(right):
                    same = ((left == right) | (left.isna() & right.isna())).all()
                else:
                    same = (left.astype("object").where(left.notna(), None).tolist()
                            == right.astype("object").where(right.notna(), None).tolist())
                if not same:
                    diffs.append(f"{f.name}.{column}")
                    break
        return diffs

    def __repr__(self) -> str:
        return (
            f"Scenario({self.name!r}: {len(self.instances)} instances, {len(self.algorithms)} algorithms, "
            f"{len(self.features)} features, {len(self.description.feature_steps)} steps)"
        )
