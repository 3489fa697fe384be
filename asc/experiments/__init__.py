"""Reproducible, seeded experiment specs (``experiments/*/spec.toml``).

A spec names everything a result depends on (scenario, selector, seed, protocol)
so that anyone can re-run it and get the same model or the same figures:
``python -m asc.experiments train SPEC`` and ``python -m asc.experiments evaluate SPEC``.
See :mod:`asc.experiments.spec`.
"""

from __future__ import annotations

from asc.experiments.spec import ExperimentSpec, evaluate_candidates, load_spec, train_from_spec

__all__ = ["ExperimentSpec", "evaluate_candidates", "load_spec", "train_from_spec"]
