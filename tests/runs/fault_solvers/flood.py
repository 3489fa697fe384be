"""Floods its stdout: MIB MiB of ``c`` lines (``forever``: without end), then answers.

MODE comments (default): after the flood, a correct model found by brute force (small
formulas only), as echo_sat.py, exit 10. MODE v: the flood is ``v 1 1 1 ...`` lines (a
model that never ends) instead of comments. MODE oneline: the flood is a single
comment line with no newline.
"""
import sys

from tiny_dimacs import model, read

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
found = model(*read(instance)[:2])
if found is not None:
    out.write(b"s SATISFIABLE\nv " + found.encode() + b"\n")
    out.flush()
    sys.exit(10)
out.write(b"s UNSATISFIABLE\n")
out.flush()
sys.exit(20)
