"""The evaluation protocol: how a selector's choices are turned into scores.

The default reproduces the ASlib website's LLAMA pages: folds from ``cv.arff``
repetition 1, PAR10 over all instances, the selector charged the feature costs of the
steps it uses (the scenario's default steps unless told otherwise), the single best and
the virtual best not charged, and an instance presolved by a feature step counted as
solved at its feature cost.
"""

from __future__ import annotations

from dataclasses import dataclass

SBS_POLICIES = ("global", "per-fold")


@dataclass(frozen=True)
class Protocol:
    """Settings of one evaluation.

    Attributes
    ----------
    par
        Penalty factor of PAR-k for unsolved instances (runtime scenarios).
    cv_repetition
        Which repetition of ``cv.arff`` gives the folds.
    n_folds
        Number of seeded folds when the scenario has no ``cv.arff``.
    charge_feature_costs
        Add the feature cost of the used steps to the selector's runtime (and count
        presolved instances as solved at their feature cost).
    steps
        Feature steps the selector uses; ``None`` means the scenario's default steps.
    sbs
        ``"global"``: the algorithm with the best mean cost over all instances (as LLAMA's
        ``singleBestByPar``); ``"per-fold"``: chosen on each fold's training instances.
        Gap closed is reported against this one; both are always computed.
    aggregate
        Repetition policy of the cost matrix (see :mod:`asc.aslib.views`).
    seed
        Seed for selectors with randomness and for folds drawn when cv.arff is absent.
    """

    par: float = 10.0
    cv_repetition: int = 1
    n_folds: int = 10
    charge_feature_costs: bool = True
    steps: tuple[str, ...] | None = None
    sbs: str = "global"
    aggregate: str = "mean"
    seed: int = 0

    def __post_init__(self) -> None:
        from asc.errors import UsageError

        if self.sbs not in SBS_POLICIES:
            raise UsageError(f"unknown SBS policy {self.sbs!r} (expected one of {', '.join(SBS_POLICIES)})")
        if self.par < 1:
            raise UsageError(f"PAR factor must be at least 1, found {self.par}")
