"""Features (space F): SATzilla's base feature groups of CNF formulas as ASlib feature steps.

``compute_features(cnf, steps)`` returns, per step (``Pre``, ``Basic``, ``KLB``, ``CG``),
its runstatus, its CPU cost and its values under the names of the ASlib SAT scenarios;
``FEATURE_STEPS`` maps each step to (features provided, steps required);
``cg_clustering_is_estimated(nclauses, CG_mean)`` tells the rows whose clustering
columns are estimates (dense clause graphs past the exact count's work budget).
:mod:`asc.features.batch` extracts them from many files in parallel (``asc features``,
``asc train`` on a run store) and writes them as CSV, JSON or ASlib feature files.
"""

from asc.features.satzilla import (
    FEATURE_STEPS,
    STEP_NAMES,
    FeatureResult,
    StepResult,
    cg_clustering_is_estimated,
    compute_features,
)

__all__ = ["FEATURE_STEPS", "STEP_NAMES", "FeatureResult", "StepResult", "cg_clustering_is_estimated",
           "compute_features"]
