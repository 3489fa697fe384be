"""Features (space F): SATzilla's base feature groups of CNF formulas as ASlib feature steps.

``compute_features(cnf, steps)`` returns, per step (``Pre``, ``Basic``, ``KLB``, ``CG``),
its runstatus, its CPU cost and its values under the names of the ASlib SAT scenarios;
``FEATURE_STEPS`` maps each step to (features provided, steps required).
"""

from asc.features.satzilla import (
    FEATURE_STEPS,
    STEP_NAMES,
    FeatureResult,
    StepResult,
    compute_features,
)

__all__ = ["FEATURE_STEPS", "STEP_NAMES", "FeatureResult", "StepResult", "compute_features"]
