"""Fault injection: a real ``asc collect`` of misbehaving solvers, SIGKILLed at seeded moments and resumed.

The short form of ``benchmarks/chaos_campaign.py`` (the shared code is ``tests/runs/chaos.py``):
every planned run ends up stored exactly once with its fault's status, the store is sound,
no process or scratch folder of a killed harness survives it, and the harness's memory stays
bounded.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chaos import ALGORITHMS, run_campaign  # noqa: E402

#: Peak resident memory of the collect that completes the campaign, in MiB.
RSS_BOUND_MB = 400


def test_killed_and_resumed_campaign_of_faulty_solvers_stores_every_run_once(tmp_path):
    fig = run_campaign(tmp_path, instances=8, kills=3, seed=21, cutoff=1.0, jobs=2)
    assert fig.kills == 3, fig.summary()
    assert sum(fig.in_flight) > 0, "no kill hit a running solver: " + fig.summary()
    assert fig.final_exit in (0, 1), fig.stderr_tail
    assert fig.survivors == [], fig.survivors
    assert fig.scratch_left == [], fig.scratch_left
    assert fig.integrity == "ok"
    assert fig.planned == 8 * len(ALGORITHMS)
    assert fig.missing == [] and fig.duplicates == 0 and fig.stored == fig.planned, fig.summary()
    assert fig.unexpected == [], fig.unexpected
    assert 0 < fig.peak_rss_mb < RSS_BOUND_MB, fig.summary()
