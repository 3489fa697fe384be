"""The instance pool of the SAT training campaign (issue 26): families, generation, calibration, selection.

Run from the project root (stages, each resumable and individually invocable)::

    python experiments/sat-campaign/campaign.py families             # the families and their calibrated sizes
    python experiments/sat-campaign/campaign.py calibrate [FAMILY..] # probe sizes with kissat404 (calibration.csv)
    python experiments/sat-campaign/campaign.py generate [--check]   # write (or verify) the candidate pool
    python experiments/sat-campaign/campaign.py select               # pre-screen store -> instances.txt
    python experiments/sat-campaign/campaign.py estimate             # how long the stages will take

``reproduce.sh`` chains them with ``asc collect`` (the pre-screen and the campaign), ``asc
features`` and ``asc runs export``.

**Families.** Each family is a cnfgen formula with one size parameter ``n`` (random k-SAT at the
threshold, with and without a planted solution, random 3-XOR, Tseitin on random 4-regular graphs,
3-colouring and 4-clique on random graphs, subset cardinality, pigeonhole on random bipartite
graphs, perfect matching on random odd graphs, and the deterministic pigeonhole, parity, mutilated
chessboard, Pythagorean-triples, counting, clique-colouring and binary pigeonhole formulas), plus the real benchmark families of
``../shared/instances`` (copied into the pool with their source recorded; the package never
needs them).

**Seeds.** Every generated file is ``cnfgen -q -S SEED ARGS`` with the seed in its name; cnfgen's
header (it carries the current year) is replaced by one comment naming the command, and the xz
stream is written with a fixed preset and check, so the same seed gives the same bytes (the
manifest records the SHA-256 of every uncompressed file and ``generate --check`` compares them).

**Calibration.** For each family, sizes from its ladder are tried in increasing order on the
calibration seeds with kissat404 (the single best of ``experiments/pysat-training``) under a short
cutoff; a family's climb stops at the first size whose slowest probe takes more than
``--stop-above`` seconds or times out. The pool then uses the sizes whose probes took roughly
1-60 s (:data:`CALIBRATED`, chosen by hand from ``calibration.csv`` and committed): a pool of
trivial or hopeless instances only costs collection time.

**Selection** (:func:`select_instances`): see its docstring; the rule is applied to the pre-screen
store (kissat404 alone at the campaign's cutoff of 60 s and 2 GiB).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import lzma
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
POOL = HERE / "instances"
MANIFEST = POOL / "MANIFEST.csv"
CANDIDATES = HERE / "candidates.txt"
CALIBRATION = HERE / "calibration.csv"
SELECTED = HERE / "instances.txt"
PRESCREEN_DB = HERE / "prescreen.sqlite"
#: ../shared/instances beside the project root: copied into the pool by ``generate``.
SHARED_SRC = ROOT.parent / "shared" / "instances"

#: The single best of experiments/pysat-training (PAR10 0.31 s at 10 s): the pre-screen's solver.
SCREENER = "kissat404"
CUTOFF = 60.0
MEM_MB = 2048.0


def _rand(k: int, ratio: float, plant: bool = False) -> Callable[[int], list[str]]:
    return lambda n: ["randkcnf", *(["-p"] if plant else []), str(k), str(n), str(round(ratio * n))]


@dataclass(frozen=True)
class Family:
    """A generated family: cnfgen arguments as a function of one size ``n``.

    Attributes
    ----------
    name
        Family name (the ``family`` column of the manifest; file names start with it).
    args
        ``n`` -> cnfgen arguments after ``cnfgen -q -S SEED``.
    ladder
        Sizes the calibration may try, increasing.
    seeded
        Whether the formula is random (one file per seed) or fixed by its size (one file per size).
    expected
        The answer theory gives for every member, or None.
    """

    name: str
    args: Callable[[int], list[str]] = field(repr=False)
    ladder: tuple[int, ...]
    seeded: bool = True
    expected: str | None = None


FAMILIES: tuple[Family, ...] = (
    # random k-CNF at the satisfiability threshold (about half SAT, half UNSAT)
    Family("rand3", _rand(3, 4.26), (200, 225, 250, 275, 300, 325, 350, 375, 400)),
    Family("rand5", _rand(5, 21.117), (60, 65, 70, 80, 90, 100, 110, 120)),
    Family("rand7", _rand(7, 87.79), (30, 35, 40, 45, 50, 55, 60)),
    # random 3-CNF above the threshold (4.5 n clauses) with a planted solution (always SAT); at 4.26 n
    # kissat404 needs 0.1-0.9 s up to n = 2000 (calibration.csv, family rand3-planted426)
    Family("rand3-planted", _rand(3, 4.5, plant=True), (1500, 2000, 3000, 4000, 6000, 8000), expected="SAT"),
    # random 3-XOR (4 clauses each) at ratio 1 (above the 0.918 threshold: UNSAT whp); no Gaussian elimination here
    Family("xor3", lambda n: ["randkxor", "3", str(n), str(n)], (20, 30, 40, 50, 60, 70, 80, 150, 300, 450, 550, 600, 1200)),
    # Tseitin with random odd charge on random 4-regular graphs (UNSAT)
    Family("tseitin", lambda n: ["tseitin", "randomodd", "gnd", str(n), "4"], (22, 30, 35, 38, 40, 50), expected="UNSAT"),
    # 3-colouring of random graphs at the threshold (about 2.3 n edges)
    Family("kcolor3", lambda n: ["kcolor", "3", "gnm", str(n), str(round(2.3 * n))], (200, 300, 400, 500, 550, 600, 700, 800)),
    # 5-clique in random graphs at the threshold (p = 1.6 / sqrt(n): about one expected 5-clique)
    Family("kclique5", lambda n: ["kclique", "5", "gnp", str(n), f"{1.6 / n ** 0.5:.4f}"],
           (60, 80, 100, 120, 150, 180)),
    # subset cardinality on random regular bipartite graphs plus one edge (UNSAT)
    Family("subsetcard", lambda n: ["subsetcard", str(n)], (12, 14, 16, 18, 20, 22, 24), expected="UNSAT"),
    # pigeonhole, n+1 pigeons into n holes, each pigeon allowed 6 random holes (UNSAT)
    Family("php-sparse", lambda n: ["php", str(n + 1), str(n), "6"], (12, 16, 18, 20, 25, 30), expected="UNSAT"),
    # perfect matching of a random 4-regular graph on an odd number of vertices (UNSAT)
    Family("matching", lambda n: ["matching", "gnd", str(n), "4"], (15, 19, 23, 27, 31, 35, 41, 51, 57, 61, 81, 101, 131),
           expected="UNSAT"),
    # deterministic families: one formula per size
    Family("php", lambda n: ["php", str(n + 1), str(n)], (9, 10, 11, 12, 13), seeded=False, expected="UNSAT"),
    # parity principle: n elements perfectly matched (UNSAT for odd n, SAT for even n)
    Family("parity", lambda n: ["parity", str(n)], (11, 13, 14, 15, 16, 17, 19), seeded=False),
    Family("mchess", lambda n: ["mchess", str(n), str(n)], (6, 8, 10, 12, 13, 14, 15, 16), seeded=False,
           expected="UNSAT"),
    # Pythagorean triples: 1..n 2-coloured without a monochromatic triple (SAT below 7825)
    Family("ptn", lambda n: ["ptn", str(n)], (2000, 3000, 4000, 5000, 6000, 6200, 6400, 6600, 6800, 7000),
           seeded=False, expected="SAT"),
    # counting principle: n elements (n = 1 mod 3) partitioned into triples (UNSAT)
    Family("count3", lambda n: ["count", str(n), "3"], (10, 13, 16, 19), seeded=False, expected="UNSAT"),
    # clique-colouring: an n-vertex graph with a 4-clique that is 3-colourable (UNSAT)
    Family("cliquecolor", lambda n: ["cliquecoloring", str(n), "4", "3"], (6, 8, 10, 12, 13, 14, 15, 16, 18, 20), seeded=False,
           expected="UNSAT"),
    # binary pigeonhole, n+1 pigeons into n holes addressed in binary (UNSAT)
    Family("bphp", lambda n: ["bphp", str(n + 1), str(n)], (8, 12, 13, 14, 15, 16, 24, 32), seeded=False, expected="UNSAT"),
)
BY_NAME = {f.name: f for f in FAMILIES}

#: Sizes the pool uses per family, chosen from calibration.csv (probe times roughly 1-60 s).
#: Families without an entry have not been calibrated yet and are left out of the pool.
CALIBRATED: dict[str, tuple[int, ...]] = {
    "rand3": (250, 275), "rand5": (60, 65), "rand7": (35, 40), "rand3-planted": (3000, 4000),
    "xor3": (450, 550), "tseitin": (35, 38), "kcolor3": (550, 600), "kclique5": (150, 180),
    "subsetcard": (20, 22), "php-sparse": (16, 18), "matching": (51, 57),
    "php": (10, 11), "parity": (13, 14, 15, 16), "mchess": (12, 13, 14, 15),
    "ptn": (6200, 6400, 6600, 6800, 7000), "count3": (13, 16), "cliquecolor": (12, 13, 14, 15, 16, 18),
    "bphp": (12, 13, 14, 15),
}
#: Instances per family in the pruning sample (sample.txt), on which all 20 python-sat backends run.
SAMPLE_PER_FAMILY = 3
#: Seeds per (family, size) of a seeded family in the pool; the calibration probes seeds 1 and 2.
POOL_SEEDS = tuple(range(1, 26))
CALIBRATION_SEEDS = (1, 2)

#: Families of ../shared/instances in the pool (all their files; the pre-screen sorts them).
#: Left out: satlib-uf20 and satlib-uf50 (every file solved in milliseconds).
SHARED_FAMILIES = ("sat09-random", "satlib-bmc", "satlib-qg", "dimacs-ii", "sc2021", "satlib-blocksworld",
                   "satlib-logistics", "dimacs-parity", "satlib-flat", "satlib-uf200-250", "satch-crafted",
                   "dimacs-pret", "dimacs-dubois", "dimacs-phole", "dimacs-aim", "dimacs-jnh")


# -- generation ----------------------------------------------------------------------------


def stem(family: Family, n: int, seed: int | None) -> str:
    """File stem of one member: ``FAMILY-nSIZE[-sSEED]``."""
    return f"{family.name}-n{n}" + (f"-s{seed}" if family.seeded else "")


def command(family: Family, n: int, seed: int) -> list[str]:
    """The full cnfgen command line of one member (as recorded in the manifest and the file)."""
    return ["cnfgen", "-q", "-S", str(seed), *family.args(n)]


def dimacs(family: Family, n: int, seed: int) -> bytes:
    """The DIMACS text of one member: a comment naming the command, then cnfgen's formula.

    Python's ``random`` is seeded here before cnfgen parses its arguments (it draws random graphs
    while parsing) and again by cnfgen from ``-S`` before it builds the formula, so the text
    depends only on the arguments and the seed (and cnfgen's version, recorded in the manifest),
    not on what the process generated before.
    """
    from cnfgen.clitools import cnfgen as cnfgen_main

    argv = command(family, n, seed)
    buf = io.StringIO()
    # cnfgen seeds ``random`` only after parsing its arguments, and a graph given as an argument
    # (``gnd 35 4``, ``gnm ...``, ``gnp ...``) is drawn while parsing: without this it would come
    # from whatever state the process left, a different graph in every process
    random.seed(seed)
    with contextlib.redirect_stdout(buf):
        cnfgen_main(argv)
    return (f"c generated by asc experiments/sat-campaign/campaign.py: {' '.join(argv)}\n"
            + buf.getvalue()).encode()


def compress(data: bytes) -> bytes:
    """xz with a fixed preset and check: the same text gives the same bytes."""
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)


def members(families: Iterable[Family] = FAMILIES, sizes: dict[str, tuple[int, ...]] | None = None,
            seeds: Sequence[int] = POOL_SEEDS) -> list[tuple[Family, int, int]]:
    """(family, size, seed) of every generated member of the pool, in a fixed order.

    A deterministic family has one member per size (seed 1: cnfgen draws nothing).
    """
    sizes = CALIBRATED if sizes is None else sizes
    out = []
    for fam in families:
        for n in sizes.get(fam.name, ()):
            for s in (seeds if fam.seeded else (1,)):
                out.append((fam, n, s))
    return out


def write_member(fam: Family, n: int, seed: int, folder: Path) -> tuple[Path, bytes]:
    """Write one member as ``folder/FAMILY/STEM.cnf.xz``; returns the path and the DIMACS text."""
    text = dimacs(fam, n, seed)
    path = folder / fam.name / f"{stem(fam, n, seed)}.cnf.xz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compress(text))
    return path, text


MANIFEST_COLUMNS = ["file", "family", "expected", "source", "generator", "sha256_uncompressed", "bytes_uncompressed"]


def _shared_rows() -> list[dict[str, str]]:
    """Manifest rows of the ../shared files of :data:`SHARED_FAMILIES` (empty without ../shared)."""
    index = SHARED_SRC / "MANIFEST.csv"
    if not index.is_file():
        print(f"{SHARED_SRC} not found: the pool has no shared files", file=sys.stderr)
        return []
    rows = []
    with index.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["family"] not in SHARED_FAMILIES:
                continue
            text = lzma.decompress((SHARED_SRC / row["file"]).read_bytes()) if row["file"].endswith(".xz") \
                else (SHARED_SRC / row["file"]).read_bytes()
            rows.append({"file": f"shared/{row['file']}", "family": row["family"],
                         "expected": (row.get("known_status") or "").strip().upper(),
                         "source": f"../shared/instances/{row['file']} (github.com/{row['source_repo']} "
                                   f"{row['source_commit'][:12]} {row['source_path']})",
                         "generator": "", "sha256_uncompressed": hashlib.sha256(text).hexdigest(),
                         "bytes_uncompressed": str(len(text))})
    return rows


def generate(pool: Path = POOL, check: bool = False, families: Sequence[str] | None = None) -> int:
    """Write the pool (generated members, shared copies, MANIFEST.csv, candidates.txt), or check it.

    Resumable: a member whose file exists with the manifest's checksum is not generated again.
    With ``check``, every member is generated in memory and compared with the committed
    manifest's checksum (and with its file, when written); returns the number of differences.
    """
    from importlib.metadata import version

    cnfgen_version = version("CNFgen")
    old = {}
    if (pool / "MANIFEST.csv").is_file():
        with (pool / "MANIFEST.csv").open(newline="") as fh:
            old = {r["file"]: r for r in csv.DictReader(fh)}
    chosen = [BY_NAME[f] for f in families] if families else list(FAMILIES)
    rows, differ = [], 0
    t0 = time.perf_counter()
    for fam, n, s in members(chosen):
        rel = f"generated/{fam.name}/{stem(fam, n, s)}.cnf.xz"
        path = pool / rel
        known = old.get(rel)
        if check or known is None or not path.is_file():
            text = dimacs(fam, n, s)
            digest = hashlib.sha256(text).hexdigest()
            if check:
                # the formula the seed gives must be the manifest's, and so must a file already written
                on_disk = hashlib.sha256(lzma.decompress(path.read_bytes())).hexdigest() if path.is_file() \
                    else digest
                differ += int(known is None or known["sha256_uncompressed"] != digest or on_disk != digest)
                size = len(text)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(compress(text))
                size = len(text)
        else:
            digest, size = known["sha256_uncompressed"], int(known["bytes_uncompressed"])
        rows.append({"file": rel, "family": fam.name, "expected": fam.expected or "",
                     "source": f"cnfgen {cnfgen_version} (experiments/sat-campaign/campaign.py)",
                     "generator": " ".join(command(fam, n, s)), "sha256_uncompressed": digest,
                     "bytes_uncompressed": str(size)})
    shared = _shared_rows()
    if not check:
        for row in shared:
            target = pool / row["file"]
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(SHARED_SRC / row["file"].removeprefix("shared/"), target)
    if families and not check:  # a partial run keeps the other families' rows
        rows += [r for r in old.values() if r["family"] not in families and r["file"].startswith("generated/")]
    rows = sorted(rows + shared, key=lambda r: r["file"])
    if check:
        print(f"{len(rows)} pool members checked in {time.perf_counter() - t0:.0f} s; {differ} differ",
              file=sys.stderr)
        return differ
    pool.mkdir(parents=True, exist_ok=True)
    with (pool / "MANIFEST.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    lines = [f"instances/{r['file']}" for r in rows]
    (pool.parent / "candidates.txt").write_text(
        "# the candidate pool of the pre-screen (campaign.py generate); paths relative to this file\n"
        + "\n".join(lines) + "\n")
    total = sum((pool / r["file"]).stat().st_size for r in rows if (pool / r["file"]).is_file())
    print(f"{len(rows)} candidates ({len(rows) - len(shared)} generated, {len(shared)} shared), "
          f"{total / 2**20:.1f} MiB compressed, in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


# -- calibration ---------------------------------------------------------------------------

CALIBRATION_COLUMNS = ["family", "n", "seed", "solver", "cutoff", "status", "cpu_time", "bytes_uncompressed"]


def _probe(fam: Family, n: int, seed: int, solver: str, cutoff: float, folder: Path) -> dict[str, str]:
    """One calibration run: generate the member and run ``solver`` on it under ``cutoff`` and 2 GiB."""
    from asc.portfolios.loader import pysat_algorithm
    from asc.runs.runner import RunRequest, execute

    path, text = write_member(fam, n, seed, folder)
    request = RunRequest(instance=str(path), instance_hash=hashlib.sha256(text).hexdigest(),
                         algorithm=pysat_algorithm(solver), seed=0, repetition=1, cutoff_time=cutoff,
                         mem_limit_mb=MEM_MB, expected=fam.expected)
    record = execute(request)
    path.unlink()
    return {"family": fam.name, "n": str(n), "seed": str(seed), "solver": solver, "cutoff": f"{cutoff:g}",
            "status": record.status.value, "cpu_time": f"{record.cpu_time or 0.0:.3f}",
            "bytes_uncompressed": str(len(text))}


def read_calibration(path: Path = CALIBRATION) -> list[dict[str, str]]:
    """The probes done so far (empty when there are none)."""
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def calibrate(families: Sequence[str], solver: str = SCREENER, cutoff: float = 20.0, stop_above: float = 8.0,
              seeds: Sequence[int] = CALIBRATION_SEEDS, budget: float = math.inf, path: Path = CALIBRATION) -> None:
    """Climb each family's ladder until a probe is slower than ``stop_above`` (resumable via ``path``).

    A (family, size, seed, solver, cutoff) already in ``path`` is not run again. The climb of a
    family stops at the first size whose slowest probe exceeds ``stop_above`` seconds or is not
    solved; the whole stage stops once ``budget`` CPU-seconds of probes were spent.
    """
    done = {(r["family"], r["n"], r["seed"], r["solver"], r["cutoff"]): r for r in read_calibration(path)}
    new = not path.is_file()
    spent = 0.0
    with path.open("a", newline="") as fh, tempfile.TemporaryDirectory(prefix="asc-calib-") as tmp:
        writer = csv.DictWriter(fh, fieldnames=CALIBRATION_COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        for name in families:
            fam = BY_NAME[name]
            for n in fam.ladder:
                worst = 0.0
                for s in (seeds if fam.seeded else (1,)):
                    key = (fam.name, str(n), str(s), solver, f"{cutoff:g}")
                    row = done.get(key)
                    if row is None:
                        if spent > budget:
                            print(f"calibration budget of {budget:g} CPU-s spent", file=sys.stderr)
                            return
                        row = _probe(fam, n, s, solver, cutoff, Path(tmp))
                        writer.writerow(row)
                        fh.flush()
                        spent += float(row["cpu_time"])
                        print(f"{fam.name} n={n} seed={s}: {row['status']} {row['cpu_time']} s", file=sys.stderr)
                    solved = row["status"] in ("SAT", "UNSAT")
                    worst = max(worst, float(row["cpu_time"]) if solved else math.inf)
                if worst > stop_above:
                    break


# -- selection -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionRule:
    """The pre-screen's selection rule (see :func:`select_instances`).

    Attributes
    ----------
    hard_time
        A solved run at least this many CPU-seconds is *hard* (the campaign's target: 1 s).
    cap
        Most instances taken from one family.
    max_timeouts
        Most instances per family that the screener did not solve (TIMEOUT or MEMOUT).
    max_easy
        Most instances per family that the screener solved in under ``hard_time``.
    seed
        Seed of the order in which a family's candidates of one class are taken.
    """

    hard_time: float = 1.0
    cap: int = 30
    max_timeouts: int = 6
    max_easy: int = 3
    seed: int = 0


def _order_key(seed: int, name: str) -> str:
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()


def classify(status: str, cpu_time: float | None, hard_time: float) -> str:
    """``hard`` (solved, >= hard_time), ``easy`` (solved, faster), ``timeout`` (TIMEOUT/MEMOUT) or ``broken``.

    A crash, wrong or unknown answer says nothing about hardness (or about the harness):
    such instances are left out and listed.
    """
    if status in ("SAT", "UNSAT"):
        return "hard" if (cpu_time or 0.0) >= hard_time else "easy"
    if status in ("TIMEOUT", "MEMOUT"):
        return "timeout"
    return "broken"


def select_instances(screen: Sequence[tuple[str, str, str, float | None]], rule: SelectionRule = SelectionRule()
                     ) -> list[dict[str, object]]:
    """Choose the campaign's instances from the screener's runs.

    Rule, per family (the campaign wants instances that take the single best seconds, some it
    cannot solve, and no family that outweighs the others):

    1. every candidate is classified by :func:`classify` (broken ones are left out);
    2. the family's hard instances are taken first, up to ``cap``;
    3. then its timeouts, up to ``max_timeouts`` and the cap: a selector learns nothing from
       an instance no solver finishes, but the set must show where the single best fails;
    4. then, only if the family is still under the cap, its easy instances, slowest first, up
       to ``max_easy``: they keep a family whose members the screener finds easy represented,
       without making the set easy.

    Within a class, candidates are taken in the order of ``sha256(f"{seed}:{name}")``: a seeded
    shuffle that does not depend on the order of the runs (easy ones slowest first instead).

    Parameters
    ----------
    screen
        One ``(instance name, family, status, cpu_time)`` per candidate (the screener's run).
    rule
        The thresholds.

    Returns
    -------
    list of dict
        One ``{"instance", "family", "class", "status", "cpu_time", "selected", "rank"}`` per
        candidate (``rank``: its place in its class's order; -1 for broken ones), sorted by
        family then instance.
    """
    by_family: dict[str, list[dict[str, object]]] = {}
    for name, family, status, cpu in screen:
        by_family.setdefault(family, []).append({"instance": name, "family": family,
                                                 "class": classify(status, cpu, rule.hard_time),
                                                 "status": status, "cpu_time": cpu, "selected": False,
                                                 "rank": -1})
    out: list[dict[str, object]] = []
    for family in sorted(by_family):
        rows = by_family[family]
        pick = lambda cls: sorted((r for r in rows if r["class"] == cls),  # noqa: E731
                                  key=lambda r: _order_key(rule.seed, str(r["instance"])))
        hard, timeouts = pick("hard"), pick("timeout")
        easy = sorted((r for r in rows if r["class"] == "easy"), key=lambda r: (-float(r["cpu_time"] or 0.0),
                                                                                str(r["instance"])))
        for ordered in (hard, timeouts, easy):
            for rank, r in enumerate(ordered):
                r["rank"] = rank
        taken = hard[:rule.cap]
        taken += timeouts[:max(0, min(rule.max_timeouts, rule.cap - len(taken)))]
        taken += easy[:max(0, min(rule.max_easy, rule.cap - len(taken)))]
        for r in taken:
            r["selected"] = True
        out.extend(sorted(rows, key=lambda r: str(r["instance"])))
    return out


def screen_from_store(db: Path, manifest: Path = MANIFEST) -> list[tuple[str, str, str, float | None]]:
    """``(name, family, status, cpu_time)`` of the screener's runs in the pre-screen store.

    The family is the manifest's; an instance the manifest does not list takes its folder's name.
    """
    from asc.runs.export import runs_frame
    from asc.runs.store import RunStore

    families = {}
    if manifest.is_file():
        with manifest.open(newline="") as fh:
            families = {r["file"]: r["family"] for r in csv.DictReader(fh)}
    with RunStore(db) as store:
        frame = runs_frame(store)
    frame = frame[frame["algorithm"] == SCREENER]
    out = []
    for name, status, cpu in frame[["instance_id", "status", "cpu_time"]].itertuples(index=False):
        family = families.get(name) or (name.split("/")[-2] if "/" in name else "unknown")
        out.append((str(name), family, str(status), None if cpu != cpu else float(cpu)))
    return out


def write_selection(rows: Sequence[dict[str, object]], target: Path = SELECTED, prefix: str = "instances/") -> str:
    """Write the selected instances (one path per line, relative to ``target``'s folder) and return a summary."""
    chosen = [r for r in rows if r["selected"]]
    target.write_text("# the campaign's instances: chosen by campaign.py select from the pre-screen "
                      "(see README.md)\n" + "".join(f"{prefix}{r['instance']}\n" for r in chosen))
    families = sorted({str(r["family"]) for r in chosen})
    lines = [f"{'family':<20} {'cands':>5} {'hard':>5} {'tout':>5} {'easy':>5} {'brok':>5} {'taken':>5}"]
    for fam in sorted({str(r["family"]) for r in rows}):
        mine = [r for r in rows if r["family"] == fam]
        count = lambda cls: sum(r["class"] == cls for r in mine)  # noqa: E731
        lines.append(f"{fam:<20} {len(mine):>5} {count('hard'):>5} {count('timeout'):>5} {count('easy'):>5} "
                     f"{count('broken'):>5} {sum(bool(r['selected']) for r in mine):>5}")
    n_hard = sum(r["class"] == "hard" for r in chosen)
    n_to = sum(r["class"] == "timeout" for r in chosen)
    lines.append(f"selected {len(chosen)} instances from {len(families)} families: {n_hard} hard, {n_to} "
                 f"timeouts, {len(chosen) - n_hard - n_to} easy")
    lines.append("acceptance (issue 26): >= 300 instances " + ("met" if len(chosen) >= 300 else "NOT met")
                 + "; >= 12 families " + ("met" if len(families) >= 12 else "NOT met")
                 + "; some timeouts " + ("met" if n_to else "NOT met")
                 + "; most >= 1 s " + ("met" if n_hard + n_to > len(chosen) / 2 else "NOT met"))
    return "\n".join(lines)


def write_sample(rows: Sequence[dict[str, object]], per_family: int, target: Path = HERE / "sample.txt",
                 prefix: str = "instances/") -> list[str]:
    """The pruning sample: the first ``per_family`` selected instances of each family in the selection order.

    The order is the selection's seeded shuffle (hard, then timeouts, then easy), so the sample
    keeps the mix of the selected set within each family.
    """
    chosen: list[str] = []
    for family in sorted({str(r["family"]) for r in rows}):
        mine = [r for r in rows if r["family"] == family and r["selected"]]
        mine.sort(key=lambda r: (("hard", "timeout", "easy").index(str(r["class"])), int(r["rank"])))
        chosen += [str(r["instance"]) for r in mine[:per_family]]
    target.write_text("# the pruning sample: every python-sat backend runs on these (see README.md)\n"
                      + "".join(f"{prefix}{c}\n" for c in chosen))
    return chosen


# -- estimates -----------------------------------------------------------------------------

#: Assumed CPU-s of kissat404 on a shared file before the pre-screen has measured it: most take it
#: well under a second (experiments/pysat-training), the SAT Competition 2021 files minutes.
SHARED_GUESS = {"sc2021": CUTOFF}
SHARED_DEFAULT_GUESS = 2.0
#: An average python-sat backend over kissat404 on the same instance (pysat-training: the median
#: backend's PAR1 is several times kissat404's); capped at the cutoff per run.
SLOWDOWN = 4.0


def expected_probe_time(probes: dict[tuple[str, str], list[float]], family: str, n: int) -> float:
    """Expected screener CPU-s at size ``n`` of a family, from its calibration probes.

    The mean of the probes at ``n`` (an unsolved probe counts the cutoff); between two probed
    sizes, the geometric interpolation of their means (runtimes grow about exponentially with
    the size); above the largest probed size or without probes, the cutoff. At most the cutoff.
    """
    sized = sorted((int(k[1]), sum(v) / len(v)) for k, v in probes.items() if k[0] == family)
    exact = [t for m, t in sized if m == n]
    if exact:
        return min(CUTOFF, exact[0])
    below = [(m, t) for m, t in sized if m < n]
    above = [(m, t) for m, t in sized if m > n]
    if not below or not above:
        return CUTOFF if not above else min(CUTOFF, above[0][1])
    (m0, t0), (m1, t1) = below[-1], above[0]
    w = (n - m0) / (m1 - m0)
    return min(CUTOFF, math.exp((1 - w) * math.log(max(t0, 1e-3)) + w * math.log(max(t1, 1e-3))))


def screener_times(db: Path = PRESCREEN_DB) -> dict[str, float]:
    """Instance name -> kissat404's CPU-s in the pre-screen (the cutoff when unsolved); empty before it ran."""
    if not db.is_file():
        return {}
    return {name: (cpu or CUTOFF) if status in ("SAT", "UNSAT") else CUTOFF
            for name, _, status, cpu in screen_from_store(db)}


def estimate(stage: str = "all", jobs: int = 2, algorithms: int | None = None) -> str:
    """How long the stages will take (wall-clock hours on ``jobs`` cores), and from what.

    Pre-screen: a generated candidate costs :func:`expected_probe_time`; a shared file
    :data:`SHARED_GUESS`. The sample and the campaign: per run, kissat404's
    pre-screen time times :data:`SLOWDOWN`, at most the cutoff (before the pre-screen, 30 s).
    """
    probes: dict[tuple[str, str], list[float]] = {}
    for r in read_calibration():
        solved = r["status"] in ("SAT", "UNSAT")
        probes.setdefault((r["family"], r["n"]), []).append(float(r["cpu_time"]) if solved else CUTOFF)
    lines = []
    if stage in ("all", "prescreen"):
        gen = members()
        screen = sum(expected_probe_time(probes, fam.name, n) for fam, n, _ in gen)
        shared = _shared_rows() if SHARED_SRC.is_dir() else []
        screen += sum(SHARED_GUESS.get(r["family"], SHARED_DEFAULT_GUESS) for r in shared)
        lines.append(f"prescreen: {len(gen)} generated + {len(shared)} shared candidates, kissat404 at {CUTOFF:g} s: "
                     f"about {screen / jobs / 3600:.1f} h on {jobs} jobs ({screen / 3600:.1f} CPU-h)")
    times = screener_times()
    per_run = lambda name: min(CUTOFF, SLOWDOWN * times[name]) if name in times else 30.0  # noqa: E731
    for name, listed, n_alg in (("sample", HERE / "sample.txt", 20),
                                ("collect", SELECTED, algorithms or _portfolio_size())):
        if stage not in ("all", name):
            continue
        if listed.is_file():
            names = [line.removeprefix("instances/") for line in listed.read_text().splitlines()
                     if line and not line.startswith("#")]
            cpu = n_alg * sum(per_run(i) for i in names)
            lines.append(f"{name}: {n_alg} algorithms x {len(names)} instances at {CUTOFF:g} s: about "
                         f"{cpu / jobs / 3600:.1f} h on {jobs} jobs ({cpu / 3600:.1f} CPU-h; per run "
                         f"{SLOWDOWN:g} x kissat404's time, at most the cutoff)")
        else:
            n_inst = SAMPLE_PER_FAMILY * _pool_families() if name == "sample" else 300
            cpu = n_alg * n_inst * 30.0
            lines.append(f"{name}: {n_alg} algorithms x about {n_inst} instances at {CUTOFF:g} s: about "
                         f"{cpu / jobs / 3600:.1f} h on {jobs} jobs (guess: 30 CPU-s per run until the "
                         f"pre-screen has run)")
    return "\n".join(lines)


def _pool_families() -> int:
    """Families in the pool's manifest (those of :data:`FAMILIES` and :data:`SHARED_FAMILIES` before it exists)."""
    if MANIFEST.is_file():
        with MANIFEST.open(newline="") as fh:
            return len({r["family"] for r in csv.DictReader(fh)})
    return len(FAMILIES) + len(SHARED_FAMILIES)


def _portfolio_size() -> int:
    """Algorithms of the pruned portfolio (portfolio.toml), 8 before it exists."""
    path = HERE / "portfolio.toml"
    if not path.is_file():
        return 8
    from asc.portfolios import load_portfolio

    return len(load_portfolio(path))


def keep_runs(source: Path, portfolio: Path, target: Path) -> int:
    """Copy the rows of a runs CSV (``asc runs export --csv``) whose algorithm ``portfolio`` names."""
    from asc.portfolios import load_portfolio

    names = set(load_portfolio(portfolio).names)
    with source.open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if r["algorithm"] in names]
        fields = reader.fieldnames or []
    with target.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# -- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    sub.add_parser("families", help="list the families, their ladders and calibrated sizes")
    c = sub.add_parser("calibrate", help="probe sizes with the screener (resumable: calibration.csv)")
    c.add_argument("families", nargs="*", help="families to calibrate (default: all generated ones)")
    c.add_argument("--cutoff", type=float, default=20.0, help="CPU-s per probe (default 20)")
    c.add_argument("--stop-above", type=float, default=8.0, help="stop a family's climb above this (default 8 s)")
    c.add_argument("--budget", type=float, default=math.inf, help="stop after this many CPU-s of probes")
    c.add_argument("--solver", default=SCREENER, help=f"python-sat backend (default {SCREENER})")
    g = sub.add_parser("generate", help="write (or --check) the candidate pool")
    g.add_argument("--check", action="store_true", help="regenerate in memory and compare checksums")
    g.add_argument("--families", nargs="*", help="only these generated families")
    s = sub.add_parser("select", help="choose instances.txt from the pre-screen store")
    s.add_argument("--db", type=Path, default=PRESCREEN_DB, help="pre-screen run store")
    s.add_argument("--cap", type=int, default=SelectionRule.cap, help="most instances per family")
    s.add_argument("--seed", type=int, default=0, help="seed of the order within a family")
    s.add_argument("--sample-per-family", type=int, default=SAMPLE_PER_FAMILY,
                   help=f"instances per family in sample.txt (default {SAMPLE_PER_FAMILY})")
    e = sub.add_parser("estimate", help="how long the pre-screen and the campaign will take")
    e.add_argument("--stage", choices=("all", "prescreen", "sample", "collect"), default="all")
    e.add_argument("--jobs", type=int, default=2)
    e.add_argument("--algorithms", type=int, default=None, help="size of the pruned portfolio (default: "
                   "portfolio.toml's, else 8)")
    k = sub.add_parser("keep-runs", help="the rows of a runs CSV whose algorithm a portfolio names")
    k.add_argument("source", type=Path)
    k.add_argument("portfolio", type=Path)
    k.add_argument("target", type=Path)
    args = parser.parse_args(argv)

    if args.stage == "families":
        for fam in FAMILIES:
            sizes = CALIBRATED.get(fam.name)
            print(f"{fam.name:<15} {'seeded' if fam.seeded else 'fixed ':<6} ladder {','.join(map(str, fam.ladder)):<36}"
                  f" pool sizes {','.join(map(str, sizes)) if sizes else '(not calibrated)'}")
        print(f"shared families: {', '.join(SHARED_FAMILIES)}")
        return 0
    if args.stage == "calibrate":
        unknown = [f for f in args.families if f not in BY_NAME]
        if unknown:
            parser.error(f"unknown family {unknown[0]!r}; expected one of {', '.join(BY_NAME)}")
        calibrate(args.families or list(BY_NAME), solver=args.solver, cutoff=args.cutoff,
                  stop_above=args.stop_above, budget=args.budget)
        return 0
    if args.stage == "generate":
        return 1 if generate(check=args.check, families=args.families) else 0
    if args.stage == "select":
        if not args.db.is_file():
            parser.error(f"{args.db}: no pre-screen store (run reproduce.sh prescreen first)")
        rows = select_instances(screen_from_store(args.db), SelectionRule(cap=args.cap, seed=args.seed))
        print(write_selection(rows))
        write_sample(rows, args.sample_per_family)
        return 0
    if args.stage == "keep-runs":
        print(f"{keep_runs(args.source, args.portfolio, args.target)} runs kept in {args.target}", file=sys.stderr)
        return 0
    print(estimate(stage=args.stage, jobs=args.jobs, algorithms=args.algorithms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
