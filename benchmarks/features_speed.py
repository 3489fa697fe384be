"""Speed of the DIMACS reader and the SATzilla base feature groups, against references.

A size ladder of random 3-CNF at the satisfiability threshold (m = 4.26 n, n from 1e3
to 1e6 variables, made with ``cnfgen`` and cached), plus the largest shared instances,
all as plain ``.cnf`` files in a cache folder so every tool reads the same bytes.

Measured in the same run, in CPU seconds of this process (the machine is shared, CPU
time is what other load disturbs least), best of ``--repeat`` runs for the readers:

* our ``read_cnf`` against python-sat's ``CNF(from_file=...)`` (target: >= 5x faster);
* our feature steps (Pre+Basic+KLB, and CG) against gbdc's ``extract_base_features``
  and, for shared instances, the SATzilla 2024 extractor's ``cpu_seconds`` from the
  reference CSV (measured earlier on this machine, reading included);
* the scaling exponent b of time ~ literals^b, fitted over the ladder;
* CG on dense clause graphs of the kconfig kind (``--dense-only`` for just these):
  CPU time and peak RSS of a child process per size, against the exact edge-list
  count CG used before (up to ``--dense-exact-up-to`` clauses), the relative error of
  the clustering columns, and how soon ``--step-timeout`` stops the largest.

* whole processes against gbdc (``--whole-only`` for just these): ``asc features`` with
  Pre+Basic+KLB and with all four groups against gbdc's ``extract_base_features``, on a
  3-clause file (start-up) and random 3-CNF at 1e5, 3e5 and 1e6 variables, CPU and peak
  RSS ratios printed, each with the ahead-of-time compiled kernels and with Numba's
  (``ASC_KERNELS=jit``), and the first ``asc select`` after a fresh install (an empty
  ``NUMBA_CACHE_DIR``) and ``asc select`` on a bundled kclique file, both ways.

Numba compilation is excluded from every figure (kernels are loaded before timing)
and reported separately: compiling from scratch in a subprocess with an empty cache,
and loading from the on-disk cache.

Usage: ``python benchmarks/features_speed.py [--quick] [--repeat R] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import csv
import gc
import lzma
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "instances"
LADDER = (1_000, 10_000, 100_000, 1_000_000)
QUICK_LADDER = (1_000, 10_000, 100_000)
RATIO = 4.26


def cpu(fn, repeat: int = 1) -> tuple[float, object]:
    """CPU seconds per call of ``fn`` (best of ``repeat`` rounds) and its last result.

    Short calls are looped within a round until it lasts 0.2 s, so sub-millisecond
    times are not lost in the clock's jitter.
    """
    best, result = float("inf"), None
    calls = 1
    for _ in range(repeat):
        result = None
        gc.collect()
        while True:
            start = time.process_time()
            for _ in range(calls):
                result = fn()
            spent = time.process_time() - start
            if spent >= 0.2 or calls >= 1000:
                break
            calls = min(1000, max(calls * 2, int(calls * 0.25 / max(spent, 1e-6))))
        best = min(best, spent / calls)
    return best, result


def random_3cnf(n: int, cache: Path, seed: int = 1) -> Path:
    """Cached random 3-CNF with n variables and round(4.26 n) clauses, made by cnfgen."""
    path = cache / f"rand3-n{n}-r{RATIO}-s{seed}.cnf"
    if not path.exists():
        from cnfgen import RandomKCNF

        start = time.perf_counter()
        text = RandomKCNF(3, n, int(round(RATIO * n)), seed=seed).to_dimacs()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(path)
        print(f"  generated {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


def shared_largest(count: int, cache: Path) -> list[tuple[Path, str]]:
    """The ``count`` largest shared instances, decompressed into the cache; (path, manifest name)."""
    if not (SHARED / "MANIFEST.csv").exists():
        return []
    with (SHARED / "MANIFEST.csv").open(newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: -int(r["bytes_uncompressed"]))[:count]
    out = []
    for row in rows:
        path = cache / (Path(row["file"]).name.removesuffix(".xz"))
        if not path.exists():
            path.write_bytes(lzma.decompress((SHARED / row["file"]).read_bytes()))
        out.append((path, row["file"]))
    return out


def reference_seconds() -> dict[str, float]:
    """SATzilla 2024 ``cpu_seconds`` per shared file (whole call, all four groups)."""
    ref = SHARED / "satzilla-base-reference.csv"
    if not ref.exists():
        return {}
    with ref.open(newline="") as fh:
        return {r["file"]: float(r["cpu_seconds"]) for r in csv.DictReader(fh)}


def compile_seconds() -> tuple[float, float]:
    """(from scratch, from cache) seconds of the reader's first call, each in a fresh process."""
    code = ("import time; t=time.perf_counter(); from asc.instances import parse_cnf, instance_hash; "
            "instance_hash(parse_cnf(b'p cnf 2 1\\n1 -2 0\\n')); print(time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=empty)
        cold = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
        warm = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout)
    return cold, warm


