"""Evaluation of selectors: metrics and cross-validation under a named protocol."""

from asc.evaluation.metrics import gap_closed, misclassification_penalty, par_k
from asc.evaluation.protocol import Protocol

__all__ = ["Protocol", "cross_validate", "gap_closed", "misclassification_penalty", "par_k"]


def __getattr__(name: str):
    # cross_validate pulls in scikit-learn; load it only when asked for.
    if name in ("cross_validate", "EvaluationResult"):
        from asc.evaluation import crossval

        return getattr(crossval, name)
    raise AttributeError(name)
