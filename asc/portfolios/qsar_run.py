"""A learner x representation pair as a command line: one cross-validated run on one QSAR dataset.

Usage::

    python -m asc.portfolios.qsar_run DATASET --learner L --representation R --seed S
        [--folds K] [--protocol kfold|split] [--param NAME=VALUE ...] [--cache-dir DIR]
        [--smiles-col C --target-col T]

What the harness runs for a ``kind = "qsar"`` portfolio's algorithm, as it runs
``asc.portfolios.pysat_solver`` for a python-sat backend, so that CPU time, memory and
the limits are measured and enforced the same way. Prints::

    c asc-startup cpu=C wall=W
    c asc-quality rmse=R r2=R2 mae=M folds=K protocol=P fold_digest=D
    c asc-fold-rmse R1,R2,...

and exits 0; a dataset that cannot be used prints ``asc: error: FILE:LINE: ...`` on
stderr and exits 2 (no traceback). The first line is the start-up time (interpreter,
imports), as for the python-sat wrapper. Values are ``repr`` of floats, so a stored
run reproduces the figure exactly.
"""

from __future__ import annotations

import os

# one BLAS/OpenMP thread: the harness measures and limits CPU per run, runs side by side
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402


def _value(text: str):
    """A hyperparameter value from the command line: int, float, true/false, none or text."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    """Run one cross-validation and print its result lines (see the module docstring)."""
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    parser = argparse.ArgumentParser(prog="python -m asc.portfolios.qsar_run")
    parser.add_argument("dataset")
    parser.add_argument("--learner", required=True)
    parser.add_argument("--representation", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--protocol", default="kfold", choices=("kfold", "split"))
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    # the representation cache (by content hash and settings, written atomically): shared by the
    # runs of a campaign when ASC_QSAR_CACHE names a folder, so each dataset is featurised once per pair
    parser.add_argument("--cache-dir", default=os.environ.get("ASC_QSAR_CACHE") or None)
    parser.add_argument("--smiles-col", default=None)
    parser.add_argument("--target-col", default=None)
    args = parser.parse_args(argv)
    from asc.errors import AscError
    from asc.instances.qsar import read_qsar
    from asc.portfolios.qsar_learners import cross_validate

    print(f"c asc-startup cpu={time.process_time() - start_cpu:.6f} wall={time.perf_counter() - start_wall:.6f}",
          flush=True)
    try:
        params = {}
        for item in args.param:
            name, sep, value = item.partition("=")
            if not sep or not name:
                from asc.errors import UsageError

                raise UsageError(f"--param expects NAME=VALUE, got {item!r}")
            params[name] = _value(value)
        # the CV settings of a portfolio travel as cv_ parameters (part of the run key), not hyperparameters
        folds = int(params.pop("cv_folds", args.folds))
        protocol = str(params.pop("cv_protocol", args.protocol))
        dataset = read_qsar(args.dataset, smiles_col=args.smiles_col, target_col=args.target_col)
        result = cross_validate(dataset, args.learner, args.representation, seed=args.seed, folds=folds,
                                protocol=protocol, params=params, cache_dir=args.cache_dir)
    except AscError as exc:
        print(f"asc: error: {exc}", file=sys.stderr)
        return 2
    # comment lines, not an s line: a quality run decides nothing, and the harness keeps c asc- lines
    print(f"c asc-quality rmse={result.rmse!r} r2={result.r2!r} mae={result.mae!r} folds={len(result.fold_rmse)} "
          f"protocol={protocol} fold_digest={result.fold_digest()}")
    print("c asc-fold-rmse " + ",".join(repr(v) for v in result.fold_rmse))
    return 0


if __name__ == "__main__":
    sys.exit(main())
