"""SATzilla base features on small formulas built in code (``make_cnf``), checked against
hand-computed values and against brute-force versions of the definitions."""

from __future__ import annotations

import itertools
import math
import random
import warnings

import numpy as np
import pytest

from asc.features import FEATURE_STEPS, STEP_NAMES, compute_features, satzilla
from asc.instances import CNF, parse_cnf
from asc.instances.cnf import CNFHeaderWarning


def make_cnf(clauses, nvars=None) -> CNF:
    return CNF.from_clauses([list(c) for c in clauses], nvars=nvars)


def make_random_cnf(nvars: int, nclauses: int, k: int = 3, seed: int = 0) -> CNF:
    rng = random.Random(seed)
    clauses = []
    for _ in range(nclauses):
        vs = rng.sample(range(1, nvars + 1), k)
        clauses.append([v if rng.random() < 0.5 else -v for v in vs])
    return make_cnf(clauses, nvars)


def test_steps_provide_the_aslib_names():
    assert list(FEATURE_STEPS) == list(STEP_NAMES) == ["Pre", "Basic", "KLB", "CG"]
    assert len(FEATURE_STEPS["Pre"][0]) == 6 and len(FEATURE_STEPS["Basic"][0]) == 14
    assert len(FEATURE_STEPS["KLB"][0]) == 20 and len(FEATURE_STEPS["CG"][0]) == 10
    assert "BINARYp" in FEATURE_STEPS["Basic"][0] and "vars_clauses_ratio" in FEATURE_STEPS["Basic"][0]
    assert all(FEATURE_STEPS[s][1] == ("Pre",) for s in ("Basic", "KLB", "CG"))


def test_all_four_clauses_over_two_variables_by_hand():
    # (1 2)(1 -2)(-1 2)(-1 -2): every clause clashes with every other one.
    res = compute_features(make_cnf([[1, 2], [1, -2], [-1, 2], [-1, -2]]))
    v = res.values
    assert res.presolved_answer is None
    assert all(s.status == "ok" for s in res.steps.values())
    assert (v["nvars"], v["nclauses"], v["reducedVars"], v["reducedClauses"]) == (2, 4, 0, 0)
    assert v["vars_clauses_ratio"] == 0.5
    # balance 2|1/2 - pos/size| per clause: 1, 0, 0, 1
    assert v["POSNEG_RATIO_CLAUSE_mean"] == 0.5 and v["POSNEG_RATIO_CLAUSE_coeff_variation"] == 1.0
    assert v["POSNEG_RATIO_CLAUSE_entropy"] == pytest.approx(math.log(2))
    assert v["VCG_CLAUSE_mean"] == 1.0 and v["VCG_CLAUSE_entropy"] == 0.0
    assert (v["UNARY"], v["BINARYp"], v["TRINARYp"]) == (0.0, 1.0, 1.0)
    assert v["VCG_VAR_mean"] == 1.0 and v["POSNEG_RATIO_VAR_mean"] == 0.0
    # Horn clauses (at most one positive literal): three of four
    assert v["horn_clauses_fraction"] == 0.75
    assert v["VG_mean"] == 0.25  # one neighbour over four clauses
    assert v["CG_mean"] == 0.75 and v["cluster_coeff_mean"] == 1.0


def test_repeated_literals_and_tautologies_are_dropped():
    res = compute_features(make_cnf([[1, 1, 2], [1, -1, 3], [2, 3]]))
    v = res.values
    assert v["nclausesOrig"] == 3 and v["nclauses"] == 2
    assert v["nvars"] == 3  # variable 3 still occurs in (2 3)
    assert v["VCG_CLAUSE_mean"] == pytest.approx(2 / 3)  # two literals left in each clause


