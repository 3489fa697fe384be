"""Numba kernels of the SATzilla base feature groups.

Every kernel works on flat arrays (no Python objects) so that it compiles in nopython
mode and is cached on disk (``cache=True``). The Python driver in
:mod:`asc.features.satzilla` calls the expensive kernels on chunks of clauses or
variables and checks the group's time limit between chunks: a kernel cannot look at a
clock, so chunking is what makes a time limit enforceable without killing a process.

Conventions shared by all kernels:

* variables are numbered 1..nvars as in the file (the original numbering matters:
  SATzilla's per-variable statistics look at a window of variable indices, see
  :func:`asc.features.satzilla.compute_features`);
* a literal ``l`` has the code ``2*|l| + (l < 0)``, so the clauses containing ``l`` are
  ``occ[occ_offsets[code]:occ_offsets[code + 1]]`` and those containing ``-l`` are at
  ``code ^ 1``;
* ``RESERVED`` (-512) marks entries that SATzilla's statistics skip.
"""

from __future__ import annotations

import numpy as np
from asc.instances._jit import njit, use_compiled

RESERVED = -512.0
EPSILON = 1e-10  # SATzilla's global.h; used where it compares doubles

# Variable states of the unit propagation (SATzilla's varState).
UNASSIGNED = 0
TRUE_VAL = 1
FALSE_VAL = 2
IRRELEVANT = 3


# -- reading: duplicate literals and tautologies ------------------------------------


