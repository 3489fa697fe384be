"""Load a runs CSV (what ``asc runs export --csv`` writes) back into a run store.

Why
---
The run store is a local SQLite file that is not meant to be committed; the CSV
export is. Importing the CSV gives back a store that ``asc runs summary`` and
``asc runs export`` (e.g. with new features) accept, so committed runs are reusable
without re-collecting them.

What comes back
---------------
Every column of the CSV: the run records (key, status, times, memory, model check,
message, start/end, host, campaign id, and ``exit_code`` / ``kill_latency`` when the
CSV has them), the instances (content hash, path, readable id, expected answer) and
one campaign per ``campaign_id``. A campaign's limits are the CSV's ``cutoff_time`` and
``mem_limit_mb`` columns (written by ``asc runs export --csv``); a CSV without them
(written before they were) needs the caller's ``cutoff_time`` and ``mem_limit_mb``, and a
limit given that contradicts the CSV's is an error naming the line. The environment is
not recorded; the campaign's start
is its earliest run's start, its host its runs' most frequent host, and its
environment records that it was imported and from where.

Importing is idempotent: a run key already in the store is left as it is, a campaign
id already present is reused when its limits agree (and refused otherwise, as
``asc collect`` refuses to mix limits in one store).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asc.errors import InputError, UsageError
from asc.runs.status import RunStatus
from asc.runs.store import Campaign, InstanceRecord, RunKey, RunRecord, RunStore

#: Columns a runs CSV must have: without them a row is not a run.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "instance_hash", "algorithm", "configuration", "seed", "repetition", "status",
)
#: Every column the importer understands (what ``asc runs export --csv`` writes, plus
#: store fields and campaign limits a CSV may carry).
KNOWN_COLUMNS: tuple[str, ...] = (
    "instance_id", "instance_hash", "algorithm", "configuration", "seed", "repetition", "status",
    "cpu_time", "wall_time", "peak_memory_mb", "model_checked", "message", "started_at", "ended_at",
    "host", "campaign_id", "instance_path", "expected", "exit_code", "kill_latency",
    "cutoff_time", "mem_limit_mb", "quality",
)

_STATUSES = frozenset(s.value for s in RunStatus)
_EXPECTED = frozenset({"SAT", "UNSAT"})
_HASH = re.compile(r"^[0-9A-Za-z_.:-]+$")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})


@dataclass
class ImportReport:
    """What an import did.

    Attributes
    ----------
    rows
        Data rows read from the CSV.
    added
        Runs written to the store.
    present
        Runs whose key was already in the store (left unchanged).
    instances
        Distinct instances in the CSV.
    campaigns_added
        Campaign ids created in the store.
    campaigns_present
        Campaign ids that were already in the store (with the same limits).
    """

    rows: int = 0
    added: int = 0
    present: int = 0
    instances: int = 0
    campaigns_added: list[int] = field(default_factory=list)
    campaigns_present: list[int] = field(default_factory=list)


@dataclass
class _CampaignInfo:
    started_at: float | None = None
    hosts: Counter = field(default_factory=Counter)
    limits: tuple[float, float] | None = None
    line: int = 0


@dataclass
class RunsCsv:
    """A checked runs CSV, ready to load into a store (see :func:`read_runs_csv`)."""

    path: Path
    records: list[RunRecord]
    instances: dict[str, InstanceRecord]
    campaigns: dict[int | None, _CampaignInfo]


def read_runs_csv(path: str | Path, *, cutoff_time: float | None = None,
                  mem_limit_mb: float | None = None) -> RunsCsv:
    """Read and check every row of a runs CSV; nothing is written.

    Parameters
    ----------
    path
        A CSV as written by ``asc runs export --csv`` (header line, one run per row).
    cutoff_time, mem_limit_mb
        The limits the runs were collected under (seconds, MiB); required unless the
        CSV has ``cutoff_time`` and ``mem_limit_mb`` columns, and when both are there
        they must agree.

    Raises
    ------
    InputError
        The file is missing, a row is malformed, or a row's recorded limit differs
        from the one given (names the file and the line).
    UsageError
        Limits are neither given nor in the CSV.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("expected a runs CSV (written by `asc runs export --csv`); not found", path)
    records, instances, campaigns = _read(path, cutoff_time, mem_limit_mb)
    return RunsCsv(path, records, instances, campaigns)


