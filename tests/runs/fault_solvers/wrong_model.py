"""Claims SAT with the all-false assignment of the header's variables."""
import lzma
import sys

path = sys.argv[1]
opener = lzma.open if path.endswith(".xz") else open
with opener(path, "rt") as fh:
    nvars = next(int(line.split()[2]) for line in fh if line.startswith("p"))
print("s SATISFIABLE")
print("v " + " ".join(str(-v) for v in range(1, nvars + 1)) + " 0")
sys.exit(10)