def reader_peak_memory(path: Path) -> tuple[int, int, int]:
    """(peak bytes allocated while reading ``path``, bytes of the result's arrays, text bytes).

    Measured with tracemalloc, which sees the file's bytes and the NumPy arrays (the
    reader allocates every array from Python; the Numba kernels allocate nothing).
    """
    import tracemalloc

    from asc.instances import read_cnf

    tracemalloc.start()
    try:
        cnf = read_cnf(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    text = len(lzma.decompress(path.read_bytes())) if path.suffix == ".xz" else path.stat().st_size
    return peak, cnf.literals.nbytes + cnf.offsets.nbytes, text


def features_api():
    """``compute_features`` if the feature groups are installed, else None."""
    try:
        from asc.features import compute_features
    except ImportError:
        return None
    return compute_features


def parallel_speedup(count: int = 100) -> list[tuple[str, int, float, float]]:
    """Wall seconds of ``asc features`` on ``count`` shared files, with --jobs 1 and --jobs 2.

    Two sets: the ``count`` smallest files (the fixed start-up of about a second, Python,
    Numba and the kernels, dominates) and the ``count`` largest files under 1 MB
    uncompressed (the per-file work dominates). Each run is a fresh ``asc`` process, as
    users run it.
    """
    if not SHARED.exists():
        return []
    sized = []
    with open(SHARED / "MANIFEST.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            size = row.get("bytes_uncompressed") or row.get("bytes") or ""
            if size.isdigit():
                sized.append((int(size), SHARED / row["file"]))
    sized.sort()
    sets = [("smallest", [p for _, p in sized[:count]]),
            ("largest under 1 MB", [p for b, p in sized if b < 1_000_000][-count:])]
    out = []
    for label, files in sets:
        walls = []
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "asc", "features", *map(str, files), "--jobs", str(jobs),
                            "--no-progress", "-o", os.devnull], check=True)
            walls.append(time.perf_counter() - start)
        out.append((label, len(files), walls[0], walls[1]))
    return out


# One CG run in a fresh process, so that its peak RSS is its own: the formula is
# generated there (asc.features.generators, seeded), the kernels loaded before timing.
_DENSE_CHILD = r"""
import json, resource, sys
from asc.features import compute_features, satzilla
from asc.features.generators import dense_clause_graph_cnf
n, mode, timeout = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) or None
compute_features(dense_clause_graph_cnf(100, seed=9))
if mode == "exact":  # the edge list and an exact count, whatever they cost (the old behaviour)
    satzilla._CG_BYTES_PER_EDGE = 0
    satzilla._EXACT_WORK = 1 << 62
cnf = dense_clause_graph_cnf(n, seed=1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
res = compute_features(cnf, steps=("Pre", "CG"), step_timeout=timeout)
v = res.values
# VmHWM: this process's own peak (ru_maxrss keeps the forking parent's peak across exec)
peak = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")]
print(json.dumps({"cost": res.steps["CG"].cost, "status": res.steps["CG"].status, "values": v,
                  "rss_mb": (peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024,
                  "base_mb": base / 1024,
                  "estimated": "CG_mean" in v and satzilla.cg_clustering_is_estimated(v["nclauses"], v["CG_mean"])}))
"""


