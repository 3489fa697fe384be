"""Seeded cross-validation folds for scenarios without ``cv.arff``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def make_folds(instances: Sequence[str], n_folds: int = 10, seed: int = 0, repetitions: int = 1) -> pd.DataFrame:
    """Assign each instance a fold, as ASlib's cv.arff does.

    The instances are sorted, shuffled with ``numpy.random.default_rng(seed + r)`` for
    repetition ``r`` and dealt round-robin into ``n_folds`` folds, so folds differ in
    size by at most one and the same seed always gives the same folds.

    Returns
    -------
    pandas.DataFrame
        Columns ``instance_id``, ``repetition`` (1-based), ``fold`` (1-based).
    """
    ordered = np.array(sorted(instances), dtype=object)
    n_folds = max(1, min(n_folds, len(ordered))) if len(ordered) else 1
    frames = []
    for repetition in range(1, repetitions + 1):
        rng = np.random.default_rng(seed + repetition - 1)
        shuffled = ordered[rng.permutation(len(ordered))]
        frames.append(pd.DataFrame({
            "instance_id": shuffled.astype(str),
            "repetition": repetition,
            "fold": np.arange(len(shuffled)) % n_folds + 1,
        }))
    cv = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["instance_id", "repetition", "fold"])
    return cv.sort_values(["repetition", "instance_id"]).reset_index(drop=True).astype(
        {"repetition": np.int64, "fold": np.int64}
    )
