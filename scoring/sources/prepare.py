"""What an import works out for each task before it touches the database, and the worker
processes that work it out for a large file.

Per task, an import needs its stored row (`scoring.store.task_row`: the record hash that says
whether it changed, the row's values), the offline rules' verdict and its score as a new task.
None of it reads the database, and together it is about two thirds of an import's CPU time.
So for a large export the rows are converted, hashed, judged and scored by worker processes,
one batch each at a time, while this process reads the file and writes the batches in file
order: the same rows, the same ids and the same results as one process gives
(tests/test_csv_import.py compares the two databases).

A worker judges and scores every row as if it were new, except one already stored exactly so
(it looks, read-only: a re-import judges nothing). `scoring.sources.ingest` uses the verdicts
and scores only for the rows it inserts as new; an updated row, a key met twice, a task a
person closed here, is done exactly as in one process, from the Task, which this process
converts again from the row's cells (`PreparedBatch.task_of`): those are the few.
"""

from __future__ import annotations

import bisect
import logging
import marshal
import multiprocessing
import os
import signal
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from ..model import ValueModel
from ..rescore import fresh_score
from ..rules import RulesCategorizer, judge_task, shared_judgement
from ..store import Judgement, StoredHashes, iso_cached, parse_iso, task_row
from ..tasks import OPEN_STATUSES, Task
from .collector import for_worker
from .formats import Columns, Row, RowError

log = logging.getLogger("headwork.import")
T = TypeVar("T")

MAX_WORKERS = 4  # the writing process does ~40% of the work: beyond a few workers it is the limit
PARALLEL_FROM_BYTES = 4 << 20  # smaller files (~15k rows) are done in one process: starting workers costs more


class Prepared(NamedTuple):
    """One task ready for `TaskStore.upsert_tasks_bulk`, and what an import reports and writes about it.

    `verdict` is None when the rules have not judged it (yet, or ever: a closed task), and
    `score` (`scoring.rescore.fresh_score`, the id left out) when it is not scored yet. `task` is
    None when it was prepared in a worker process: the Task then comes from `PreparedBatch.task_of`."""

    line: int  # the file's physical line where the row starts (0: not from a file)
    task: Task | None
    record_hash: str
    row: tuple  # `task_row`'s values
    verdict: list[Judgement] | None = None
    score: tuple | None = None

    # the rest is read from the row, so it crosses between processes once
    @property
    def source(self) -> str:
        return self.row[17]

    @property
    def external_id(self) -> str:
        return self.row[18]

    @property
    def content_hash(self) -> str:
        return self.row[15]

    @property
    def status(self) -> str:
        return self.row[7]

    @property
    def is_open(self) -> bool:
        return self.row[7] in OPEN_STATUSES  # as Task.is_open

    @property
    def assignee_email(self) -> str | None:
        return self.row[4]


def prepare(task: Task, now: datetime, line: int = 0) -> Prepared:
    """The task's stored row: what every upsert needs (no verdict, no score)."""
    record_hash, row = task_row(task, now)
    return Prepared(line, task, record_hash, row)


def verdict_and_score(task: Task, model: ValueModel, now: datetime) -> tuple[list[Judgement] | None, tuple]:
    """The rules' verdict on the task (None for a closed task: not judged) and its score as a new row."""
    verdict = judge_task(task, model) if task.is_open else None
    return verdict, fresh_score(as_stored(task, now), *new_row_bands(verdict), model, now)


def new_row_bands(verdict: Sequence[Judgement] | None) -> tuple[frozenset[str], str]:
    """What `TaskStore.effective_bands_many` reads for a row inserted with this verdict (or none):
    `resolve_bands` of (``, judge, 0) and (band, judge, 1) per band, which is these bands and
    the judge's name (no human word yet on a new row)."""
    if verdict is None:
        return frozenset(), ""  # never judged, no bands
    return frozenset(j.band_id for j in verdict), RulesCategorizer.judge


def as_stored(task: Task, now: datetime) -> Task:
    """The task as the store reads it back, for scoring: the store keeps times to the second in
    UTC and a missing creation time as `now`. Scores read only instants, so the task itself does
    when its times lose nothing that way (aware, no sub-second part in the time or its offset)."""
    if _exact(task.created_at) and (task.due is None or _exact(task.due)):
        return task
    due = task.due
    return task.with_(due=parse_iso(iso_cached(due)) if due is not None else None,
                      created_at=parse_iso(iso_cached(task.created_at or now)))


def _exact(dt: datetime | None) -> bool:
    """Whether `parse_iso(iso(dt))` is the same instant as dt."""
    if dt is None or dt.microsecond:
        return False
    if type(dt.tzinfo) is ZoneInfo:  # a time zone file's offsets are whole seconds (asking: 0.8% of a worker)
        return True
    offset = dt.utcoffset()
    return offset is not None and not offset.microseconds


