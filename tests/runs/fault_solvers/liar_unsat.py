"""Claims UNSAT, whatever the formula."""
import sys

print("s UNSATISFIABLE")
sys.exit(20)