def import_runs_csv(
    source: str | Path | RunsCsv,
    store: RunStore,
    *,
    cutoff_time: float | None = None,
    mem_limit_mb: float | None = None,
) -> ImportReport:
    """Load every run of a runs CSV into a writable store.

    The whole file is read and checked before anything is written, so a malformed
    file leaves the store untouched.

    Parameters
    ----------
    source
        A CSV as written by ``asc runs export --csv``, or what :func:`read_runs_csv`
        returned for one.
    store
        A store opened with ``write=True``.
    cutoff_time, mem_limit_mb
        See :func:`read_runs_csv` (ignored when ``source`` is already read).

    Returns
    -------
    ImportReport
        Counts of rows read, runs added and runs already present.

    Raises
    ------
    InputError
        The file is missing or a row is malformed (names the file and the line).
    UsageError
        Limits are neither given nor in the CSV, or they differ from those of the
        runs already in the store.
    """
    parsed = source if isinstance(source, RunsCsv) else read_runs_csv(
        source, cutoff_time=cutoff_time, mem_limit_mb=mem_limit_mb)
    path, records, instances = parsed.path, parsed.records, parsed.instances
    campaigns = dict(parsed.campaigns)
    existing = {c.id: c for c in store.campaigns()}
    # One store holds runs of one pair of limits (see asc.runs.campaign.check_limits).
    limits = {info.limits for info in campaigns.values()} | {(c.cutoff_time, c.mem_limit_mb) for c in existing.values()}
    if len(limits) > 1:
        pairs = "; ".join(f"--cutoff-time {c:g} --mem-limit {m:g}" for c, m in sorted(limits))
        raise UsageError(f"{path}: one run store holds runs of one cutoff and memory limit; found {pairs}")
    # Runs without a campaign id keep it empty, but exports read the limits from the
    # campaigns, so a store that would have none gets one.
    orphan = campaigns.pop(None, None)
    if orphan is not None and not campaigns and not existing:
        campaigns[1] = orphan

    report = ImportReport(rows=len(records), instances=len(instances))
    new_campaigns: list[Campaign] = []
    for cid, info in sorted(campaigns.items()):
        assert info.limits is not None  # _read fills them or refuses
        if cid in existing:
            report.campaigns_present.append(cid)
            continue
        host = info.hosts.most_common(1)[0][0] if info.hosts else ""
        env = {"host": host, "imported_from": str(path), "cutoff_time": info.limits[0],
               "mem_limit_mb": info.limits[1],
               "note": "imported by `asc runs import`; the CSV does not record the original environment"}
        started = info.started_at if info.started_at is not None else 0.0
        new_campaigns.append(Campaign(cid, started, host, info.limits[0], info.limits[1], env))

    finished = store.finished_keys()
    fresh = [r for r in records if r.key not in finished]
    report.present = len(records) - len(fresh)
    for campaign in new_campaigns:
        store.restore_campaign(campaign)
        report.campaigns_added.append(campaign.id)
    store.add_instances(instances.values())
    report.added = store.add_many(fresh)
    return report


def _read(
    path: Path, cutoff_time: float | None, mem_limit_mb: float | None
) -> tuple[list[RunRecord], dict[str, InstanceRecord], dict[int | None, _CampaignInfo]]:
    """Parse and check every row; nothing is written here."""
    records: list[RunRecord] = []
    seen: dict[RunKey, tuple[int, RunRecord]] = {}
    instances: dict[str, InstanceRecord] = {}
    campaigns: dict[Any, _CampaignInfo] = {}
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"expected a readable runs CSV: {exc.strerror}", path) from None
    with fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError("expected a header line of column names; the file is empty", path, 1)
            _check_header(header, path)
            width = len(header)
            line = reader.line_num
            for raw in reader:
                # line_num counts physical lines; a quoted message may span several, so
                # the row starts on the line after the previous row ended.
                start, line = line + 1, reader.line_num
                if not raw or (len(raw) == 1 and not raw[0].strip()):
                    continue
                if len(raw) != width:
                    raise InputError(f"expected {width} fields as in the header; found {len(raw)}", path, start)
                row = dict(zip(header, raw))
                record, inst, limits = _parse_row(row, path, start, cutoff_time, mem_limit_mb)
                prior = seen.get(record.key)
                if prior is not None:
                    if prior[1] != record:
                        raise InputError(
                            f"expected one row per run key; line {prior[0]} has the same instance_hash, algorithm, "
                            "configuration, seed and repetition with other values", path, start,
                        )
                    continue
                seen[record.key] = (start, record)
                records.append(record)
                if inst is not None:
                    instances.setdefault(inst.hash, inst)
                info = campaigns.setdefault(record.campaign_id, _CampaignInfo(line=start))
                if info.limits is None:
                    info.limits = limits
                elif info.limits != limits:
                    raise InputError(
                        f"expected one cutoff_time and mem_limit_mb per campaign; campaign {record.campaign_id} "
                        f"has {info.limits[0]:g}/{info.limits[1]:g} on line {info.line} and "
                        f"{limits[0]:g}/{limits[1]:g} here", path, start,
                    )
                if record.started_at is not None and (info.started_at is None or record.started_at < info.started_at):
                    info.started_at = record.started_at
                info.hosts[record.host] += 1
        except csv.Error as exc:
            raise InputError(f"expected CSV: {exc}", path, reader.line_num) from None
        except UnicodeDecodeError:
            raise InputError("expected a UTF-8 text file", path) from None
    if not records:
        raise InputError("expected at least one run after the header; found none", path)
    return records, instances, campaigns


