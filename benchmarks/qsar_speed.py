"""Speed of the QSAR side: Tanimoto kernel, representations, meta-features of the shared datasets.

In one run, in CPU seconds of this process (the machine is shared; CPU time is what other load
disturbs least) unless said otherwise:

1. **Tanimoto matrix** of 3,000 ECFP4-2048 fingerprints against themselves (real molecules,
   the largest shared MoleculeACE set): our Numba kernel (packed uint64 words, popcount; the full
   ``a x b`` kernel and the symmetric one) against RDKit's ``BulkTanimotoSimilarity`` (one call
   per row over ExplicitBitVects, the usual way) and a NumPy version (a float32 matrix product for
   the intersections; BLAS may use several threads, so its wall time is shown too). Target:
   Numba >= 3x faster than RDKit, same values to 1e-12.
2. **Representations**: CPU seconds per 1,000 molecules for each representation (molecules
   already parsed; parsing reported separately).
3. **Meta-features of every shared dataset** (129 with ``../shared`` present): reading and
   standardising, the ECFP4-2048 fingerprints, and the meta-feature steps with the fingerprint
   given, each summed over all sets. Target: the meta-features under 120 CPU-s excluding
   fingerprints (the reading is reported beside them).

Numba kernels are loaded before any timing. Usage:
``python benchmarks/qsar_speed.py [--quick] [--repeat R]`` (``--quick``: 10 datasets, 1,000 molecules).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "qsar"
sys.path.insert(0, str(ROOT))


def cpu(fn, repeat=1):
    """(best CPU seconds, best wall seconds, result) of ``repeat`` calls."""
    best_cpu = best_wall = float("inf")
    out = None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - w)
    return best_cpu, best_wall, out


def numpy_tanimoto(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    inter = (fa @ fb.T).astype(np.float64)
    union = a.sum(1, dtype=np.float64)[:, None] + b.sum(1, dtype=np.float64)[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"needs the shared datasets in {SHARED}", file=sys.stderr)
        return 2
    from rdkit import Chem, DataStructs

    from asc.features import _qsar_kernels as K
    from asc.features.batch import warm_up
    from asc.features.qsar_meta import compute_qsar_features
    from asc.features.representations import STANDARD, pack_bits, parse_representation, representation, _compute
    from asc.instances.qsar import read_qsar

    warm_up("qsar")
    files = sorted(SHARED.rglob("*.csv"))
    n_tan = 1000 if args.quick else 3000

    # 1. Tanimoto ------------------------------------------------------------------
    biggest = max((p for p in files if "moleculeace" in str(p)), key=lambda p: p.stat().st_size)
    big = read_qsar(biggest)
    mols = big.mols()[:n_tan]
    x = _compute(parse_representation("ecfp4-2048"), mols)
    packed = pack_bits(x)
    fps = [DataStructs.CreateFromBitString("".join("1" if v else "0" for v in row)) for row in x]
    print(f"# Tanimoto: {len(mols)} x {len(mols)} ECFP4-2048 fingerprints of {biggest.name} "
          f"(mean {x.sum(1).mean():.1f} bits set), best of {args.repeat}")
    c_full, w_full, s_full = cpu(lambda: K.tanimoto_matrix(packed, packed), args.repeat)
    c_sym, w_sym, s_sym = cpu(lambda: K.tanimoto_self(packed), args.repeat)
    c_rd, w_rd, s_rd = cpu(lambda: np.array([DataStructs.BulkTanimotoSimilarity(f, fps) for f in fps]), args.repeat)
    c_np, w_np, s_np = cpu(lambda: numpy_tanimoto(x, x), args.repeat)
    diff = max(np.abs(s_full - s_rd).max(), np.abs(s_sym - s_rd).max())
    print("| method | CPU s | wall s | RDKit CPU / method CPU |\n|---|---|---|---|")
    for name, c, w in (("Numba a x b", c_full, w_full), ("Numba symmetric", c_sym, w_sym),
                       ("RDKit BulkTanimotoSimilarity", c_rd, w_rd), ("NumPy float32 matmul", c_np, w_np)):
        print(f"| {name} | {c:.3f} | {w:.3f} | {c_rd / c:.1f} |")
    print(f"max |Numba - RDKit| = {diff:.3g}; max |NumPy - RDKit| = {np.abs(s_np - s_rd).max():.3g}; "
          f"target >= 3x: {'met' if c_rd / c_full >= 3 else 'NOT met'} ({c_rd / c_full:.1f}x)\n")

    # 2. Representations --------------------------------------------------------------
    sample = mols[:1000] if not args.quick else mols[:300]
    smiles = [Chem.MolToSmiles(m) for m in sample]
    c_parse, _, _ = cpu(lambda: [Chem.MolFromSmiles(s) for s in smiles])
    print(f"# Representations: CPU s per 1,000 molecules ({len(sample)} molecules of {biggest.name}; "
          f"parsing SMILES: {1000 * c_parse / len(sample):.3f})")
    print("| representation | columns | CPU s / 1k molecules |\n|---|---|---|")
    for name in STANDARD:
        spec = parse_representation(name)
        part = sample[:300] if name == "rdkit2d" and not args.quick else sample
        c, _, out = cpu(lambda: _compute(spec, part))
        print(f"| {name} | {out.shape[1]} | {1000 * c / len(part):.3f} |")
    print()

    # 3. Meta-features of every dataset ---------------------------------------------------
    if args.quick:
        files = files[:10]
    read_s = fp_s = meta_s = 0.0
    steps: dict[str, float] = {}
    molecules = 0
    for path in files:
        c, _, d = cpu(lambda: read_qsar(path))
        read_s += c
        molecules += d.n
        c, _, fp = cpu(lambda: representation(d, "ecfp4-2048"))
        fp_s += c
        c, _, result = cpu(lambda: compute_qsar_features(d, fingerprint=fp))
        meta_s += c
        for name, step in result.steps.items():
            steps[name] = steps.get(name, 0.0) + step.cost
    print(f"# Meta-features of {len(files)} datasets ({molecules} molecules), CPU s summed over the sets")
    print("| part | CPU s |\n|---|---|")
    print(f"| read + standardise (RDKit) | {read_s:.1f} |")
    print(f"| ECFP4-2048 fingerprints | {fp_s:.1f} |")
    for name, c in steps.items():
        print(f"| step {name} | {c:.1f} |")
    print(f"| **meta-features, fingerprints excluded** | **{meta_s:.1f}** |")
    print(f"target < 120 CPU-s: {'met' if meta_s < 120 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