@njit(cache=True)
def _heap_sort(keys, k):
    """Sort ``keys[:k]`` in place, in O(k log k) whatever the order.

    Not ``np.sort``: Numba's sort and the slice assignment it needs compile for about
    2.5 CPU-s on the first run after an install, this loop in a few hundredths.
    """
    for start in range(k // 2 - 1, -1, -1):
        _sift_down(keys, start, k)
    for end in range(k - 1, 0, -1):
        keys[0], keys[end] = keys[end], keys[0]
        _sift_down(keys, 0, end)


@njit(cache=True)
def _sift_down(keys, root, end):
    """Move ``keys[root]`` down the max-heap ``keys[:end]`` to its place."""
    v = keys[root]
    while True:
        child = 2 * root + 1
        if child >= end:
            break
        if child + 1 < end and keys[child + 1] > keys[child]:
            child += 1
        if keys[child] <= v:
            break
        keys[root] = keys[child]
        root = child
    keys[root] = v


@njit(cache=True)
def first_to_normalise(literals, offsets, lo, hi):
    """The first clause of lo..hi-1 that :func:`normalise_into` would change beyond its order, or -1.

    That is a clause with a variable twice (a repeated literal or a tautology). When
    there is none (most formulas), the normalised formula is the file's, up to the
    order of the literals inside each clause, which no feature depends on; the driver
    then uses the file's arrays and does not copy the formula.
    """
    keys = np.empty(0, dtype=np.int64)
    for c in range(lo, hi):
        start = offsets[c]
        k = offsets[c + 1] - start
        if k < 2:
            continue
        if k <= 4:  # short clauses (most): compare the pairs
            for i in range(1, k):
                vi = abs(np.int64(literals[start + i]))
                for j in range(i):
                    if abs(np.int64(literals[start + j])) == vi:
                        return c
            continue
        if keys.size < k:
            keys = np.empty(max(k, 2 * keys.size), dtype=np.int64)
        for i in range(k):
            keys[i] = abs(np.int64(literals[start + i]))
        _heap_sort(keys, k)
        for i in range(1, k):
            if keys[i] == keys[i - 1]:
                return c
    return -1


@njit(cache=True)
def normalise_clauses(literals, offsets):
    """Sort each clause by variable, drop repeated literals, drop tautologies.

    SATzilla's reader does the same (a selection sort by ``|lit|`` that removes
    duplicates and flags a clause containing ``x`` and ``-x``). Duplicate clauses stay.
    The whole formula at once; :func:`normalise_into` does it range by range.

    Returns
    -------
    (lits, offs)
        int32 literals and int64 offsets of the kept clauses, in file order.
    """
    nclauses = offsets.size - 1
    out = np.empty(offsets[nclauses] - offsets[0], dtype=np.int32)
    offs = np.empty(nclauses + 1, dtype=np.int64)
    offs[0] = 0
    pos, kept = normalise_into(literals, offsets, 0, nclauses, out, offs, 0, 0)
    return out[:pos].copy(), offs[:kept + 1].copy()


@njit(cache=True)
def normalise_into(literals, offsets, lo, hi, out, offs, pos, kept):
    """:func:`normalise_clauses` of clauses lo..hi-1, appended to ``out``/``offs``.

    ``out`` has room for every literal and ``offs`` for every clause (plus one), so the
    driver normalises in clock-checked ranges into one pair of arrays, with no parts to
    concatenate (which held the formula twice). ``pos``/``kept``: literals and clauses
    written so far (``offs[kept] == pos``); returns the new pair.
    """
    keys = np.empty(0, dtype=np.int64)
    for c in range(lo, hi):
        start = offsets[c]
        end = offsets[c + 1]
        k = end - start
        if keys.size < k:
            keys = np.empty(max(k, 2 * keys.size), dtype=np.int64)
        for i in range(k):
            lit = np.int64(literals[start + i])
            keys[i] = 2 * abs(lit) + (1 if lit < 0 else 0)
        if k <= 24:
            for i in range(1, k):  # insertion sort: clauses are short as a rule
                v = keys[i]
                j = i - 1
                while j >= 0 and keys[j] > v:
                    keys[j + 1] = keys[j]
                    j -= 1
                keys[j + 1] = v
        else:
            _heap_sort(keys, k)
        tautology = False
        n = 0
        last = np.int64(-1)
        for i in range(k):
            key = keys[i]
            if key == last:
                continue  # repeated literal
            if last >= 0 and (key >> 1) == (last >> 1):
                tautology = True
                break
            last = key
            var = key >> 1
            out[pos + n] = -var if (key & 1) else var
            n += 1
        if tautology:
            continue
        pos += n
        kept += 1
        offs[kept] = pos
    return pos, kept


@njit(cache=True)
def occurrence_count(lits, offs, lo, hi, counts):
    """Add the literals of clauses lo..hi-1 to ``counts[code + 1]`` (first pass of the CSR)."""
    for i in range(offs[lo], offs[hi]):
        lit = np.int64(lits[i])
        counts[2 * abs(lit) + (1 if lit < 0 else 0) + 1] += 1


@njit(cache=True)
def occurrence_fill(lits, offs, lo, hi, fill, occ):
    """Write clauses lo..hi-1 into their literals' lists (second pass; ``fill``: next free slot per code)."""
    for c in range(lo, hi):
        for i in range(offs[c], offs[c + 1]):
            lit = np.int64(lits[i])
            code = 2 * abs(lit) + (1 if lit < 0 else 0)
            occ[fill[code]] = c
            fill[code] += 1


# -- Pre: unit propagation ----------------------------------------------------------


@njit(cache=True)
def _reduce_clauses(lit, lits, offs, occ_offsets, occ, clause_len, clause_active, var_state,
                    active_with_var, stack, top, counters):
    """Assign ``lit`` true: shorten clauses with ``-lit``, satisfy clauses with ``lit``.

    Mirrors SATzilla's ``reduceClauses`` step for step, including where it stops:
    the first clause shortened to length 0 ends the call (a conflict), leaving the
    rest of the formula as it was at that moment. ``counters`` holds
    [active vars, active clauses]; returns (consistent, new stack top).
    """
    code = 2 * abs(lit) + (1 if lit < 0 else 0)
    neg = code ^ 1
    for j in range(occ_offsets[neg], occ_offsets[neg + 1]):
        c = occ[j]
        if clause_active[c]:
            clause_len[c] -= 1
            if clause_len[c] == 1:
                stack[top] = c
                top += 1
            elif clause_len[c] == 0:
                return False, top
    for j in range(occ_offsets[code], occ_offsets[code + 1]):
        c = occ[j]
        if clause_active[c]:
            clause_active[c] = 0
            counters[1] -= 1
            for i in range(offs[c], offs[c + 1]):
                v = abs(lits[i])
                active_with_var[v] -= 1
                if active_with_var[v] == 0 and var_state[v] == UNASSIGNED:
                    var_state[v] = IRRELEVANT
                    counters[0] -= 1
    return True, top


@njit(cache=True)
def unit_propagate(lits, offs, nvars, occ_offsets, occ):
    """SATzilla's reading-time unit propagation, replayed exactly.

    Variables that occur in no clause are irrelevant (not active). Unit clauses are
    taken from a stack (last found, first propagated), as SATzilla's ``std::stack``
    does; the order matters only for what is left when propagation hits a conflict.

    Returns
    -------
    (var_state, clause_active, n_active_vars, n_active_clauses, consistent)
    """
    nclauses = offs.size - 1
    var_state = np.full(nvars + 1, UNASSIGNED, dtype=np.int8)
    clause_active = np.ones(nclauses, dtype=np.uint8)
    # int32: a clause's length, a variable's clause count and a clause index all fit (the
    # occurrence lists hold clause indices as int32 already); half the memory of int64.
    clause_len = np.empty(nclauses, dtype=np.int32)
    active_with_var = np.zeros(nvars + 1, dtype=np.int32)
    # Every clause is pushed at most twice (read as unit, shortened to unit).
    stack = np.empty(2 * nclauses + 1, dtype=np.int32)
    top = 0
    for c in range(nclauses):
        clause_len[c] = offs[c + 1] - offs[c]
        if clause_len[c] == 1:
            stack[top] = c
            top += 1
        for i in range(offs[c], offs[c + 1]):
            active_with_var[abs(lits[i])] += 1
    counters = np.zeros(2, dtype=np.int64)
    counters[0] = nvars
    counters[1] = nclauses
    for v in range(1, nvars + 1):
        if active_with_var[v] == 0:
            var_state[v] = IRRELEVANT
            counters[0] -= 1
    consistent = True
    while top > 0 and consistent:
        top -= 1
        c = stack[top]
        if not clause_active[c]:
            continue
        i = offs[c]
        while var_state[abs(lits[i])] != UNASSIGNED:
            i += 1
        lit = np.int64(lits[i])
        var_state[abs(lit)] = TRUE_VAL if lit > 0 else FALSE_VAL
        counters[0] -= 1
        ok, top = _reduce_clauses(lit, lits, offs, occ_offsets, occ, clause_len, clause_active,
                                  var_state, active_with_var, stack, top, counters)
        consistent = consistent and ok
    return var_state, clause_active, counters[0], counters[1], consistent


@njit(cache=True)
def reduced_formula(lits, offs, var_state, clause_active):
    """The active clauses restricted to their unassigned literals (empty ones kept)."""
    nclauses = offs.size - 1
    n_active = 0
    size = 0
    for c in range(nclauses):
        if clause_active[c]:
            n_active += 1
            for i in range(offs[c], offs[c + 1]):
                if var_state[abs(lits[i])] == UNASSIGNED:
                    size += 1
    out = np.empty(size, dtype=np.int32)
    roffs = np.empty(n_active + 1, dtype=np.int64)
    roffs[0] = 0
    k = 0
    pos = 0
    for c in range(nclauses):
        if clause_active[c]:
            for i in range(offs[c], offs[c + 1]):
                if var_state[abs(lits[i])] == UNASSIGNED:
                    out[pos] = lits[i]
                    pos += 1
            k += 1
            roffs[k] = pos
    return out, roffs


# -- statistics with SATzilla's conventions ----------------------------------------


@njit(cache=True)
def stats(values):
    """(mean, stdev, coefficient of variation, min, max) as SATzilla's ``writeStats``.

    Entries equal to RESERVED are skipped; with nothing left every statistic is 0. The
    minimum starts at 2**30 and the maximum at 0 (so a maximum is never negative); the
    coefficient of variation is 0 when mean and deviation are both below 1e-10.
    Sequential sums, as in the C++ code, so the figures agree to the last bits.
    """
    total = 0.0
    n = 0
    lo = float(1 << 30)
    hi = 0.0
    for i in range(values.size):
        x = values[i]
        if x == RESERVED:
            continue
        total += x
        n += 1
        lo = lo if lo < x else x
        hi = hi if hi > x else x
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    mean = total / n
    acc = 0.0
    for i in range(values.size):
        x = values[i]
        if x == RESERVED:
            continue
        acc += (x - mean) * (x - mean)
    sd = np.sqrt(acc / n)
    cv = 0.0 if (abs(mean) < EPSILON and sd < EPSILON) else sd / mean
    return mean, sd, cv, lo, hi


@njit(cache=True)
def _bin_of(x, width, bins):
    """SATzilla's bin of ``x``: ``floor(x / width)`` clamped to [0, bins]."""
    idx = np.floor(x / width)
    if idx > bins:
        return bins
    if idx < 0:
        return 0
    return int(idx)


@njit(cache=True)
def _histogram_entropy(counts, n):
    """Entropy (natural logarithm) of a histogram of ``n`` values; empty bins contribute nothing."""
    h = 0.0
    for b in range(counts.size):
        if counts[b]:
            p = counts[b] / n
            h += p * np.log(p)
    return -h


@njit(cache=True)
def entropy_binned(values, bins, maxval):
    """Entropy of ``values`` in ``bins`` equal-width bins over [0, maxval] (plus one for maxval).

    SATzilla's ``array_entropy(double*, num, vals, maxval)``: bin ``floor(x / (maxval/vals))``
    clamped to [0, vals]; RESERVED entries skipped; natural logarithm.
    """
    counts = np.zeros(bins + 1, dtype=np.int64)
    width = float(maxval) / float(bins)
    n = 0
    for i in range(values.size):
        x = values[i]
        if x == RESERVED:
            continue
        counts[_bin_of(x, width, bins)] += 1
        n += 1
    return _histogram_entropy(counts, n)


@njit(cache=True)
def entropy_counts(values, nvals):
    """Entropy of integer ``values`` in 0..nvals-1 (SATzilla's int ``array_entropy``)."""
    counts = np.zeros(nvals, dtype=np.int64)
    n = 0
    for i in range(values.size):
        x = values[i]
        if x == RESERVED:
            continue
        counts[int(x)] += 1
        n += 1
    return _histogram_entropy(counts, n)


# -- Basic --------------------------------------------------------------------------


@njit(cache=True)
def clause_counts(rlits, roffs, lo, hi, clause_size, clause_pos, var_occ, var_pos, var_horn):
    """Clauses lo..hi-1: size and positive literals; their variables' occurrences (all, positive, in Horn clauses).

    Adds to the per-variable arrays (zeros before the first range) and returns the
    number of Horn clauses in the range; a clause is Horn when it has at most one
    positive literal (the empty clause included, as in SATzilla). In ranges so that
    the driver can check its clock between them.
    """
    n_horn = 0
    for c in range(lo, hi):
        p = 0
        for i in range(roffs[c], roffs[c + 1]):
            lit = rlits[i]
            v = abs(lit)
            var_occ[v] += 1
            if lit > 0:
                p += 1
                var_pos[v] += 1
        clause_size[c] = roffs[c + 1] - roffs[c]
        clause_pos[c] = p
        if p <= 1:
            n_horn += 1
            for i in range(roffs[c], roffs[c + 1]):
                var_horn[abs(rlits[i])] += 1
    return n_horn


@njit(cache=True)
def _clause_value(size, pos, nv, kind, c):
    """Clause c's value of a Basic statistic, with the exact float operations of the NumPy version.

    ``kind`` 0: ``2 |0.5 - pos/size|`` (RESERVED for an empty clause), SATzilla's
    POSNEG_RATIO_CLAUSE; 1: ``size / nv``, VCG_CLAUSE; 2: ``size``, for its entropy.
    """
    if kind == 0:
        if size[c] == 0:
            return RESERVED
        return abs(0.5 - np.float64(pos[c]) / np.float64(size[c])) * 2.0
    if kind == 1:
        return np.float64(size[c]) / np.float64(nv)
    return np.float64(size[c])


@njit(cache=True)
def clause_stats(size, pos, nv, kind):
    """:func:`stats` of the per-clause values ``kind`` (:func:`_clause_value`), no array of them made.

    The same sequential sums in the same order as :func:`stats` over the array, so the
    same bits; Basic's two float arrays per clause (20 MB at 3e5 variables) are not
    needed. ``nv`` > 0 for ``kind`` 1 (the driver keeps NumPy for ``nv == 0``).
    """
    total = 0.0
    n = 0
    lo = float(1 << 30)
    hi = 0.0
    for c in range(size.size):
        x = _clause_value(size, pos, nv, kind, c)
        if x == RESERVED:
            continue
        total += x
        n += 1
        lo = lo if lo < x else x
        hi = hi if hi > x else x
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    mean = total / n
    acc = 0.0
    for c in range(size.size):
        x = _clause_value(size, pos, nv, kind, c)
        if x == RESERVED:
            continue
        acc += (x - mean) * (x - mean)
    sd = np.sqrt(acc / n)
    cv = 0.0 if (abs(mean) < EPSILON and sd < EPSILON) else sd / mean
    return mean, sd, cv, lo, hi


@njit(cache=True)
def clause_balance_entropy(size, pos):
    """:func:`entropy_binned` (100 bins over [0, 1]) of POSNEG_RATIO_CLAUSE, no array made."""
    bins = 100
    counts = np.zeros(bins + 1, dtype=np.int64)
    width = float(1) / float(bins)
    n = 0
    for c in range(size.size):
        x = _clause_value(size, pos, 1, 0, c)
        if x == RESERVED:
            continue
        counts[_bin_of(x, width, bins)] += 1
        n += 1
    return _histogram_entropy(counts, n)


@njit(cache=True)
def clause_size_entropy(size, nvals):
    """:func:`entropy_counts` of the clause sizes (values 0..nvals-1), no float array made."""
    counts = np.zeros(nvals, dtype=np.int64)
    n = 0
    for c in range(size.size):
        counts[int(np.float64(size[c]))] += 1
        n += 1
    return _histogram_entropy(counts, n)


# -- KLB: variable graph ------------------------------------------------------------


@njit(cache=True)
def variable_work(roffs, occ_offsets, occ, work):
    """``work[v]``: the total size of variable v's clauses (its degree scan's work).

    A kernel rather than NumPy gathers, which would hold int64 arrays the size of the
    formula.
    """
    for v in range(work.size):
        w = 0
        for j in range(occ_offsets[2 * v], occ_offsets[2 * v + 2]):
            c = occ[j]
            w += roffs[c + 1] - roffs[c]
        work[v] = w


@njit(cache=True)
def variable_graph_degrees(rlits, roffs, occ_offsets, occ, lo, hi, stamp, degree):
    """Degree of variables lo..hi-1 in the variable graph (co-occurrence in a clause).

    ``stamp`` (int64, nvars + 1, initially -1) marks the neighbours already counted for
    the current variable, so each variable costs the total size of its clauses instead
    of SATzilla's pass over every variable (quadratic in the number of variables).
    Variables without occurrences are left alone.
    """
    for v in range(lo, hi):
        d = 0
        stamp[v] = v
        for code in (2 * v, 2 * v + 1):
            for j in range(occ_offsets[code], occ_offsets[code + 1]):
                c = occ[j]
                for i in range(roffs[c], roffs[c + 1]):
                    u = abs(rlits[i])
                    if stamp[u] != v:
                        stamp[u] = v
                        d += 1
        degree[v] = d


# -- CG: clause graph ---------------------------------------------------------------


@njit(cache=True)
def clause_graph_degrees(rlits, roffs, occ_offsets, occ, lo, hi, stamp, degree):
    """``degree[c]`` for clauses lo..hi-1 in the clause graph, no edge stored.

    Two clauses are adjacent when some variable occurs in them with opposite signs
    (SATzilla's ``neighborClauses``: the clauses containing the negation of one of
    the clause's literals). ``stamp`` (int32, nclauses, initially -1) dedups them.
    """
    for c in range(lo, hi):
        d = 0
        for i in range(roffs[c], roffs[c + 1]):
            lit = rlits[i]
            code = (2 * abs(lit) + (1 if lit < 0 else 0)) ^ 1
            for j in range(occ_offsets[code], occ_offsets[code + 1]):
                e = occ[j]
                if stamp[e] != c:
                    stamp[e] = c
                    d += 1
        degree[c] = d


@njit(cache=True)
def neighbourhood_scan(rlits, roffs, occ_offsets, scan):
    """``scan[c]``: the occurrences of the negations of clause c's literals (its scan's work).

    A kernel rather than NumPy gathers, which would hold three int64 arrays the size
    of the formula.
    """
    for c in range(roffs.size - 1):
        w = 0
        for i in range(roffs[c], roffs[c + 1]):
            lit = rlits[i]
            code = (2 * abs(lit) + (1 if lit < 0 else 0)) ^ 1
            w += occ_offsets[code + 1] - occ_offsets[code]
        scan[c] = w


@njit(cache=True)
def oriented_work(out_offsets, out, out_len, work):
    """``work[u]``: the out-lists of u's out-neighbours (the oriented triangle count's work on u)."""
    for u in range(out_offsets.size - 1):
        w = 0
        for j in range(out_offsets[u], out_offsets[u + 1]):
            w += out_len[out[j]]
        work[u] = w


@njit(cache=True)
def clause_graph_oriented(rlits, roffs, occ_offsets, occ, lo, hi, stamp, degree, out_offsets, out):
    """The out-neighbours of clauses lo..hi-1 in the degree-oriented clause graph, in one pass.

    Straight from the occurrence lists, once the degrees are known: a neighbour ``e``
    of ``c`` is kept when ``(degree[e], e) > (degree[c], c)``,
    so each edge is stored once and the two-way edge list is never built (a third of
    its memory). The usual orientation for triangle counting: every node keeps at most
    O(sqrt(edges)) out-neighbours, which bounds the count's work by O(edges ** 1.5).
    ``out`` holds exactly one entry per edge (the degree pass counted them), so the
    lists are written in clause order as found: ``out_offsets[lo]`` must be set (by
    the previous range), and ``out_offsets[c + 1]`` is written for each clause; a
    separate counting pass (a third scan of every neighbourhood) is not needed.
    ``stamp`` as in :func:`clause_graph_degrees`.
    """
    k = out_offsets[lo]
    for c in range(lo, hi):
        dc = degree[c]
        for i in range(roffs[c], roffs[c + 1]):
            lit = rlits[i]
            code = (2 * abs(lit) + (1 if lit < 0 else 0)) ^ 1
            for j in range(occ_offsets[code], occ_offsets[code + 1]):
                e = occ[j]
                if stamp[e] != c:
                    stamp[e] = c
                    de = degree[e]
                    if de > dc or (de == dc and e > c):
                        out[k] = e
                        k += 1
        out_offsets[c + 1] = k


@njit(cache=True)
def count_triangles(out_offsets, out, lo, hi, mark, triangles):
    """Add to ``triangles[x]`` the triangles found from nodes lo..hi-1 (each found once).

    ``mark`` (int64, n, initially -1) flags the out-neighbours of the current node.
    """
    for u in range(lo, hi):
        for j in range(out_offsets[u], out_offsets[u + 1]):
            mark[out[j]] = u
        for j in range(out_offsets[u], out_offsets[u + 1]):
            v = out[j]
            for k in range(out_offsets[v], out_offsets[v + 1]):
                w = out[k]
                if mark[w] == u:
                    triangles[u] += 1
                    triangles[v] += 1
                    triangles[w] += 1


# Dense clause graphs (random k-CNF with large k: every clause has a good fraction of
# all clauses as neighbours) make the oriented count slow; there, rows of bits and
# popcounts of their intersections do the same count with sequential word operations.

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


@njit(cache=True)
def _popcount(x):
    # The SWAR bit count; LLVM turns it into the popcnt instruction where there is one.
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return (x * _H01) >> np.uint64(56)


# Dense clause graphs without an edge list: the rows of bits are filled straight from
# the occurrence lists (no adjacency array, whose 4-byte entries are 256 times the
# bits' size), then triangles are counted exactly or, past a work budget, estimated.


@njit(cache=True)
def clause_graph_bits(rlits, roffs, occ_offsets, occ, lo, hi, bits):
    """Set ``bits[c]`` to the clause-graph neighbours of clauses lo..hi-1.

    Setting a bit twice is harmless, so no stamp is needed; the cost is the clause's
    neighbourhood scan (the occurrences of its literals' negations).
    """
    for c in range(lo, hi):
        for i in range(roffs[c], roffs[c + 1]):
            lit = rlits[i]
            code = (2 * abs(lit) + (1 if lit < 0 else 0)) ^ 1
            for j in range(occ_offsets[code], occ_offsets[code + 1]):
                e = occ[j]
                bits[c, e >> 6] |= np.uint64(1) << np.uint64(e & 63)


@njit(cache=True)
def count_triangles_rows(bits, lo, hi, shared):
    """Add ``|N(u) & N(v)|`` to ``shared[u]`` and ``shared[v]`` for every edge u < v, u in lo..hi-1.

    Each edge is intersected once (half the work of intersecting it from both ends);
    afterwards ``shared[u]`` is twice the number of triangles through ``u``.
    """
    words = bits.shape[1]
    for u in range(lo, hi):
        for k in range(u >> 6, words):
            w = bits[u, k]
            if k == (u >> 6):  # only neighbours above u
                w &= ~((np.uint64(2) << np.uint64(u & 63)) - np.uint64(1))
            while w:
                t = w & (~w + np.uint64(1))
                v = (k << 6) + np.int64(_popcount(t - np.uint64(1)))
                w ^= t
                acc = np.uint64(0)
                for q in range(words):
                    acc += _popcount(bits[u, q] & bits[v, q])
                shared[u] += np.int64(acc)
                shared[v] += np.int64(acc)


@njit(cache=True)
def _splitmix64(state):
    # One step of SplitMix64 (Steele, Lea, Flood 2014): (new state, output).
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


@njit(cache=True)
def sample_triangles_rows(bits, degree, lo, hi, samples, seed, nbuf, triangles, noise):
    """Triangles through clauses lo..hi-1, exact up to ``samples`` neighbours, else estimated.

    ``triangles[u] = 1/2 sum_{v in N(u)} |N(u) & N(v)|``. A clause with at most
    ``samples`` neighbours gets the exact sum; otherwise ``samples`` distinct neighbours
    are drawn uniformly (a partial Fisher-Yates shuffle driven by SplitMix64 seeded
    with ``seed`` and ``u``, so the result depends neither on chunking nor on order)
    and the sum is scaled by ``degree[u] / samples``: an unbiased estimate whose error
    on the clustering coefficient has standard deviation at most
    ``sd_v(|N(u) & N(v)| / (deg - 1)) / sqrt(samples)`` (sampling without replacement
    only shrinks it). ``nbuf`` (int32, at least the largest degree) is scratch space.
    ``noise[u]`` gets the estimated variance of u's clustering coefficient (0 where
    exact): ``s^2 / ((d + 1)^2 samples) * (d - samples) / (d - 1)`` with ``s^2`` the
    sample variance of the common-neighbour counts, so that the driver can take the
    sampling noise out of the coefficient of variation.
    """
    words = bits.shape[1]
    for u in range(lo, hi):
        d = 0
        for k in range(words):
            w = bits[u, k]
            while w:
                t = w & (~w + np.uint64(1))
                nbuf[d] = (k << 6) + np.int64(_popcount(t - np.uint64(1)))
                w ^= t
                d += 1
        r = d if d <= samples else samples
        state = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(u)
        acc = np.uint64(0)
        sq = 0.0
        for i in range(r):
            if r < d:
                state, z = _splitmix64(state)
                j = i + np.int64(z % np.uint64(d - i))
                tmp = nbuf[i]
                nbuf[i] = nbuf[j]
                nbuf[j] = tmp
            v = nbuf[i]
            common = np.uint64(0)
            for q in range(words):
                common += _popcount(bits[u, q] & bits[v, q])
            acc += common
            sq += np.float64(common) * np.float64(common)
        triangles[u] = 0.5 * np.float64(acc) * (np.float64(d) / np.float64(r)) if r > 0 else 0.0
        if 1 < r < d:
            mean = np.float64(acc) / r
            s2 = max(0.0, (sq - r * mean * mean) / (r - 1))
            noise[u] = s2 / ((d + 1.0) * (d + 1.0) * r) * (d - r) / (d - 1.0)
        else:
            noise[u] = 0.0


#: The kernels compiled ahead of time into ``asc._cnf_kernels`` (:mod:`asc._build_kernels`), with
#: the argument types :mod:`asc.features.satzilla` passes (any other call runs the Numba kernel:
#: :func:`asc.instances._jit.use_compiled`). The helpers they call are compiled into them.
AOT_SIGNATURES = {
    "first_to_normalise": "(i4[::1], i8[::1], i8, i8)",
    "normalise_clauses": "(i4[::1], i8[::1])",
    "normalise_into": "(i4[::1], i8[::1], i8, i8, i4[::1], i8[::1], i8, i8)",
    "occurrence_count": "(i4[::1], i8[::1], i8, i8, i8[::1])",
    "occurrence_fill": "(i4[::1], i8[::1], i8, i8, i8[::1], i4[::1])",
    "unit_propagate": "(i4[::1], i8[::1], i8, i8[::1], i4[::1])",
    "reduced_formula": "(i4[::1], i8[::1], i1[::1], u1[::1])",
    "stats": "(f8[::1],)",
    "entropy_binned": "(f8[::1], i8, i8)",
    "entropy_counts": "(f8[::1], i8)",
    "clause_stats": "(i4[::1], i4[::1], i8, i8)",
    "clause_balance_entropy": "(i4[::1], i4[::1])",
    "clause_size_entropy": "(i4[::1], i8)",
    "clause_counts": "(i4[::1], i8[::1], i8, i8, i4[::1], i4[::1], i8[::1], i8[::1], i8[::1])",
    "variable_work": "(i8[::1], i8[::1], i4[::1], i8[::1])",
    "variable_graph_degrees": "(i4[::1], i8[::1], i8[::1], i4[::1], i8, i8, i4[::1], i8[::1])",
    "clause_graph_degrees": "(i4[::1], i8[::1], i8[::1], i4[::1], i8, i8, i4[::1], i8[::1])",
    "neighbourhood_scan": "(i4[::1], i8[::1], i8[::1], i8[::1])",
    "oriented_work": "(i8[::1], i4[::1], i8[::1], i8[::1])",
    "clause_graph_oriented": "(i4[::1], i8[::1], i8[::1], i4[::1], i8, i8, i4[::1], i4[::1], i8[::1], i4[::1])",
    "count_triangles": "(i8[::1], i4[::1], i8, i8, i4[::1], i8[::1])",
    "clause_graph_bits": "(i4[::1], i8[::1], i8[::1], i4[::1], i8, i8, u8[:, ::1])",
    "count_triangles_rows": "(u8[:, ::1], i8, i8, i8[::1])",
    "sample_triangles_rows": "(u8[:, ::1], i8[::1], i8, i8, i8, i8, i4[::1], f8[::1], f8[::1])",
}

use_compiled(globals(), AOT_SIGNATURES)
