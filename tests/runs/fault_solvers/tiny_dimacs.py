"""What the fault solvers that answer share: a tiny DIMACS reader and a brute-force model search.

Deliberately not asc's reader: a fault solver stands for an outside program and must not
depend on the code it tests. Small formulas only (brute force over every assignment).
Scripts in this folder import it directly (their folder is ``sys.path[0]``); others put
this folder on ``sys.path`` first.
"""
import itertools


def read(path):
    """``(nvars, clauses, comments)`` of a DIMACS file: clauses as lists of ints, comment lines as read."""
    clauses, cur, nvars, comments = [], [], 0, []
    for line in open(path):
        if line.startswith(("c", "p", "%")):
            if line.startswith("p"):
                nvars = int(line.split()[2])
            elif line.startswith("c"):
                comments.append(line)
            continue
        for tok in line.split():
            lit = int(tok)
            if lit == 0:
                clauses.append(cur)
                cur = []
            else:
                cur.append(lit)
    return nvars, clauses, comments


def model(nvars, clauses):
    """The first satisfying assignment in lexicographic order as a ``v`` line body, or None if UNSAT."""
    for bits in itertools.product((False, True), repeat=nvars):
        if all(any(bits[abs(lit) - 1] == (lit > 0) for lit in c) for c in clauses):
            return " ".join(str(v if b else -v) for v, b in enumerate(bits, 1)) + " 0"
    return None
