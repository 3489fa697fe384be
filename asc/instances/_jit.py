"""How ``asc`` runs its kernels: compiled ahead of time when it can, else Numba, loaded late.

Every kernel module of ``asc`` (the DIMACS reader's, the feature groups') takes
``njit`` from here. What a user pays on start-up is the reason for each rule:

* **Ahead-of-time kernels first.** The CNF kernels (:mod:`asc.instances._dimacs_kernels`,
  :mod:`asc.features._kernels`) are also compiled into a C extension,
  ``asc._cnf_kernels``, when ``asc`` is installed (``setup.py`` runs
  :mod:`asc._build_kernels`; ``python -m asc._build_kernels`` rebuilds it by hand).
  Importing it costs milliseconds and a few MB where importing Numba and LLVM costs
  about 0.3 CPU-s and 100 MB, which was most of ``asc features`` on a mid-sized
  file. A kernel module calls :func:`use_compiled` last: its exported kernels are
  then the extension's, each behind a check of its argument types (the extension
  does not check them; a call with other types goes to the Numba kernel, so a value
  never depends on which one ran). The extension is used only when it was built
  from the kernels' current source (:func:`source_digest`), so an edited kernel
  never runs stale machine code; when it is absent (not built, build failed, other
  platform) or ``ASC_KERNELS=jit`` is set, everything below applies unchanged.
* **Numba only when a kernel runs.** ``njit`` here returns a :class:`LazyKernel`:
  Numba is imported, and the module's dispatchers made, at the first call of a
  kernel that is not compiled ahead of time. A process that runs only compiled
  kernels never imports Numba.
* **No BLAS probe.** Numba's array functions (``numba.np.arraymath``, loaded with the
  first kernel) import ``scipy.linalg.cython_blas`` when SciPy is installed, to tell
  whether ``np.dot`` and ``np.linalg`` can be compiled (about 0.2 CPU-s). No kernel
  of ``asc`` uses them, so the probe is made to fail while Numba loads: Numba then
  only refuses ``np.dot`` in nopython code of this process, which ``asc`` never
  compiles. When Numba is already loaded (a test session, a notebook) nothing changes.
* **Loading and compiling are not feature cost.** A kernel compiles once per
  installation (then its machine code is loaded from Numba's cache, ``cache=True``);
  the first run after an install would otherwise report seconds of compilation as
  a feature step's cost and could even time a step out, and a lazily imported
  Numba would charge its 0.3 s import to the first step. :func:`compile_seconds`
  is the CPU time this process has spent importing Numba and compiling kernels;
  feature clocks subtract what accrued while they ran (:mod:`asc.features.satzilla`
  ``_Clock``). With the compiled extension it stays 0.
"""

from __future__ import annotations

import os
import re
import sys
import time
import types
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_compiled = [0.0]  # CPU seconds spent importing Numba and in Numba compilations (outermost ones only)

#: Name of the extension module holding the ahead-of-time compiled kernels.
COMPILED_MODULE = "asc._cnf_kernels"

#: The source files compiled into it (relative to the ``asc`` package): their text
#: and the build's format version make up :func:`source_digest`.
COMPILED_SOURCES = ("instances/_dimacs_codes.py", "instances/_dimacs_kernels.py", "features/_kernels.py",
                    "_build_kernels.py")

#: Bumped when the build changes what it exports without a source file changing.
BUILD_FORMAT = 1

_ASC_DIR = Path(__file__).resolve().parent.parent


def _load_numba() -> Any:
    """Import Numba with its BLAS probe disabled (see the module docstring); register the compile timer."""
    start = time.process_time()
    fresh = "numba" not in sys.modules
    if fresh:
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
    if fresh:
        _compiled[0] += time.process_time() - start
    return numba