def dense_cg(n: int, mode: str = "bounded", timeout: float = 0.0) -> dict:
    """CG on the seeded kconfig-like dense formula of ``n`` clauses, in a child process.

    ``mode`` ``bounded`` is the library as it is; ``exact`` forces the edge list and an
    exact triangle count (what CG did before issue 25). Returns the child's CG cost
    (CPU s), status, values, peak RSS of the whole child (MB, imports and the formula
    included) and whether the clustering columns were estimated.
    """
    import json

    out = subprocess.run([sys.executable, "-c", _DENSE_CHILD, str(n), mode, str(timeout)], capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def dense_report(sizes: tuple[int, ...], exact_up_to: int) -> None:
    """Print CG cost and peak RSS on dense clause graphs, the exact run's where cheap, and errors."""
    print(f"\nCG on dense kconfig-like clause graphs (asc.features.generators.dense_clause_graph_cnf, seed 1; "
          f"exact reference up to {exact_up_to} clauses)")
    head = (f"{'clauses':>8} {'edges':>11} {'CG s':>7} {'RSS MB':>7} {'est':>4} {'exact s':>8} {'exact MB':>8}  "
            f"rel. error of cluster_coeff mean / cv / min / max / entropy")
    print(head)
    print("-" * len(head))
    names = ("mean", "coeff_variation", "min", "max", "entropy")
    for n in sizes:
        new = dense_cg(n)
        v = new["values"]
        edges = v["CG_mean"] * v["nclauses"] ** 2 / 2
        line = (f"{int(v['nclauses']):8d} {edges:11.3e} {new['cost']:7.2f} {new['rss_mb']:7.0f} "
                f"{'yes' if new['estimated'] else 'no':>4}")
        if n <= exact_up_to:
            old = dense_cg(n, "exact")
            w = old["values"]
            errs = [abs(v[f"cluster_coeff_{k}"] - w[f"cluster_coeff_{k}"]) / abs(w[f"cluster_coeff_{k}"])
                    for k in names]
            assert all(v[k] == w[k] for k in v if k.startswith("CG_")), "degrees must be exact"
            line += f" {old['cost']:8.2f} {old['rss_mb']:8.0f}  " + " / ".join(f"{e:.2%}" for e in errs)
        print(line, flush=True)
    big = dense_cg(max(sizes), timeout=1.0)
    print(f"--step-timeout 1 on the {max(sizes)}-clause input: CG {big['status']} after {big['cost']:.2f} CPU-s "
          f"(target: within 0.5 s of the limit)")
    print("targets: CG on 25k clauses and 1e8 edges under 10 CPU-s and 500 MB; degrees exact; clustering "
          "mean within 1% of exact")


def child(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, peak RSS bytes) of one whole child process running ``cmd``."""
    # Through /usr/bin/time, a small process: the peak RSS the kernel reports for a
    # child counts the memory of the process it was forked from (this one's, large).
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        done = subprocess.run(["/usr/bin/time", "-o", out.name, "-f", "%e %U %S %M", *cmd],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace').strip()[-300:]}")
        wall, user, system, kb = out.read().split()[-4:]
    return float(user) + float(system), float(wall), int(kb) * 1024


ASC = [sys.executable, "-m", "asc", "features"]
GBDC = [sys.executable, "-c", "import sys, gbdc; gbdc.extract_base_features(sys.argv[1])"]
WHOLE_SIZES = (100_000, 300_000, 1_000_000)
#: Acceptance (issue 25): asc CPU / gbdc CPU at most this per size; peak RSS at most 2x gbdc's.
CPU_TARGET = {100_000: 1.5, 300_000: 1.0, 1_000_000: 1.0}


def whole_process_report(cache: Path, repeat: int = 3, sizes: tuple[int, ...] = WHOLE_SIZES,
                         baseline: str | None = None) -> None:
    """Whole-process CPU and peak RSS of ``asc features`` against gbdc, paired runs, ratios printed.

    Each tool runs as its own process on the same file, alternating: asc with
    the ahead-of-time compiled kernels (``asc._cnf_kernels``, when built), asc with the
    Numba kernels (``ASC_KERNELS=jit``, loaded from Numba's cache: one untimed run
    first) and gbdc; best (least) CPU of ``repeat`` rounds and the largest peak RSS:
    what a user pays, start-up, reading and teardown included. Also: start-up on a
    3-clause file, the full default extraction (all four groups) against
    Pre+Basic+KLB, and the first ``asc select`` after a fresh install (an empty
    ``NUMBA_CACHE_DIR``: with the Numba kernels every kernel it needs compiles).
    ``baseline``: the ``asc`` source folder of another checkout (``git worktree add``
    or ``git archive``), measured as a fourth tool in the same rounds (its own
    kernels, from its own Numba cache), for before/after figures from one run.
    """
    try:
        import gbdc  # noqa: F401
    except ImportError:
        print("gbdc is not installed (pip install gbdc, the 'bench' extra): whole-process comparison skipped")
        return
    jit_env = dict(os.environ, ASC_KERNELS="jit")
    (cache / "three-clauses.cnf").write_text("p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n")
    probe = "from asc.instances import _jit; print(_jit.compiled_module() is not None)"
    compiled = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "True"
    # (name, environment, working directory): a checkout's own folder must not shadow another's
    modes: list[tuple[str, dict | None, str | None]] = [("numba", jit_env, None)]
    if compiled:
        modes.insert(0, ("compiled", None, None))
    if baseline is not None:
        base_env = dict(os.environ, PYTHONPATH=str(Path(baseline).resolve()))
        base_env.pop("ASC_KERNELS", None)
        modes.append(("baseline", base_env, tempfile.gettempdir()))
        child([*ASC, str(cache / "three-clauses.cnf")], env=base_env, cwd=tempfile.gettempdir())
    if not compiled:
        print("\nasc._cnf_kernels is not built (python -m asc._build_kernels): Numba kernels only")
    tiny = cache / "three-clauses.cnf"
    child([*ASC, str(tiny)], env=jit_env)  # Numba's kernels into its cache, untimed
    print("\nwhole process (CPU-s user+sys, peak RSS MB; best CPU of "
          f"{repeat} rounds, asc's kernels compiled ahead of time or Numba's loaded from its cache, and gbdc, "
          "alternating)")
    head = (f"{'input':<22} {'kernels':<9} {'asc P+B+K s':>11} {'gbdc s':>7} {'CPU x':>6} {'target':>6} "
            f"{'asc MB':>7} {'gbdc MB':>7} {'RSS x':>6} {'all 4 s':>8} {'all/PBK':>7} {'all MB':>7}")
    print(head)
    print("-" * len(head))
    rows = [("3-clause file", tiny, None)] + [(f"rand3 n={n:.0e}", random_3cnf(n, cache), n) for n in sizes]
    for name, path, n in rows:
        ours: dict[str, list] = {m: [] for m, _, _ in modes}
        full: dict[str, list] = {m: [] for m, _, _ in modes}
        theirs = []
        for _ in range(repeat):
            for mode, env, cwd in modes:
                ours[mode].append(child([*ASC, str(path), "--steps", "Pre,Basic,KLB"], env=env, cwd=cwd))
            theirs.append(child([*GBDC, str(path)]))
            for mode, env, cwd in modes:
                full[mode].append(child([*ASC, str(path)], env=env, cwd=cwd))
        g_cpu, g_rss = min(r[0] for r in theirs), max(r[2] for r in theirs)
        target = f"{CPU_TARGET[n]:.1f}" if n in CPU_TARGET else "-"
        for mode, _, _ in modes:
            a_cpu, f_cpu = min(r[0] for r in ours[mode]), min(r[0] for r in full[mode])
            a_rss, f_rss = max(r[2] for r in ours[mode]), max(r[2] for r in full[mode])
            print(f"{name:<22} {mode:<9} {a_cpu:11.2f} {g_cpu:7.2f} {a_cpu / g_cpu:6.2f} {target:>6} "
                  f"{a_rss / 1e6:7.0f} {g_rss / 1e6:7.0f} {a_rss / g_rss:6.2f} {f_cpu:8.2f} {f_cpu / a_cpu:7.2f} "
                  f"{f_rss / 1e6:7.0f}", flush=True)
    print("targets: CPU x <= target; RSS x <= 2; on n=1e6 all four groups < 1000 MB and all/PBK <= 3; "
          "the 3-clause file (all four groups) < 0.5 CPU-s")
    tiny_select = [sys.executable, "-m", "asc", "select", str(tiny)]
    for mode, env, cwd in modes:
        with tempfile.TemporaryDirectory() as empty:
            cpu_s, wall, rss = child(tiny_select, env=dict(env or os.environ, NUMBA_CACHE_DIR=empty), cwd=cwd)
        print(f"first asc select after a fresh install, {mode} kernels (empty NUMBA_CACHE_DIR"
              f"{'' if mode == 'compiled' else ': every kernel it needs compiles'}): {wall:.1f} s wall, "
              f"{cpu_s:.1f} CPU-s, {rss / 1e6:.0f} MB (target < 10 s on 2 cores; {os.cpu_count()} cores here, "
              f"load {os.getloadavg()[0]:.1f})")
    kclique = ROOT / "instances" / "generated" / "kclique4-gnp100-0.15-s3.cnf.xz"
    if kclique.exists():
        for mode, env, cwd in modes:
            runs = [child([sys.executable, "-m", "asc", "select", str(kclique)], env=env, cwd=cwd) for _ in range(repeat)]
            print(f"asc select {kclique.name}, {mode} kernels: {min(r[0] for r in runs):.2f} CPU-s, "
                  f"{max(r[2] for r in runs) / 1e6:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small ladder (1e3-1e5) and 2 shared files")
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs for the readers (default 3)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "asc-features-speed"),
                        help="folder for the generated and decompressed instances")
    parser.add_argument("--no-features", action="store_true", help="time the readers only")
    parser.add_argument("--dense-only", action="store_true", help="only the dense clause-graph runs")
    parser.add_argument("--whole-only", action="store_true",
                        help="only the whole-process runs against gbdc (start-up, 1e5-1e6 variables, first select)")
    parser.add_argument("--baseline", default=None,
                        help="the folder holding another checkout's asc package (its PYTHONPATH), measured "
                             "alongside in the whole-process runs (before/after in one run)")
    parser.add_argument("--dense-exact-up-to", type=int, default=8000,
                        help="clauses up to which the exact (old) CG runs as a reference (default 8000; "
                             "26300 takes about 100 CPU-s and 3 GB)")
    args = parser.parse_args(argv)
    dense_sizes = (2000, 8000) if args.quick else (2000, 8000, 26300)
    if args.dense_only:
        dense_report(dense_sizes, args.dense_exact_up_to)
        return 0

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    if args.whole_only:
        whole_process_report(cache, args.repeat, baseline=args.baseline)
        return 0
    from pysat.formula import CNF as PySATCNF

    from asc.instances import instance_hash, parse_cnf, read_cnf

    cold, warm = compile_seconds()
    print(f"numba: reader kernels compile in {cold:.2f} s (first run ever), load from cache in {warm:.2f} s "
          f"(per process, imports included); both excluded below")
    instance_hash(parse_cnf(b"p cnf 2 1\n1 -2 0\n"))  # load kernels before timing

    compute = None if args.no_features else features_api()
    if compute is not None:
        start = time.perf_counter()
        compute(parse_cnf(b"p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n"))
        print(f"numba: feature kernels loaded/compiled in {time.perf_counter() - start:.2f} s (excluded)")
    elif not args.no_features:
        print("asc.features.compute_features is not available: feature timings skipped")
    try:
        import gbdc
    except ImportError:
        gbdc = None

    instances = [(random_3cnf(n, cache), f"rand3 n={n:.0e}", True) for n in (QUICK_LADDER if args.quick else LADDER)]
    instances += [(p, name, False) for p, name in shared_largest(2 if args.quick else 5, cache)]
    ref = reference_seconds()

    head = (f"{'instance':<34} {'MB':>6} {'literals':>10} {'ours ms':>8} {'pysat ms':>8} {'x':>5} {'MB/s':>6} "
            f"{'Mlit/s':>6}")
    if compute is not None:
        head += f" {'P+B+K s':>8} {'CG s':>7} {'gbdc s':>7} {'gbdc/PBK':>8} {'SATzilla s':>10} {'status':<18}"
    print(head)
    print("-" * len(head))
    ladder_fit: list[tuple[int, float, float]] = []
    read_ratios = []
    over_1mb: list[tuple[str, float]] = []  # (name, gbdc time / our Pre+Basic+KLB time)
    totals: list[tuple[str, float, str]] = []  # (name, CPU of all four groups, statuses)
    largest_ladder = max((p for p, _, lad in instances if lad), key=lambda q: q.stat().st_size)
    for path, name, in_ladder in instances:
        mb = path.stat().st_size / 1e6
        t_ours, cnf = cpu(lambda: read_cnf(path), args.repeat)
        t_pysat, _ = cpu(lambda: PySATCNF(from_file=str(path)), args.repeat)
        nlit = cnf.nliterals
        read_ratios.append(t_pysat / t_ours)
        line = (f"{name:<34} {mb:6.1f} {nlit:10d} {t_ours * 1e3:8.2f} {t_pysat * 1e3:8.1f} {t_pysat / t_ours:5.1f} "
                f"{mb / t_ours:6.0f} {nlit / t_ours / 1e6:6.1f}")
        t_pbk = float("nan")
        if compute is not None:
            t_all, res = cpu(lambda: compute(cnf))
            costs = {s: r.cost for s, r in res.steps.items()}
            t_pbk = sum(costs.get(s, 0.0) for s in ("Pre", "Basic", "KLB"))
            t_cg = costs.get("CG", float("nan"))
            t_gbdc = cpu(lambda: gbdc.extract_base_features(str(path)))[0] if gbdc else float("nan")
            status = ",".join(f"{s}:{r.status}" for s, r in res.steps.items() if r.status != "ok") or "all ok"
            sz = ref.get(name, float("nan"))
            line += (f" {t_pbk:8.3f} {t_cg:7.3f} {t_gbdc:7.3f} {t_gbdc / t_pbk:8.2f} {sz:10.2f} {status:<18}")
            if mb > 1:
                over_1mb.append((name, t_gbdc / t_pbk))
            totals.append((name, t_all, status))
        print(line, flush=True)
        if not in_ladder and (SHARED / name).exists():
            t_xz, _ = cpu(lambda: read_cnf(SHARED / name), args.repeat)
            print(f"{'  same, read from its .xz':<34} {'':>6} {'':>10} {t_xz * 1e3:8.2f}   (decompression "
                  f"{(t_xz - t_ours) / t_xz:.0%} of it)")
        if in_ladder:
            ladder_fit.append((nlit, t_ours, t_pbk))
        if compute is not None and path == largest_ladder:
            cut = compute(cnf, step_timeout=0.05)
            print(f"  --step-timeout 0.05 on {name}: Pre {cut.steps['Pre'].status} after "
                  f"{cut.steps['Pre'].cost:.3f} CPU-s (target: within 0.5 s of the limit)")
        del cnf

    print()
    biggest = max(instances, key=lambda inst: inst[0].stat().st_size)[0]
    for path in (biggest, SHARED / "satlib-bmc" / "bmc-ibm-6.cnf.xz"):
        if path.exists():
            peak, arrays, text = reader_peak_memory(path)
            print(f"reader peak memory on {path.name}: {peak / 1e6:.1f} MB = {peak / arrays:.2f}x the result's "
                  f"arrays ({arrays / 1e6:.1f} MB) for {text / 1e6:.1f} MB of text")
    print(f"reader vs python-sat: min {min(read_ratios):.1f}x, median {float(np.median(read_ratios)):.1f}x faster "
          f"(target >= 5x)")
    if over_1mb:
        worst = min(over_1mb, key=lambda r: r[1])
        print(f"Pre+Basic+KLB vs gbdc base features on the {len(over_1mb)} instances over 1 MB: gbdc takes "
              f"{worst[1]:.2f}x our time at worst ({worst[0]}; target >= 1)")
    for name, total, status in totals:
        if name.startswith("rand3") and "1e+06" in name:
            print(f"all four groups on {name}: {total:.1f} s CPU, {status} (target: all ok in < 60 s)")
    if compute is not None:
        for label, n, one, two in parallel_speedup():
            print(f"asc features on the {n} {label} shared files: --jobs 1 {one:.2f} s, --jobs 2 {two:.2f} s "
                  f"wall, speed-up {one / two:.2f}x (target about 2x; {os.cpu_count()} cores here)")
    if compute is not None:
        dense_report(dense_sizes, args.dense_exact_up_to)
        whole_process_report(cache, args.repeat, WHOLE_SIZES[:1] if args.quick else WHOLE_SIZES, args.baseline)
    if len(ladder_fit) >= 2:
        lits = np.log([r[0] for r in ladder_fit])
        # Tiny instances are dominated by fixed costs: fit on those above 0.1 M literals when we can.
        big = [i for i, r in enumerate(ladder_fit) if r[0] >= 100_000]
        idx = big if len(big) >= 2 else list(range(len(ladder_fit)))
        b_read = np.polyfit(lits[idx], np.log([ladder_fit[i][1] for i in idx]), 1)[0]
        print(f"scaling exponent of the reader's time in literals: {b_read:.2f} (1 = linear)")
        if compute is not None:
            b_feat = np.polyfit(lits[idx], np.log([ladder_fit[i][2] for i in idx]), 1)[0]
            print(f"scaling exponent of Pre+Basic+KLB time in literals: {b_feat:.2f} (1 = linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
