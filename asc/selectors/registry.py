"""Selectors by name, as the CLI and experiment specs refer to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from asc.errors import UsageError

if TYPE_CHECKING:  # scikit-learn loads only when a selector is built
    from sklearn.base import BaseEstimator


def _sbs() -> BaseEstimator:
    from asc.selectors.baselines import SingleBest

    return SingleBest()


def _vbs() -> BaseEstimator:
    from asc.selectors.baselines import VirtualBest

    return VirtualBest()


def _rf_log() -> BaseEstimator:
    from asc.selectors.regression import PerAlgorithmRegressor

    return PerAlgorithmRegressor(target="log")


def _rf_raw() -> BaseEstimator:
    from asc.selectors.regression import PerAlgorithmRegressor

    return PerAlgorithmRegressor(target="raw")


def _joint() -> BaseEstimator:
    from asc.selectors.joint import JointRegressor

    return JointRegressor()


def _joint_floored() -> BaseEstimator:
    from asc.selectors.joint import JointRegressor

    # A floor of a tenth of the cutoff: the best of 0, 0.001, 0.01 and 0.02 on average
    # over the five ASlib runtime scenarios inside the pipeline (benchmarks/RESULTS.md).
    return JointRegressor(log_offset=0.01)


def _pairwise() -> BaseEstimator:
    from asc.selectors.pairwise import PairwiseClassifier

    return PairwiseClassifier()


def _pairwise_regression() -> BaseEstimator:
    from asc.selectors.pairwise_regression import PairwiseRegressor

    return PairwiseRegressor()


def _multiclass() -> BaseEstimator:
    from asc.selectors.classification import MultiClassSelector

    return MultiClassSelector()


def _knn() -> BaseEstimator:
    from asc.selectors.neighbours import NearestNeighbourSelector

    return NearestNeighbourSelector()


def _isac() -> BaseEstimator:
    from asc.selectors.neighbours import ClusteringSelector

    return ClusteringSelector()


def _sunny() -> BaseEstimator:
    from asc.selectors.sunny import SunnySelector

    return SunnySelector()


def _vote() -> BaseEstimator:
    from asc.selectors.ensemble import VotingSelector

    return VotingSelector()


def _auto() -> BaseEstimator:
    from asc.selectors.auto import AutoSelector

    return AutoSelector()


def _pipeline(inner: Callable[[], "BaseEstimator"]) -> Callable[[], "BaseEstimator"]:
    def build() -> BaseEstimator:
        from asc.selectors.pipeline import SelectionPipeline

        return SelectionPipeline(selector=inner())

    return build


SELECTORS: dict[str, tuple[Callable[[], "BaseEstimator"], str]] = {
    "sbs": (_sbs, "single best solver: lowest mean training cost, ignores features"),
    "vbs": (_vbs, "virtual best solver (oracle): the best algorithm of each instance"),
    "rf-regression": (_rf_log, "per-algorithm random-forest regression of log10 PAR10"),
    "rf-regression-raw": (_rf_raw, "per-algorithm random-forest regression of PAR10"),
    "joint-regression": (_joint, "one multi-output random forest of all algorithms' log10 PAR10 (clustering trees)"),
    "pairwise-rf": (_pairwise, "SATzilla 2012 pairwise cost-sensitive random-forest classification"),
    "pairwise-regression": (_pairwise_regression, "AutoFolio pairwise regression of log cost differences"),
    "multiclass-rf": (_multiclass, "cost-sensitive random-forest classification of the best algorithm"),
    "knn": (_knn, "k nearest neighbours (SUNNY's rule): lowest mean PAR10 among similar instances"),
    "sunny": (_sunny, "SUNNY: a schedule of up to 3 algorithms per instance, from its nearest neighbours"),
    "isac": (_isac, "ISAC: k-means clusters of instances, each cluster's best algorithm"),
    "vote": (_vote, "rank vote of rf-regression, pairwise-regression, multiclass-rf and pairwise-rf"),
    "satzilla": (_pipeline(_pairwise), "pre-solving schedule + backup solver + pairwise-rf (SATzilla 2012 pipeline)"),
    "rf-regression+presolve": (_pipeline(_rf_log), "pre-solving schedule + backup solver + rf-regression"),
    "vote+presolve": (_pipeline(_vote), "pre-solving schedule + backup solver + vote"),
    "joint-regression+presolve": (_pipeline(_joint_floored), "pre-solving schedule + backup solver + joint-regression "
                                  "of log10(PAR10 + a tenth of the cutoff)"),
    "auto": (_auto, "AutoFolio-style: SMAC picks selector, hyperparameters, feature steps, pre-solving "
                    "by inner cross-validation within --budget seconds"),
}


#: The selector of ``asc evaluate`` and ``asc train`` when none is named: the best fixed selector
#: measured on the ASlib runtime scenarios by ``benchmarks/selection_quality.py``
#: (benchmarks/RESULTS.md). Read by the CLI on start-up: this module must stay free of heavy imports.
DEFAULT_SELECTOR = "joint-regression+presolve"
#: The selector when none is named on a solution-quality scenario (ASlib
#: ``performance_type: solution_quality``, e.g. a QSAR or an OpenML scenario): the default's
#: pre-solving schedule and timeouts are runtime notions, so its inner selector alone.
DEFAULT_QUALITY_SELECTOR = "joint-regression"
#: Suffix of the registry's pipelines with a pre-solving schedule (runtime scenarios only).
PRESOLVE_SUFFIX = "+presolve"


def default_selector(is_runtime: bool) -> str:
    """The selector used when none is named: :data:`DEFAULT_SELECTOR` on runtime scenarios,
    :data:`DEFAULT_QUALITY_SELECTOR` on solution-quality ones."""
    return DEFAULT_SELECTOR if is_runtime else DEFAULT_QUALITY_SELECTOR


def check_selector_fits(name: str, scenario_name: str, is_runtime: bool) -> None:
    """Refuse a selector that needs runtimes on a solution-quality scenario, before any fit.

    Raises
    ------
    UsageError
        ``name`` runs a pre-solving schedule (``+presolve``, ``auto``'s search may choose one
        too but falls back by itself) and the scenario has no runtimes and no cutoff.
    """
    if not is_runtime and name.endswith(PRESOLVE_SUFFIX):
        from asc.errors import UsageError

        raise UsageError(f"{name} runs a pre-solving schedule, which needs runtimes and a cutoff; "
                         f"{scenario_name} is a solution_quality scenario: choose a selector without "
                         f"'{PRESOLVE_SUFFIX}' (e.g. --selector {name[:-len(PRESOLVE_SUFFIX)]})")


def make_selector(name: str, **params: object) -> BaseEstimator:
    """A new, unfitted selector by registry name, with optional hyperparameters."""
    try:
        factory, _ = SELECTORS[name]
    except KeyError:
        raise UsageError(f"unknown selector {name!r} (available: {', '.join(SELECTORS)})") from None
    selector = factory()
    if params:
        selector.set_params(**params)
    return selector