class LazyKernel:
    """A kernel whose Numba dispatcher is made at its first call (or first attribute look-up).

    The dispatchers of all the kernels of a module are made together
    (:func:`_dispatchers`), because a kernel calling another one needs the other's
    dispatcher in its globals when it compiles.
    """

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self.dispatcher: Any = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__doc__ = py_func.__doc__
        self.__module__ = py_func.__module__

    def _get(self) -> Any:
        if self.dispatcher is None:
            _dispatchers(self.py_func.__module__)
        if self.dispatcher is None:  # not a module-level kernel (one made inside a function)
            self.dispatcher = _load_numba().njit(**self.options)(self.py_func)
        return self.dispatcher

    def __call__(self, *args: Any) -> Any:
        return self._get()(*args)

    def __getattr__(self, name: str) -> Any:  # overloads, signatures, ... of the dispatcher
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._get(), name)


def njit(*args: Any, **options: Any) -> Any:
    """``numba.njit`` made lazy: ``@njit`` or ``@njit(cache=True)`` gives a :class:`LazyKernel`."""
    if args and callable(args[0]) and not options:
        return LazyKernel(args[0], {})
    return lambda func: LazyKernel(func, options)


_namespaces: dict[str, dict[str, Any]] = {}  # module name -> the globals its dispatchers compile against


def _dispatchers(module_name: str) -> dict[str, Any]:
    """Make the Numba dispatchers of every :class:`LazyKernel` of a module (once).

    They compile against a copy of the module's globals in which every kernel is its
    dispatcher: the module's own names may be the compiled extension's functions
    (:func:`use_compiled`), which Numba cannot call. Where a name is still the lazy
    kernel, the module gets the dispatcher itself (no forwarding on later calls).
    """
    ns = _namespaces.get(module_name)
    if ns is not None:
        return ns
    numba = _load_numba()
    module = sys.modules[module_name]
    ns = dict(vars(module))
    found = []
    for name, obj in vars(module).items():
        lazy = obj if isinstance(obj, LazyKernel) else getattr(obj, "jit", None)
        if isinstance(lazy, LazyKernel) and lazy.py_func.__module__ == module_name:
            found.append((name, obj, lazy))
    for name, obj, lazy in found:
        f = lazy.py_func
        copy = types.FunctionType(f.__code__, ns, f.__name__, f.__defaults__, f.__closure__)
        copy.__qualname__, copy.__doc__, copy.__module__ = f.__qualname__, f.__doc__, f.__module__
        copy.__kwdefaults__ = f.__kwdefaults__
        lazy.dispatcher = numba.njit(**lazy.options)(copy)
        ns[name] = lazy.dispatcher
    for name, obj, lazy in found:
        if obj is lazy:
            setattr(module, name, lazy.dispatcher)
    _namespaces[module_name] = ns
    return ns


def compile_seconds() -> float:
    """CPU seconds this process has spent importing Numba and compiling kernels (cache loads excluded)."""
    return _compiled[0]


# -- the ahead-of-time compiled kernels ------------------------------------------------


def source_digest(root: str | os.PathLike | None = None) -> int:
    """A 63-bit digest of the compiled kernels' source files (:data:`COMPILED_SOURCES` under ``root``).

    ``root`` is the ``asc`` package folder (default: this installation's).
    The build bakes it into the extension and :func:`compiled_module` compares: an
    extension built from other sources is not used. CRC-32 and Adler-32 (``zlib``,
    already loaded) rather than ``hashlib``, whose OpenSSL costs 3 MB per process;
    this detects edits, it is no protection against forgery.
    """
    base = _ASC_DIR if root is None else Path(root)
    data = b"".join((base / name).read_bytes() for name in COMPILED_SOURCES) + b"format %d" % BUILD_FORMAT
    return ((zlib.crc32(data) << 32) | zlib.adler32(data)) & ((1 << 63) - 1)


_module: list[Any] = []  # [the extension or None], once looked up


