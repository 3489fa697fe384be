"""A parameterized fake SAT solver whose CPU time depends on its parameters (known optimum).

Usage::

    python param_solver.py INSTANCE [-alpha=F] [-mode=a|b|c] [-luby=true|false] [-level=K] [-seed=S]

It brute-forces a model of a small formula (<= 16 variables) and prints it in the
SAT-competition format (exit 10; UNSAT: exit 20), after burning CPU time

    size * (0.03 + 0.6 * (alpha - 0.2)**2 + {a: 0.25, b: 0.12, c: 0}[mode] + (0 if luby else 0.1)
            + 0.02 * |level - 7|)

where ``size`` is nvars / 10. The optimum is alpha = 0.2, mode = c, luby = true,
level = 7; the defaults (alpha 0.9, mode a, luby false, level 1) are about 15 times
slower. An instance with a comment line ``c best-mode M`` moves the mode's optimum there
(the chosen mode costs 0, any other 0.5): a family where no one configuration is best
everywhere, for Hydra. ``alpha > 0.97`` exits 3 at once without an answer (a crash region);
``-luby`` takes exactly ``true`` or ``false`` (anything else, such as numpy's
``False``, is a usage error: exit 1), so a configuration rendered wrongly crashes.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs" / "fault_solvers"))
from tiny_dimacs import model, read  # noqa: E402 - the fault solvers' tiny DIMACS reader

params = {"alpha": "0.9", "mode": "a", "luby": "false", "level": "1", "seed": "0"}
path = None
for arg in sys.argv[1:]:
    if arg.startswith("-") and "=" in arg:
        k, v = arg.lstrip("-").split("=", 1)
        if k not in params:
            print(f"unknown option {arg}", file=sys.stderr)
            sys.exit(1)
        params[k] = v
    else:
        path = arg
if params["luby"] not in ("true", "false") or params["mode"] not in ("a", "b", "c"):
    print(f"bad value in {sys.argv[1:]}", file=sys.stderr)
    sys.exit(1)
alpha, level = float(params["alpha"]), int(params["level"])
if alpha > 0.97:
    sys.exit(3)

nvars, clauses, comments = read(path)
best_mode = next((line.split()[2] for line in comments if line.startswith("c best-mode ")), None)

mode_cost = {"a": 0.25, "b": 0.12, "c": 0.0}[params["mode"]] if best_mode is None else (
    0.0 if params["mode"] == best_mode else 0.5)
cost = (0.03 + 0.6 * (alpha - 0.2) ** 2 + mode_cost
        + (0.0 if params["luby"] == "true" else 0.1) + 0.02 * abs(level - 7)) * max(nvars, 1) / 10
end = time.process_time() + cost
x = 0
while time.process_time() < end:
    x += 1
found = model(nvars, clauses)
if found is not None:
    print("s SATISFIABLE")
    print("v " + found, flush=True)
    sys.exit(10)
print("s UNSATISFIABLE", flush=True)
sys.exit(20)
