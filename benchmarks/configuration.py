"""Solver configuration with ``asc configure``: held-out gain of the incumbent over the default.

A script, not a test. For each family and budget it runs the real command
(``python -m asc configure ... --format json``) on generated training and test
instances and prints the held-out PAR10 ratio (default / configured), the
per-instance speedup (geometric mean, median, faster on k of n), the solved counts,
the trials run and SMAC's own seconds per trial measured in the same run.

Families (generated with cnfgen, seeded, into ``--work``):

* ``rand3-n250``: random 3-CNF at the satisfiability threshold (n = 250, m = 1065,
  about half satisfiable), CaDiCaL 1.9.5 (``portfolios/cadical195-space.toml``).
  Chosen because it is homogeneous (one generator, one size: what configuration
  needs), because the default takes about a second with a tail of several seconds
  within a 5 s cutoff, and because random formulas are known to prefer settings far
  from an industrial solver's defaults (less inprocessing, other restart and
  mode-switching policies); it is the family of the issue's hand-made measurement.
* ``h2-nN``: random 3-CNF with a *2-hidden* planted assignment at the threshold ratio
  (n = N, m = round(4.26 N)): every clause is satisfied by a seeded random assignment
  and by its complement (Achlioptas, Jia and Moore, "Hiding satisfying assignments",
  AAAI 2005), so every formula is satisfiable without a solver's pre-screen (which
  would bias the family towards what that solver finds fast) and without the
  majority-vote bias of plainly planted formulas. CaDiCaL 1.9.5 with the same space.
  Chosen because the default's runtime grows steeply with n here while a solver run as
  a local-search engine (stable mode only, long random-walk phases: options of the
  space) stays fast: at n = 650 the default times out at 5 s on part of the family.
* ``rand3-n250-minisat``: the same instances, MiniSat 2.2 through python-sat with the
  wrapper's ``phase`` parameter only: a one-parameter space, a floor to compare with.
* ``h2-nN-cms``: the planted family of size N, CryptoMiniSat 5 through pycryptosat
  (``portfolios/cryptominisat5-space.toml``), for a second solver on the family where
  CaDiCaL's configuration paid.

Usage::

    python benchmarks/configuration.py [--budgets 300,900,1800] [--families rand3-n250] [--train 20] [--test 20]
        [--cutoff 5] [--jobs 1] [--work DIR]

Each budget is a fresh search in its own store (``--work``/FAMILY/BUDGET/), so the
figures do not share trials; rerunning the script resumes unfinished searches and
prints finished ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MINISAT = """name = "minisat-phase"
[[algorithm]]
name = "minisat22-phase"
pysat = "minisat22"
[algorithm.parameters]
phase = { type = "categorical", choices = ["solver", "pos", "neg"], default = "solver" }
"""


def generate(folder: Path, n: int, m: int, seeds: range) -> Path:
    """Random 3-CNF formulas from cnfgen (``randkcnf 3 n m``), one file per seed, written once."""
    folder.mkdir(parents=True, exist_ok=True)
    cnfgen = Path(sys.executable).with_name("cnfgen")
    for s in seeds:
        path = folder / f"rand3-n{n}-m{m}-s{s}.cnf"
        if not path.exists():
            text = subprocess.run([str(cnfgen), "-q", "-S", str(s), "randkcnf", "3", str(n), str(m)], check=True,
                                  capture_output=True, text=True).stdout
            path.write_text(text)
    return folder


def planted_2hidden(n: int, m: int, seed: int) -> str:
    """A 2-hidden planted 3-CNF (DIMACS text): uniform clauses kept when the hidden assignment
    satisfies one or two of their literals (so its complement satisfies them too)."""
    import random

    rng = random.Random(seed)
    hidden = [rng.random() < 0.5 for _ in range(n)]
    clauses: list[list[int]] = []
    while len(clauses) < m:
        vs = rng.sample(range(1, n + 1), 3)
        clause = [v if rng.random() < 0.5 else -v for v in vs]
        true = sum((lit > 0) == hidden[abs(lit) - 1] for lit in clause)
        if 0 < true < 3:
            clauses.append(clause)
    return f"c 2-hidden planted 3-SAT n={n} m={m} seed={seed}\np cnf {n} {m}\n" + "".join(
        " ".join(map(str, c)) + " 0\n" for c in clauses)


def generate_planted(folder: Path, n: int, seeds: range) -> Path:
    """2-hidden planted formulas at ratio 4.26, one file per seed, written once."""
    folder.mkdir(parents=True, exist_ok=True)
    m = round(4.26 * n)
    for s in seeds:
        path = folder / f"h2-n{n}-m{m}-s{s}.cnf"
        if not path.exists():
            path.write_text(planted_2hidden(n, m, s))
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budgets", default="300,900,1800", help="seconds of search, comma-separated")
    ap.add_argument("--families", default="rand3-n250,rand3-n250-minisat,h2-n650",
                    help="comma-separated; h2-nN for any N (planted family of that size), h2-nN-cms with CryptoMiniSat")
    ap.add_argument("--train", type=int, default=20)
    ap.add_argument("--test", type=int, default=20)
    ap.add_argument("--cutoff", type=float, default=5.0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", default=str(ROOT / ".bench-configuration"))
    args = ap.parse_args()
    work = Path(args.work)
    rand = (generate(work / "rand3-n250" / "train", 250, 1065, range(1, 1 + args.train)),
            generate(work / "rand3-n250" / "test", 250, 1065, range(1001, 1001 + args.test)))
    (work / "minisat.toml").write_text(MINISAT)
    cadical = (ROOT / "portfolios" / "cadical195-space.toml", "cadical195-space")
    families = {"rand3-n250": (*cadical, *rand), "rand3-n250-minisat": (work / "minisat.toml", "minisat22-phase", *rand)}
    cms = (ROOT / "portfolios" / "cryptominisat5-space.toml", "cryptominisat5-space")
    for family in args.families.split(","):
        if family.startswith("h2-n"):
            size = family[4:].removesuffix("-cms")
            n = int(size)
            files = work / f"h2-n{size}"  # the CryptoMiniSat family shares the CaDiCaL family's instances
            families[family] = (*(cms if family.endswith("-cms") else cadical),
                                generate_planted(files / "train", n, range(1, 1 + args.train)),
                                generate_planted(files / "test", n, range(1001, 1001 + args.test)))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    print(f"# configuration benchmark: cutoff {args.cutoff:g} s, {args.train} training / {args.test} test instances, "
          f"jobs {args.jobs}, load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| family | solver | budget s | trials | SMAC s/trial | held-out PAR10 default | configured | ratio | "
          "speedup geomean | median | faster | solved default / configured |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for family in args.families.split(","):
        portfolio, algorithm, train, test = families[family]
        for budget in (float(b) for b in args.budgets.split(",")):
            out = work / family / f"{budget:g}"
            out.mkdir(parents=True, exist_ok=True)
            cmd = [sys.executable, "-m", "asc", "configure", "--portfolio", str(portfolio), "--algorithm", algorithm,
                   "--instances", str(train), "--test-instances", str(test), "--budget", f"{budget:g}",
                   "--cutoff-time", f"{args.cutoff:g}", "--jobs", str(args.jobs), "--seed", str(args.seed),
                   "--db", str(out / "runs.sqlite"), "-o", str(out / "RESULT.toml"), "--format", "json",
                   "--no-progress"]
            t0 = time.monotonic()
            res = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if res.returncode != 0:
                print(f"| {family} | {algorithm} | {budget:g} | failed: {res.stderr.strip()[-200:]} |")
                continue
            d = json.loads(res.stdout)
            t, v = d["training"], d["validation"]
            print(f"| {family} | {algorithm} | {budget:g} | {t['trials']} | {t['smac_overhead_per_trial']:.3f} | "
                  f"{v['default_par10']:.3f} | {v['configured_par10']:.3f} | {v['par10_ratio']:.2f} | "
                  f"{v['speedup_geomean']:.2f} | {v['speedup_median']:.2f} | {v['faster']}/{v['instances']} | "
                  f"{v['default_solved']} / {v['configured_solved']} |", flush=True)
            print(f"<!-- {family} {budget:g}: incumbent {json.dumps(d['incumbent'], sort_keys=True)}; "
                  f"{time.monotonic() - t0:.0f} s wall -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
