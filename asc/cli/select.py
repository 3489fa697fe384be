"""``asc select``: the algorithm a trained model chooses for one CNF instance.

Reads the instance, computes only the feature steps the model was trained on, and
prints the choice with the selector's scores (and predicted costs, where the
selector predicts costs). When the features cannot be computed the model's backup
solver is chosen; when unit propagation decides the instance while the features are
computed, that is reported. Without ``--model`` the default model shipped in the
package is used.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any


def add_parser(sub: argparse._SubParsersAction) -> None:
    from asc.cli.options import add_format_option, at_least, budget_seconds

    p = sub.add_parser(
        "select", help="choose the algorithm for a CNF instance with a trained model",
        description="Choose the algorithm for one DIMACS CNF file (plain, .gz, .bz2, .xz) with a trained "
                    "selection model: compute the model's feature steps, predict, and print the choice "
                    "with the selector's scores. Without --model the default model shipped with asc is used.",
        epilog="If a feature step that the others build on (Pre) fails or times out, the model's backup "
               "solver is chosen. Exit status 0, or 2 (one line on stderr) for an unreadable instance or "
               "model file.",
    )
    add_common_options(p)
    add_format_option(p)
    p.add_argument("--explain", action="store_true",
                   help="also show the features that mattered (model importance, this instance's values)")
    p.add_argument("--top", type=at_least(1), default=10, metavar="N", help="features shown by --explain (default 10)")
    p.add_argument("--feature-budget", type=budget_seconds, default="model", metavar="S",
                   help="CPU seconds all feature steps together may take; a step that would exceed what is "
                        "left is cut and the model decides without it (default: a tenth of the model's "
                        "training cutoff, 1 s for the shipped model; 'none': no limit)")
    p.set_defaults(func=run)



def add_common_options(p: argparse.ArgumentParser) -> None:
    """Options ``asc select`` and ``asc solve`` share."""
    from asc.cli.options import step_seconds

    p.add_argument("instance", metavar="FILE", help="DIMACS CNF file (plain, .gz, .bz2, .xz, .lzma)")
    p.add_argument("--model", metavar="M", default=None,
                   help="model file written by 'asc train' (default: the model shipped with asc)")
    p.add_argument("--step-timeout", type=step_seconds, default=None, metavar="S",
                   help="time limit per feature step in seconds (default: none)")


def model_path_arg(path: str | None) -> str:
    """The model file named by ``--model``, or the shipped default's path (a clear error if absent)."""
    from asc.models.files import require_default_model

    return str(require_default_model()) if path is None else path


def check_step_timeout(value: float | None) -> None:
    """``--step-timeout`` must not be negative (0 makes every step time out: the backup solver)."""
    from asc.errors import UsageError

    if value is not None and not value >= 0:
        raise UsageError(f"--step-timeout must be 0 or more seconds, got {value:g}")


def load_model_arg(path: str | None) -> Any:
    """The model named by ``--model``, or the shipped default, ready to predict.

    Its compiled form when the file has one (no scikit-learn import: the start-up
    path of select stays short), else the full skops model.
    """
    from asc.models.compiled import load_predictor

    return load_predictor(model_path_arg(path))


def check_model_steps(model: Any, instance: Any, path: str | None) -> None:
    """Refuse, naming the model file, a model whose feature steps asc cannot compute on ``instance``.

    Checked before any feature is computed; the message names the model (the file
    that has to change), not the instance.
    """
    from asc.errors import ModelError
    from asc.models.deploy import feature_steps_of

    try:
        feature_steps_of(model, instance)
    except ModelError as exc:
        raise ModelError(f"{model_path_arg(path)}: {exc}") from None


def read_instance(path: str) -> Any:
    """Parse the CNF; reader warnings (e.g. a header that miscounts) go to stderr as one line each.

    A QSAR dataset file (``*.csv[.gz...]``) is read as one (:func:`asc.instances.qsar.read_qsar`),
    each molecule left out reported on stderr; the model then names a learner x representation pair.
    """
    import warnings

    from asc.instances.qsar import is_dataset_name

    if is_dataset_name(path):
        from asc.instances.qsar import read_qsar

        dataset = read_qsar(path)
        for r in dataset.rejected:
            print(f"asc: warning: {path}:{r.line}: left out the molecule {r.smiles[:60]!r}: {r.reason}",
                  file=sys.stderr)
        return dataset
    from asc.instances import read_cnf

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cnf = read_cnf(path)
    for w in caught:
        print(f"asc: warning: {w.message}", file=sys.stderr)
    return cnf


