"""``asc report``: an HTML page with PNG plots of a run store, a scenario or an evaluation.

What is drawn, and the rule behind each number (every number is also written to
``report.json``, so that a test or a reader checks the figures, not the pixels):

* **cactus** (``cactus.png``): per algorithm, the virtual best, the single best and,
  with an evaluation, the selector, the number of instances solved within each time:
  the sorted runtimes of the instances each one solves. An algorithm's runtime on an
  instance is the mean over repetitions and counts as solved when at least half of the
  repetitions are (the scenario views' rule, :mod:`asc.aslib.views`); the virtual best
  runs, per instance, the algorithm of lowest PAR-k cost and the single best the one of
  lowest mean PAR-k cost (:func:`asc.evaluation.metrics.virtual_best`,
  :func:`~asc.evaluation.metrics.single_best`), both charged as
  :func:`asc.policy.runtime_outcome` charges them; the selector's times are the
  evaluation's own (features and pre-solving included).
* **scatter** (``scatter.png``, with an evaluation): per instance, the single best's PAR-k
  cost against the selector's, log axes. An unsolved run costs PAR-k x cutoff and is
  drawn there, on the border beyond the dashed cutoff line, so that timeouts stand out
  instead of leaving the plot.
* **per-fold gap closed** (``gap_closed.png``, with an evaluation): the evaluation's
  per-fold ``(SBS - selector) / (SBS - VBS)`` as ``asc evaluate`` printed it, and the
  overall figure.
* **families** (a table): per family, the instances, the solved count and mean PAR-k of
  the virtual best, the single best, the family's own best algorithm and the selector.

The family of an instance (:func:`instance_families`) is, in this order: the ``family``
column of a manifest (``--families FILE``, or for a run store the ``MANIFEST.csv`` found
beside an instance file or in a folder above it, as ``asc collect`` finds expected
answers); else the innermost folder of the instance id (``shared/dimacs-aim/x.cnf`` ->
``dimacs-aim``; a folder named by an answer, ``SAT/`` or ``unsat/``, is skipped for the one above); else the leading letters of the file name (``uf250-01.cnf`` -> ``uf``).

Runtime data only: a solution-quality scenario (QSAR) has no cactus to draw.
"""

from __future__ import annotations

import csv
import html
import json
import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from asc.errors import InputError, UsageError
from asc.evaluation.metrics import gap_closed, single_best, virtual_best
from asc.policy import Outcome, runtime_outcome

if TYPE_CHECKING:
    from asc.aslib.scenario import Scenario
    from asc.evaluation.saved import SavedEvaluation

log = logging.getLogger(__name__)

#: The files a report writes into its folder.
INDEX, NUMBERS = "index.html", "report.json"
CACTUS, SCATTER, FOLDS = "cactus.png", "scatter.png", "gap_closed.png"
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class ReportSource:
    """What a report is drawn from.

    Attributes
    ----------
    kind
        ``"store"``, ``"scenario"`` or ``"evaluation"`` (what SOURCE was).
    path
        SOURCE as given.
    scenario
        The runtime data: the scenario itself, or the store as a scenario
        (:func:`asc.runs.export.to_scenario`), or the evaluated scenario.
    instance_paths
        Instance id -> file path, where known (run stores): for the manifests' families.
    evaluation
        A cross-validation of a selector on these instances, or None.
    """

    kind: str
    path: Path
    scenario: Scenario
    instance_paths: Mapping[str, str] = field(default_factory=dict)
    evaluation: SavedEvaluation | None = None


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _from_store(path: Path) -> tuple[Scenario, dict[str, str]]:
    from asc.runs.export import is_quality_store, to_scenario
    from asc.runs.store import RunStore

    with RunStore(path) as store:
        if is_quality_store(store):
            raise InputError("expected runtime runs (SAT solvers); the store holds quality runs (QSAR), which "
                             "have no cactus plot", path)
        scenario = to_scenario(store, scenario_id=path.stem)
        paths = {i.name: i.path for i in store.instances().values()}
    return scenario, paths