# --- rows of a file --------------------------------------------------------------------------

Cells = tuple[int, list[str]]  # (first physical line, cells)


@dataclass(frozen=True)
class RowReader:
    """Turns a file's rows into Tasks (the export's format, its header, the organisation's zone)."""

    convert: Callable[[Row, ZoneInfo], Task]  # the export format's (module-level: workers get it by name)
    header: list[str]
    tz: ZoneInfo
    slashes: str | None = None  # how dates with slashes are read (`dates.SLASH_ORDERS`; None: refused)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_columns", Columns(self.header))

    def task(self, cells: list[str]) -> Task:
        """The row as a Task; RowError (its reason) when it cannot be one."""
        width = len(self.header)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise RowError(f"{len(cells)} cells but the header has {width} (a stray comma or quote?)")
        return self.convert(Row(cells, self._columns, self.slashes), self.tz)


@dataclass
class PreparedBatch:
    """One batch of a file's rows: the tasks prepared, the rows rejected (line, reason), in file order."""

    rows: list[Cells]
    prepared: list[Prepared]
    rejected: list[tuple[int, str]]
    reader: RowReader

    def task_of(self, entry: Prepared) -> Task:
        """The entry's Task: its own, or its row converted again (prepared in a worker)."""
        if entry.task is not None:
            return entry.task
        i = bisect.bisect_left(self.rows, entry.line, key=lambda r: r[0])
        return self.reader.task(self.rows[i][1])


def _prepare_rows(rows: list[Cells], reader: RowReader, now: datetime) -> tuple[list[Prepared], list[tuple[int, str]]]:
    """The stored rows of a batch (no verdicts, no scores), and the rows rejected."""
    prepared, rejected = [], []
    for line, cells in rows:
        try:
            task = reader.task(cells)
        except RowError as exc:
            rejected.append((line, str(exc)))
            continue
        except (ValueError, TypeError, OverflowError) as exc:  # a cell no check foresaw: that row, not the file
            log.error("import: line %d could not be converted (%s: %s)", line, type(exc).__name__, exc)
            rejected.append((line, f"this row could not be read ({type(exc).__name__}: {exc})"))
            continue
        prepared.append(prepare(task, now, line))
    return prepared, rejected


_WORKER: tuple | None = None  # (reader, model, now, StoredHashes | None) in a worker process


def _start_worker(reader: RowReader, model: ValueModel, now: datetime, db_path: str | None) -> None:
    global _WORKER
    for_worker()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="headwork-import-parent",
                     daemon=True).start()
    stored = None
    if db_path:
        try:
            stored = StoredHashes(db_path)
        except sqlite3.Error:
            stored = None  # every row is judged: only slower
    _WORKER = (reader, model, now, stored)


