"""``python -m asc.experiments train|evaluate SPEC``: run an experiment spec (kept for old scripts).

The command is ``asc experiment train|evaluate|run SPEC`` (:mod:`asc.cli.experiment`); this
entry point stays for scripts written before it and shares its table (:func:`print_table`).

``train`` fits the spec's selector on its scenario and writes the model file (the
path on stdout); ``evaluate`` cross-validates the spec's candidate selectors under its
protocol and prints one row per selector (``--format json`` for machines). Errors are
one line on stderr with exit status 2, as for ``asc``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m asc.experiments``."""
    parser = argparse.ArgumentParser(prog="python -m asc.experiments", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="fit the spec's selector and write its model file")
    t.add_argument("spec", metavar="SPEC", help="experiment spec (TOML)")
    t.add_argument("-o", "--output", metavar="MODEL", help="write here instead of the spec's train.output")
    e = sub.add_parser("evaluate", help="cross-validate the spec's candidate selectors under its protocol")
    e.add_argument("spec", metavar="SPEC", help="experiment spec (TOML)")
    e.add_argument("--selector", action="append", metavar="NAME",
                   help="evaluate this selector instead of the spec's candidates (repeatable)")
    e.add_argument("--jobs", type=int, default=1, help="folds fitted in parallel (default 1)")
    e.add_argument("--format", choices=("text", "json", "table"), default="text", metavar="{text,json}",
                   help="output format: text (a Markdown table) for people, json for machines (default: text)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run an experiment action; returns the exit status."""
    from asc.errors import AscError

    args = build_parser().parse_args(argv)
    if getattr(args, "format", None) == "table":
        print("asc: warning: --format table is deprecated; use --format text", file=sys.stderr)
    try:
        from asc.experiments.spec import evaluate_candidates, load_spec, train_from_spec

        spec = load_spec(args.spec)
        if args.action == "train":
            print(train_from_spec(spec, args.output))
            return 0
        rows = evaluate_candidates(spec, tuple(args.selector) if args.selector else None, n_jobs=args.jobs)
    except AscError as exc:
        print(f"asc: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    print_table(rows)
    return 0


def print_table(rows: list[dict]) -> None:
    """The Markdown table of ``evaluate`` (shared with ``asc experiment evaluate``)."""
    print("| selector | PAR10 | PAR1 | solved | gap closed | sd of fold PAR10 | sd of fold gap closed | "
          "fold gap closed min / median / max | misclassification penalty |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        folds = sorted(r["fold_gap_closed"])
        mid = folds[len(folds) // 2] if len(folds) % 2 else (folds[len(folds) // 2 - 1] + folds[len(folds) // 2]) / 2
        print(f"| {r['selector']} | {r['par10']:.3f} | {r['par1']:.3f} | {r['solved']}/{r['instances']} | "
              f"{r['gap_closed']:.3f} | {r['fold_cost_std']:.3f} | {r['fold_gap_closed_std']:.3f} | "
              f"{folds[0]:.2f} / {mid:.2f} / {folds[-1]:.2f} | {r['misclassification_penalty']:.3f} |")
    if rows:
        print(f"\nsingle best {rows[0]['sbs']} PAR10 {rows[0]['sbs_cost']:.3f}; "
              f"virtual best PAR10 {rows[0]['vbs_cost']:.3f}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