def run(args: argparse.Namespace) -> int:
    from asc.errors import UsageError
    from asc.models.deploy import select_instance

    if args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}")
    check_step_timeout(args.step_timeout)
    start = time.perf_counter()
    model = load_model_arg(args.model)
    loaded = time.perf_counter()
    cnf = read_instance(args.instance)
    check_model_steps(model, cnf, args.model)
    read = time.perf_counter()
    from asc.models.deploy import default_feature_budget

    budget = default_feature_budget(model) if args.feature_budget == "model" else args.feature_budget
    selection = select_instance(model, cnf, step_timeout=args.step_timeout,
                                explain_top=args.top if args.explain else None, budget=budget)
    end = time.perf_counter()
    timing = {"model_load": loaded - start, "read": read - loaded, "features": selection.feature_seconds,
              "total": end - start}
    report = to_dict(args.instance, model_path_arg(args.model), model, selection, timing)
    report["feature_budget"] = budget  # CPU seconds for every step together (None: no limit)
    if args.format == "json":
        from asc.cli.output import print_json

        print_json(report)
    else:
        print_text(report, explain=args.explain)
    return 0


def to_dict(instance: str, model_path: str, model: Any, selection: Any, timing: dict[str, float]) -> dict:
    """The JSON report of one selection (also what the text rendering is made from)."""
    info = model.info
    ranking = list(selection.ranking)
    report: dict[str, Any] = {
        "instance": instance,
        "model": model_path,
        "selector": info.selector,
        "trained_on": info.scenario,
        "algorithm": selection.algorithm,
        "reason": selection.reason,
        "presolved": selection.presolved,
        "note": selection.note,
        "schedule": [{"algorithm": a, "seconds": t} for a, t in selection.schedule],
        "plan": [{"algorithm": a, "seconds": t} for a, t in selection.plan],
        "backup": info.backup,
        "score_label": selection.score_label,
        "ranking": [
            {"algorithm": a, "score": selection.scores.get(a, math.nan),
             "predicted_cost": (selection.predicted_costs or {}).get(a, math.nan),
             "mean_training_cost": info.mean_costs.get(a, math.nan)}
            for a in ranking
        ],
        "feature_steps": {name: {"status": o.status, "cost": o.cost} for name, o in selection.steps.items()},
        "cost_unit": f"PAR{info.par:g} seconds" if info.cutoff is not None else "cost",
        "cutoff": info.cutoff,
        "seconds": timing,
    }
    if selection.explanation is not None:
        report["explanation"] = {
            "method": selection.explanation.method,
            "features": [{"feature": n, "value": v, "z": z, "importance": imp}
                         for n, v, z, imp in selection.explanation.features],
        }
    return report


def print_text(report: dict, explain: bool = False) -> None:
    """Render a report for people: the choice first, then the evidence."""
    from asc.cli.output import format_value, print_table

    out = sys.stdout
    print(f"algorithm: {report['algorithm']}  ({_reason_text(report)})", file=out)
    if report["presolved"]:
        print(f"presolved: {report['presolved']} (unit propagation decided the instance while the features "
              "were computed)", file=out)
    elif report["note"]:
        print(f"note: {report['note']}", file=out)
    if report["schedule"]:
        plan = ", ".join(f"{s['algorithm']} {s['seconds']:g} s" for s in report["schedule"])
        print(f"pre-solving schedule (run first by 'asc solve'): {plan}", file=out)
    if len(report["plan"]) > 1:
        plan = ", ".join(f"{s['algorithm']} {s['seconds']:.4g} s" for s in report["plan"])
        unit = f"seconds of the {report['cutoff']:g} s training cutoff" if report["cutoff"] else "seconds"
        print(f"schedule after the features ({unit}; 'asc solve' runs the slots in order, scaled to "
              f"its --cutoff-time): {plan}", file=out)
    print(f"model: {report['model']} ({report['selector']} trained on {report['trained_on']})", file=out)
    steps = ", ".join(f"{name} {s['status']} {format_value(s['cost'])} s"
                      for name, s in report["feature_steps"].items())
    if steps:
        print(f"features: {steps}", file=out)
    t = report["seconds"]
    print(f"time: {t['total']:.2f} s (model {t['model_load']:.2f} s, reading {t['read']:.2f} s, "
          f"features {t['features']:.2f} s)", file=out)
    rows = report["ranking"]
    if report["reason"] == "predicted":
        has_cost = any(not math.isnan(r["predicted_cost"]) for r in rows)
        header = ["rank", "algorithm", report["score_label"]]
        if has_cost:
            header.append(f"predicted cost ({report['cost_unit']})")
        header.append("mean training cost")
        table = []
        for i, r in enumerate(rows, 1):
            line = [i, r["algorithm"], r["score"]]
            if has_cost:
                line.append(r["predicted_cost"])
            line.append(r["mean_training_cost"])
            table.append(line)
        print(file=out)
        print_table(header, table, out)
    if explain:
        print(file=out)
        expl = report.get("explanation")
        if expl is None:
            print("explanation: none, the selector did not choose (" + _reason_text(report) + ")", file=out)
        else:
            print(f"features that mattered: {expl['method']}", file=out)
            print_table(["feature", "value", "z", "importance"],
                        [[f["feature"], f["value"], f["z"], f["importance"]] for f in expl["features"]], out)


def _reason_text(report: dict) -> str:
    return {"predicted": "chosen by the model",
            "backup": "backup solver: the features could not be computed",
            "presolved": f"presolved {report['presolved']}; backup solver to produce the answer"}[report["reason"]]
