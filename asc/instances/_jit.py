"""How ``asc`` loads Numba: without its BLAS probe, and with compilation time accounted apart.

Every Numba kernel module of ``asc`` (the DIMACS reader's, the feature groups') takes
``njit`` from here, for two reasons that both concern what a user pays on start-up:

* **No BLAS probe.** Numba's array functions (``numba.np.arraymath``, loaded with the
  first kernel) import ``scipy.linalg.cython_blas`` when SciPy is installed, to tell whether ``np.dot`` and ``np.linalg`` can be compiled (about
  0.2 CPU-s, a third of ``asc features`` on a small file). No kernel of ``asc`` uses
  them, so the probe is made to fail while Numba loads: Numba then only refuses
  ``np.dot`` in nopython code of this process, which ``asc`` never compiles. When
  Numba is already loaded (a test session, a notebook) nothing changes.
* **Compilation is not feature cost.** A kernel compiles once per installation (then
  its machine code is loaded from the cache, ``cache=True``); the first run after an
  install would otherwise report seconds of compilation as a feature step's cost and
  could even time a step out. :func:`compile_seconds` is the CPU time this process
  has spent compiling kernels so far; feature clocks subtract what accrued while they
  ran (:class:`asc.features.satzilla` ``_Clock``).
"""

from __future__ import annotations

import sys
import time
from typing import Any

_compiled = [0.0]  # CPU seconds spent in Numba compilations (outermost ones only)


def _load_numba() -> Any:
    """Import Numba with its BLAS probe disabled (see the module docstring); register the compile timer."""
    if "numba" not in sys.modules:
        blocked = "scipy.linalg.cython_blas"
        had = sys.modules.get(blocked, False)
        if had is False:
            sys.modules[blocked] = None  # type: ignore[assignment]  # makes ``import`` raise ImportError
        try:
            import numba
            import numba.np.arraymath  # noqa: F401 - probes BLAS on import (loaded at the first compile anyway)
        finally:
            if had is False and sys.modules.get(blocked, False) is None:
                del sys.modules[blocked]
    import numba
    from numba.core import event

    class _CompileTimer(event.Listener):
        """Adds the CPU time of outermost compilations to ``_compiled`` (nested ones are inside them)."""

        def __init__(self) -> None:
            self.depth = 0
            self.start = 0.0

        def on_start(self, ev: Any) -> None:
            if self.depth == 0:
                self.start = time.process_time()
            self.depth += 1

        def on_end(self, ev: Any) -> None:
            self.depth -= 1
            if self.depth == 0:
                _compiled[0] += time.process_time() - self.start

    if not getattr(numba, "_asc_compile_timer", False):
        event.register("numba:compile", _CompileTimer())
        numba._asc_compile_timer = True
    return numba


njit = _load_numba().njit


def compile_seconds() -> float:
    """CPU seconds this process has spent compiling Numba kernels (cache loads are not compilation)."""
    return _compiled[0]