def load_source(source: str | os.PathLike[str], evaluation: str | os.PathLike[str] | None = None) -> ReportSource:
    """Read SOURCE (run store, ASlib scenario folder or evaluation file) and an optional evaluation.

    An evaluation file given as SOURCE brings its scenario from the folder it was
    evaluated on (``scenario_path`` in the file). The evaluation must cover exactly the
    source's instances: a report that set a selector evaluated on other instances
    beside these runs would compare different things.

    Raises
    ------
    InputError
        SOURCE is none of the three, cannot be read, holds no runtime data, or the
        evaluation's instances are not the source's; the message names the file.
    """
    from asc.aslib import read_scenario
    from asc.evaluation.saved import read_evaluation

    path = Path(source)
    saved = None
    paths: dict[str, str] = {}
    if path.is_dir():
        kind, scenario = "scenario", read_scenario(path)
    elif path.is_file() and _is_sqlite(path):
        kind = "store"
        scenario, paths = _from_store(path)
    elif path.is_file() and path.suffix.lower() == ".json":
        kind, saved = "evaluation", read_evaluation(path)
        if evaluation is not None:
            raise UsageError(f"{path} is an evaluation already; give a run store or a scenario as SOURCE "
                             "with --evaluation")
        where = saved.scenario_path
        if not where or not Path(where).is_dir():
            raise InputError(f"expected the evaluated scenario folder at {where!r} (scenario_path); it is not "
                             "there: give the scenario or the run store as SOURCE and this file as --evaluation",
                             path)
        scenario = read_scenario(where)
    elif path.exists():
        raise InputError("expected a run store (SQLite file from `asc collect`), an ASlib scenario folder or an "
                         "evaluation file (.json from `asc evaluate --save`)", path)
    else:
        raise InputError("not found (expected a run store, an ASlib scenario folder or an evaluation file)", path)
    if not scenario.description.is_runtime:
        raise InputError("expected a runtime scenario; this one measures solution quality, which has no "
                         "cactus plot", path)
    if evaluation is not None:
        saved = read_evaluation(evaluation)
    if saved is not None:
        ours, theirs = set(scenario.instances), set(saved.per_instance.index)
        if ours != theirs:
            extra = sorted(theirs - ours)
            missing = sorted(ours - theirs)
            what = (f"{len(extra)} instances not in {path} (e.g. {extra[0]!r})" if extra
                    else f"none of {len(missing)} instances of {path} (e.g. {missing[0]!r})")
            raise InputError(f"expected an evaluation of the source's instances; it has {what}", saved.path)
        unknown = sorted(set(saved.per_instance["choice"]) - set(scenario.algorithms))
        if unknown:
            raise InputError(f"expected choices among the source's algorithms; {unknown[0]!r} is not one", saved.path)
    return ReportSource(kind, path, scenario, paths, saved)


# -- families ---------------------------------------------------------------------------------


def _read_manifest(path: Path) -> dict[str, str]:
    """``file`` (or ``instance_id``) -> ``family`` of a manifest CSV; keys both as written and resolved."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            key = "file" if "file" in fields else "instance_id" if "instance_id" in fields else None
            if key is None or "family" not in fields:
                raise InputError("expected a CSV with a 'family' column and a 'file' or 'instance_id' column", path)
            out: dict[str, str] = {}
            for row in reader:
                name, family = (row.get(key) or "").strip(), (row.get("family") or "").strip()
                if name and family:
                    out[name] = family
                    out[str((path.parent / name).resolve())] = family
            return out
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"expected a readable manifest CSV: {exc}", path) from None


def _manifests_above(files: Sequence[str]) -> dict[str, str]:
    """Families of the ``MANIFEST.csv`` files beside the instance files or in folders above them."""
    from asc.instances.discovery import manifests_above

    table: dict[str, str] = {}
    for m in manifests_above(files):
        try:
            for name, family in _read_manifest(m).items():
                table.setdefault(name, family)
        except InputError:
            continue  # a manifest without families (or unreadable) names none
    return table


#: Folder names that sort instances by their answer, not by kind: the family is the folder above.
ANSWER_FOLDERS = frozenset({"sat", "unsat", "satisfiable", "unsatisfiable", "unknown", "yes", "no"})


def family_of_name(instance_id: str) -> str:
    """The family by name alone: the innermost folder of the id, else the file name's leading letters.

    A folder named by an answer (``SAT``, ``unsat``, ...; :data:`ANSWER_FOLDERS`) sorts a
    family's instances by result, so the folder above it names the family.
    """
    folders = [p for p in instance_id.replace("\\", "/").split("/")[:-1] if p not in ("", ".")]
    while folders and folders[-1].lower() in ANSWER_FOLDERS:
        folders.pop()
    if folders:
        return folders[-1]
    parts = instance_id.replace("\\", "/").split("/")
    letters = re.match(r"[A-Za-z]+", parts[-1])
    return letters.group(0) if letters else "other"


def instance_families(instances: Sequence[str], paths: Mapping[str, str] | None = None,
                      manifest: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Family of each instance (the rule is in the module docstring).

    Parameters
    ----------
    instances
        Instance ids.
    paths
        Instance id -> file path (run stores): manifests above the files are read.
    manifest
        A CSV with ``family`` and ``file`` (or ``instance_id``) columns; ``file`` may be
        the id or a path relative to the manifest's folder. It comes first.
    """
    table: dict[str, str] = {}
    if manifest is not None:
        table.update(_read_manifest(Path(manifest)))
    if paths:
        for name, family in _manifests_above([p for p in paths.values() if p]).items():
            table.setdefault(name, family)
    out = {}
    for inst in instances:
        found = table.get(inst)
        if found is None and paths and paths.get(inst):
            found = table.get(str(Path(paths[inst]).resolve()))
        out[inst] = found or family_of_name(inst)
    return out


