"""Held-out validation of a configuration: the default and the incumbent on test instances.

SMAC's own ``validate()`` re-runs the *training* instances, which says nothing about
instances the search never saw; this runs both configurations on ``--test-instances``
through the harness (a campaign of :mod:`asc.runs.campaign`, so the runs are stored and
a killed validation resumes where it stopped), ``repeats`` times with seeds
``seed .. seed + repeats - 1`` when the solver is randomized.

Reported, because one figure can mislead (a PAR10 ratio is carried by the few
instances the default cannot solve, a geomean by the many easy ones): PAR10 of both,
their ratio, solved counts, the per-instance speedup (default PAR10 / configured
PAR10, each the mean over repeats) as geometric mean and median, and on how many
instances the configuration was faster.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asc.portfolios.algorithm import Algorithm
from asc.runs.store import InstanceRecord, RunStore


@dataclass
class Validation:
    """Default vs configured on held-out instances (see the module docstring)."""

    instances: int
    repeats: int
    default_par10: float
    configured_par10: float
    par10_ratio: float
    default_solved: int
    configured_solved: int
    runs_per_configuration: int
    speedup_geomean: float
    speedup_median: float
    faster: int
    slower: int
    per_instance: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def validate(default: Algorithm, configured: Algorithm, instances: Sequence[InstanceRecord], store: RunStore, *,
             cutoff: float, mem_limit: float, repeats: int = 1, seed: int = 0, jobs: int = 1,
             campaign_id: int | None = None, progress: bool = False, scheduler: str | None = None) -> Validation:
    """Run (or read from the store) both configurations on ``instances`` and compare them.

    Parameters
    ----------
    default, configured
        The algorithm as the portfolio defines it and with the configuration found
        (same name, different ``configuration``: different run keys).
    instances
        Held-out instances, registered in ``store``.
    store
        The run store, open for writing; runs already there are not run again.
    cutoff, mem_limit
        Limits of each run.
    repeats
        Runs per instance and configuration (seeds ``seed + k``), for randomized solvers.
    seed, jobs, campaign_id, progress
        As in :func:`asc.runs.campaign.run_campaign`.
    scheduler
        Address of a Dask scheduler to run on instead of ``jobs`` local threads.
    """
    from asc.configuration.search import par10, run_and_read

    algos = [default] if default.configuration == configured.configuration else [default, configured]
    costs: dict[tuple[str, str], list[float]] = {}
    solved: dict[tuple[str, str], list[bool]] = {}
    for r in run_and_read(algos, instances, store, cutoff=cutoff, mem_limit=mem_limit, seed=seed, repeats=repeats,
                          jobs=jobs, campaign_id=campaign_id, scheduler=scheduler, progress=progress):
        costs.setdefault((r.configuration, r.instance_hash), []).append(par10(r, cutoff))
        solved.setdefault((r.configuration, r.instance_hash), []).append(
            r.status.solved and (r.cpu_time or 0) <= cutoff)
    names = {i.hash: i.name for i in instances}
    rows = []
    for h in sorted(names, key=names.get):  # type: ignore[arg-type]
        d = costs.get((default.configuration, h), [])
        c = costs.get((configured.configuration, h), [])
        if not d or not c:
            continue  # a run that failed in the harness: not stored, so not compared
        dm, cm = sum(d) / len(d), sum(c) / len(c)
        rows.append({"instance": names[h], "default": dm, "configured": cm, "speedup": dm / cm,
                     "default_solved": sum(solved[(default.configuration, h)]),
                     "configured_solved": sum(solved[(configured.configuration, h)])})
    n = len(rows)
    dpar = sum(r["default"] for r in rows) / n if n else math.nan
    cpar = sum(r["configured"] for r in rows) / n if n else math.nan
    speedups = [r["speedup"] for r in rows]
    return Validation(
        instances=n, repeats=repeats, default_par10=dpar, configured_par10=cpar,
        par10_ratio=dpar / cpar if n and cpar > 0 else math.nan,
        default_solved=sum(r["default_solved"] for r in rows),
        configured_solved=sum(r["configured_solved"] for r in rows), runs_per_configuration=n * repeats,
        speedup_geomean=math.exp(sum(math.log(s) for s in speedups) / n) if n else math.nan,
        speedup_median=statistics.median(speedups) if n else math.nan,
        faster=sum(1 for r in rows if r["configured"] < r["default"]),
        slower=sum(1 for r in rows if r["configured"] > r["default"]), per_instance=rows)


def scatter_plot(validation: Validation, path: Any, cutoff: float, title: str = "") -> None:
    """Default vs configured PAR10 per held-out instance, log axes, written as PNG (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = validation.per_instance
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    x = [r["default"] for r in rows]
    y = [r["configured"] for r in rows]
    lo = min([*x, *y, 1e-3]) / 2
    hi = 10 * cutoff * 2
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.axvline(cutoff, color="red", lw=0.5, ls="--")
    ax.axhline(cutoff, color="red", lw=0.5, ls="--")
    ax.scatter(x, y, s=14)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("default: PAR10 (s)")
    ax.set_ylabel("configured: PAR10 (s)")
    ax.set_title(title or f"held-out instances: {validation.faster} of {validation.instances} faster")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def validate_members(default: Algorithm, members: Sequence[Algorithm], best_single: int,
                     instances: Sequence[InstanceRecord], store: RunStore, *, cutoff: float, mem_limit: float,
                     repeats: int = 1, seed: int = 0, jobs: int = 1, campaign_id: int | None = None,
                     scheduler: str | None = None) -> dict[str, Any]:
    """Hydra's held-out report: the default, the best single member and the members' virtual best.

    ``best_single`` indexes the member chosen on the training instances (lowest training
    PAR10), so that the test set chooses nothing. PAR10 is the mean over instances of
    the mean over repeats; the virtual best takes, per instance, the lowest member.
    """
    from asc.configuration.search import par10, run_and_read

    algos = {a.configuration: a for a in (default, *members)}
    costs: dict[tuple[str, str], list[float]] = {}
    for r in run_and_read(list(algos.values()), instances, store, cutoff=cutoff, mem_limit=mem_limit, seed=seed,
                          repeats=repeats, jobs=jobs, campaign_id=campaign_id, scheduler=scheduler):
        costs.setdefault((r.configuration, r.instance_hash), []).append(par10(r, cutoff))

    def mean(conf: str, h: str) -> float:
        v = costs.get((conf, h), [])
        return sum(v) / len(v) if v else math.nan

    rows = []
    for i in instances:
        d = mean(default.configuration, i.hash)
        m = [mean(a.configuration, i.hash) for a in members]
        if math.isnan(d) or any(math.isnan(x) for x in m):
            continue
        rows.append({"instance": i.name, "default": d, "members": m})
    n = len(rows)

    def avg(values: list[float]) -> float:
        return sum(values) / len(values) if values else math.nan

    default_par10 = avg([r["default"] for r in rows])
    single = avg([r["members"][best_single] for r in rows])
    vbs = avg([min(r["members"]) for r in rows])
    return {
        "instances": n, "repeats": repeats, "default_par10": default_par10, "best_single_member": best_single + 1,
        "best_single_par10": single, "members_vbs_par10": vbs,
        "default_over_best_single": default_par10 / single if single else math.nan,
        "best_single_over_vbs": single / vbs if vbs else math.nan,
        "default_solved": sum(r["default"] < cutoff * 10 for r in rows),
        "best_single_solved": sum(r["members"][best_single] < cutoff * 10 for r in rows),
        "vbs_solved": sum(min(r["members"]) < cutoff * 10 for r in rows),
        "member_par10": [avg([r["members"][j] for r in rows]) for j in range(len(members))],
    }
