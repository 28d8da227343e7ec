"""Reading, converting, judging and scoring an export in a second process, so that the two cores
work at once: this process only writes SQLite (one writer), the other prepares the next batch.

The worker reads the file exactly as an import in one process does (`csv_import.read_events`)
and sends, in file order and a batch at a time, each row's outcome: a rejection, or the task --
as the tuple of its fields (a pickled Task costs ~5x more to load) -- with what
`ingest.prepare` works out for it. Those are pure functions of the task, the value model and
`now`, so the stored rows are the same as from one process (tests/test_csv_import.py checks
every stored row); `ingest` uses them only for that very task object.

Spawn-safe (the worker is a top-level function of picklable arguments), bounded (a few
batches in flight: memory stays flat), and it never hangs: an exception in the worker is
raised here with its traceback, a worker that dies is reported, and when this process stops
early (an error while writing, Ctrl-C) the worker is stopped with it.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue as queue_module
import signal
import threading
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..model import ValueModel
from ..store import Judgement, RecordHashReader, _record_hash_and_extra, iso_cached
from ..tasks import Task
from .ingest import Prepared, prepare

# The worker works out the verdict and these parts of `ingest.prepare`; this process, the rest:
# the two processes' shares of the work (measured with bench/bench_import.py).
WORKER_PARTS = frozenset({"score"})
IN_FLIGHT = 3  # batches queued between the processes
_POLL_S = 0.2  # how often a wait for the worker checks that it still lives

_FIELDS = tuple(f.name for f in dataclasses.fields(Task))


class ImportWorkerError(RuntimeError):
    """The worker process failed: its traceback, or how it died."""


def _produce(path: str, fmt_name: str, tz_key: str, model: ValueModel, now: datetime, batch: int,
             db_path: str, out) -> None:
    """The worker: the file's events, a batch of tasks at a time, then ("done",) -- or ("error", traceback)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    try:
        from .csv_import import read_events  # (csv_import imports this module)
        from .formats import FORMATS

        stored = RecordHashReader(db_path)
        events: list[tuple] = []
        tasks: list[Task] = []
        for event in read_events(Path(path), FORMATS[fmt_name], ZoneInfo(tz_key)):
            events.append(event)
            if event[0] == "task":
                tasks.append(event[1])
                if len(tasks) >= batch:
                    out.put(("events", _wire(events, tasks, stored, model, now)))
                    events, tasks = [], []
        out.put(("events", _wire(events, tasks, stored, model, now)))
        stored.close()
        out.put(("done",))
    except BaseException:  # noqa: BLE001 -- whatever it is, the parent must hear of it, not wait forever
        out.put(("error", traceback.format_exc()))


def _wire(events: list[tuple], tasks: list[Task], stored, model: ValueModel, now: datetime) -> list[tuple]:
    """The events as sent: each task as its fields and its Prepared -- only the hashes for a row
    whose stored record hash is already the same (a re-import judges nothing)."""

    known: dict[tuple[str, str], str] = {}
    by_source: dict[str, list[str]] = {}
    for task in tasks:
        by_source.setdefault(task.source, []).append(task.external_id)
    for source, ids in by_source.items():
        known.update(((source, k), v) for k, v in stored.record_hashes(source, ids).items())
    out = []
    for event in events:
        if event[0] != "task":
            out.append(event)
            continue
        task = event[1]
        old = known.get((task.source, task.external_id)) if known else None
        hashes = _record_hash_and_extra(task, iso_cached) if old is not None else None
        if hashes is not None and hashes[0] == old:
            wire = (hashes, None, False, None, None)
        else:
            pre = prepare(task, model, now, WORKER_PARTS)
            verdict = pre.verdict
            wire = (pre.hashes or hashes, pre.row, True, None if verdict is None else
                    tuple((j.band_id, j.confidence, j.rationale) for j in verdict), pre.score)
        out.append(("task", tuple(getattr(task, f) for f in _FIELDS), wire))
    return out


def _start_method() -> str:
    """fork where it is safe -- a process with no other thread, on a system that has it: the
    worker starts in milliseconds with everything imported, where spawn costs ~0.4 s of imports
    (a fifth of a 20,000-row import) -- else spawn, which the worker is written for."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


_JUDGEMENTS: dict[tuple, Judgement] = {}


def _judgements(wire: tuple | None) -> list[Judgement] | None:
    if wire is None:
        return None
    out = []
    for item in wire:
        judgement = _JUDGEMENTS.get(item)
        if judgement is None:
            if len(_JUDGEMENTS) >= 4096:
                _JUDGEMENTS.clear()
            judgement = _JUDGEMENTS[item] = Judgement(item[0], "rules", True, item[1], item[2])
        out.append(judgement)
    return out


def prepared_events(path: Path, fmt_name: str, tz: ZoneInfo, model: ValueModel, now: datetime,
                    batch: int, db_path: str) -> Iterator[tuple]:
    """The events of `csv_import.read_events`, from the worker; a task's event carries its Prepared
    as a third item."""
    ctx = multiprocessing.get_context(_start_method())
    out = ctx.Queue(maxsize=IN_FLIGHT)
    worker = ctx.Process(target=_produce, args=(str(path), fmt_name, tz.key, model, now, batch, db_path, out),
                         name="headwork-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = out.get(timeout=_POLL_S)
            except queue_module.Empty:
                if worker.is_alive():
                    continue
                try:
                    message = out.get(timeout=0.1)  # anything it sent just before it ended
                except queue_module.Empty:
                    raise ImportWorkerError(f"the import worker stopped (exit code {worker.exitcode}) "
                                            "before reading the whole file") from None
            kind = message[0]
            if kind == "done":
                break
            if kind == "error":
                raise ImportWorkerError("the import worker failed:\n" + message[1])
            for event in message[1]:
                if event[0] == "task":
                    hashes, row, judged, verdict, score = event[2]
                    yield "task", Task(*event[1]), Prepared(hashes, row, judged, _judgements(verdict), score)
                else:
                    yield event
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)
        out.close()
        out.cancel_join_thread()