# -- the numbers ------------------------------------------------------------------------------


def _curve(name: str, kind: str, outcome: Outcome) -> dict[str, Any]:
    """A cactus curve: the sorted times of the solved instances (point k: k+1 solved within times[k])."""
    times = np.sort(outcome.time[outcome.solved].astype(float))
    return {"name": name, "kind": kind, "solved": int(outcome.solved.sum()), "times": [float(t) for t in times]}


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def report_numbers(src: ReportSource, par: float | None = None, families: Mapping[str, str] | None = None,
                   title: str | None = None) -> dict[str, Any]:
    """Every number the report draws or tabulates (the content of ``report.json``).

    Parameters
    ----------
    src
        What :func:`load_source` read.
    par
        PAR factor of unsolved runs; default: the evaluation's, else 10. A factor other
        than the evaluation's is refused: its costs were computed with its own.
    families
        Instance id -> family (:func:`instance_families`); default: by name.
    """
    scenario, saved = src.scenario, src.evaluation
    if saved is not None:
        theirs = float(saved.protocol.get("par", 10.0))
        if par is not None and abs(par - theirs) > 1e-12:
            raise UsageError(f"--par {par:g} differs from the evaluation's PAR factor {theirs:g} ({saved.path})")
        par = theirs
    par = 10.0 if par is None else float(par)
    from asc.aslib.views import cutoff_of

    aggregate = str(saved.protocol.get("aggregate", "mean")) if saved is not None else "mean"
    cutoff = cutoff_of(scenario)
    instances = list(scenario.instances)
    algorithms = list(scenario.algorithms)
    C = scenario.cost_matrix(par=par, aggregate=aggregate).to_numpy(dtype=float)
    runtime = scenario.cost_matrix(par=1.0, aggregate=aggregate).to_numpy(dtype=float)
    solved = scenario.solved_matrix(aggregate=aggregate).to_numpy(dtype=float)
    n = len(instances)
    # a campaign still running has pairs without a run: the scenario views count them unsolved
    missing = n * len(algorithms) - len(scenario.runs[["instance_id", "algorithm"]].drop_duplicates())
    if missing:
        log.warning("%s: %d instance x algorithm pairs have no run; they are drawn as unsolved", src.path, missing)

    def outcome(choice: np.ndarray) -> Outcome:
        return runtime_outcome(choice, runtime, solved, cutoff, par)

    per_algorithm = {a: outcome(np.full(n, j)) for j, a in enumerate(algorithms)}
    sbs_col = single_best(C)
    sbs_name = algorithms[sbs_col]
    vbs = outcome(virtual_best(C))
    sbs = per_algorithm[sbs_name]
    sel: Outcome | None = None
    selector = None
    if saved is not None:
        rows = saved.per_instance.reindex(instances)
        sel = Outcome(time=rows["time"].to_numpy(dtype=float), solved=rows["solved"].to_numpy(dtype=bool),
                      cost=rows["cost"].to_numpy(dtype=float))
        selector = saved.selector
    measure = f"par{par:g}"

    curves = [_curve(a, "algorithm", o) for a, o in per_algorithm.items()]
    curves += [_curve("virtual best", "vbs", vbs), _curve(f"single best ({sbs_name})", "sbs", sbs)]
    if sel is not None:
        curves.append(_curve(f"selector ({selector})", "selector", sel))

    def figures(o: Outcome, m: np.ndarray) -> dict[str, Any]:
        return {"solved": int(o.solved[m].sum()), "cost": float(o.cost[m].mean())}

    fam = dict(families) if families is not None else {i: family_of_name(i) for i in instances}
    labels = np.array([fam[i] for i in instances], dtype=object)
    family_rows = []
    for name in sorted(set(labels)):
        m = labels == name
        best = algorithms[single_best(C[m])]
        row = {"family": name, "instances": int(m.sum()), "vbs": figures(vbs, m), "sbs": figures(sbs, m),
               "best": best, "best_figures": figures(per_algorithm[best], m),
               "algorithms": {a: figures(o, m) for a, o in per_algorithm.items()}}
        if sel is not None:
            row["selector"] = figures(sel, m)
        family_rows.append(row)

    everything = np.ones(n, dtype=bool)
    data: dict[str, Any] = {
        "title": title or f"{scenario.name}: {n} instances, {len(algorithms)} algorithms",
        "source": {"kind": src.kind, "path": str(src.path)},
        "scenario": scenario.name,
        "measure": measure,
        "par": par,
        "cutoff": cutoff,
        "instances": n,
        "missing_pairs": int(missing),
        "algorithms": [{"algorithm": a, **figures(o, everything)} for a, o in per_algorithm.items()],
        "single_best": sbs_name,
        "vbs": figures(vbs, everything),
        "sbs": figures(sbs, everything),
        "cactus": curves,
        "families": family_rows,
        "plots": {"cactus": CACTUS},
    }
    if saved is not None and sel is not None:
        data["selector"] = {"name": selector, "evaluation": str(saved.path), **figures(sel, everything),
                            "gap_closed": _finite(gap_closed(float(sel.cost.mean()), float(sbs.cost.mean()),
                                                             float(vbs.cost.mean()))),
                            "evaluation_gap_closed": _finite(saved.summary.get("gap_closed", float("nan"))),
                            "sbs_policy": saved.protocol.get("sbs", "global")}
        data["scatter"] = {
            "x": f"single best ({sbs_name})", "y": f"selector ({selector})", "border": par * cutoff,
            "points": [{"instance": i, "sbs_cost": float(sbs.cost[k]), "selector_cost": float(sel.cost[k]),
                        "sbs_solved": bool(sbs.solved[k]), "selector_solved": bool(sel.solved[k])}
                       for k, i in enumerate(instances)],
        }
        data["folds"] = [{"fold": int(f), "n": int(r["n"]), "cost": float(r["cost"]), "sbs": float(r["sbs"]),
                          "vbs": float(r["vbs"]), "gap_closed": _finite(float(r["gap_closed"]))}
                         for f, r in saved.per_fold.sort_index().iterrows()]
        data["plots"].update({"scatter": SCATTER, "gap_closed": FOLDS})
    return data