def test_unit_propagation_shrinks_the_formula():
    # 1 is a unit; it makes (-1 2) a unit, which shortens (-2 3 4) to (3 4).
    res = compute_features(make_cnf([[1], [-1, 2], [-2, 3, 4], [3, -4]]))
    v = res.values
    assert res.presolved_answer is None
    assert (v["nvarsOrig"], v["nclausesOrig"], v["nvars"], v["nclauses"]) == (4, 4, 2, 2)
    assert v["reducedVars"] == 1.0 and v["reducedClauses"] == 1.0
    assert v["BINARYp"] == 1.0 and v["UNARY"] == 0.0


def test_formulas_decided_by_unit_propagation_are_presolved():
    sat = compute_features(make_cnf([[1], [-1, 2], [2, 3]]))
    assert sat.presolved_answer == "SAT"
    assert {s.status for s in sat.steps.values()} == {"presolved"}
    assert sat.values["nvars"] == 0 and math.isnan(sat.values["reducedVars"])

    unsat = compute_features(make_cnf([[1], [-1]]))
    assert unsat.presolved_answer == "UNSAT"
    # SATzilla stops at the conflict: both clauses are still counted as active
    assert unsat.values["nclauses"] == 2 and unsat.values["nvars"] == 0

    empty_clause = compute_features(parse_cnf(b"p cnf 2 2\n1 2 0\n0\n"))
    assert empty_clause.presolved_answer == "UNSAT"
    nothing = compute_features(parse_cnf(b"p cnf 0 0\n"))
    assert nothing.presolved_answer == "SAT" and nothing.values["nclausesOrig"] == 0


def test_variable_statistics_use_satzillas_window_of_variable_numbers():
    # 1 is propagated away; active variables 2, 3, 4 -> SATzilla's per-variable
    # statistics cover variables 1..3 (the number of active ones), so 4 is left out.
    res = compute_features(make_cnf([[1], [2, 3], [3, 4], [-3, 4], [3, -4]]))
    v = res.values
    assert v["nvars"] == 3 and v["nclauses"] == 4
    occurrences = {2: 1, 3: 4}  # variable 4 (3 occurrences) is outside the window
    assert v["VCG_VAR_mean"] == pytest.approx(np.mean([o / 4 for o in occurrences.values()]))
    assert (v["VCG_VAR_min"], v["VCG_VAR_max"]) == (0.25, 1.0)


def brute_force(clauses):
    """VG degrees and clustering coefficients straight from the definitions."""
    nv = max(abs(l) for c in clauses for l in c)
    vg = {v: set() for v in range(1, nv + 1)}
    for c in clauses:
        for a, b in itertools.permutations({abs(l) for l in c}, 2):
            vg[a].add(b)
    clash = lambda a, b: any(-l in b for l in a)  # noqa: E731
    sets = [set(c) for c in clauses]
    coeffs, degrees = [], []
    for i, c in enumerate(sets):
        nb = [j for j, d in enumerate(sets) if j != i and clash(c, d)]
        group = nb + [i]
        conflicts = sum(clash(sets[a], sets[b]) for a, b in itertools.combinations(group, 2))
        n = len(group)
        coeffs.append(2 * conflicts / (n * (n - 1)) if n > 1 else 0.0)
        degrees.append(len(nb))
    return vg, degrees, coeffs


