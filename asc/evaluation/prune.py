"""Pruning a portfolio: the smallest subset of the algorithms whose virtual best stays near the whole one's.

A portfolio's value to a selector is bounded by its virtual best (VBS, the oracle that runs the
best algorithm of each instance). Near-copies of a solver add campaign cost without moving the
VBS, so a portfolio is pruned on measured runs:

**Costs.** The instances x algorithms PAR-k matrix of :func:`asc.aslib.views.cost_matrix`
(solved iff runstatus ``ok`` within the cutoff, otherwise ``k`` x cutoff; repetitions
averaged; a missing run is unsolved). A run store is turned into that scenario by
:func:`asc.runs.export.to_scenario` first, so the store's statuses, cutoff and time measure
follow the export's rules. There is one rule for each, and it lives there.

**VBS of a subset.** The mean over instances of the subset's best cost per instance. The
empty subset runs nothing: every instance costs ``k`` x cutoff.

**Search.** Subsets are built size by size. A size whose number of subsets fits in the
remaining budget (``max_subsets``, counted over the sizes searched exactly so far) is
searched exactly: the subset with the lowest VBS among all subsets of that size. Once a size
does not fit, the search turns greedy for good: each larger size adds to the previous
size's subset the algorithm that lowers the VBS most (forward selection, as Xu et al.'s
and SUNNY's portfolio builders do). Exact search is exponential (2^20 subsets for 20
algorithms), greedy is n^2 evaluations and usually within a few percent of exact.

**Ties**, so that the same data always give the same subset: algorithms are ranked by their
own PAR-k, then by name. A greedy step takes, among the additions of equal VBS, the
best-ranked algorithm; an exact size takes, among subsets of equal VBS, the first in the
lexicographic order of combinations of the ranking (the one with the better-ranked members).

**Stopping.** With ``margin`` (relative PAR-k), the chosen subset is the smallest whose VBS
is at most ``(1 + margin)`` x the full portfolio's; with ``size`` alone, the subset of that
size; with both, the smallest within the margin but no larger than ``size`` (``margin_met``
says whether the margin was reached). The curve of VBS against size is reported for every
size up to the whole portfolio.

**Marginal contribution** of a member ``a`` of a subset ``S``: ``VBS(S - {a}) - VBS(S)``, the
PAR-k the subset loses without it (Xu et al. 2012); ``alone``: instances ``a`` solves and no
other member does; ``wins``: solved instances where ``a`` is the subset's best (ties go to the
member listed first).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from asc.errors import InputError, UsageError

#: Default budget of subsets evaluated by exact search before the search turns greedy.
MAX_SUBSETS = 100_000
#: Default stopping margin (relative PAR-k above the full portfolio's VBS) when neither margin nor size is given.
DEFAULT_MARGIN = 0.05
_CHUNK = 4096


@dataclass(frozen=True)
class PortfolioCosts:
    """What pruning needs from a scenario or a run store.

    Attributes
    ----------
    algorithms, instances
        Column and row labels.
    cost
        Instances x algorithms PAR-k costs (:func:`asc.aslib.views.cost_matrix`).
    solved
        Instances x algorithms: solved (at least one repetition).
    cutoff, par
        The cutoff in seconds and the penalty factor k.
    source
        Where the costs came from (for reports).
    """

    algorithms: tuple[str, ...]
    instances: tuple[str, ...]
    cost: np.ndarray
    solved: np.ndarray
    cutoff: float
    par: float
    source: str

    @property
    def unsolved_cost(self) -> float:
        """What an instance costs when nothing solves it: ``par`` x cutoff."""
        return self.par * self.cutoff


def costs_from_scenario(scenario: Any, par: float = 10.0, source: str | None = None) -> PortfolioCosts:
    """The :class:`PortfolioCosts` of a runtime ASlib scenario (the scenario's own PAR-k rule).

    Raises
    ------
    UsageError
        The scenario is not a runtime scenario, or has fewer than one algorithm or instance.
    """
    from asc.aslib.views import cutoff_of

    if not scenario.description.is_runtime:
        raise UsageError(f"{source or scenario.name}: pruning needs a runtime scenario (PAR-k of the virtual best); "
                         "this one measures solution quality")
    cost = scenario.cost_matrix(par=par)
    solved = scenario.solved_matrix().to_numpy(dtype=float) > 0
    if cost.shape[0] == 0 or cost.shape[1] == 0:
        raise UsageError(f"{source or scenario.name}: expected runs of at least one algorithm on one instance")
    return PortfolioCosts(tuple(map(str, cost.columns)), tuple(map(str, cost.index)), cost.to_numpy(dtype=float),
                          solved, cutoff_of(scenario), float(par), source or scenario.name)


def load_costs(path: str | Path, par: float = 10.0, measure: str = "cpu_time") -> PortfolioCosts:
    """Costs from an ASlib scenario folder or a run store file (``asc collect --db``).

    Raises
    ------
    InputError
        The path is neither an ASlib folder nor a readable run store.
    UsageError
        The runs measure solution quality, not runtime.
    """
    from asc.aslib import read_scenario

    path = Path(path)
    if path.is_dir():
        return costs_from_scenario(read_scenario(path), par=par, source=str(path))
    if not path.is_file():
        raise InputError("expected a run store (.sqlite) or an ASlib scenario folder; not found", path)
    from asc.runs.export import is_quality_store, to_scenario
    from asc.runs.store import RunStore

    with RunStore(path) as store:
        if is_quality_store(store):  # before the export would compute QSAR meta-features for nothing
            raise UsageError(f"{path}: pruning needs runtime runs (PAR-k of the virtual best); this store holds "
                             "quality runs (QSAR)")
        scenario = to_scenario(store, scenario_id=path.stem, measure=measure)
    return costs_from_scenario(scenario, par=par, source=str(path))


@dataclass(frozen=True)
class CurvePoint:
    """The best subset found of one size."""

    size: int
    members: tuple[str, ...]
    par: float
    solved: int
    method: str  # "exact" or "greedy"


@dataclass(frozen=True)
class Contribution:
    """One algorithm's part in a subset (see the module docstring)."""

    algorithm: str
    own_par: float
    own_solved: int
    contribution: float
    alone: int
    wins: int


@dataclass(frozen=True)
class PruneResult:
    """The pruned portfolio, the curve it was chosen from and each member's contribution."""

    source: str
    instances: int
    algorithms: tuple[str, ...]
    cutoff: float
    par: float
    full_par: float
    full_solved: int
    sbs: str
    sbs_par: float
    sbs_solved: int
    margin: float | None
    size: int | None
    threshold: float | None
    max_subsets: int
    exact_up_to: int
    curve: tuple[CurvePoint, ...]
    chosen: tuple[str, ...]
    chosen_par: float
    chosen_solved: int
    margin_met: bool | None
    members: tuple[Contribution, ...]
    full_members: tuple[Contribution, ...]

    @property
    def relative(self) -> float:
        """The chosen subset's VBS relative to the full portfolio's, minus 1."""
        return self.chosen_par / self.full_par - 1.0 if self.full_par > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys named after the penalty (``par10`` for PAR10)."""
        key = f"par{self.par:g}"

        def ren(d: dict[str, Any]) -> dict[str, Any]:
            return {(key if k == "par" else f"own_{key}" if k == "own_par" else k): v for k, v in d.items()}

        return {
            "source": self.source, "instances": self.instances, "algorithms": list(self.algorithms),
            "cutoff_time": self.cutoff, "par": self.par,
            "full": {key: self.full_par, "solved": self.full_solved},
            "sbs": {"algorithm": self.sbs, key: self.sbs_par, "solved": self.sbs_solved},
            "target": {"margin": self.margin, "size": self.size, f"{key}_threshold": self.threshold},
            "search": {"max_subsets": self.max_subsets, "exact_up_to": self.exact_up_to},
            "chosen": list(self.chosen), f"chosen_{key}": self.chosen_par, "chosen_solved": self.chosen_solved,
            "relative_to_full": self.relative, "margin_met": self.margin_met,
            "curve": [ren(asdict(p)) | {"members": list(p.members)} for p in self.curve],
            "members": [ren(asdict(c)) for c in self.members],
            "full_members": [ren(asdict(c)) for c in self.full_members],
        }


def _par_of(best: np.ndarray) -> np.ndarray:
    """Mean over rows of an instances x candidates matrix of per-instance costs.

    Every VBS value goes through here (a sum along axis 0 divided by the row count), so
    equal cost vectors give bit-equal means and ties are ties wherever they were computed.
    """
    return best.sum(axis=0) / best.shape[0]


def subset_par(data: PortfolioCosts, members: tuple[int, ...] | list[int]) -> float:
    """VBS PAR-k of the columns ``members`` (the empty subset: every instance unsolved)."""
    if not members:
        return float(data.unsolved_cost)
    return float(_par_of(data.cost[:, list(members)].min(axis=1)[:, None])[0])


def _ranking(data: PortfolioCosts) -> list[int]:
    own = _par_of(data.cost)
    return sorted(range(len(data.algorithms)), key=lambda j: (own[j], data.algorithms[j]))


def _exact(data: PortfolioCosts, ranked: list[int], k: int) -> tuple[int, ...]:
    """The subset of size ``k`` with the lowest VBS; ties to the first combination of the ranking."""
    best_par, best = math.inf, ()
    combos = itertools.combinations(ranked, k)
    while True:
        chunk = list(itertools.islice(combos, _CHUNK))
        if not chunk:
            return best
        idx = np.array(chunk)
        pars = _par_of(data.cost[:, idx].min(axis=2))
        i = int(np.argmin(pars))  # first minimum: enumeration order breaks ties
        if pars[i] < best_par:
            best_par, best = float(pars[i]), chunk[i]


def _greedy_step(data: PortfolioCosts, ranked: list[int], current: tuple[int, ...]) -> tuple[int, ...]:
    """``current`` plus the algorithm that lowers its VBS most; ties to the best-ranked one."""
    candidates = [j for j in ranked if j not in current]
    base = data.cost[:, list(current)].min(axis=1) if current else np.full(len(data.instances), np.inf)
    pars = _par_of(np.minimum(base[:, None], data.cost[:, candidates]))
    return current + (candidates[int(np.argmin(pars))],)


def contributions(data: PortfolioCosts, members: tuple[int, ...]) -> tuple[Contribution, ...]:
    """Each member's marginal contribution, instances it alone solves and instances it wins."""
    own = _par_of(data.cost)
    with_all = subset_par(data, members)
    sub = data.cost[:, list(members)]
    solved_any = data.solved[:, list(members)]
    winner = np.argmin(sub, axis=1)  # ties: the member listed first
    won = solved_any[np.arange(len(winner)), winner]
    out = []
    for pos, j in enumerate(members):
        others = [m for m in members if m != j]
        by_others = data.solved[:, others].any(axis=1) if others else np.zeros(len(data.instances), dtype=bool)
        alone = data.solved[:, j] & ~by_others
        out.append(Contribution(
            algorithm=data.algorithms[j], own_par=float(own[j]), own_solved=int(data.solved[:, j].sum()),
            contribution=subset_par(data, others) - with_all, alone=int(np.sum(alone)),
            wins=int(np.sum(won & (winner == pos)))))
    return tuple(out)


def prune(data: PortfolioCosts, margin: float | None = None, size: int | None = None,
          max_subsets: int = MAX_SUBSETS) -> PruneResult:
    """Choose a subset of the algorithms (see the module docstring for the rules).

    Parameters
    ----------
    data
        The costs (:func:`load_costs`, :func:`costs_from_scenario`).
    margin
        Largest relative PAR-k above the full portfolio's VBS the subset may have (0.05: 5%).
        Default :data:`DEFAULT_MARGIN` when ``size`` is not given either.
    size
        Largest subset size (the size itself when ``margin`` is not given).
    max_subsets
        Subsets exact search may evaluate in all; 0 for greedy only.

    Raises
    ------
    UsageError
        A negative margin, a size outside 1..n, a negative budget.
    """
    n = len(data.algorithms)
    if margin is not None and not (margin >= 0 and math.isfinite(margin)):
        raise UsageError(f"--margin must be a non-negative number; got {margin}")
    if size is not None and not 1 <= size <= n:
        raise UsageError(f"--size must be from 1 to the {n} algorithms; got {size}")
    if max_subsets < 0:
        raise UsageError(f"--max-subsets must be at least 0; got {max_subsets}")
    if margin is None and size is None:
        margin = DEFAULT_MARGIN
    ranked = _ranking(data)
    full = tuple(range(n))
    full_par = subset_par(data, full)
    threshold = None if margin is None else full_par * (1.0 + margin)

    curve: list[CurvePoint] = []
    subsets: list[tuple[int, ...]] = []
    budget, exact_up_to, greedy = max_subsets, 0, False
    current: tuple[int, ...] = ()
    for k in range(1, n + 1):
        count = math.comb(n, k)
        if not greedy and count <= budget:
            budget -= count
            current = tuple(j for j in ranked if j in _exact(data, ranked, k))  # members in ranking order
            exact_up_to, method = k, "exact"
        else:
            greedy = True
            current, method = _greedy_step(data, ranked, current), "greedy"
        subsets.append(current)
        curve.append(CurvePoint(k, tuple(data.algorithms[j] for j in current), subset_par(data, current),
                                int(data.solved[:, list(current)].any(axis=1).sum()), method))

    limit = size if size is not None else n
    if threshold is None:
        k = limit
        met = None
    else:
        within = [p.size for p in curve if p.size <= limit and p.par <= threshold]
        k = within[0] if within else limit
        met = bool(within)
    chosen = subsets[k - 1]
    own = _par_of(data.cost)
    sbs = ranked[0]
    return PruneResult(
        source=data.source, instances=len(data.instances), algorithms=data.algorithms, cutoff=data.cutoff,
        par=data.par, full_par=full_par, full_solved=int(data.solved.any(axis=1).sum()),
        sbs=data.algorithms[sbs], sbs_par=float(own[sbs]), sbs_solved=int(data.solved[:, sbs].sum()),
        margin=margin, size=size, threshold=threshold, max_subsets=max_subsets, exact_up_to=exact_up_to,
        curve=tuple(curve), chosen=curve[k - 1].members, chosen_par=curve[k - 1].par,
        chosen_solved=curve[k - 1].solved, margin_met=met, members=contributions(data, chosen),
        full_members=tuple(sorted(contributions(data, tuple(ranked)), key=lambda c: (-c.contribution, c.own_par,
                                                                                      c.algorithm))),
    )
