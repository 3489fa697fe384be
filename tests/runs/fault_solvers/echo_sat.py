"""A well-behaved control: brute-forces a model of a small formula (<= 20 variables)."""
import sys

from tiny_dimacs import model, read

found = model(*read(sys.argv[1])[:2])
if found is not None:
    print("s SATISFIABLE")
    print("v " + found)
    sys.exit(10)
print("s UNSATISFIABLE")
sys.exit(20)