def _exit_with_parent(parent: int, every_s: float = 0.5) -> None:
    """A worker whose importing process was killed (kill -9, out of memory) would wait for work
    forever: its siblings keep the queue open. It ends within `every_s` of being orphaned."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


def _work(rows: bytes) -> bytes | tuple[list[tuple], list[tuple[int, str]]]:
    """A worker's batch (`_pack`ed rows): every row prepared, and judged and scored unless it is
    stored as it is (then it is "unchanged": a re-import costs no judging). The store may have
    moved on since this look -- the importing process decides with its own -- and then only a
    verdict or score is missing, which it works out itself. Plain tuples, `_pack`ed: pickling named
    tuples and dataclasses costs several times more (~15 us a row, against ~5), and on both sides."""
    reader, model, now, stored = _WORKER
    prepared, rejected = _prepare_rows(_unpack(rows), reader, now)
    try:
        known = stored.of(prepared) if stored is not None else {}
    except sqlite3.Error:
        known = {}
    out = []
    for p in prepared:
        if known.get((p.source, p.external_id)) == p.record_hash:
            out.append((p.line, p.record_hash, p.row, None, None))
            continue
        verdict, score = verdict_and_score(p.task, model, now)
        out.append((p.line, p.record_hash, p.row,
                    None if verdict is None else [(j.band_id, j.confidence, j.rationale) for j in verdict], score))
    return _pack((out, rejected))


def _pack(value):
    """`value` as marshal's bytes, which a pipe carries as they are: for the plain tuples, lists,
    strings and numbers of a batch, marshal writes about twice as fast as pickle and reads a little
    faster (a batch of 2,000 results: 1.8 against 3.1 us a row written, 1.8 against 2.1 read; its
    rows: 0.6 against 1.4 written). Both ends are this interpreter, so its format is theirs. A value
    marshal cannot write (an object a format's converter let through) is returned as it is, for pickle."""
    try:
        return marshal.dumps(value)
    except ValueError:
        return value


def _unpack(value):
    return marshal.loads(value) if isinstance(value, bytes) else value


def _received(items: list[tuple]) -> list[Prepared]:
    """`_work`'s tuples as Prepared again; equal verdicts share their Judgement objects, as the rules' do."""
    return [Prepared(line, None, record_hash, row,
                     None if verdict is None else [shared_judgement(*key) for key in verdict], score)
            for line, record_hash, row, verdict, score in items]


def default_workers(file_bytes: int) -> int:
    """Worker processes for a file this size: none for a small file or a single core, else one per
    core this process may run on, up to MAX_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    if file_bytes < PARALLEL_FROM_BYTES or cores < 2:
        return 0
    return min(cores, MAX_WORKERS)


class WorkerLost(Exception):
    """A worker process ended without handing its batch back (killed, out of memory): nothing
    from `line` on was written."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


class Preparer:
    """Prepares batches of rows, in `workers` worker processes (0: in this process), and hands
    them back in file order, at most one per worker (and one more) ahead of the one being
    written, so memory stays flat. Use as a context manager: leaving it stops the workers.

    A worker that dies is noticed (`WorkerLost`), never waited for: `concurrent.futures` marks
    the pool broken, where `multiprocessing.Pool` would wait for the lost batch forever."""

    def __init__(self, reader: RowReader, model: ValueModel, now: datetime, workers: int = 0,
                 db_path: str | None = None):
        self.reader, self.now = reader, now
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # fork starts a worker in milliseconds, and is safe on Linux while this process runs
            # no other thread (the CLI's import); otherwise a clean interpreter is started (~0.5 s
            # each). macOS's system libraries are not fork-safe even then.
            method = "fork" if sys.platform.startswith("linux") and threading.active_count() == 1 else "spawn"
            try:
                self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                                 initializer=_start_worker, initargs=(reader, model, now, db_path))
            except (OSError, ImportError) as exc:  # no POSIX semaphores here (a container without /dev/shm)
                self._alone(exc)

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers: batches not started are dropped, one being prepared is let finish."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _alone(self, exc: BaseException) -> None:
        log.warning("import: cannot start worker processes (%s); preparing the rows in this process", exc)
        self.close()
        self.workers = 0

    def meanwhile(self, fn: Callable[..., T], *args) -> Callable[[], T]:
        """`fn(*args)` started in a worker process now, while this process goes on (ask before the
        first batch, and a worker takes it first); what this returns gives its result, waiting for
        it. Without workers, or when the worker doing it is lost, it is worked out here when asked."""
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(fn, *args)
            except (BrokenProcessPool, OSError):
                pass  # worked out here when asked

        def result() -> T:
            if future is not None:
                try:
                    return future.result()
                except BrokenProcessPool:
                    pass  # a worker died: `batches` says where; the answer is still needed up to there
            return fn(*args)

        return result

    def batches(self, chunks: Iterator[list[Cells]]) -> Iterator[PreparedBatch]:
        """Each chunk of rows, prepared, in order."""
        if self._pool is None:
            for rows in chunks:
                yield self._here(rows)
            return
        ahead: deque = deque()  # never empty again once a batch was submitted
        for rows in chunks:
            if self._pool is None:  # the workers could not be started: this process does it all
                yield self._here(rows)
                continue
            try:
                future = self._pool.submit(_work, _pack(rows))  # the first submit forks the workers
            except BrokenProcessPool as exc:  # a worker died: the batches it finished before are good
                while ahead:
                    yield self._received(*ahead.popleft())
                raise WorkerLost(rows[0][0], str(exc)) from None
            except OSError as exc:
                if ahead:
                    raise
                self._alone(exc)  # the first submit's fork failed (no memory, a process limit)
                yield self._here(rows)
                continue
            ahead.append((rows, future))
            if len(ahead) > self.workers:  # one each, and one more
                yield self._received(*ahead.popleft())
        while ahead:
            yield self._received(*ahead.popleft())

    def _here(self, rows: list[Cells]) -> PreparedBatch:
        return PreparedBatch(rows, *_prepare_rows(rows, self.reader, self.now), self.reader)

    def _received(self, rows: list[Cells], future) -> PreparedBatch:
        try:
            items, rejected = _unpack(future.result())
        except BrokenProcessPool as exc:
            raise WorkerLost(rows[0][0], str(exc) or "a worker process ended unexpectedly") from None
        return PreparedBatch(rows, _received(items), rejected, self.reader)
