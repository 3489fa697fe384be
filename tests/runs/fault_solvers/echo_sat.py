"""A well-behaved control: brute-forces a model of a small formula (<= 20 variables)."""
import itertools
import sys

clauses, cur, nvars = [], [], 0
for line in open(sys.argv[1]):
    if line.startswith(("c", "p", "%")):
        if line.startswith("p"):
            nvars = int(line.split()[2])
        continue
    for tok in line.split():
        lit = int(tok)
        if lit == 0:
            clauses.append(cur)
            cur = []
        else:
            cur.append(lit)
for bits in itertools.product((False, True), repeat=nvars):
    if all(any(bits[abs(l) - 1] == (l > 0) for l in c) for c in clauses):
        print("s SATISFIABLE")
        print("v " + " ".join(str(v if b else -v) for v, b in enumerate(bits, 1)) + " 0")
        sys.exit(10)
print("s UNSATISFIABLE")
sys.exit(20)
