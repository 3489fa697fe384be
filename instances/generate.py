"""Rebuild the bundled training set: cnfgen formulas, copies from ../shared, and MANIFEST.csv.

Run from the project root::

    python instances/generate.py            # writes instances/generated/, instances/shared/, MANIFEST.csv
    python instances/generate.py --check    # rebuilds in memory and compares with the committed files

Every formula is produced by the ``cnfgen`` package (CNFgen 0.9.x) with an explicit
seed; the exact command is recorded in ``instances/MANIFEST.csv`` (column
``generator``) and in the file's first comment line. cnfgen's own header is dropped
because it carries the current year, which would make the output change over time.
The xz stream is written with a fixed preset, so the files are byte-identical on
every run with the same cnfgen version.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import lzma
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "generated"
SHARED_OUT = HERE / "shared"
MANIFEST = HERE / "MANIFEST.csv"
#: ../shared/instances beside the project root (only needed to rebuild the copies).
SHARED_SRC = HERE.parent.parent / "shared" / "instances"
CNFGEN_LICENCE = "CC0-1.0 (formula generated with CNFgen, GPL-3.0 tool; generator output)"

# (file stem, family, cnfgen arguments after `cnfgen -q -S <seed>`, seed, expected answer or None)
# Sizes were chosen (by timing the default portfolio) so that runs take about 0.01-10 s
# and different solvers win on different families. Expected answers come from theory
# (pigeonhole, Tseitin with odd charge, ordering, parity with odd N and subset
# cardinality are unsatisfiable) or are left empty for random formulas, where the
# collected runs (with checked models) decide them.
SPEC: list[tuple[str, str, list[str], int, str | None]] = [
    # random 3-CNF at the satisfiability threshold (m = 4.26 n)
    *[(f"rand3-n{n}-s{s}", "gen-rand3", ["randkcnf", "3", str(n), str(round(4.26 * n))], s, None)
      for n, seeds in ((200, (1, 2, 3)), (300, (1,))) for s in seeds],
    # random 4-CNF at the threshold (m = 9.93 n)
    *[(f"rand4-n{n}-s{s}", "gen-rand4", ["randkcnf", "4", str(n), str(round(9.93 * n))], s, None)
      for n, seeds in ((90, (1, 2)),) for s in seeds],
    # random 3-CNF above the threshold with a planted solution (always satisfiable)
    *[(f"rand3-planted-n{n}-s{s}", "gen-rand3-planted", ["randkcnf", "-p", "3", str(n), str(round(4.5 * n))], s, "SAT")
      for n, seeds in ((2000, (2,)),) for s in seeds],
    # pigeonhole principle, M pigeons into N holes
    *[(f"php-{m}-{n}", "gen-php", ["php", str(m), str(n)], 1, "UNSAT") for m, n in ((8, 7), (9, 8), (10, 9))],
    ("php-10-10", "gen-php", ["php", "10", "10"], 1, "SAT"),
    # Tseitin formulas with random odd charge on random 4-regular graphs and grids
    *[(f"tseitin-gnd{n}-s{s}", "gen-tseitin", ["tseitin", "randomodd", "gnd", str(n), "4"], s, "UNSAT")
      for n, seeds in ((14, (1,)), (18, (1, 2)), (22, (1,))) for s in seeds],
    ("tseitin-grid4x6", "gen-tseitin", ["tseitin", "randomodd", "grid", "4", "6"], 1, "UNSAT"),
    ("tseitin-even-gnd40", "gen-tseitin", ["tseitin", "randomeven", "gnd", "40", "4"], 1, "SAT"),
    # graph 3-colouring of random graphs around the threshold (about 2.3 n edges)
    *[(f"kcolor3-gnm{n}-{m}-s{s}", "gen-kcolor", ["kcolor", "3", "gnm", str(n), str(m)], s, None)
      for n, m, seeds in ((100, 225, (1, 2)), (150, 345, (1, 2)), (200, 460, (1,))) for s in seeds],
    # ordering principle and graph ordering principle
    *[(f"op-{n}", "gen-op", ["op", str(n)], 1, "UNSAT") for n in (15, 25)],
    # k-clique in random graphs
    *[(f"kclique{k}-gnp{n}-{p}-s{s}", "gen-kclique", ["kclique", str(k), "gnp", str(n), p], s, None)
      for k, n, p, s in ((5, 60, "0.3", 1), (5, 80, "0.25", 2), (6, 60, "0.45", 1), (4, 100, "0.15", 3))],
    # parity principle with an odd number of elements
    *[(f"parity-{n}", "gen-parity", ["parity", str(n)], 1, "UNSAT") for n in (7, 9, 11)],
    # subset cardinality on random regular bipartite graphs plus one edge
    *[(f"subsetcard-{n}-s{s}", "gen-subsetcard", ["subsetcard", str(n)], s, "UNSAT")
      for n, s in ((8, 1), (10, 1), (12, 2))],
]



# Files copied verbatim from ../shared/instances (family folder / file stem). Chosen small
# (all under 200 kB uncompressed) and spread over the families; solve times range from
# trivial (edge cases) to beyond the 10 s cutoff for most solvers (hole10), where one
# solver (kissat) still wins. Instances that no solver decided within 10 s on the
# development machine were left out: they only cost collection time.
SHARED: list[str] = [
    "satlib-uf50/uf50-01", "satlib-uf50/uuf50-01",
    "satlib-uf200-250/uf225-01", "satlib-uf200-250/uuf225-01", "satlib-uf200-250/uf250-01",
    "satlib-uf200-250/uf250-027", "satlib-uf200-250/uuf250-01", "satlib-uf200-250/uuf250-045",
    "satlib-flat/flat150-1", "satlib-flat/flat200-1", "satlib-flat/flat200-27",
    "dimacs-aim/aim-200-1_6-yes1-3", "dimacs-aim/aim-200-2_0-no-2",
    "dimacs-dubois/dubois50", "dimacs-dubois/dubois100",
    "dimacs-ii/ii8b2", "dimacs-ii/ii32c2",
    "dimacs-jnh/jnh1", "dimacs-jnh/jnh215",
    "dimacs-parity/par16-1-c", "dimacs-parity/par16-2",
    "dimacs-phole/hole8", "dimacs-phole/hole9", "dimacs-phole/hole10",
    "dimacs-pret/pret60_25", "dimacs-pret/pret150_40",
    "sat09-random/unif-k5-r21.3-v90-c1917-S1040456712-073",
    "satch-crafted/add8", "satch-crafted/prime49", "satch-crafted/false",
    "satlib-blocksworld/bw_large.a", "satlib-blocksworld/huge",
    "satlib-bmc/bmc-ibm-2",
    "satlib-logistics/logistics.a", "satlib-logistics/logistics.c",
    "satlib-qg/qg3-08", "satlib-qg/qg4-08",
]

# Licence of each source repository's files, as far as it is known.
LICENCES = {
    "teeaychem/otter_sat": "SATLIB benchmark (Hoos & Stuetzle, satlib.org): free for research use; "
                           "no licence file in the mirror",
    "arminbiere/satch": "MIT (satch LICENSE, Armin Biere)",
    "shnarazk/SAT-bench": "SAT Competition 2009 benchmark, public competition instance; no licence file in the mirror",
}


def documented_answer(family: str, stem: str) -> str | None:
    """Answers that SATLIB/DIMACS document for a whole family or encode in the file name."""
    if family in ("satlib-uf50", "satlib-uf200-250"):
        return "UNSAT" if stem.startswith("uuf") else "SAT"
    if family == "dimacs-aim":
        return "SAT" if "-yes" in stem else "UNSAT"
    if family in ("dimacs-dubois", "dimacs-pret", "dimacs-phole"):
        return "UNSAT"
    if family in ("satlib-flat", "dimacs-parity", "dimacs-ii", "satlib-logistics", "satlib-blocksworld"):
        return "SAT"  # satisfiable by construction (SATLIB descriptions of these families)
    return None


def shared_rows(check: bool) -> tuple[list[dict[str, str]], int]:
    """Copy the SHARED files (or compare them) and return their manifest rows."""
    index = {}
    with (SHARED_SRC / "MANIFEST.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            index[row["file"]] = row
    rows, differ = [], 0
    for entry in SHARED:
        family, stem = entry.split("/")
        rel = f"{family}/{stem}.cnf.xz"
        src = index[rel]
        data = (SHARED_SRC / rel).read_bytes()
        target = SHARED_OUT / rel
        if check:
            differ += int(not target.is_file() or target.read_bytes() != data)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        known = (src.get("known_status") or "").strip().upper()
        documented = documented_answer(family, stem)
        if known and documented and known != documented:
            raise SystemExit(f"{rel}: manifest says {known}, family documents {documented}")
        rows.append({
            "file": f"shared/{rel}", "family": family, "source": f"github.com/{src['source_repo']}",
            "source_commit": src["source_commit"], "source_path": src["source_path"],
            "licence": LICENCES.get(src["source_repo"], "unknown"),
            "expected": known or documented or "",
            "expected_source": "shared manifest" if known else ("family documentation" if documented else ""),
            "generator": "", "bytes_uncompressed": src["bytes_uncompressed"],
        })
    return rows, differ

def command(args: list[str], seed: int) -> list[str]:
    """The full cnfgen command line of one instance (as recorded in the manifest)."""
    return ["cnfgen", "-q", "-S", str(seed), *args]


def generate(args: list[str], seed: int) -> bytes:
    """The DIMACS text of one instance, with a comment naming its generator command."""
    from cnfgen.clitools import cnfgen as cnfgen_main

    argv = command(args, seed)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cnfgen_main(argv)
    return (f"c generated by asc instances/generate.py: {' '.join(argv)}\n" + buf.getvalue()).encode()


def compress(data: bytes) -> bytes:
    """xz with a fixed preset and check, so the bytes depend only on the input."""
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9)


def generated_rows(check: bool) -> tuple[list[dict[str, str]], int]:
    """Write (or compare) the cnfgen formulas and return their manifest rows."""
    from importlib.metadata import version

    cnfgen_version = version("CNFgen")

    rows, differ = [], 0
    for stem, family, gen_args, seed, expected in SPEC:
        path = OUT / f"{stem}.cnf.xz"
        text = generate(gen_args, seed)
        data = compress(text)
        if check:
            differ += int(not path.is_file() or path.read_bytes() != data)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        rows.append({
            "file": f"generated/{stem}.cnf.xz", "family": family,
            "source": f"cnfgen {cnfgen_version} (instances/generate.py)", "source_commit": "", "source_path": "",
            "licence": CNFGEN_LICENCE, "expected": expected or "",
            "expected_source": "theory" if expected else "",
            "generator": " ".join(command(gen_args, seed)), "bytes_uncompressed": str(len(text)),
        })
    return rows, differ


COLUMNS = ["file", "family", "expected", "expected_source", "source", "source_commit", "source_path", "licence",
           "generator", "bytes_uncompressed"]


def manifest_text(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: r["file"]))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args(argv)
    gen, differ = generated_rows(args.check)
    if SHARED_SRC.is_dir():
        shared, d2 = shared_rows(args.check)
    else:
        # Without ../shared the copies cannot be rebuilt: keep their committed manifest rows.
        print(f"{SHARED_SRC} not found: shared copies left as they are", file=sys.stderr)
        with MANIFEST.open(newline="") as fh:
            shared, d2 = [r for r in csv.DictReader(fh) if r["file"].startswith("shared/")], 0
    text = manifest_text(gen + shared)
    if args.check:
        d3 = int(not MANIFEST.is_file() or MANIFEST.read_text() != text)
        differ += d2 + d3
        print(f"{len(gen) + len(shared)} instances checked; {differ} files differ", file=sys.stderr)
        return 1 if differ else 0
    MANIFEST.write_text(text)
    print(f"{len(gen)} generated + {len(shared)} shared instances written; manifest {MANIFEST}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
