"""Selectors: scikit-learn estimators mapping instance features to an algorithm.

See :mod:`asc.selectors.base` for the contract (``fit(X, C)`` on an instances x
algorithms cost matrix, ``predict(X)`` returning algorithm names).
"""

from asc.selectors.registry import SELECTORS, make_selector

__all__ = ["SELECTORS", "make_selector"]
