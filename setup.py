"""Build hook of ``asc``: the ahead-of-time compiled CNF kernels, an optional extension.

Everything else is declared in ``pyproject.toml``. ``asc._cnf_kernels`` is built by
:mod:`asc._build_kernels` (Numba's ``pycc``, a C compiler) rather than from C sources,
and it is optional in the strongest sense: when it cannot be built (no compiler, an
unsupported platform, any error) the install goes on without it and ``asc`` runs the
same kernels through Numba (``asc/instances/_jit.py``). ``ASC_BUILD_KERNELS=0`` skips
it on purpose.
"""

from __future__ import annotations

import os
import sys
import traceback

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildKernels(build_ext):
    """``build_ext`` that builds ``asc._cnf_kernels`` with :mod:`asc._build_kernels` and never fails on it."""

    def build_extension(self, ext: Extension) -> None:
        if ext.name != "asc._cnf_kernels":
            super().build_extension(ext)
            return
        if os.environ.get("ASC_BUILD_KERNELS", "1").strip() == "0":
            print("asc: ASC_BUILD_KERNELS=0, compiled kernels not built (Numba runs them)", file=sys.stderr)
            return
        target = self.get_ext_fullpath(ext.name)
        try:
            sys.path.insert(0, HERE)
            from asc._build_kernels import build

            build(os.path.dirname(target), os.path.basename(target))
            print(f"asc: compiled kernels built: {target}", file=sys.stderr)
        except Exception:  # noqa: BLE001 - optional: the install must not fail on it
            traceback.print_exc()
            print("asc: the compiled kernels could not be built; asc will run them through Numba",
                  file=sys.stderr)
        finally:
            if sys.path and sys.path[0] == HERE:
                sys.path.pop(0)


setup(
    ext_modules=[Extension("asc._cnf_kernels", sources=[], optional=True)],
    cmdclass={"build_ext": BuildKernels},
)
