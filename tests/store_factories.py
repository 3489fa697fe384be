"""Run stores as older versions of asc wrote them, for the tests of schema upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: A schema-1 store (before the ``quality`` column): two minisat22 runs, one UNSAT, one TIMEOUT.
V1_RUNS_TABLE = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE campaigns (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at REAL NOT NULL, host TEXT NOT NULL,
    cutoff_time REAL NOT NULL, mem_limit_mb REAL NOT NULL, environment TEXT NOT NULL);
CREATE TABLE instances (hash TEXT PRIMARY KEY, path TEXT NOT NULL, name TEXT NOT NULL, expected TEXT);
CREATE TABLE runs (instance_hash TEXT NOT NULL, algorithm TEXT NOT NULL, configuration TEXT NOT NULL,
    seed INTEGER NOT NULL, repetition INTEGER NOT NULL, status TEXT NOT NULL, cpu_time REAL, wall_time REAL,
    peak_memory_mb REAL, model_checked INTEGER NOT NULL, message TEXT NOT NULL, started_at REAL, ended_at REAL,
    host TEXT NOT NULL, campaign_id INTEGER REFERENCES campaigns(id), exit_code INTEGER, kill_latency REAL,
    PRIMARY KEY (instance_hash, algorithm, configuration, seed, repetition)) WITHOUT ROWID;
CREATE TABLE path_hashes (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO campaigns VALUES (1, 1.0, 'h', 10.0, 2048.0, '{}');
INSERT INTO runs VALUES ('h0', 'minisat22', '', 1, 1, 'UNSAT', 0.5, 0.6, 12.0, 0, '', 1.0, 1.6, 'h', 1, 20, NULL);
INSERT INTO runs VALUES ('h1', 'minisat22', '', 1, 1, 'TIMEOUT', 10.1, 10.2, 12.0, 0, 'CPU-time limit', 1.0, 11.0,
    'h', 1, -9, 0.01);
"""


def make_schema_1_store(path: Path) -> Path:
    """Write :data:`V1_RUNS_TABLE` as a SQLite file at ``path`` (as asc 0.1 with schema 1 left it)."""
    con = sqlite3.connect(path)
    con.executescript(V1_RUNS_TABLE)
    con.close()
    return path
