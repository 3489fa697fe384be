"""The run record: one solver run's outcome, from the runner through the campaign into the store.

One frozen type end to end: :func:`asc.runs.runner.execute` returns a
:class:`RunRecord` (``campaign_id`` None), the campaign stamps its campaign id on it
(:func:`dataclasses.replace`) and the store writes its fields as the columns of the
``runs`` table, in this order, and reads them back into the same type. A field added
here is therefore a column of the store: bump :data:`asc.runs.store.SCHEMA_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from asc.runs.status import RunStatus

#: Largest seed of a run: an unsigned 32-bit number, as NumPy's, scikit-learn's and most
#: solvers' seeds are. The CLI's seed options and the campaign's repetition seeds share it.
MAX_SEED = 2**32 - 1


class RunKey(NamedTuple):
    """What identifies a run: the same key is never run twice in one store.

    A tuple, so that it orders, hashes and unpacks like the database row it is read from.
    """

    instance_hash: str
    algorithm: str
    configuration: str
    seed: int
    repetition: int


@dataclass(frozen=True)
class RunRecord:
    """The outcome of one run.

    Times are seconds (CPU and wall time of the solver's process tree), memory MiB,
    timestamps seconds since the epoch. ``status`` is a :class:`RunStatus`; a plain
    string (as read from the store or a CSV) is converted on construction, so an
    unknown status fails here, not in a later comparison. ``kill_latency`` is the time
    from the monitor noticing a limit excess until the whole process tree was gone
    (None when the monitor did not kill). ``campaign_id`` is None until the campaign
    that ran it stores it. ``quality`` is the measure a quality run reported (QSAR: the
    cross-validated RMSE, status OK), None for SAT runs and for runs that failed.
    """

    instance_hash: str
    algorithm: str
    configuration: str
    seed: int
    repetition: int
    status: RunStatus
    cpu_time: float | None
    wall_time: float | None
    peak_memory_mb: float | None
    model_checked: bool
    message: str
    started_at: float | None
    ended_at: float | None
    host: str
    campaign_id: int | None = None
    exit_code: int | None = None
    kill_latency: float | None = None
    quality: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status, RunStatus):
            object.__setattr__(self, "status", RunStatus(getattr(self.status, "value", self.status)))

    @property
    def key(self) -> RunKey:
        """(instance_hash, algorithm, configuration, seed, repetition)."""
        return RunKey(self.instance_hash, self.algorithm, self.configuration, self.seed, self.repetition)
