"""Progress on stderr: one rule for every long command.

The rule: a bar (tqdm) that redraws itself with ``\\r`` only when the stream is a
terminal and we are the main process; anywhere else (a log file, a pipe, a cluster
job's output, a worker process) no bar at all, since carriage-return updates turn a
log into one unreadable line per refresh. Commands say what they are doing with
whole lines instead (``asc: ...``), which read well in both places.

Standard library only at import: tqdm loads when a bar is drawn.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
import time
from types import TracebackType
from typing import IO, Any


def on_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (default stderr) is a terminal of the main process."""
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty()) and multiprocessing.parent_process() is None
    except (AttributeError, ValueError):
        return False


def progress_bar(total: int | None, *, unit: str, desc: str | None = None, initial: int = 0,
                 stream: IO[str] | None = None, enabled: bool = True, leave: bool = True) -> Any | None:
    """A tqdm bar on ``stream`` (default stderr), or None where no bar should be drawn.

    Parameters
    ----------
    total
        Number of steps (None: unknown).
    unit, desc, initial, leave
        As tqdm's.
    stream
        Where to draw; stderr by default (stdout is kept for results).
    enabled
        False when the user asked for no progress (``--no-progress``).

    Returns
    -------
    tqdm or None
        None unless ``enabled`` and :func:`on_terminal`.
    """
    stream = sys.stderr if stream is None else stream
    if not enabled or not on_terminal(stream):
        return None
    from tqdm import tqdm

    # A terminal that reports no width (a bare pty, some containers) gets a fixed one:
    # tqdm hides its bar on a 0x0 terminal.
    size: dict[str, int] = {}
    try:
        if os.get_terminal_size(stream.fileno()).columns == 0:
            size = {"ncols": 80, "nrows": 24}
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, file=stream, leave=leave,
                dynamic_ncols=not size, smoothing=0.1, mininterval=0.5, **size)


class Phase:
    """A step of unknown length, announced on stderr if it lasts: ``with Phase("fitting ..."):``.

    A step that ends within ``after`` seconds says nothing (most fits take a second and
    their command prints its result anyway). One that lasts longer prints
    ``asc: fitting ... (running)`` at that moment and ``asc: fitting ...: done in 83.1 s``
    when it ends, so that a long silent step is never mistaken for a hang. On a terminal
    the first line instead shows the seconds elapsed, redrawn each second, and is
    replaced by the last one. A daemon thread does the waiting; the step runs undisturbed.
    """

    def __init__(self, what: str, stream: IO[str] | None = None, enabled: bool = True,
                 after: float = 2.0) -> None:
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.after = after
        self._live = enabled and on_terminal(self.stream)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._announced = False
        self._t0 = 0.0

    def __enter__(self) -> Phase:
        self._t0 = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def _watch(self) -> None:
        if self._stop.wait(self.after):
            return
        self._announced = True
        if not self._live:
            self._write(f"asc: {self.what} (running)\n")
            return
        while True:
            self._write(f"\r\x1b[Kasc: {self.what} ... {time.monotonic() - self._t0:.0f} s")
            if self._stop.wait(1.0):
                return

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self._announced:
            how = "done" if kind is None else "stopped"
            self._write(("\r\x1b[K" if self._live else "")
                        + f"asc: {self.what}: {how} in {time.monotonic() - self._t0:.1f} s\n")
