"""Seeded CNF generators for tests and benchmarks of the feature steps.

:func:`dense_clause_graph_cnf` builds formulas of the kind Linux kconfig feature models
are: long clauses over a few very frequent ("hub") variables that occur in thousands of
clauses with both signs, so that every clause clashes with a large fraction of all the
others (the kconfig models have about 8,300 clause-graph neighbours per clause out of
26,000 clauses, 1.1e8 edges), plus repeated literals and tautologies, which those files
are full of and which the reader's normalisation removes.
"""

from __future__ import annotations

import numpy as np

from asc.instances.cnf import CNF


def dense_clause_graph_cnf(nclauses: int, nvars: int | None = None, hubs: int = 4,
                           hub_rate: float = 0.38, length: tuple[int, int] = (2, 12),
                           repeat_rate: float = 0.1, tautology_rate: float = 0.05,
                           seed: int = 0) -> CNF:
    """A formula whose clause graph is dense (kconfig-like), reproducible from ``seed``.

    Each clause holds each of the ``hubs`` hub variables with probability ``hub_rate``
    (random sign) and between ``length[0]`` and ``length[1]`` other literals drawn from
    the remaining variables. Two clauses clash on a hub with probability
    ``hub_rate**2 / 2``, so a fraction of about ``1 - (1 - hub_rate**2 / 2) ** hubs`` of
    all clause pairs are edges (a third with the defaults). A fraction ``repeat_rate``
    of the clauses repeats one of its literals, and ``tautology_rate`` of them also holds
    the negation of one of its literals (dropped by preprocessing, as in SATzilla).
    No clause is a unit, so unit propagation leaves the formula as it is.

    Parameters
    ----------
    nclauses
        Clauses to draw.
    nvars
        Variables (default ``max(hubs + 20, nclauses // 4)``); the first ``hubs`` are hubs.
    hubs, hub_rate, length, repeat_rate, tautology_rate
        Shape of the formula, see above.
    seed
        Seed of NumPy's ``default_rng``: the same arguments give the same formula.
    """
    if nvars is None:
        nvars = max(hubs + 20, nclauses // 4)
    if nvars < hubs + length[1] + 1:
        raise ValueError("nvars must exceed hubs + the longest clause")
    rng = np.random.default_rng(seed)
    n_other = rng.integers(length[0], length[1] + 1, size=nclauses)
    has_hub = rng.random((nclauses, hubs)) < hub_rate
    hub_sign = rng.random((nclauses, hubs)) < 0.5
    repeat = rng.random(nclauses) < repeat_rate
    tautology = rng.random(nclauses) < tautology_rate
    # Other variables: a skewed choice (a few are frequent, most are rare), as in
    # feature models where some options are selected by many others.
    weights = 1.0 / np.arange(1, nvars - hubs + 1) ** 0.8
    weights /= weights.sum()
    clauses: list[np.ndarray] = []
    hub_ids = np.arange(1, hubs + 1)
    for c in range(nclauses):
        others = hubs + 1 + rng.choice(nvars - hubs, size=int(n_other[c]), replace=False, p=weights)
        signs = np.where(rng.random(others.size) < 0.5, -1, 1)
        lits = np.concatenate((np.where(hub_sign[c], -hub_ids, hub_ids)[has_hub[c]], signs * others))
        if repeat[c]:
            lits = np.append(lits, lits[rng.integers(lits.size)])
        if tautology[c]:
            lits = np.append(lits, -lits[rng.integers(lits.size)])
        clauses.append(rng.permutation(lits))
    offsets = np.zeros(nclauses + 1, dtype=np.int64)
    np.cumsum([c.size for c in clauses], out=offsets[1:])
    literals = np.concatenate(clauses).astype(np.int32) if clauses else np.zeros(0, np.int32)
    return CNF(int(nvars), literals, offsets, int(nvars), int(nclauses), "dense-clause-graph")