def compiled_module() -> Any:
    """The extension of ahead-of-time compiled kernels, or ``None`` (absent, stale, or ``ASC_KERNELS=jit``)."""
    if not _module:
        found = None
        if os.environ.get("ASC_KERNELS", "").strip().lower() != "jit":
            try:
                import importlib

                ext = importlib.import_module(COMPILED_MODULE)
                if int(ext.aot_digest()) == source_digest():
                    found = ext
            except Exception:  # noqa: BLE001 - not built, other platform, unreadable source: Numba it is
                found = None
        _module.append(found)
    return _module[0]


_ARG = re.compile(r"^(b1|i1|i4|i8|u1|u8|f8)(?:\[(.*)\])?$")
_DTYPES = {"b1": np.dtype(np.bool_), "i1": np.dtype(np.int8), "i4": np.dtype(np.int32), "i8": np.dtype(np.int64),
           "u1": np.dtype(np.uint8), "u8": np.dtype(np.uint64), "f8": np.dtype(np.float64)}
_SCALAR_TYPES = {"b1": (bool, np.bool_), "i8": (int, np.int64), "f8": (float, np.float64)}


def _argument_check(code: str) -> Callable[[Any], bool]:
    """A test that an argument is exactly what the exported type ``code`` (``i8``, ``i4[::1]``, ...) takes.

    Arrays: that dtype, that number of dimensions, C-contiguous (Numba's ``[::1]``
    layouts). Scalars: the Python or NumPy type Numba would type as that scalar
    (``bool`` is not an ``i8``: Numba would compile a boolean version).
    """
    m = _ARG.match(code.replace(" ", ""))
    if m is None:
        raise ValueError(f"unsupported exported argument type {code!r}")
    kind, dims = m.groups()
    if dims is None:
        allowed = _SCALAR_TYPES[kind]
        return lambda x: type(x) in allowed
    ndim = dims.count(":") - dims.count("::")
    if not dims.endswith("::1"):
        raise ValueError(f"exported arrays must be C-contiguous ('::1'): {code!r}")
    dtype = _DTYPES[kind]
    return lambda a: type(a) is np.ndarray and a.ndim == ndim and a.dtype == dtype and a.flags.c_contiguous


def split_signature(signature: str) -> list[str]:
    """The argument types of an exported signature ``"(i4[::1], i8, u8[:, ::1])"``."""
    inner = signature.strip()[1:-1]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


class CompiledKernel:
    """An exported kernel of the extension, with the argument check it lacks.

    A call whose arguments are all of the exported types runs the compiled code;
    any other goes to the Numba kernel (``jit``), which compiles for what it gets, as
    before, and is counted in ``fallbacks`` (the tests check that the callers' calls
    never need it). Attribute look-ups other than these go to the Numba kernel.
    """

    def __init__(self, compiled: Callable[..., Any], jit: LazyKernel, signature: str) -> None:
        self.compiled = compiled
        self.jit = jit
        self.signature = signature
        self.checks = tuple(_argument_check(c) for c in split_signature(signature))
        self.fallbacks = 0
        self.__name__ = jit.__name__
        self.__doc__ = jit.__doc__

    def __call__(self, *args: Any) -> Any:
        checks = self.checks
        if len(args) == len(checks):
            for check, arg in zip(checks, args):
                if not check(arg):
                    break
            else:
                return self.compiled(*args)
        self.fallbacks += 1
        return self.jit(*args)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.jit, name)


def use_compiled(namespace: dict[str, Any], signatures: dict[str, str]) -> bool:
    """Replace the kernels named in ``signatures`` by their compiled versions, if the extension is there.

    ``namespace`` is the kernel module's ``globals()``; the extension exports kernel
    ``name`` of module ``asc.x.y`` as ``y__name``. All or nothing: when any of them is
    missing the module keeps its Numba kernels. Returns whether it switched.
    """
    ext = compiled_module()
    if ext is None:
        return False
    prefix = namespace["__name__"].rsplit(".", 1)[-1].lstrip("_")
    found = {name: getattr(ext, f"{prefix}__{name}", None) for name in signatures}
    if any(f is None for f in found.values()):
        return False
    for name, signature in signatures.items():
        namespace[name] = CompiledKernel(found[name], namespace[name], signature)
    return True