@pytest.mark.parametrize("method", ["bits", "oriented"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_graph_algorithms_match_the_definitions(seed, method, monkeypatch):
    # Two triangle counts exist (bit rows for dense clause graphs, the degree-oriented
    # count otherwise); forbidding the bit matrix forces the second one.
    if method == "oriented":
        monkeypatch.setattr(satzilla, "_MAX_BITS_BYTES", 0)
    cnf = make_random_cnf(30, 110, k=3 + seed, seed=seed)
    clauses = cnf.to_lists()
    vg, degrees, coeffs = brute_force(clauses)
    v = compute_features(cnf).values
    m = len(clauses)
    assert v["nvars"] == 30 or v["nvars"] == len([x for x in vg if vg[x]])
    window = [x for x in range(1, int(v["nvars"]) + 1) if vg[x]]
    assert v["VG_mean"] == pytest.approx(np.mean([len(vg[x]) / m for x in window]), rel=1e-12)
    assert v["VG_max"] == pytest.approx(max(len(vg[x]) / m for x in window), rel=1e-12)
    assert v["CG_mean"] == pytest.approx(np.mean(degrees) / m, rel=1e-12)
    assert v["cluster_coeff_mean"] == pytest.approx(np.mean(coeffs), rel=1e-12)
    assert v["cluster_coeff_min"] == pytest.approx(min(coeffs), rel=1e-12)


def test_clause_and_literal_order_do_not_change_the_features():
    cnf = make_random_cnf(200, 850, k=3, seed=7)
    clauses = cnf.to_lists()
    rng = random.Random(3)
    shuffled = [rng.sample(c, len(c)) for c in clauses]
    rng.shuffle(shuffled)
    a = compute_features(cnf).values
    b = compute_features(make_cnf(shuffled, 200)).values
    for name in a:
        assert a[name] == pytest.approx(b[name], rel=1e-12, abs=1e-15), name


def test_a_step_past_its_time_limit_is_a_timeout_without_values():
    cnf = make_random_cnf(3000, 12780, k=3, seed=1)
    res = compute_features(cnf, step_timeout=1e-9)
    assert {s.status for s in res.steps.values()} == {"timeout"}
    assert all(s.values == {} for s in res.steps.values())
    assert compute_features(cnf, step_timeout=60).steps["CG"].status == "ok"


def test_a_clause_graph_over_the_memory_budget_is_a_memout():
    res = compute_features(make_random_cnf(100, 426, seed=2), memory_budget=1000)
    assert res.steps["CG"].status == "memout" and res.steps["CG"].values == {}
    assert res.steps["KLB"].status == "ok" and res.steps["Basic"].status == "ok"


def test_only_the_requested_steps_are_computed():
    res = compute_features(make_random_cnf(50, 213), steps=("Pre", "Basic"))
    assert list(res.steps) == ["Pre", "Basic"]
    with pytest.raises(ValueError, match="unknown feature steps"):
        compute_features(make_random_cnf(5, 10), steps=("Pre", "SP"))


@pytest.mark.parametrize("header", ["p cnf 2 1", "p cnf 3 1", "p cnf 2 3", "p cnf 1 0"])
def test_an_undercounting_header_is_a_warning_and_no_negative_reduction(header):
    text = f"{header}\n1 2 3 0\n-1 2 0\n3 -2 0\n".encode()
    with pytest.warns(CNFHeaderWarning):
        v = compute_features(parse_cnf(text)).values
    assert (v["nvarsOrig"], v["nclausesOrig"]) == (3, 3)  # the body's counts win
    assert v["nvars"] == 3 and v["nclauses"] == 3
    assert v["reducedVars"] == 0.0 and v["reducedClauses"] == 0.0


def test_reduction_ratios_are_never_negative_whatever_the_header():
    # unit 1 removes a variable and two clauses: the ratios are over what is left
    body = "1 0\n-1 2 3 0\n2 -3 0\n-2 3 0\n1 4 0\n"
    for header in ("p cnf 1 1", "p cnf 4 5", "p cnf 9 20"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CNFHeaderWarning)
            v = compute_features(parse_cnf(f"{header}\n{body}".encode())).values
        assert v["reducedVars"] >= 0 and v["reducedClauses"] >= 0, header
        assert v["nvarsOrig"] >= 4 and v["nclausesOrig"] >= 5
        assert v["reducedVars"] == pytest.approx((v["nvarsOrig"] - v["nvars"]) / v["nvars"])


# -- dense clause graphs (kconfig-like): bit rows, exact or estimated clustering --------


def normalised(clauses):
    """The clauses as SATzilla reads them: repeated literals merged, tautologies dropped."""
    out = []
    for c in clauses:
        s = set(c)
        if not any(-lit in s for lit in s):
            out.append(sorted(s))
    return out


@pytest.mark.parametrize("path", ["edge-list", "bits-exact", "bits-estimate"])
@pytest.mark.parametrize("seed", [0, 1])
def test_dense_clause_graph_degrees_are_exact_on_every_path(seed, path, monkeypatch):
    from asc.features.generators import dense_clause_graph_cnf

    if path == "edge-list":
        monkeypatch.setattr(satzilla, "_MAX_BITS_BYTES", 0)
    else:
        monkeypatch.setattr(satzilla, "_MAX_ADJ_BYTES", 0)
    if path == "bits-estimate":
        monkeypatch.setattr(satzilla, "_EXACT_WORK", 0)
        monkeypatch.setattr(satzilla, "_ESTIMATE_WORK", 0)
        monkeypatch.setattr(satzilla, "_MIN_CG_SAMPLES", 8)
    cnf = dense_clause_graph_cnf(160, nvars=60, seed=seed)
    raw = cnf.to_lists()
    clauses = normalised(raw)
    assert len(clauses) < len(raw) and any(len(set(c)) < len(c) for c in raw)  # both kinds present
    _, degrees, coeffs = brute_force(clauses)
    v = compute_features(cnf, steps=("Pre", "CG")).values
    m = len(clauses)
    assert v["nclauses"] == m
    assert v["CG_mean"] == pytest.approx(np.mean(degrees) / m, rel=1e-12)
    assert v["CG_coeff_variation"] == pytest.approx(np.std(degrees) / np.mean(degrees), rel=1e-9)
    assert (v["CG_min"], v["CG_max"]) == (min(degrees) / m, max(degrees) / m)
    assert satzilla.cg_clustering_is_estimated(v["nclauses"], v["CG_mean"]) == (path == "bits-estimate")
    if path == "bits-estimate":
        assert max(degrees) > 8  # some clauses were sampled
        assert v["cluster_coeff_mean"] == pytest.approx(np.mean(coeffs), rel=0.05)
    else:
        assert v["cluster_coeff_mean"] == pytest.approx(np.mean(coeffs), rel=1e-12)
        assert (v["cluster_coeff_min"], v["cluster_coeff_max"]) == pytest.approx((min(coeffs), max(coeffs)))


def test_estimated_clustering_is_within_one_percent_and_reproducible(monkeypatch):
    from asc.features.generators import dense_clause_graph_cnf

    cnf = dense_clause_graph_cnf(2500, seed=3)
    exact = compute_features(cnf, steps=("Pre", "CG")).values
    assert not satzilla.cg_clustering_is_estimated(exact["nclauses"], exact["CG_mean"])
    monkeypatch.setattr(satzilla, "_MAX_ADJ_BYTES", 0)
    monkeypatch.setattr(satzilla, "_EXACT_WORK", 1 << 24)
    monkeypatch.setattr(satzilla, "_ESTIMATE_WORK", 1 << 24)  # about 180 neighbours per clause
    first = compute_features(cnf, steps=("Pre", "CG")).values
    again = compute_features(cnf, steps=("Pre", "CG")).values
    assert satzilla.cg_clustering_is_estimated(first["nclauses"], first["CG_mean"])
    assert first == again  # seeded
    assert exact["CG_mean"] > 0.3  # dense: a third of all clause pairs are edges
    for name in FEATURE_STEPS["CG"][0]:
        if name.startswith("CG_"):
            assert first[name] == exact[name], name
    assert first["cluster_coeff_mean"] == pytest.approx(exact["cluster_coeff_mean"], rel=0.01)
    assert first["cluster_coeff_mean"] != exact["cluster_coeff_mean"]  # it did estimate
    # the coefficient of variation has the sampling noise's variance taken out
    assert first["cluster_coeff_coeff_variation"] == pytest.approx(exact["cluster_coeff_coeff_variation"], rel=0.02)
    # the entropy keeps it (the noise spreads values over more bins): a looser bound
    assert first["cluster_coeff_entropy"] == pytest.approx(exact["cluster_coeff_entropy"], rel=0.25)


# -- memory follows the body: huge variable numbers and headers ---------------------


def test_sparse_variable_numbers_give_the_features_of_the_files_own_numbering(monkeypatch):
    # Variables spread up to 3 million (some kept small, so SATzilla's window of
    # variable numbers 1..nvars matters): the renumbered kernels must give exactly what
    # the kernels give on the file's own numbers.
    base = make_random_cnf(40, 150, k=3, seed=5).to_lists()
    spread = {v: (v if v <= 12 else 3_000_000 - 997 * v) for v in range(1, 41)}
    clauses = [[spread[abs(lit)] * (1 if lit > 0 else -1) for lit in c] for c in base] + [[1], [-1, 2, 3]]
    cnf = make_cnf(clauses)
    assert cnf.nvars > satzilla._SPARSE_FACTOR * cnf.nliterals + satzilla._SPARSE_SLACK
    compact = compute_features(cnf)
    monkeypatch.setattr(satzilla, "_SPARSE_SLACK", 1 << 40)  # the file's numbering, arrays of 3e6
    plain = compute_features(cnf)
    assert compact.values.keys() == plain.values.keys()
    for name, value in plain.values.items():
        assert compact.values[name] == pytest.approx(value, rel=1e-12, abs=1e-15, nan_ok=True), name
    assert compact.values["nvarsOrig"] == 3_000_000 - 997 * 13


@pytest.mark.parametrize("text", [
    b"p cnf 2147483647 3\n1 -2 0\n2 3 0\n-1 -3 2 0\n",  # a header of 2^31-1 variables
    b"p cnf 3 3\n1 -2147483647 0\n2147483647 3 0\n-1 -3 2147483647 0\n",  # variable 2^31-1
    b"p cnf 200000000 2\n200000000 -199999999 0\n-200000000 199999999 0\n",  # 2 clauses over 2e8
])
def test_a_huge_variable_number_or_header_costs_what_the_body_costs(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CNFHeaderWarning)
        cnf = parse_cnf(text)
    # a memory budget far below what arrays of the largest index would take
    res = compute_features(cnf, memory_budget=64 << 20)
    assert {s.status for s in res.steps.values()} <= {"ok", "presolved"}
    v = res.values
    assert v["nvarsOrig"] == cnf.nvars and v["nvars"] <= 3 and v["nclauses"] == cnf.nclauses
    assert v["reducedVars"] == pytest.approx((cnf.nvars - v["nvars"]) / v["nvars"])
    assert v["VCG_CLAUSE_mean"] > 0 and not math.isnan(v["CG_mean"])


def test_pre_in_clock_checked_chunks_gives_the_one_call_result(monkeypatch):
    # Pre normalises and builds occurrence lists over clause ranges so that a time
    # limit stops it between ranges; the ranges must not change any value.
    from asc.features.generators import dense_clause_graph_cnf

    cnf = dense_clause_graph_cnf(300, nvars=80, seed=4)  # repeated literals and tautologies
    whole = compute_features(cnf).values
    monkeypatch.setattr(satzilla, "_CHUNK_WORK", 50)
    assert len(satzilla._clause_chunks(cnf.offsets)) > 20
    chunked = compute_features(cnf).values
    assert chunked == whole


def test_clause_ranges_are_found_without_a_per_clause_array():
    # _clause_chunks bisects offs instead of summing a per-clause work array (30 MB at
    # 3e5 variables): the ranges must be exactly those of the summed array's cuts
    rng = np.random.default_rng(1)
    for _ in range(300):
        sizes = rng.integers(0, 9, size=int(rng.integers(0, 60)))  # empty clauses too
        start = int(rng.integers(0, 5))
        offs = (start + np.concatenate(([0], np.cumsum(sizes)))).astype(np.int64)
        unit = int(rng.integers(1, 40))
        assert satzilla._clause_chunks(offs, unit) == satzilla._chunks(np.diff(offs) + 1, unit)
