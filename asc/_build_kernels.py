"""Compile the CNF kernels ahead of time into the extension ``asc._cnf_kernels`` (optional).

Run by ``setup.py`` when ``asc`` is installed (``pip install -e .`` included), or by hand
after editing a kernel: ``python -m asc._build_kernels`` (writes next to the ``asc``
package's ``__init__.py``). Needs Numba (its ``numba.pycc``), setuptools and a C
compiler; without them, or if anything fails, nothing is written and ``asc`` runs
the same kernels through Numba (:mod:`asc.instances._jit`).

Why: importing Numba and LLVM and loading the cached kernels costs about 0.45 CPU-s
and 150 MB in every ``asc features`` / ``asc select`` process, more than the work on
most files; the extension loads in milliseconds and never imports Numba.

What: every kernel named in the ``AOT_SIGNATURES`` of :mod:`asc.instances._dimacs_kernels`
and :mod:`asc.features._kernels`, exported as ``<module>__<name>`` with exactly those
argument types (the helpers they call are compiled into them), plus ``aot_digest()``,
the :func:`asc.instances._jit.source_digest` of the sources it was built from, so
that a later edit of a kernel makes the extension unused rather than wrong. The code
is generic x86-64 (or the generic model of the build machine's architecture):
``numba.pycc`` targets no particular CPU, so the extension runs on any CPU of the
family and gives the same values as the JIT kernels (no fast-math in either).

``numba.pycc`` is deprecated pending a replacement (Numba issue 8509; its successor
PIXIE cannot compile ``@njit`` functions yet), and remains the way to compile Numba
code into an extension that does not import Numba.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

#: The kernel modules compiled into the extension.
KERNEL_MODULES = ("asc.instances._dimacs_kernels", "asc.features._kernels")


def build(output_dir: str | os.PathLike | None = None, output_file: str | None = None, verbose: bool = False) -> Path:
    """Compile the extension into ``output_dir`` (default: the ``asc`` package folder) and return its path.

    The file is written under a temporary name and renamed into place, so a failed
    build leaves the previous file (or none), never a broken one.
    """
    os.environ["ASC_KERNELS"] = "jit"  # the kernel modules must keep their Numba kernels here
    import importlib
    import warnings

    from numba.core.errors import NumbaPendingDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaPendingDeprecationWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from numba.pycc import CC

    from asc.instances import _jit

    name = _jit.COMPILED_MODULE.rsplit(".", 1)[-1]
    cc = CC(name)
    cc.verbose = verbose
    cc.target_cpu = ""  # generic code for the architecture, not the build machine's CPU
    for module_name in KERNEL_MODULES:
        module = importlib.import_module(module_name)
        prefix = module_name.rsplit(".", 1)[-1].lstrip("_")
        dispatchers = _jit._dispatchers(module_name)
        for kernel, signature in module.AOT_SIGNATURES.items():
            cc.export(f"{prefix}__{kernel}", signature)(dispatchers[kernel].py_func)
    namespace: dict[str, object] = {}
    exec(f"def aot_digest():\n    return {_jit.source_digest()}\n", namespace)  # noqa: S102 - a constant function
    cc.export("aot_digest", "i8()")(namespace["aot_digest"])

    target_dir = Path(output_dir) if output_dir is not None else Path(__file__).resolve().parent
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / (output_file or cc.output_file)
    with tempfile.TemporaryDirectory(prefix="asc-kernels-") as tmp:
        cc.output_dir = tmp
        cc.output_file = final.name
        cc.compile()
        partial = final.with_name(final.name + ".partial")
        shutil.copyfile(Path(tmp) / final.name, partial)
        os.replace(partial, final)
    return final


def main(argv: list[str] | None = None) -> int:
    """``python -m asc._build_kernels [--output-dir DIR]``: build, say where and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output-dir", default=None, help="where to write the extension (default: the asc package)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = build(args.output_dir, verbose=args.verbose)
    print(f"built {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
