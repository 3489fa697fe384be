"""Settings of the selection pipeline compared on recorded selector scores, in seconds per variant.

A full cross-validation of ``vote+presolve`` takes minutes per scenario and seed, nearly
all of it fitting the inner selector; the pipeline's own decisions (pre-solving schedule,
backup, runner-up slots) need only its scores (``asc/evaluation/replay.py``). ``record``
cross-validates the pipeline once per scenario and seed, under the same protocol as
``selection_quality.py``, saving the inner selector's scores; ``replay`` cross-validates
it again for each variant of its settings around the recorded scores, and prints gap
closed and instances solved per scenario and seed, with the mean over seeds. The first
variant of every replay is the pipeline's defaults, checked against the recorded figure
(``reproduced`` must say yes; if not, the recording is stale: the package changed
since).

Usage::

    python benchmarks/pipeline_replay.py record --scenarios SAT11-HAND,SAT11-INDU --seeds 0,1,2
        [--selector vote] [--store DIR] [--jobs 2]
    python benchmarks/pipeline_replay.py replay --scenarios SAT11-HAND,SAT11-INDU --seeds 0,1,2
        --variant max_presolvers=3 --variant "presolve_budget=0.2,max_runner_ups=0"

A variant is a comma-separated list of ``SelectionPipeline`` parameters (``name=value``,
Python literals; ``None`` allowed). The default store is ``~/.cache/asc/replay``; a
recording is about 1 MB per scenario and seed.
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import time
from pathlib import Path
from typing import Any

from selection_quality import ROOT, runtime_scenarios

#: Each recording's figures, beside its scores.
SUMMARY = "recorded.json"


def parse_variant(text: str) -> dict[str, object]:
    """``"a=1,b=None"`` -> ``{"a": 1, "b": None}``."""
    settings: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"pipeline_replay.py: variant item {item!r}: expected name=value")
        try:
            settings[name.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise SystemExit(f"pipeline_replay.py: variant item {item!r}: "
                             "expected a Python literal after '='") from None
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("record", "replay"))
    parser.add_argument("--aslib", default=str(ROOT.parent / "shared" / "aslib"), help="folder of ASlib scenarios")
    parser.add_argument("--scenarios", required=True, help="comma-separated names (pysat-training: the bundled one)")
    parser.add_argument("--selector", default="vote", help="registry name of the inner selector")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--store", default=str(Path.home() / ".cache" / "asc" / "replay"))
    parser.add_argument("--jobs", type=int, default=-1, help="parallel folds when recording (default: all cores)")
    parser.add_argument("--variant", action="append", default=[], help="pipeline settings to replay (repeatable)")
    args = parser.parse_args()

    from asc.selectors.pipeline import SelectionPipeline

    seeds = [int(s) for s in args.seeds.split(",")]
    variants = [("defaults", {})] + [(v, parse_variant(v)) for v in args.variant]
    # the seed and the cutoff are the recording's: other values would look up scores never recorded
    known = set(SelectionPipeline().get_params(deep=False)) - {"selector", "random_state", "cutoff"}
    for label, settings in variants:
        unknown = sorted(set(settings) - known)
        if unknown:
            raise SystemExit(f"pipeline_replay.py: variant {label!r}: {', '.join(unknown)}: not a SelectionPipeline "
                             f"setting a replay can vary (one of: {', '.join(sorted(known))})")
    if args.mode == "replay":
        print(f"{'scenario':16s} {'variant':40s} {'gap per seed (solved)':>48s} {'mean':>6s} {'s':>5s}")
    for sid, scenario in runtime_scenarios(Path(args.aslib), args.scenarios, 16):
        stores = {seed: Path(args.store) / sid / args.selector / f"seed{seed}" for seed in seeds}
        if args.mode == "record":
            record(scenario, args.selector, stores, args.jobs)
        else:
            replay(scenario, stores, variants)


def record(scenario: Any, selector: str, stores: dict[int, Path], jobs: int) -> None:
    """Cross-validate the pipeline around ``selector`` once per seed, saving its scores and summary."""
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.evaluation.replay import RecordingSelector
    from asc.selectors import make_selector
    from asc.selectors.pipeline import SelectionPipeline

    for seed, store in stores.items():
        started = time.perf_counter()
        pipeline = SelectionPipeline(RecordingSelector(make_selector(selector), store))
        s = cross_validate(scenario, pipeline, Protocol(seed=seed), n_jobs=jobs).summary
        (store / SUMMARY).write_text(json.dumps({"gap_closed": s["gap_closed"], "solved": int(s["solved"]),
                                                 "cost": s["cost"]}))
        print(f"{scenario.description.scenario_id:16s} {selector:12s} seed {seed}: gap {s['gap_closed']:.3f} "
              f"({int(s['solved'])} solved), {time.perf_counter() - started:.0f} s, recorded in {store}", flush=True)


def replay(scenario: Any, stores: dict[int, Path], variants: list[tuple[str, dict[str, object]]]) -> None:
    """Cross-validate every variant around the recorded scores; the defaults must give the recorded cost."""
    from asc.evaluation.crossval import cross_validate
    from asc.evaluation.protocol import Protocol
    from asc.evaluation.replay import ReplayedSelector
    from asc.selectors.pipeline import SelectionPipeline

    sid = scenario.description.scenario_id
    recorded = {}
    for seed, store in stores.items():
        if not (store / SUMMARY).is_file():
            raise SystemExit(f"pipeline_replay.py: {store / SUMMARY}: no recording (run `record` first)")
        recorded[seed] = json.loads((store / SUMMARY).read_text())
    for label, settings in variants:
        started = time.perf_counter()
        cells, gaps = [], []
        for seed, store in stores.items():
            s = cross_validate(scenario, SelectionPipeline(ReplayedSelector(store), **settings),
                               Protocol(seed=seed)).summary
            gaps.append(s["gap_closed"])
            cells.append(f"{s['gap_closed']:.3f} ({int(s['solved'])})")
            if not settings and abs(s["cost"] - recorded[seed]["cost"]) > 1e-9:
                raise SystemExit(f"pipeline_replay.py: {sid} seed {seed}: the defaults replay to "
                                 f"{s['gap_closed']:.4f}, recorded {recorded[seed]['gap_closed']:.4f}: "
                                 "the recording is stale (record again)")
        name = label + (" (reproduced: yes)" if not settings else "")
        print(f"{sid:16s} {name:40s} {' '.join(cells):>48s} {statistics.mean(gaps):6.3f} "
              f"{time.perf_counter() - started:5.0f}", flush=True)

if __name__ == "__main__":
    main()
