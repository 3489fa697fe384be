"""The run store: an embedded SQLite database with one row per finished solver run.

Why SQLite in WAL mode
----------------------
The harness may be killed at any moment (SIGKILL, out-of-memory killer, a cluster
job hitting its wall time). Every run is committed in its own transaction as soon
as it ends, so a kill loses at most the runs still in flight and SQLite's journal
guarantees the file is never left half-written. WAL mode lets ``asc runs summary``
read the store while ``asc collect`` is writing it.

``synchronous=NORMAL`` rather than ``FULL``: in WAL mode NORMAL never corrupts the
database and never loses a commit when the *process* dies (the WAL pages are
already in the operating system's cache); only a power cut or kernel crash can
roll back the last few commits, and resuming simply reruns those runs. FULL would
add an fsync to every run to protect against power loss, which the resume logic
already covers. Measured on the development machine (500 one-row commits): NORMAL
0.04 ms, FULL 0.22 ms per commit; on spinning disks or network file systems an
fsync costs 5-30 ms, which alone would break the 20 ms per-run overhead target.

Only the coordinating process writes the store; workers (local threads, processes
or Dask workers) send their results back to it. A second writer is refused through
an advisory lock on ``<db>.lock`` that the kernel releases when its holder dies.
"""

from __future__ import annotations

import enum
import fcntl
import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from asc.errors import InputError, UsageError
from asc.runs.record import RunKey, RunRecord

