"""Floods its stdout: MIB MiB of ``c`` lines (``forever``: without end), then answers.

MODE comments (default): after the flood, a correct model found by brute force (small
formulas only), as echo_sat.py, exit 10. MODE v: the flood is ``v 1 1 1 ...`` lines (a
model that never ends) instead of comments. MODE oneline: the flood is a single
comment line with no newline.
"""
import itertools
import sys

instance, amount = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "comments"
out = sys.stdout.buffer
if mode == "v":
    block = b"v " + b"1 " * 2**15 + b"\n"
elif mode == "oneline":
    out.write(b"c ")
    block = b"x" * 2**16
else:
    block = b"c flooding the harness with comments, line after line\n" * 1200
written, limit = 0, float("inf") if amount == "forever" else int(amount) * 2**20
while written < limit:
    out.write(block)
    written += len(block)
out.write(b"\n")
clauses, cur, nvars = [], [], 0
for line in open(instance):
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
        out.write(b"s SATISFIABLE\nv " + " ".join(str(v if b else -v) for v, b in enumerate(bits, 1)).encode()
                  + b" 0\n")
        out.flush()
        sys.exit(10)
out.write(b"s UNSATISFIABLE\n")
out.flush()
sys.exit(20)