# -- the page ---------------------------------------------------------------------------------


def _floor(values: Sequence[float]) -> float:
    """The lowest time drawn on a log axis: a little below the smallest positive value (1 ms without one).

    A log axis has no 0: a time of 0 (an instance presolved for free) is drawn here.
    """
    positive = [v for v in values if v > 0]
    return min(positive) / 1.5 if positive else 1e-3


def draw_plots(data: Mapping[str, Any], out: Path) -> list[Path]:
    """Draw the PNGs ``data['plots']`` names into ``out`` (matplotlib, Agg: no display, no server)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta = {"Software": None}  # no version stamp: a rerun gives the same bytes
    written = []
    cutoff, measure = float(data["cutoff"]), str(data["measure"]).upper()
    # 1. cactus: solved within t, per algorithm, the oracle, the single best and the selector
    curves = data["cactus"]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    lo = _floor([t for c in curves for t in c["times"]])
    algos = [c for c in curves if c["kind"] == "algorithm"]
    colours = plt.get_cmap("tab20")
    style = {"vbs": dict(color="black", lw=2.2), "sbs": dict(color="tab:blue", lw=2, ls="--"),
             "selector": dict(color="tab:red", lw=2.4)}
    for k, c in enumerate(curves):
        times = np.maximum(np.asarray(c["times"], dtype=float), lo)
        xs = np.concatenate([[lo], times, [cutoff]])
        ys = np.concatenate([[0], np.arange(1, len(times) + 1), [len(times)]])
        kw = style.get(c["kind"], dict(color=colours(k % 20), lw=0.9, alpha=0.8))
        ax.step(xs, ys, where="post", label=f"{c['name']} ({c['solved']})", **kw)
    ax.axvline(cutoff, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlim(lo, cutoff * 1.05)
    ax.set_ylim(0, data["instances"] * 1.02 + 0.5)
    ax.set_xlabel("time (s, log)")
    ax.set_ylabel(f"instances solved (of {data['instances']})")
    ax.set_title(f"solved within a time; cutoff {cutoff:g} s (dotted)", fontsize=9)
    # beside the axes: over them it would hide the top of the curves, where they differ most
    ax.legend(fontsize=6 if len(algos) > 8 else 8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(out / CACTUS, dpi=110, metadata=meta)
    plt.close(fig)
    written.append(out / CACTUS)
    if "scatter" in data:
        sc = data["scatter"]
        x = np.array([p["sbs_cost"] for p in sc["points"]], dtype=float)
        y = np.array([p["selector_cost"] for p in sc["points"]], dtype=float)
        border = float(sc["border"])
        lo = _floor([*x, *y])
        hi = border * 1.6
        fig, ax = plt.subplots(figsize=(5.5, 5.5))
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
        for v, name in ((cutoff, "cutoff"), (border, f"{measure} of a timeout")):
            ax.axvline(v, color="red", lw=0.6, ls="--" if name == "cutoff" else "-")
            ax.axhline(v, color="red", lw=0.6, ls="--" if name == "cutoff" else "-")
        timeout = np.array([not (p["sbs_solved"] and p["selector_solved"]) for p in sc["points"]])
        xs, ys = np.maximum(x, lo), np.maximum(y, lo)
        ax.scatter(xs[~timeout], ys[~timeout], s=14, color="tab:blue", label="both solved")
        ax.scatter(xs[timeout], ys[timeout], s=22, marker="x", color="tab:red", label="a timeout (on the border)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"{sc['x']}: {measure} (s)")
        ax.set_ylabel(f"{sc['y']}: {measure} (s)")
        below = int((y < x).sum())
        above = int((y > x).sum())
        ax.set_title(f"per instance: selector faster on {below}, slower on {above}", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        fig.savefig(out / SCATTER, dpi=110, metadata=meta)
        plt.close(fig)
        written.append(out / SCATTER)
    if "folds" in data:
        folds = data["folds"]
        fig, ax = plt.subplots(figsize=(7, 4))
        pos = np.arange(len(folds))
        gaps = np.array([np.nan if f["gap_closed"] is None else f["gap_closed"] for f in folds], dtype=float)
        ax.bar(pos, np.nan_to_num(gaps), color=["tab:green" if g >= 0 else "tab:red" for g in np.nan_to_num(gaps)])
        for p_, g in zip(pos, gaps, strict=True):
            if not np.isfinite(g):
                ax.text(p_, 0, "n/a", ha="center", va="bottom", fontsize=7)  # the fold's SBS is its oracle
        overall = data["selector"]["evaluation_gap_closed"]
        if overall is not None:
            ax.axhline(overall, color="black", lw=1, ls="--", label=f"overall {overall:.3f}")
            ax.legend(fontsize=8)
        ax.axhline(0, color="grey", lw=0.8)
        ax.axhline(1, color="grey", lw=0.8, ls=":")
        ax.set_xticks(pos, [str(f["fold"]) for f in folds])
        ax.set_xlabel("fold")
        ax.set_ylabel("gap closed: (SBS - selector) / (SBS - VBS)")
        ax.set_title("1: the virtual best; 0: the single best; below 0: worse than it", fontsize=9)
        fig.tight_layout()
        fig.savefig(out / FOLDS, dpi=110, metadata=meta)
        plt.close(fig)
        written.append(out / FOLDS)
    return written


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "n/a" if x is None or not math.isfinite(x) else format(x, fmt)


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>\n" for r in rows)
    return f"<table>\n<tr>{cells}</tr>\n{body}</table>\n"


def render_html(data: Mapping[str, Any]) -> str:
    """The page: headline figures, the plots, the algorithm and family tables."""
    m = str(data["measure"]).upper()
    e = html.escape
    parts = [f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{e(data['title'])}</title>\n"
             "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}"
             "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;"
             "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}</style></head><body>\n",
             f"<h1>{e(data['title'])}</h1>\n",
             f"<p>{data['instances']} instances, cutoff {data['cutoff']:g} s, {m} (an unsolved run costs "
             f"{data['par']:g} x the cutoff); source: {e(data['source']['kind'])} <code>{e(data['source']['path'])}"
             "</code>.</p>\n<ul>\n",
             f"<li>virtual best: solves {data['vbs']['solved']}, {m} {data['vbs']['cost']:.2f}</li>\n",
             f"<li>single best ({e(data['single_best'])}): solves {data['sbs']['solved']}, "
             f"{m} {data['sbs']['cost']:.2f}</li>\n"]
    sel = data.get("selector")
    if sel:
        parts.append(f"<li>selector ({e(sel['name'])}, cross-validated): solves {sel['solved']}, {m} "
                     f"{sel['cost']:.2f}, gap closed {_num(sel['evaluation_gap_closed'], '.3f')} "
                     f"({e(str(sel['sbs_policy']))} single best)</li>\n")
    parts.append("</ul>\n")
    captions = {"cactus": "Cactus plot: instances solved within a time, per algorithm, the virtual best, the "
                          "single best" + (" and the selector." if sel else "."),
                "scatter": f"Per instance, {m} of the single best against the selector's (log axes); timeouts lie "
                           "on the border, at the cost of a timeout.",
                "gap_closed": "Gap closed per cross-validation fold, and overall (dashed)."}
    for key, name in data["plots"].items():
        parts.append(f"<figure><img src=\"{e(name)}\" alt=\"{e(key)}\"><figcaption>{e(captions[key])}"
                     "</figcaption></figure>\n")
    parts.append("<h2>Algorithms</h2>\n")
    parts.append(_table(["algorithm", "solved", m],
                        [[a["algorithm"], a["solved"], f"{a['cost']:.2f}"]
                         for a in sorted(data["algorithms"], key=lambda a: (a["cost"], a["algorithm"]))]))
    parts.append("<h2>Families</h2>\n<p>Solved and mean " + m + " per family: the virtual best, the single best, "
                 "the family's own best algorithm" + (", the selector" if sel else "") + ".</p>\n")
    head = ["family", "instances", "VBS solved", f"VBS {m}", "SBS solved", f"SBS {m}", "family best",
            "solved", m]
    if sel:
        head += ["selector solved", f"selector {m}"]
    rows = []
    for f in data["families"]:
        row = [f["family"], f["instances"], f["vbs"]["solved"], f"{f['vbs']['cost']:.2f}", f["sbs"]["solved"],
               f"{f['sbs']['cost']:.2f}", f["best"], f["best_figures"]["solved"], f"{f['best_figures']['cost']:.2f}"]
        if sel:
            row += [f["selector"]["solved"], f"{f['selector']['cost']:.2f}"]
        rows.append(row)
    parts.append(_table(head, rows))
    if "folds" in data:
        parts.append("<h2>Folds</h2>\n")
        parts.append(_table(["fold", "instances", f"selector {m}", f"SBS {m}", f"VBS {m}", "gap closed"],
                            [[f["fold"], f["n"], f"{f['cost']:.2f}", f"{f['sbs']:.2f}", f"{f['vbs']:.2f}",
                              _num(f["gap_closed"], ".3f")] for f in data["folds"]]))
    parts.append(f"<p>Every number above, and the points of each plot, are in <a href=\"{NUMBERS}\">{NUMBERS}"
                 "</a>.</p>\n</body></html>\n")
    return "".join(parts)


def write_report(data: Mapping[str, Any], out: str | os.PathLike[str]) -> list[Path]:
    """Write ``index.html``, ``report.json`` and the PNGs into ``out`` (created); returns the files."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the report folder: {exc.strerror or exc}", out) from None
    files = draw_plots(data, out)
    for name, text in ((NUMBERS, json.dumps(data, indent=1, allow_nan=False) + "\n"), (INDEX, render_html(data))):
        tmp = out / (name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
        files.append(out / name)
    return files