#: Version of the schema below; bumped whenever a table or column changes.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at   REAL NOT NULL,
    host         TEXT NOT NULL,
    cutoff_time  REAL NOT NULL,
    mem_limit_mb REAL NOT NULL,
    environment  TEXT NOT NULL      -- JSON: versions, platform, command line
);
CREATE TABLE IF NOT EXISTS instances (
    hash      TEXT PRIMARY KEY,
    path      TEXT NOT NULL,        -- as given to asc collect (first seen)
    name      TEXT NOT NULL,        -- readable id used in exports
    expected  TEXT                  -- SAT / UNSAT when known, else NULL
);
CREATE TABLE IF NOT EXISTS runs (
    instance_hash  TEXT NOT NULL,
    algorithm      TEXT NOT NULL,
    configuration  TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    repetition     INTEGER NOT NULL,
    status         TEXT NOT NULL,
    cpu_time       REAL,
    wall_time      REAL,
    peak_memory_mb REAL,
    model_checked  INTEGER NOT NULL,
    message        TEXT NOT NULL,
    started_at     REAL,
    ended_at       REAL,
    host           TEXT NOT NULL,
    campaign_id    INTEGER REFERENCES campaigns(id),
    exit_code      INTEGER,             -- of the solver process (negative: signal)
    kill_latency   REAL,                -- limit noticed -> process tree gone, seconds
    quality        REAL,                -- a quality run's measure (QSAR: CV RMSE), schema 2
    PRIMARY KEY (instance_hash, algorithm, configuration, seed, repetition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS path_hashes (
    -- cache of content hashes so that resuming a large campaign does not
    -- re-read every instance: valid while size and mtime are unchanged
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash     TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class InstanceRecord:
    """An instance known to the store, by content hash."""

    hash: str
    path: str
    name: str
    expected: str | None = None


@dataclass(frozen=True)
class Campaign:
    """One invocation of ``asc collect``: its limits and environment, recorded once."""

    id: int
    started_at: float
    host: str
    cutoff_time: float
    mem_limit_mb: float
    environment: Mapping[str, Any]


# The record's fields are the runs table's columns (same names, same order).
_RUN_COLUMNS = tuple(f.name for f in fields(RunRecord))


class RunStore:
    """A run store on disk; use as a context manager.

    Parameters
    ----------
    path
        The SQLite file; created (with its folder) when missing.
    write
        Open for writing: takes the single-writer lock and creates the schema.
        Readers never lock and may open the store while a campaign writes it.

    Raises
    ------
    InputError
        The file is not an ``asc`` run store, or has a newer schema.
    UsageError
        ``write`` is set and another process is already writing the store.
    """

    def __init__(self, path: str | Path, *, write: bool = False) -> None:
        self.path = Path(path)
        self.writable = write
        self._lock_fds: list[int] = []
        if write:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create the run store's folder: {exc.strerror or exc}",
                                 self.path.parent) from None
            self._take_lock()
        elif not self.path.is_file():
            raise InputError("expected an asc run store (SQLite file written by `asc collect`); not found", self.path)
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per run.
            self._db = self._connect(write)
            self._db.execute("PRAGMA busy_timeout = 30000")
            if write:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._db.execute("PRAGMA foreign_keys = ON")
                self._create_schema()
            self._check_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise InputError(f"expected an asc run store (SQLite database): {exc}", self.path) from None

    def _connect(self, write: bool) -> sqlite3.Connection:
        """The connection; a reader of a store on a read-only file system gets an immutable one.

        A store is kept in WAL mode, and SQLite opens a WAL database, even read-only, by
        creating its ``-shm`` index beside it. Where the folder cannot be written (a
        read-only mount, an archive) that fails with "unable to open database file".
        The store can then be read as immutable, which is exact when nothing can write
        it and nothing is left in its ``-wal`` journal (a writer that was killed leaves
        committed runs there, which an immutable reader would not see: then say so).
        """
        uri = self.path.resolve().as_uri()
        if write:
            return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30.0)
        try:
            db = sqlite3.connect(uri + "?mode=ro", uri=True, isolation_level=None, timeout=30.0)
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            return db
        except sqlite3.OperationalError as exc:
            if os.access(self.path.resolve().parent, os.W_OK) or "unable to open" not in str(exc):
                raise
        wal = self.path.resolve().with_name(self.path.resolve().name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise InputError(f"cannot read the run store: its journal {wal.name} holds runs not yet merged "
                             "into it, and its folder is read-only (copy both files to a writable folder)",
                             self.path)
        return sqlite3.connect(uri + "?immutable=1", uri=True, isolation_level=None)

    # -- life cycle -------------------------------------------------------------

    def _take_lock(self) -> None:
        # The lock belongs to the file, not to the name it was given by. Resolving
        # symlinks and ``..`` gives one name per file, hard links aside: so the lock is
        # taken twice, on ``NAME.lock`` beside the resolved name (which also guards the
        # creation of a new store) and with flock on the database file itself, which
        # every hard-linked name opens as the same inode. flock is independent of the
        # POSIX record locks SQLite itself uses, so it never blocks SQLite's readers.
        target = self.path.resolve()
        lock_path = target.with_name(target.name + ".lock")
        fds: list[int] = []
        try:
            for path in (lock_path, target):
                try:
                    fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
                except OSError as exc:
                    what = f"its lock file {lock_path.name}" if path == lock_path else "the file"
                    raise InputError(f"cannot write the run store here ({what}: {exc.strerror or exc})",
                                     self.path) from None
                try:
                    fcntl.flock(fds[-1], fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise UsageError(f"{self.path}: another process is writing this run store") from None
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        self._lock_fds = fds

    def close(self) -> None:
        """Close the database and release the writer lock (idempotent)."""
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()
            self._db = None
        for fd in self._lock_fds:
            os.close(fd)
        self._lock_fds = []

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _create_schema(self) -> None:
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created_at', ?)", (str(time.time()),))

    def _check_schema(self) -> None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            row = None
        if row is None:
            raise InputError("expected an asc run store; the file has no schema_version", self.path)
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise InputError(
                f"run store schema version {version} is newer than this asc supports ({SCHEMA_VERSION}); upgrade asc",
                self.path,
            )
        present = {row[1] for row in self._db.execute("PRAGMA table_info(runs)")}
        if self.writable and "quality" not in present:
            # schema 1 -> 2: the quality column, NULL for every run stored before (SAT runs have none)
            with self._transaction() as db:
                db.execute("ALTER TABLE runs ADD COLUMN quality REAL")
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            present.add("quality")
        # a store opened read-only keeps its schema: columns it lacks read as None
        self._read_columns = tuple(c for c in _RUN_COLUMNS if c in present)

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type: object, *rest: object) -> None:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def _transaction(self) -> RunStore._Tx:
        if not self.writable:
            raise UsageError(f"{self.path}: run store opened read-only")
        return RunStore._Tx(self._db)

    # -- writing ----------------------------------------------------------------

    def start_campaign(self, cutoff_time: float, mem_limit_mb: float, environment: Mapping[str, Any]) -> Campaign:
        """Record a new campaign (one ``asc collect`` invocation) and return it.

        Raises
        ------
        UsageError
            A limit that is not a positive, finite number: a campaign recorded with an
            infinite or NaN cutoff would make every PAR score of the store meaningless.
        """
        _check_limits(self.path, cutoff_time, mem_limit_mb)
        started = time.time()
        host = str(environment.get("host", ""))
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO campaigns(started_at, host, cutoff_time, mem_limit_mb, environment) VALUES (?,?,?,?,?)",
                (started, host, float(cutoff_time), float(mem_limit_mb), json.dumps(dict(environment), sort_keys=True)),
            )
            cid = int(cur.lastrowid)
        return Campaign(cid, started, host, float(cutoff_time), float(mem_limit_mb), dict(environment))

    def add_instances(self, instances: Iterable[InstanceRecord]) -> None:
        """Register instances (first path and name win for a content hash seen before)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO instances(hash, path, name, expected) VALUES (?,?,?,?) "
                "ON CONFLICT(hash) DO UPDATE SET expected = COALESCE(instances.expected, excluded.expected)",
                [(i.hash, i.path, i.name, i.expected) for i in instances],
            )

    def add(self, record: RunRecord) -> None:
        """Store one finished run in its own transaction (durable once this returns).

        A key already present is replaced: it can only come back when a caller
        deliberately reruns it (the campaign skips finished keys).
        """
        values = tuple(_to_sql(getattr(record, c)) for c in _RUN_COLUMNS)
        placeholders = ",".join("?" * len(_RUN_COLUMNS))
        with self._transaction() as db:
            db.execute(f"INSERT OR REPLACE INTO runs({','.join(_RUN_COLUMNS)}) VALUES ({placeholders})", values)

    def restore_campaign(self, campaign: Campaign) -> None:
        """Record a campaign under its own id (imports: the runs refer to that id).

        Raises
        ------
        UsageError
            A campaign with that id is already stored.
        """
        _check_limits(self.path, campaign.cutoff_time, campaign.mem_limit_mb)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM campaigns WHERE id = ?", (campaign.id,)).fetchone():
                raise UsageError(f"{self.path}: campaign {campaign.id} is already in the run store")
            db.execute(
                "INSERT INTO campaigns(id, started_at, host, cutoff_time, mem_limit_mb, environment) VALUES (?,?,?,?,?,?)",
                (campaign.id, float(campaign.started_at), campaign.host, float(campaign.cutoff_time),
                 float(campaign.mem_limit_mb), json.dumps(dict(campaign.environment), sort_keys=True)),
            )

    def add_many(self, records: Iterable[RunRecord]) -> int:
        """Store runs in one transaction, keeping runs whose key is already stored; returns runs added.

        Unlike :meth:`add` this never replaces a stored run, which is what an import
        wants: importing the same file twice adds nothing.
        """
        values = [tuple(_to_sql(getattr(r, c)) for c in _RUN_COLUMNS) for r in records]
        placeholders = ",".join("?" * len(_RUN_COLUMNS))
        with self._transaction() as db:
            before = db.total_changes
            db.executemany(f"INSERT OR IGNORE INTO runs({','.join(_RUN_COLUMNS)}) VALUES ({placeholders})", values)
            return db.total_changes - before

    def set_status(self, keys: Iterable[RunKey], status: str, message: str) -> int:
        """Change the status of stored runs (e.g. to WRONG after a cross-check); returns rows changed."""
        rows = [(status, message, k.instance_hash, k.algorithm, k.configuration, k.seed, k.repetition) for k in keys]
        with self._transaction() as db:
            cur = db.executemany(
                "UPDATE runs SET status = ?, message = ? WHERE instance_hash = ? AND algorithm = ? "
                "AND configuration = ? AND seed = ? AND repetition = ?",
                rows,
            )
            return cur.rowcount

    def cached_hash(self, path: str | Path) -> str | None:
        """The content hash recorded for ``path`` if the file has not changed since."""
        st = os.stat(path)
        row = self._db.execute(
            "SELECT hash FROM path_hashes WHERE path = ? AND size = ? AND mtime_ns = ?",
            (str(Path(path).resolve()), st.st_size, st.st_mtime_ns),
        ).fetchone()
        return None if row is None else str(row[0])

    def cache_hashes(self, items: Iterable[tuple[str | Path, str]]) -> None:
        """Remember content hashes of files (keyed by resolved path, size and mtime)."""
        rows = []
        for path, digest in items:
            st = os.stat(path)
            rows.append((str(Path(path).resolve()), st.st_size, st.st_mtime_ns, digest))
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO path_hashes(path, size, mtime_ns, hash) VALUES (?,?,?,?)", rows)

    # -- reading ----------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version stored in the file."""
        return int(self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])

    def finished_keys(self, exclude_status: Iterable[str] = ()) -> set[RunKey]:
        """Keys of the stored runs (what a resumed campaign skips), except those with the given statuses."""
        excluded = sorted(set(exclude_status))
        sql = "SELECT instance_hash, algorithm, configuration, seed, repetition FROM runs"
        if excluded:
            sql += f" WHERE status NOT IN ({','.join('?' * len(excluded))})"
        return {RunKey(*row) for row in self._db.execute(sql, excluded)}

    def runs(self, instance_hash: str | None = None) -> Iterator[RunRecord]:
        """Stored runs in key order, optionally of one instance only."""
        sql = f"SELECT {','.join(self._read_columns)} FROM runs"
        args: tuple[Any, ...] = ()
        if instance_hash is not None:
            sql += " WHERE instance_hash = ?"
            args = (instance_hash,)
        sql += " ORDER BY instance_hash, algorithm, configuration, seed, repetition"
        for row in self._db.execute(sql, args):
            data = dict(zip(self._read_columns, row))
            data["model_checked"] = bool(data["model_checked"])
            yield RunRecord(**data)

    def count(self) -> int:
        """Number of stored runs."""
        return int(self._db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def instances(self) -> dict[str, InstanceRecord]:
        """Known instances by content hash."""
        cur = self._db.execute("SELECT hash, path, name, expected FROM instances ORDER BY name")
        return {row[0]: InstanceRecord(*row) for row in cur}

    def campaigns(self) -> list[Campaign]:
        """Every campaign recorded, oldest first."""
        cur = self._db.execute(
            "SELECT id, started_at, host, cutoff_time, mem_limit_mb, environment FROM campaigns ORDER BY id"
        )
        return [Campaign(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in cur]

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` result (``"ok"`` when sound)."""
        return "\n".join(str(r[0]) for r in self._db.execute("PRAGMA integrity_check"))


def _check_limits(path: Path, cutoff_time: float, mem_limit_mb: float) -> None:
    for name, value in (("cutoff time", cutoff_time), ("memory limit", mem_limit_mb)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            raise UsageError(f"{path}: a campaign's {name} must be a positive, finite number; got {value!r}")


def _to_sql(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value  # RunStatus is a str Enum; sqlite3 wants the plain str
    if isinstance(value, bool):
        return int(value)
    return value