def _check_header(header: list[str], path: Path) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"expected a runs CSV from `asc runs export --csv`; the header lacks {', '.join(missing)}", path, 1
        )
    unknown = [c for c in header if c not in KNOWN_COLUMNS]
    if unknown:
        raise InputError(f"expected only run columns ({', '.join(KNOWN_COLUMNS)}); found {', '.join(unknown)}", path, 1)
    dup = [c for c, n in Counter(header).items() if n > 1]
    if dup:
        raise InputError(f"expected each column once; {', '.join(dup)} repeats", path, 1)


def _parse_row(
    row: dict[str, str], path: Path, line: int, cutoff_time: float | None, mem_limit_mb: float | None
) -> tuple[RunRecord, InstanceRecord | None, tuple[float, float]]:
    def get(name: str) -> str:
        return row.get(name, "")

    def need(name: str) -> str:
        value = get(name)
        if value == "":
            raise InputError(f"expected a value in column {name}; it is empty", path, line)
        return value

    def parse(name: str, conv: Callable[[str], Any], what: str) -> Any:
        value = get(name).strip()
        if value == "":
            return None
        try:
            return conv(value)
        except ValueError:
            raise InputError(f"expected {what} in column {name}; found {value!r}", path, line) from None

    ihash = need("instance_hash")
    if not _HASH.match(ihash):
        raise InputError(f"expected an instance content hash in column instance_hash; found {ihash!r}", path, line)
    status = need("status")
    if status not in _STATUSES:
        raise InputError(f"expected a status ({', '.join(sorted(_STATUSES))}) in column status; found {status!r}",
                         path, line)
    seed = parse("seed", _int, "an integer")
    repetition = parse("repetition", _int, "an integer")
    if seed is None or repetition is None:
        raise InputError("expected integers in columns seed and repetition; one is empty", path, line)
    times = {c: parse(c, _nonneg, "a non-negative number of seconds or MiB")
             for c in ("cpu_time", "wall_time", "peak_memory_mb", "kill_latency")}
    stamps = {c: parse(c, _finite, "a timestamp (seconds since the epoch)") for c in ("started_at", "ended_at")}
    checked = get("model_checked").strip().lower()
    if checked not in _TRUE | _FALSE:
        raise InputError(f"expected True or False in column model_checked; found {get('model_checked')!r}", path, line)
    expected = get("expected").strip() or None
    if expected is not None and expected not in _EXPECTED:
        raise InputError(f"expected SAT, UNSAT or nothing in column expected; found {expected!r}", path, line)

    recorded = (parse("cutoff_time", _positive, "a positive cutoff in seconds"),
                parse("mem_limit_mb", _positive, "a positive memory limit in MiB"))
    for column, option, unit, value, given in (("cutoff_time", "--cutoff-time", "s", recorded[0], cutoff_time),
                                               ("mem_limit_mb", "--mem-limit", "MiB", recorded[1], mem_limit_mb)):
        # the CSV records how the runs were collected; a limit given on the command line
        # that says otherwise would rescale every PAR score, so it is refused, not applied
        if value is not None and given is not None and not math.isclose(value, given, rel_tol=1e-9):
            raise InputError(f"the runs were collected with {column} {value:g} {unit}, but {option} {given:g} "
                             f"was given; leave {option} out (the CSV records it) or give {value:g}", path, line)
    limits = (recorded[0] or cutoff_time, recorded[1] or mem_limit_mb)
    if limits[0] is None or limits[1] is None:
        raise UsageError(
            f"{path}: the CSV does not record the limits the runs were collected under; "
            "give --cutoff-time S and --mem-limit MB"
        )
    record = RunRecord(
        instance_hash=ihash,
        algorithm=need("algorithm"),
        configuration=get("configuration"),
        seed=seed,
        repetition=repetition,
        status=status,
        cpu_time=times["cpu_time"],
        wall_time=times["wall_time"],
        peak_memory_mb=times["peak_memory_mb"],
        model_checked=checked in _TRUE,
        message=get("message"),
        started_at=stamps["started_at"],
        ended_at=stamps["ended_at"],
        host=get("host"),
        campaign_id=parse("campaign_id", _int, "an integer campaign id"),
        exit_code=parse("exit_code", _int, "an integer exit code"),
        kill_latency=times["kill_latency"],
        quality=parse("quality", _finite, "a finite quality measure"),
    )
    name = get("instance_id")
    inst_path = get("instance_path")
    # An export writes the hash as instance_id when the store did not know the
    # instance; then there is nothing to register.
    inst = None
    if inst_path or (name and name != ihash) or expected:
        inst = InstanceRecord(hash=ihash, path=inst_path, name=name or ihash, expected=expected)
    return record, inst, (float(limits[0]), float(limits[1]))


def _int(text: str) -> int:
    # pandas writes an integer column holding a missing value as floats ("1.0").
    value = float(text)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _nonneg(text: str) -> float:
    value = _finite(text)
    if value < 0:
        raise ValueError(text)
    return value


def _positive(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise ValueError(text)
    return value
