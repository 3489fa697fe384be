"""Portfolio pruning (asc.evaluation.prune): the subset's VBS, search, ties, margin, contributions.

Expected values are computed here from the committed pysat-training scenario's cost matrix
with plain pandas, independently of the module's own arithmetic.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from asc.aslib import read_scenario
from asc.errors import UsageError
from asc.evaluation.prune import costs_from_scenario, load_costs, prune
from asc.runs.export import summarize
from asc.runs.store import InstanceRecord, RunRecord, RunStore

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "experiments" / "pysat-training" / "scenario"


@pytest.fixture(scope="module")
def scenario():
    return read_scenario(SCENARIO)


@pytest.fixture(scope="module")
def matrix(scenario):
    """The PAR10 matrix as a DataFrame (instances x algorithms)."""
    return scenario.cost_matrix(par=10.0)


def vbs(matrix, members) -> float:
    return float(matrix[list(members)].min(axis=1).mean()) if members else 10.0 * 10.0


def test_greedy_steps_are_the_best_additions(scenario, matrix):
    result = prune(costs_from_scenario(scenario), margin=0.05, max_subsets=0)
    assert result.exact_up_to == 0 and all(p.method == "greedy" for p in result.curve)
    # size 1 is the single best; every later size adds what lowers the VBS most
    assert result.curve[0].members == (matrix.mean().idxmin(),) == (result.sbs,) == ("kissat404",)
    for before, after in zip(result.curve, result.curve[1:]):
        added = [a for a in after.members if a not in before.members]
        assert len(added) == 1 and after.members[:-1] == before.members
        best = min(vbs(matrix, before.members + (a,)) for a in matrix.columns if a not in before.members)
        assert vbs(matrix, after.members) == pytest.approx(best, abs=1e-12)
    for point in result.curve:
        assert point.par == pytest.approx(vbs(matrix, point.members), abs=1e-12)
    assert result.curve[-1].par == pytest.approx(matrix.min(axis=1).mean(), abs=1e-12) == result.full_par


def test_margin_stops_at_the_smallest_subset_within_it(scenario, matrix):
    full = float(matrix.min(axis=1).mean())
    result = prune(costs_from_scenario(scenario), margin=0.05, max_subsets=0)
    k = len(result.chosen)
    assert result.margin_met and result.chosen_par <= 1.05 * full
    assert result.curve[k - 2].par > 1.05 * full  # one fewer is outside the margin
    assert result.chosen_par == pytest.approx(vbs(matrix, result.chosen), abs=1e-12)
    assert result.relative == pytest.approx(vbs(matrix, result.chosen) / full - 1)
    # margin 0: the smallest subset that reaches the full VBS itself; a huge margin: the single best alone
    exact_full = prune(costs_from_scenario(scenario), margin=0.0, max_subsets=0)
    assert exact_full.chosen_par == pytest.approx(full, abs=1e-12) and len(exact_full.chosen) < 20
    assert prune(costs_from_scenario(scenario), margin=10.0).chosen == ("kissat404",)
    # a size cap below the margin's subset: capped, and said so
    capped = prune(costs_from_scenario(scenario), margin=0.0, size=2)
    assert len(capped.chosen) == 2 and capped.margin_met is False
    # size alone: that many members
    assert len(prune(costs_from_scenario(scenario), size=3).chosen) == 3


def test_exact_search_finds_the_best_subset_of_each_size(scenario, matrix):
    result = prune(costs_from_scenario(scenario), size=3, max_subsets=2000)
    # 20 + 190 + 1140 subsets fit the budget of 2000, 4845 more do not
    assert result.exact_up_to == 3 and [p.method for p in result.curve[:4]] == ["exact"] * 3 + ["greedy"]
    for k in (2, 3):
        best = min(vbs(matrix, c) for c in itertools.combinations(matrix.columns, k))
        assert result.curve[k - 1].par == pytest.approx(best, abs=1e-12)
    greedy = prune(costs_from_scenario(scenario), size=3, max_subsets=0)
    assert all(e.par <= g.par + 1e-12 for e, g in zip(result.curve, greedy.curve))
    assert result.chosen == result.curve[2].members


def test_marginal_contributions_alone_and_wins(scenario, matrix):
    result = prune(costs_from_scenario(scenario), margin=0.05)
    solved = scenario.solved_matrix() > 0
    chosen = list(result.chosen)
    best = matrix[chosen].to_numpy().argmin(axis=1)  # ties: the first member listed
    for pos, c in enumerate(result.members):
        others = [a for a in chosen if a != c.algorithm]
        assert c.contribution == pytest.approx(vbs(matrix, others) - vbs(matrix, chosen), abs=1e-9)
        assert c.contribution >= 0
        assert c.alone == int((solved[c.algorithm] & ~solved[others].any(axis=1)).sum())
        won = (best == pos) & solved[chosen].to_numpy()[np.arange(len(best)), best]
        assert c.wins == int(won.sum())
        assert c.own_par == pytest.approx(matrix[c.algorithm].mean())
    # every instance solved by the subset is won by exactly one member
    assert sum(c.wins for c in result.members) == result.chosen_solved
    # kissat404 is the only solver of one instance in the chosen subset: removing it costs at least 100 s / 71
    kissat = next(c for c in result.members if c.algorithm == "kissat404")
    assert kissat.alone >= 1 and kissat.contribution > 90.0 / 71
    # the whole portfolio's contributions: near-copies contribute (almost) nothing
    full = {c.algorithm: c for c in result.full_members}
    assert set(full) == set(matrix.columns)
    for a, c in full.items():
        others = [b for b in matrix.columns if b != a]
        assert c.contribution == pytest.approx(vbs(matrix, others) - vbs(matrix, list(matrix.columns)), abs=1e-9)


def test_bad_arguments_raise_usage_errors(scenario):
    data = costs_from_scenario(scenario)
    for kwargs in ({"margin": -0.1}, {"size": 0}, {"size": 21}, {"max_subsets": -1}, {"margin": float("nan")}):
        with pytest.raises(UsageError):
            prune(data, **kwargs)


def make_tie_store(path: Path) -> Path:
    """Three algorithms on four instances; ``b`` and ``a`` have identical runs (a tie), ``c`` solves what they do not."""
    rows = [("i1", "a", "SAT", 1.0), ("i1", "b", "SAT", 1.0), ("i1", "c", "TIMEOUT", 10.5),
            ("i2", "a", "UNSAT", 2.0), ("i2", "b", "UNSAT", 2.0), ("i2", "c", "UNSAT", 3.0),
            ("i3", "a", "TIMEOUT", 10.3), ("i3", "b", "TIMEOUT", 10.3), ("i3", "c", "SAT", 4.0),
            ("i4", "a", "SAT", 0.5), ("i4", "b", "SAT", 0.5), ("i4", "c", "MEMOUT", 2.0)]
    with RunStore(path, write=True) as store:
        store.start_campaign(10.0, 1024, {"host": "test"})
        store.add_instances([InstanceRecord(f"h-{i}", f"/nowhere/{i}.cnf", f"{i}.cnf", None)
                             for i in ("i1", "i2", "i3", "i4")])
        for inst, algo, status, t in rows:
            store.add(RunRecord(f"h-{inst}", algo, "", 1, 1, status, t, t, 10.0, False, "", 0.0, t, "test"))
    return path


def test_store_costs_follow_the_summary_and_ties_go_by_name(tmp_path):
    db = make_tie_store(tmp_path / "ties.sqlite")
    data = load_costs(db)
    result = prune(data, margin=0.0)
    with RunStore(db) as store:
        summary = summarize(store)
    assert result.full_par == pytest.approx(summary["vbs"]["par10"]) == pytest.approx((1 + 2 + 4 + 0.5) / 4)
    assert result.sbs_par == pytest.approx(summary["sbs"]["par10"])
    # a and b tie everywhere: a (first by name) is taken, b never
    assert result.chosen == ("a", "c") and result.curve[0].members == ("a",)
    assert prune(data, margin=0.0, max_subsets=0).chosen == ("a", "c")
    by_name = {c.algorithm: c for c in result.members}
    assert by_name["c"].alone == 1 and by_name["c"].wins == 1 and by_name["a"].wins == 3
    assert by_name["c"].contribution == pytest.approx((100.0 - 4.0) / 4)
    full = {c.algorithm: c for c in result.full_members}
    assert full["a"].contribution == 0 and full["b"].contribution == 0  # each is replaceable by the other
