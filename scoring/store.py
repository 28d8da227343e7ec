"""The scored task store: the only SQL for tasks, bands, scores, identities and AI usage.

SQLite through sqlite-utils, in WAL mode, one connection per thread (Bolt runs listeners
on a thread pool). Schema changes are numbered sqlite-utils migrations.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .tasks import OPEN_STATUSES, Task

migrations = Migrations("headwork.scoring")


# CPython's sqlite3 binds str, int, float and bytearray as they are, but sends every other value,
# None included, through its adaptation protocol: a registry lookup, then `PrepareProtocol.__adapt__`,
# whose failure formats an AttributeError message only to clear it -- ~4x an int's cost to bind a
# NULL (measured alone: 550-630 against 120-135 ns), and a new imported row binds ~7 of them
# (docs/benchmarks.md, "Import, 2026-12-03 (afternoon)"). An adapter registered for None is found
# in the registry first, and hands back None: bound as NULL, as before. The registry is the
# process's; this adapter changes no value any connection writes.
def _null(value: None) -> None:
    return value


sqlite3.register_adapter(type(None), _null)

_OPEN_SQL = "(" + ",".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
MACHINE_JUDGES = ("ai", "rules")
MMAP_BYTES = 1 << 30
log = logging.getLogger("headwork.store")

# The secondary indexes a large first import leaves out while it writes, and builds once at the end
# (`scoring.sources.index_deferral`), as the migrations left them: inserting 100,000 rows into them
# one by one costs ~16% of the import's CPU; building them afterwards ~0.3 s (bench/bench_import.py).
DEFERRABLE_INDEXES = {
    "tasks_email": "CREATE INDEX IF NOT EXISTS tasks_email ON tasks (assignee_email) WHERE assignee_email IS NOT NULL",
    "scores_rank": ("CREATE INDEX IF NOT EXISTS scores_rank ON scores "
                    "(assignee_id, active, total DESC, task_id, snoozed_until_ts)"),
}


@migrations()
def m001_tasks_bands_scores(db: Database) -> None:
    db.execute("""
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            title TEXT NOT NULL,
            notes TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            assignee_id TEXT,
            assignee_email TEXT,
            project TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'open',
            due TEXT,
            due_all_day INTEGER NOT NULL DEFAULT 0,
            estimate_hours REAL,
            estimate_source TEXT,
            blocking INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            completed_at TEXT,
            content_hash TEXT NOT NULL,
            record_hash TEXT NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}',
            -- categorization bookkeeping
            pending_categorization INTEGER NOT NULL DEFAULT 1,
            categorized_key TEXT,
            categorize_attempts INTEGER NOT NULL DEFAULT 0,
            categorize_after REAL,
            categorized_by TEXT,
            -- Headwork-local state that an import never overwrites
            snoozed_until TEXT,
            disowned_by TEXT,
            UNIQUE (source, external_id)
        )""")
    db.execute("CREATE INDEX tasks_pending ON tasks (pending_categorization, categorize_after) "
               "WHERE pending_categorization = 1")
    db.execute("CREATE INDEX tasks_email ON tasks (assignee_email) WHERE assignee_email IS NOT NULL")
    db.execute("""
        CREATE TABLE bands (
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            band_id TEXT NOT NULL,
            judge TEXT NOT NULL CHECK (judge IN ('ai', 'rules', 'human')),
            applies INTEGER NOT NULL DEFAULT 1,
            confidence REAL,
            rationale TEXT NOT NULL DEFAULT '',
            judged_by_user TEXT,
            judged_at TEXT NOT NULL,
            PRIMARY KEY (task_id, band_id, judge)
        ) WITHOUT ROWID""")
    db.execute("""
        CREATE TABLE scores (
            task_id INTEGER PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
            assignee_id TEXT,
            active INTEGER NOT NULL,
            total REAL NOT NULL,
            static_cp INTEGER NOT NULL,
            due_cp INTEGER NOT NULL DEFAULT 0,
            age_cp INTEGER NOT NULL DEFAULT 0,
            due_ts REAL,
            created_ts REAL,
            snoozed_until_ts REAL,
            terms TEXT NOT NULL,
            judged_by TEXT NOT NULL DEFAULT '',
            model_fingerprint TEXT NOT NULL,
            scored_at TEXT NOT NULL
        )""")
    # "Top N open tasks of one person" is a walk down this index, nothing more.
    db.execute("CREATE INDEX scores_rank ON scores (assignee_id, active, total DESC, task_id, snoozed_until_ts)")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m002_identities_and_ai_usage(db: Database) -> None:
    db.execute("""
        CREATE TABLE identities (
            email TEXT PRIMARY KEY,
            slack_id TEXT,
            status TEXT NOT NULL,           -- 'matched' | 'unknown' | 'left' (the account is deactivated)
            looked_up_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE ai_usage (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            day TEXT NOT NULL,
            model TEXT NOT NULL,
            purpose TEXT NOT NULL,
            tasks INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            ok INTEGER NOT NULL DEFAULT 1
        )""")
    db.execute("CREATE INDEX ai_usage_day ON ai_usage (day)")


@migrations()
def m003_completions(db: Database) -> None:
    # What was finished, when, worth how much, and whether it was in its owner's top 5:
    # the weekly digest's "value delivered" and "top-5 adherence" come from here.
    db.execute("""
        CREATE TABLE completions (
            task_id INTEGER PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
            assignee_id TEXT,
            completed_at TEXT NOT NULL,
            completed_ts REAL NOT NULL,
            rank_at_completion INTEGER,
            total REAL NOT NULL,
            bands TEXT NOT NULL DEFAULT '[]',
            completed_by TEXT
        )""")
    db.execute("CREATE INDEX completions_ts ON completions (completed_ts)")


@migrations()
def m004_score_terms_apart(db: Database) -> None:
    # The hourly rescore rewrites about one score row in five. Keeping the explanation (the
    # terms' JSON, ~200 bytes) out of `scores` makes each row ~60 bytes, so that pass dirties a
    # quarter of the pages it used to (bench/bench_scoring.py). The due and age centipoints are
    # dropped too: nothing read them, and the hourly pass would have had to keep them current.
    db.execute("""
        CREATE TABLE score_terms (
            task_id INTEGER PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
            terms TEXT NOT NULL,
            model_fingerprint TEXT NOT NULL
        )""")
    db.execute("INSERT INTO score_terms (task_id, terms, model_fingerprint) "
               "SELECT task_id, terms, model_fingerprint FROM scores")
    # Rebuilt rather than ALTER TABLE DROP COLUMN, which SQLite only has since 3.35.
    db.execute("""
        CREATE TABLE scores_narrow (
            task_id INTEGER PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
            assignee_id TEXT,
            active INTEGER NOT NULL,
            total REAL NOT NULL,
            static_cp INTEGER NOT NULL,
            due_ts REAL,
            created_ts REAL,
            snoozed_until_ts REAL,
            judged_by TEXT NOT NULL DEFAULT '',
            scored_at TEXT NOT NULL
        )""")
    db.execute("INSERT INTO scores_narrow SELECT task_id, assignee_id, active, total, static_cp, due_ts, created_ts, "
               "snoozed_until_ts, judged_by, scored_at FROM scores")
    db.execute("DROP TABLE scores")
    db.execute("ALTER TABLE scores_narrow RENAME TO scores")
    db.execute("CREATE INDEX scores_rank ON scores (assignee_id, active, total DESC, task_id, snoozed_until_ts)")


@migrations()
def m005_owner_left(db: Database) -> None:
    # A task whose owner's account was deactivated goes back to them if the account comes back
    # (an identity provider's sync can deactivate people for minutes); one handed back with
    # *Not mine* never does. Both set `disowned_by`: this says which it was. Tasks released before
    # this keep 0, and are told apart as before (by whether the account is deactivated now).
    db.execute("ALTER TABLE tasks ADD COLUMN owner_left INTEGER NOT NULL DEFAULT 0")


@contextmanager
def _pragma(conn, name: str, value: int) -> Iterator[None]:
    """`PRAGMA name = value` on this connection for the length of the block, then as it was."""
    before = conn.execute(f"PRAGMA {name}").fetchone()[0]
    conn.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA {name} = {int(before)}")


class FeatureStore:
    """A feature's tables in the task store's database (agenda, digest, outbox ...): its
    migrations, applied once as one writer when it is opened, and the store's connection."""

    migrations = None  # each feature's `Migrations`

    def __init__(self, store: "TaskStore"):
        self.store = store
        store.migrate(self.migrations)

    @property
    def conn(self):
        return self.store.conn


_LAST_ISO: tuple[int, str] = (0, "1970-01-01T00:00:00+00:00")


def iso(dt: datetime | None) -> str | None:
    """The instant in UTC, to the second. The last second's text is remembered (~3 us saved when
    it repeats, as the clock's "now" does for every event of a burst); the text depends only on
    that second, and the pair is read and replaced as one tuple."""
    global _LAST_ISO
    if dt is None:
        return None
    second = math.floor(dt.timestamp())
    last = _LAST_ISO
    if last[0] == second:
        return last[1]
    text = dt.astimezone(timezone.utc).isoformat(timespec="seconds")
    _LAST_ISO = (second, text)
    return text


def parse_iso(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


_ISO: dict[tuple, str] = {}


def iso_cached(dt: datetime | None) -> str | None:
    """`iso(dt)` through a bounded cache: an import converts the same few hundred dates again and
    again, at ~3 us each. Keyed by (dt, fold, tzinfo): equal keys are the same wall time, fold and
    zone, or (different zone objects) the same instant, so the same UTC string."""
    if dt is None:
        return None
    key = (dt, dt.fold, dt.tzinfo)
    text = _ISO.get(key)
    if text is None:
        if len(_ISO) >= 4096:
            _ISO.clear()
        text = _ISO[key] = iso(dt)
    return text


# json.dumps(..., default=str, sort_keys=True) builds this encoder anew on every call
_encode_sorted = json.JSONEncoder(default=str, sort_keys=True).encode
# The same encoding without the Python layers of JSONEncoder.encode (a new C encoder per call)
# nor its check for circular containers: for a task's fields as `_record_hash_and_extra` lists them
# and its `extra` (what a converter or the Asana sync read from a file or a JSON answer: strings,
# numbers, lists and dicts of them, never a container that holds itself). 1.0 against 3.8 us for
# an Asana row's `extra` on a slow day.
_c_encode_flat = (json.encoder.c_make_encoder(None, str, json.encoder.encode_basestring_ascii, None, ": ", ", ",
                                              True, False, True) if json.encoder.c_make_encoder else None)


def _encode_flat(fields: list | dict) -> str:
    return "".join(_c_encode_flat(fields, 0)) if _c_encode_flat is not None else _encode_sorted(fields)


NO_BAND = ""  # the band id of a "no band applies" verdict (`resolve_bands` reads it as "judged, nothing applies")


@dataclass(frozen=True, slots=True)
class Judgement:
    band_id: str  # NO_BAND: a machine's verdict that no band applies (applies False), kept for its confidence and reason
    judge: str  # 'ai' | 'rules' | 'human'
    applies: bool = True
    confidence: float | None = None
    rationale: str = ""
    judged_by_user: str | None = None
    judged_at: str = ""


@dataclass(frozen=True, slots=True)
class Ranked:
    """One row of someone's ranking: the task, its stored total and who judged its bands."""

    task: Task
    total: float
    judged_by: str


@dataclass(frozen=True, slots=True)
class TakenFrom:
    """Who a task nobody owns was taken from: they handed it back (*Not mine*), or their account was
    deactivated (`left`)."""

    user_id: str
    left: bool


_TASK_COLUMNS = ("id, source, external_id, title, notes, url, assignee_id, assignee_email, project, tags, "
                 "status, due, due_all_day, estimate_hours, estimate_source, blocking, created_at, "
                 "updated_at, completed_at, extra")

_RANKED_TASK_COLUMNS = ", ".join("t." + c.strip() for c in _TASK_COLUMNS.split(","))  # built once: /top5 is hot


def _task_from_row(row: Sequence) -> Task:
    (id_, source, external_id, title, notes, url, assignee_id, assignee_email, project, tags, status, due,
     due_all_day, estimate_hours, estimate_source, blocking, created_at, updated_at, completed_at, extra) = row
    return Task(
        id=id_, source=source, external_id=external_id, title=title, notes=notes, url=url,
        assignee_id=assignee_id, assignee_email=assignee_email, project=project,
        tags=() if tags == "[]" else tuple(json.loads(tags)),
        status=status, due=parse_iso(due), due_all_day=bool(due_all_day), estimate_hours=estimate_hours,
        estimate_source=estimate_source, blocking=blocking, created_at=parse_iso(created_at),
        updated_at=parse_iso(updated_at), completed_at=parse_iso(completed_at),
        extra={} if extra == "{}" else json.loads(extra),  # the common cases without the JSON parser
    )


def _record_hash(task: Task) -> str:
    """Everything a source can change about a task; equal hashes mean nothing to write."""
    return _record_hash_and_extra(task, iso)[0]


def _record_hash_and_extra(task: Task, iso: Callable[[datetime | None], str | None] = iso) -> tuple[str, str]:
    """(`_record_hash(task)`, the `extra` column's JSON). The hash is of the JSON of a list whose
    last item is `extra`, encoded exactly as the column is: a list encodes as '[' + ', '.join(items)
    + ']', so that JSON is the first fourteen items' with ', ' + extra + ']' instead of ']', and
    `extra` is encoded once, not twice. An import passes `iso_cached` (its dates repeat); others
    do not: a cache of ever new datetimes only pins memory (bulk_insert_tasks of 100k random
    times: +9 MB)."""
    fields = [task.title, task.notes, task.url, task.assignee_id, task.assignee_email, task.project,
              sorted(task.tags), task.status, iso(task.due), task.due_all_day, task.estimate_hours,
              task.estimate_source, task.blocking, iso(task.completed_at)]
    extra = task.extra
    extra_json = "{}" if extra == {} else _encode_flat(extra)
    blob = _encode_flat(fields)[:-1] + ", " + extra_json + "]"
    return hashlib.sha256(blob.encode()).hexdigest()[:20], extra_json


_INSERT_TASK = ("INSERT INTO tasks (title, notes, url, assignee_id, assignee_email, project, tags, status, due, "
                "due_all_day, estimate_hours, estimate_source, blocking, completed_at, extra, content_hash, "
                "record_hash, source, external_id, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
# the same, with the id and the categorization state of the row given (upsert_tasks_bulk)
_INSERT_NEW_TASK = (_INSERT_TASK.replace("(title,", "(id, title,", 1)
                    .replace("updated_at)", "updated_at, pending_categorization, categorized_key, categorized_by)", 1)
                    .replace("VALUES (?,", "VALUES (?,?,?,?,?,", 1))
MAX_ROWID = (1 << 63) - 1


def task_row(task: Task, now: datetime) -> tuple[str, tuple]:
    """(record hash, the values `_upsert` inserts for this task as a new row, in `_INSERT_TASK`'s
    order): what `upsert_tasks_bulk` is given per task. Reads no database, so an import can work it
    out in worker processes."""
    record_hash, extra_json = _record_hash_and_extra(task, iso_cached)
    tags = task.tags
    return record_hash, (
        task.title, task.notes, task.url, task.assignee_id, task.assignee_email, task.project,
        _encode_flat(list(tags)) if tags else "[]", task.status, iso_cached(task.due), int(task.due_all_day),
        task.estimate_hours, task.estimate_source, task.blocking, iso_cached(task.completed_at),
        extra_json, task.content_hash, record_hash, task.source, task.external_id,
        iso_cached(task.created_at or now), iso_cached(task.updated_at or now))


def _record_hashes(conn: sqlite3.Connection, entries: Sequence) -> dict[tuple[str, str], tuple[int, str]]:
    """{(source, external_id): (id, record_hash)} of the stored tasks with these entries' keys, 500 keys a query."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    by_source: dict[str, list[str]] = {}
    for entry in entries:
        by_source.setdefault(entry.source, []).append(entry.external_id)
    for source, ids in by_source.items():
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for external_id, task_id, record_hash in conn.execute(
                    f"SELECT external_id, id, record_hash FROM tasks WHERE source = ? AND external_id IN ({marks})",
                    [source, *chunk]):
                found[(source, external_id)] = (task_id, record_hash)
    return found


class StoredHashes:
    """A read-only look at which tasks are stored, and as what (`TaskStore.upsert_tasks_bulk`'s
    record hashes): for an import's worker processes, which judge and score only the rows that
    are not stored as they are. It never writes, and each look is its own short read, so it
    holds back neither the importing writer nor a checkpoint."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 30000")

    def of(self, entries: Sequence) -> dict[tuple[str, str], str]:
        """{(source, external_id): record_hash} for those of these entries already stored."""
        return {key: record_hash for key, (_, record_hash) in _record_hashes(self.conn, entries).items()}


class TaskStore:
    """The scored store. Cheap to share between threads: each thread gets its own connection."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()  # this process's writers queue here (see _Immediate)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)
        built = self.build_deferred_indexes()
        if built:
            log.warning("Built index(es) %s, left out by an import that did not finish", ", ".join(built))

    # --- connections -------------------------------------------------------------------

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Reads through the OS page cache without a copy per page: /top5 and the hourly pass
            # read pages scattered over the whole file (address space only, not memory).
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            db = Database(conn)
            self._local.db = db
        return db

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None

    def transaction(self):
        """`with store.transaction():` — BEGIN IMMEDIATE so writers queue instead of deadlocking."""
        return _Immediate(self.conn, self._write_lock)

    def migrate(self, migrations) -> None:
        """Apply a feature's pending migrations as one writer: on a fresh database `headwork run`'s
        first jobs open their stores at once, and two of them would both try to create the tables
        ("table ... already exists"). The second waits, then finds nothing pending."""
        if not migrations.pending(self.db):
            return
        with self.transaction():
            migrations.apply(self.db)

    # --- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # --- tasks ---------------------------------------------------------------------------

    def upsert_task(self, task: Task, now: datetime) -> tuple[int, str]:
        """Insert or update by (source, external_id). Returns (id, 'created'|'updated'|'unchanged')."""
        with self.transaction():
            return self._upsert(task, now)

    def upsert_tasks(self, tasks: Iterable[Task], now: datetime) -> Iterator[tuple[int, str]]:
        """Bulk upsert in one transaction per 5,000 rows; yields (id, outcome) per task."""
        batch: list[Task] = []
        for task in tasks:
            batch.append(task)
            if len(batch) >= 5000:
                yield from self._upsert_batch(batch, now)
                batch = []
        if batch:
            yield from self._upsert_batch(batch, now)

    def _upsert_batch(self, batch: list[Task], now: datetime) -> list[tuple[int, str]]:
        with self.transaction():
            return [self._upsert(t, now) for t in batch]

    def _upsert(self, task: Task, now: datetime) -> tuple[int, str]:
        if not task.external_id:
            raise ValueError("a task needs an external_id to be upserted")
        record_hash = _record_hash(task)
        row = self.conn.execute("SELECT id, record_hash, content_hash, status FROM tasks "
                                "WHERE source = ? AND external_id = ?", (task.source, task.external_id)).fetchone()
        content_hash = task.content_hash
        values = (task.title, task.notes, task.url, task.assignee_id, task.assignee_email, task.project,
                  json.dumps(list(task.tags)), task.status, iso(task.due), int(task.due_all_day),
                  task.estimate_hours, task.estimate_source, task.blocking, iso(task.completed_at),
                  json.dumps(task.extra, sort_keys=True, default=str), content_hash, record_hash)
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO tasks (title, notes, url, assignee_id, assignee_email, project, tags, status, due, "
                "due_all_day, estimate_hours, estimate_source, blocking, completed_at, extra, content_hash, "
                "record_hash, source, external_id, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values + (task.source, task.external_id, iso(task.created_at or now), iso(task.updated_at or now)))
            return cur.lastrowid, "created"
        task_id, old_record_hash, old_content_hash, old_status = row
        if old_record_hash == record_hash:
            return task_id, "unchanged"
        if old_status in OPEN_STATUSES and task.status == "done":
            # closed by an import or a sync (a close from Slack has recorded its own already): value
            # delivered, with the points and rank it had here until now, read before the close
            self.record_completion(task_id, None, now, completed_at=task.completed_at, seen_open=True)
        names = ("title", "notes", "url", "assignee_id", "assignee_email", "project", "tags", "status", "due",
                 "due_all_day", "estimate_hours", "estimate_source", "blocking", "completed_at", "extra",
                 "content_hash", "record_hash")
        params = dict(zip(names, values), updated_at=iso(task.updated_at or now), id=task_id)
        self.conn.execute(
            # An import knows emails, not Slack ids: a matched (or disowned) owner survives it, as long
            # as the email stays. A new email is the tool's new assignment: who the task was taken
            # from here (*Not mine*, a deactivated account) no longer says anything about it, so it
            # is neither given back to them on their return nor listed as theirs.
            "UPDATE tasks SET title=:title, notes=:notes, url=:url, "
            "assignee_id = CASE WHEN :assignee_id IS NULL "
            "AND lower(coalesce(assignee_email, '')) = lower(coalesce(:assignee_email, '')) "
            "THEN assignee_id ELSE :assignee_id END, "
            "disowned_by = CASE WHEN lower(coalesce(assignee_email, '')) = lower(coalesce(:assignee_email, '')) "
            "THEN disowned_by END, "
            "owner_left = CASE WHEN lower(coalesce(assignee_email, '')) = lower(coalesce(:assignee_email, '')) "
            "THEN owner_left ELSE 0 END, "
            "assignee_email=:assignee_email, project=:project, tags=:tags, "
            "status=:status, due=:due, due_all_day=:due_all_day, estimate_hours=:estimate_hours, "
            "estimate_source=:estimate_source, blocking=:blocking, completed_at=:completed_at, extra=:extra, "
            "pending_categorization = CASE WHEN content_hash = :content_hash THEN pending_categorization ELSE 1 END, "
            "content_hash=:content_hash, record_hash=:record_hash, updated_at=:updated_at WHERE id = :id",
            params)
        return task_id, "updated"

    def bulk_insert_tasks(self, tasks: Iterable[Task], now: datetime, batch: int = 20_000) -> int:
        """Insert brand-new tasks fast (benchmarks, first loads): one executemany per `batch`,
        no per-row lookup. A (source, external_id) already stored raises IntegrityError and
        rolls that batch back — use `upsert_tasks` when tasks may exist. Returns how many."""
        sql = ("INSERT INTO tasks (title, notes, url, assignee_id, assignee_email, project, tags, status, due, "
               "due_all_day, estimate_hours, estimate_source, blocking, completed_at, extra, content_hash, "
               "record_hash, source, external_id, created_at, updated_at) "
               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        stamp = iso(now)
        count = 0
        rows: list[tuple] = []

        def flush() -> None:
            with self.transaction():
                self.conn.executemany(sql, rows)
            rows.clear()

        for t in tasks:
            if not t.external_id:
                raise ValueError("a task needs an external_id to be stored")
            rows.append((t.title, t.notes, t.url, t.assignee_id, t.assignee_email, t.project,
                         json.dumps(list(t.tags)), t.status, iso(t.due), int(t.due_all_day), t.estimate_hours,
                         t.estimate_source, t.blocking, iso(t.completed_at),
                         json.dumps(t.extra, sort_keys=True, default=str), t.content_hash, _record_hash(t),
                         t.source, t.external_id, iso(t.created_at) or stamp, iso(t.updated_at) or stamp))
            count += 1
            if len(rows) >= batch:
                flush()
        if rows:
            flush()
        return count

    def get_task(self, task_id: int) -> Task | None:
        row = self.conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return _task_from_row(row) if row else None

    def get_tasks(self, task_ids: Sequence[int]) -> dict[int, Task]:
        out: dict[int, Task] = {}
        for chunk in _chunks(list(task_ids), 500):
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id IN ({marks})", chunk):
                out[row[0]] = _task_from_row(row)
        return out

    def find_task(self, source: str, external_id: str) -> Task | None:
        row = self.conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks WHERE source = ? AND external_id = ?",
                                (source, external_id)).fetchone()
        return _task_from_row(row) if row else None

    def update_task(self, task_id: int, now: datetime, **fields) -> Task:
        """Change some fields of a task (from Slack or the CLI); the hashes follow."""
        task = self.get_task(task_id)
        if task is None:
            raise KeyError(task_id)
        updated = task.with_(**fields, updated_at=now)
        with self.transaction():
            self._upsert(updated, now)
        return self.get_task(task_id)

    def iter_tasks(self, open_only: bool = False, batch: int = 2000) -> Iterator[Task]:
        where = f"WHERE status IN {_OPEN_SQL}" if open_only else ""
        last = 0
        while True:
            rows = self.conn.execute(f"SELECT {_TASK_COLUMNS} FROM tasks {where} {'AND' if where else 'WHERE'} "
                                     f"id > ? ORDER BY id LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield _task_from_row(row)
            last = rows[-1][0]

    def count_tasks(self, open_only: bool = False) -> int:
        where = f" WHERE status IN {_OPEN_SQL}" if open_only else ""
        return self.conn.execute(f"SELECT count(*) FROM tasks{where}").fetchone()[0]

    def assignees(self) -> list[str]:
        """Everyone who owns at least one open task."""
        return [r[0] for r in self.conn.execute(
            f"SELECT DISTINCT assignee_id FROM tasks WHERE assignee_id IS NOT NULL AND status IN {_OPEN_SQL} "
            "ORDER BY assignee_id")]

    def open_counts(self, assignee_ids: Sequence[str]) -> dict[str, int]:
        """{person: how many open tasks they own} (those with none are left out), from the index."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(assignee_ids), 500):
            out.update(self.conn.execute(
                f"SELECT assignee_id, count(*) FROM scores WHERE assignee_id IN ({','.join('?' * len(chunk))}) "
                "AND active = 1 GROUP BY assignee_id", chunk).fetchall())
        return out

    def unowned_open_count(self) -> int:
        """Open tasks without an owner: a range of the `scores_rank` index (every task is scored as it
        is written, with its owner and whether it is open), not a scan of every task (~0.2 s at 1M)."""
        return self.conn.execute("SELECT count(*) FROM scores WHERE assignee_id IS NULL AND active = 1").fetchone()[0]

    # --- bands ---------------------------------------------------------------------------

    def judgements(self, task_id: int) -> list[Judgement]:
        return [Judgement(*r) for r in self.conn.execute(
            "SELECT band_id, judge, applies, confidence, rationale, judged_by_user, judged_at FROM bands "
            "WHERE task_id = ? ORDER BY band_id, judge", (task_id,))]

    def effective_bands_many(self, task_ids: Sequence[int], known: frozenset[str] | None = None
                             ) -> dict[int, tuple[frozenset[str], str]]:
        """{task_id: (band ids that apply, who judged)}; a human's word beats any machine's. With
        `known` (the value model's band ids) only those bands count (`resolve_bands`)."""
        rows: dict[int, list[tuple[str, str, int]]] = {tid: [] for tid in task_ids}
        for chunk in _chunks(list(task_ids), 500):
            marks = ",".join("?" * len(chunk))
            for tid, judge in self.conn.execute(
                    f"SELECT id, categorized_by FROM tasks WHERE id IN ({marks}) AND categorized_by IS NOT NULL", chunk):
                rows[tid].append(("", judge, 0))  # who judged, even when no band applies
            for tid, band_id, judge, applies in self.conn.execute(
                    f"SELECT task_id, band_id, judge, applies FROM bands WHERE task_id IN ({marks})", chunk):
                rows[tid].append((band_id, judge, applies))
        return {tid: resolve_bands(judged, known) for tid, judged in rows.items()}

    def effective_bands(self, task_id: int, known: frozenset[str] | None = None) -> tuple[frozenset[str], str]:
        return self.effective_bands_many([task_id], known)[task_id]

    def replace_machine_judgements(self, task_id: int, judge: str, judgements: Iterable[Judgement],
                                   categorized_key: str, now: datetime, final: bool = True) -> None:
        """Store a categorizer's verdict for one task; human corrections are left untouched.
        `final=False` stores a provisional verdict and leaves the task queued for a better judge."""
        if judge not in MACHINE_JUDGES:
            raise ValueError(f"not a machine judge: {judge}")
        with self.transaction():
            self.conn.execute("DELETE FROM bands WHERE task_id = ? AND judge IN ('ai', 'rules')", (task_id,))
            self.conn.executemany(
                "INSERT INTO bands (task_id, band_id, judge, applies, confidence, rationale, judged_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(task_id, j.band_id, judge, int(j.applies), j.confidence, j.rationale, iso(now)) for j in judgements])
            if final:
                self.conn.execute("UPDATE tasks SET pending_categorization = 0, categorized_key = ?, categorized_by = ?, "
                                  "categorize_attempts = 0, categorize_after = NULL WHERE id = ?",
                                  (categorized_key, judge, task_id))
            else:
                self.conn.execute("UPDATE tasks SET categorized_by = ? WHERE id = ?", (judge, task_id))

    def set_human_band(self, task_id: int, band_id: str, applies: bool, user_id: str | None, now: datetime) -> None:
        """A person says band X does (or does not) apply. Never overwritten by a categorizer."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO bands (task_id, band_id, judge, applies, confidence, rationale, judged_by_user, judged_at) "
                "VALUES (?, ?, 'human', ?, 1.0, ?, ?, ?) ON CONFLICT (task_id, band_id, judge) DO UPDATE SET "
                "applies = excluded.applies, judged_by_user = excluded.judged_by_user, judged_at = excluded.judged_at, "
                "rationale = excluded.rationale",
                (task_id, band_id, int(applies), "set by a person", user_id, iso(now)))

    def clear_human_band(self, task_id: int, band_id: str) -> None:
        self.conn.execute("DELETE FROM bands WHERE task_id = ? AND band_id = ? AND judge = 'human'", (task_id, band_id))

    def recent_corrections(self, limit: int = 20) -> list[tuple[Task, str, bool]]:
        """The latest human corrections: (task, band_id, applies) — examples for the AI."""
        rows = self.conn.execute("SELECT task_id, band_id, applies FROM bands WHERE judge = 'human' "
                                 "ORDER BY judged_at DESC, task_id DESC LIMIT ?", (limit,)).fetchall()
        tasks = self.get_tasks([r[0] for r in rows])
        return [(tasks[tid], band, bool(applies)) for tid, band, applies in rows if tid in tasks]

    # --- categorization queue -----------------------------------------------------------------

    def pending_categorization(self, limit: int, now: datetime) -> list[Task]:
        now_ts = now.timestamp()
        rows = self.conn.execute(
            f"SELECT {_TASK_COLUMNS} FROM tasks WHERE pending_categorization = 1 "
            f"AND (categorize_after IS NULL OR categorize_after <= ?) AND status IN {_OPEN_SQL} "
            "ORDER BY id LIMIT ?", (now_ts, limit)).fetchall()
        return [_task_from_row(r) for r in rows]

    def never_judged(self, task_ids: Sequence[int]) -> list[int]:
        """Those of these tasks no categorizer has judged yet."""
        out: list[int] = []
        for chunk in _chunks(list(task_ids), 500):
            marks = ",".join("?" * len(chunk))
            out += [r[0] for r in self.conn.execute(
                f"SELECT id FROM tasks WHERE id IN ({marks}) AND categorized_by IS NULL", chunk)]
        return out

    def pending_count(self) -> int:
        return self.conn.execute(f"SELECT count(*) FROM tasks WHERE pending_categorization = 1 "
                                 f"AND status IN {_OPEN_SQL}").fetchone()[0]

    def defer_categorization(self, task_id: int, retry_at: datetime) -> int:
        """Mark a task for a later retry; returns the number of attempts so far."""
        self.conn.execute("UPDATE tasks SET categorize_attempts = categorize_attempts + 1, categorize_after = ? "
                          "WHERE id = ?", (retry_at.timestamp(), task_id))
        return self.conn.execute("SELECT categorize_attempts FROM tasks WHERE id = ?", (task_id,)).fetchone()[0]

    def mark_all_pending(self) -> int:
        """The value model changed: every open task's bands must be judged again."""
        return self.conn.execute(f"UPDATE tasks SET pending_categorization = 1, categorize_after = NULL "
                                 f"WHERE status IN {_OPEN_SQL}").rowcount

    # --- scores --------------------------------------------------------------------------

    def snooze(self, task_id: int, until: datetime | None) -> None:
        """Hide a task from rankings until `until` (None wakes it now)."""
        with self.transaction():
            self.conn.execute("UPDATE tasks SET snoozed_until = ? WHERE id = ?", (iso(until), task_id))
            self.conn.execute("UPDATE scores SET snoozed_until_ts = ? WHERE task_id = ?",
                              (until.timestamp() if until else None, task_id))

    def snoozed_until(self, task_id: int) -> datetime | None:
        row = self.conn.execute("SELECT snoozed_until FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return parse_iso(row[0]) if row else None

    def write_scores(self, scores: Sequence[tuple], fingerprint: str, now: datetime, no_snoozes: bool = False) -> None:
        """Store fully computed scores: (task_id, assignee_id, active, total_cp, static_cp, terms,
        judged_by, due_ts, created_ts) each, in one transaction with one statement per table.
        `active` is whether the task is open; `terms` is the list of term dicts or its compact JSON
        already encoded; the timestamps are the task's due and creation times'. A task's snooze is
        kept; `no_snoozes=True` (rows created in this transaction, which have none) skips reading them."""
        snoozes: dict[int, str] = {}
        if not no_snoozes:
            for chunk in _chunks([s[0] for s in scores], 500):
                marks = ",".join("?" * len(chunk))
                snoozes.update(self.conn.execute(
                    f"SELECT id, snoozed_until FROM tasks WHERE id IN ({marks}) AND snoozed_until IS NOT NULL", chunk))
        stamp = iso(now)
        rows, explanations = [], []
        for task_id, assignee_id, active, total_cp, static, terms, judged_by, due_ts, created_ts in scores:
            snooze = snoozes.get(task_id)
            rows.append((task_id, assignee_id, active, total_cp / 100, static, due_ts, created_ts,
                         parse_iso(snooze).timestamp() if snooze else None, judged_by, stamp))
            explanations.append((task_id, terms if isinstance(terms, str) else json.dumps(terms, separators=(",", ":")),
                                 fingerprint))
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO scores (task_id, assignee_id, active, total, static_cp, due_ts, created_ts, "
                "snoozed_until_ts, judged_by, scored_at) VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT(task_id) DO UPDATE SET assignee_id=excluded.assignee_id, active=excluded.active, "
                "total=excluded.total, static_cp=excluded.static_cp, due_ts=excluded.due_ts, "
                "created_ts=excluded.created_ts, snoozed_until_ts=excluded.snoozed_until_ts, "
                "judged_by=excluded.judged_by, scored_at=excluded.scored_at", rows)
            self.conn.executemany(
                "INSERT INTO score_terms (task_id, terms, model_fingerprint) VALUES (?,?,?) ON CONFLICT(task_id) "
                "DO UPDATE SET terms=excluded.terms, model_fingerprint=excluded.model_fingerprint", explanations)

    def iter_clock_rows(self, age_bands: Sequence[tuple[int, float, float]] | None = None,
                        due_plateau: tuple[float, int] | None = None,
                        batch: int = 100_000) -> Iterator[list[tuple[int, float | None, float | None, int]]]:
        """Active scores as (task_id, due_ts, created_ts, clock_cp) in id order, a batch at a time:
        what the hourly rescore reads. `clock_cp` is the stored total's clock-driven part (due
        date + age, in centipoints): the total minus its static part.

        With `age_bands` — (age cp, first, last created_ts) — and `due_plateau` — (first due_ts,
        due cp) — from `scoring.engine`, SQLite leaves out every task with no due date, or one at
        or after the plateau, whose stored clock part is still exactly what its dates give: most
        tasks, most hours. Every other task is returned. Each batch is a fresh read, so the
        caller may update rows it has already been given."""
        skip = ""
        params: tuple = ()
        if age_bands is not None and due_plateau is not None:
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS clock_age_bands "
                              "(cp INTEGER PRIMARY KEY, first REAL NOT NULL, last REAL NOT NULL)")
            outer = self.conn.in_transaction
            if not outer:
                self.conn.execute("BEGIN")  # deferred: a temp table takes no lock on the database
            self.conn.execute("DELETE FROM temp.clock_age_bands")
            self.conn.executemany("INSERT INTO temp.clock_age_bands (cp, first, last) VALUES (?, ?, ?)", age_bands)
            if not outer:
                self.conn.execute("COMMIT")
            # the stored age part: the clock part minus the due part, when the due part is known
            skip = ("AND NOT EXISTS (SELECT 1 FROM temp.clock_age_bands b WHERE b.cp = "
                    "CAST(round(total * 100) AS INTEGER) - static_cp - "
                    "(CASE WHEN due_ts IS NULL THEN 0 WHEN due_ts >= ? THEN ? END) "
                    "AND created_ts >= b.first AND created_ts <= b.last) ")
            params = tuple(due_plateau)
        sql = ("SELECT task_id, due_ts, created_ts, CAST(round(total * 100) AS INTEGER) - static_cp FROM scores "
               f"WHERE task_id > ? AND active = 1 {skip}ORDER BY task_id LIMIT ?")
        last = -1
        while True:
            rows = self.conn.execute(sql, (last, *params, batch)).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def write_clock_cp(self, updates: Sequence[tuple[int, int]], now: datetime) -> None:
        """updates: (clock_cp, task_id) for the scores whose clock-driven part moved, in one
        transaction. The new total is `(static_cp + clock_cp) / 100.0`: integer sum, then the same
        correctly rounded division as Python's `/ 100`, so bit for bit what a full scoring stores."""
        with self.transaction():
            self.conn.executemany(f"UPDATE scores SET total = (static_cp + ?) / 100.0, scored_at = '{iso(now)}' "
                                  "WHERE task_id = ?", updates)

    @contextmanager
    def large_cache(self, mib: int = 160) -> Iterator[None]:
        """A bigger SQLite page cache on this thread's connection for the length of a bulk pass
        (the hourly rescore touches most pages of `scores` and its index), then back as it was."""
        conn = self.conn
        try:
            with _pragma(conn, "cache_size", -int(mib) * 1024):
                yield
        finally:
            conn.execute("PRAGMA shrink_memory")

    def score_of(self, task_id: int) -> dict | None:
        """The stored score; its `terms` are as of the last full scoring of the task (the hourly pass
        moves only `total`): explain a score with `scoring.ranking.explain`, not from here."""
        row = self.conn.execute("SELECT s.total, e.terms, s.judged_by, s.scored_at, e.model_fingerprint, s.active "
                                "FROM scores s LEFT JOIN score_terms e ON e.task_id = s.task_id "
                                "WHERE s.task_id = ?", (task_id,)).fetchone()
        if row is None:
            return None
        return {"total": row[0], "terms": json.loads(row[1] or "[]"), "judged_by": row[2], "scored_at": row[3],
                "model_fingerprint": row[4] or "", "active": bool(row[5])}

    def top_tasks(self, assignee_id: str, limit: int, now: datetime) -> list[Ranked]:
        """A person's highest-scoring open, unsnoozed tasks: an index walk, ties broken by task id."""
        rows = self.conn.execute(
            f"SELECT s.total, s.judged_by, {_RANKED_TASK_COLUMNS} "
            "FROM scores s JOIN tasks t ON t.id = s.task_id "
            "WHERE s.assignee_id = ? AND s.active = 1 AND (s.snoozed_until_ts IS NULL OR s.snoozed_until_ts <= ?) "
            "ORDER BY s.total DESC, s.task_id LIMIT ?", (assignee_id, now.timestamp(), limit)).fetchall()
        return [Ranked(_task_from_row(r[2:]), r[0], r[1]) for r in rows]

    def top_ids(self, assignee_id: str, limit: int, now_ts: float) -> list[tuple[int, float]]:
        """The raw ranking read: (task_id, total) pairs, nothing else."""
        return self.conn.execute(
            "SELECT task_id, total FROM scores WHERE assignee_id = ? AND active = 1 "
            "AND (snoozed_until_ts IS NULL OR snoozed_until_ts <= ?) ORDER BY total DESC, task_id LIMIT ?",
            (assignee_id, now_ts, limit)).fetchall()

    def rank_of(self, task_id: int, now: datetime) -> int | None:
        """1-based position of a task in its owner's ranking, or None when it is not ranked."""
        row = self.conn.execute("SELECT assignee_id, total, active FROM scores WHERE task_id = ?", (task_id,)).fetchone()
        if row is None or not row[2] or row[0] is None:
            return None
        assignee, total, _ = row
        ahead = self.conn.execute(
            "SELECT count(*) FROM scores WHERE assignee_id = ? AND active = 1 "
            "AND (snoozed_until_ts IS NULL OR snoozed_until_ts <= ?) AND (total > ? OR (total = ? AND task_id < ?))",
            (assignee, now.timestamp(), total, total, task_id)).fetchone()[0]
        return ahead + 1

    def score_counts(self) -> tuple[int, int, int]:
        """(tasks, scored tasks, active scores), each from an index scan. Every score belongs to a
        task (the foreign key, enforced on every connection this store opens), so fewer scores
        than tasks means some task has none yet."""
        tasks = self.conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
        scored, active = self.conn.execute("SELECT count(*), coalesce(sum(active), 0) FROM scores").fetchone()
        return tasks, scored, active

    def has_unscored_tasks(self) -> bool:
        tasks, scored, _ = self.score_counts()
        return tasks > scored

    def unscored_task_ids(self) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT t.id FROM tasks t LEFT JOIN scores s ON s.task_id = t.id WHERE s.task_id IS NULL")]

    # --- completions and ownership -------------------------------------------------------

    def record_completion(self, task_id: int, completed_by: str | None, now: datetime,
                          completed_at: datetime | None = None, seen_open: bool = False) -> bool:
        """Snapshot rank and score as they are at `now`, before the task is closed (first completion
        wins): the weekly digest's value delivered and top-5 adherence. `completed_by` is the person
        who closed it in Headwork, None when an import or a sync did. It counts as completed at
        `completed_at` (the source's time; never later than `now`), else `now`.

        `seen_open=True` (a close from outside): a task never scored here was never open in Headwork
        -- one import created and closed it -- and is not recorded. Returns whether it was."""
        row = self.conn.execute("SELECT assignee_id, total FROM scores WHERE task_id = ?", (task_id,)).fetchone()
        if row is None and seen_open:
            return False
        rank = self.rank_of(task_id, now)
        bands, _ = self.effective_bands(task_id)
        assignee, total = row if row else (None, 0.0)
        at = min(completed_at, now) if completed_at is not None else now
        return self.conn.execute(
            "INSERT OR IGNORE INTO completions (task_id, assignee_id, completed_at, completed_ts, rank_at_completion, "
            "total, bands, completed_by) VALUES (?,?,?,?,?,?,?,?)",
            (task_id, assignee, iso(at), at.timestamp(), rank, total, json.dumps(sorted(bands)),
             completed_by)).rowcount == 1

    def completions_between(self, start: datetime, end: datetime) -> list[dict]:
        rows = self.conn.execute(
            "SELECT task_id, assignee_id, completed_at, rank_at_completion, total, bands, completed_by "
            "FROM completions WHERE completed_ts >= ? AND completed_ts < ? ORDER BY completed_ts",
            (start.timestamp(), end.timestamp())).fetchall()
        keys = ("task_id", "assignee_id", "completed_at", "rank_at_completion", "total", "bands", "completed_by")
        return [dict(zip(keys, r[:5] + (json.loads(r[5]),) + r[6:])) for r in rows]

    def disown(self, task_id: int, user_id: str) -> None:
        """'Not mine': the task loses its owner and is never given back to this person by email."""
        with self.transaction():
            self.conn.execute("UPDATE tasks SET assignee_id = NULL, disowned_by = ?, owner_left = 0 WHERE id = ?",
                              (user_id, task_id))
            self.conn.execute("UPDATE scores SET assignee_id = NULL WHERE task_id = ?", (task_id,))

    def unassign(self, task_id: int) -> None:
        """A task given from the unowned list to someone who cannot take it (an app, a deactivated
        account) goes back there as it was: who it was taken from, and how, stay as they were."""
        with self.transaction():
            self.conn.execute("UPDATE tasks SET assignee_id = NULL WHERE id = ?", (task_id,))
            self.conn.execute("UPDATE scores SET assignee_id = NULL WHERE task_id = ?", (task_id,))

    def top_unowned(self, limit: int, now: datetime, taken_from: Sequence[str] | None = None) -> list[Ranked]:
        """The highest-scoring open, unsnoozed tasks nobody owns (the same index walk as a person's);
        with `taken_from`, only those these people handed back or left behind."""
        who, args = _taken_from(taken_from)
        rows = self.conn.execute(
            f"SELECT s.total, s.judged_by, {_RANKED_TASK_COLUMNS} "
            "FROM scores s JOIN tasks t ON t.id = s.task_id "
            "WHERE s.assignee_id IS NULL AND s.active = 1 AND (s.snoozed_until_ts IS NULL OR s.snoozed_until_ts <= ?) "
            f"{who} ORDER BY s.total DESC, s.task_id LIMIT ?", (now.timestamp(), *args, limit)).fetchall()
        return [Ranked(_task_from_row(r[2:]), r[0], r[1]) for r in rows]

    def unowned_snoozed(self, now: datetime, taken_from: Sequence[str] | None = None) -> tuple[int, datetime | None]:
        """(how many, the first wake-up) of the open tasks nobody owns that are snoozed now, which
        `top_unowned` leaves out (with `taken_from`: of those these people handed back or left behind)."""
        who, args = _taken_from(taken_from)
        join = " JOIN tasks t ON t.id = s.task_id" if who else ""
        count, first = self.conn.execute(
            f"SELECT count(*), min(s.snoozed_until_ts) FROM scores s{join} WHERE s.assignee_id IS NULL "
            f"AND s.active = 1 AND s.snoozed_until_ts > ? {who}", (now.timestamp(), *args)).fetchone()
        return count, datetime.fromtimestamp(first, timezone.utc) if first is not None else None

    def unowned_count_from(self, taken_from: Sequence[str]) -> int:
        """Open tasks nobody owns that these people handed back or left behind."""
        who, args = _taken_from(taken_from)
        return self.conn.execute("SELECT count(*) FROM scores s JOIN tasks t ON t.id = s.task_id "
                                 f"WHERE s.assignee_id IS NULL AND s.active = 1 {who}", args).fetchone()[0]

    def disowned_by_many(self, task_ids: Sequence[int]) -> dict[int, TakenFrom]:
        """{task_id: who it was taken from, and how} for those of these tasks that lost an owner here."""
        out: dict[int, TakenFrom] = {}
        for chunk in _chunks(list(task_ids), 500):
            for task_id, user_id, left in self.conn.execute(
                    f"SELECT id, disowned_by, owner_left FROM tasks WHERE id IN ({','.join('?' * len(chunk))}) "
                    "AND disowned_by IS NOT NULL", chunk):
                out[task_id] = TakenFrom(user_id, bool(left))
        return out

    def release_open_tasks_of(self, user_id: str) -> list[tuple[int, float, str]]:
        """Someone left: their open tasks lose their owner (as 'Not mine' does, so an import never
        gives them back by email), and their emails are marked 'left', so that no task an import or
        the sync brings later goes to the closed account either (`assign_email`). Their snoozes end:
        a snooze was their own choice about their own list, and the tasks must be in the list the
        admins and their manager are told to give them out from. Returns (id, total, source) of
        each task, highest score first."""
        with self.transaction():
            self.conn.execute("UPDATE identities SET status = 'left' WHERE slack_id = ?", (user_id,))
            # through the `scores_rank` index, as a ranking is read (every task is scored as it is written)
            released = [tuple(r) for r in self.conn.execute(
                "SELECT s.task_id, s.total, t.source FROM scores s JOIN tasks t ON t.id = s.task_id "
                "WHERE s.assignee_id = ? AND s.active = 1 AND t.assignee_id = ? ORDER BY s.total DESC, s.task_id",
                (user_id, user_id))]
            self._set_owners(released, None, user_id, 1, wake=True)
        return released

    def return_released_tasks(self, user_id: str) -> list[tuple[int, float, str]]:
        """A deactivated account is active again: the open tasks it left behind that still have no
        owner are its own again (not those handed back with *Not mine*, nor any given to someone
        meanwhile). Returns (id, total, source) of each, highest score first."""
        with self.transaction():
            # the open tasks nobody owns, through the `scores_rank` index (as the admins' list reads them)
            returned = [tuple(r) for r in self.conn.execute(
                "SELECT s.task_id, s.total, t.source FROM scores s JOIN tasks t ON t.id = s.task_id "
                "WHERE s.assignee_id IS NULL AND s.active = 1 AND t.assignee_id IS NULL AND t.disowned_by = ? "
                "AND t.owner_left = 1 ORDER BY s.total DESC, s.task_id", (user_id,))]
            self._set_owners(returned, user_id, None, 0)
            emails = [r[0] for r in self.conn.execute(
                "SELECT email FROM identities WHERE slack_id = ? AND status = 'left'", (user_id,))]
            self.conn.execute("UPDATE identities SET status = 'matched' WHERE slack_id = ? AND status = 'left'",
                              (user_id,))
            for email in emails:  # what imports brought for them meanwhile (counted by nobody: it was never theirs)
                self.assign_email(email, user_id)
        return returned

    def _set_owners(self, tasks: Sequence[tuple], owner: str | None, taken_from: str | None, left: int,
                    wake: bool = False) -> None:
        """These tasks' (ids first) owner, who they were taken from and whether that person left;
        `wake`: their snoozes end too."""
        ids = [task[0] for task in tasks]
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f"UPDATE tasks SET assignee_id = ?, disowned_by = ?, owner_left = ?"
                              f"{', snoozed_until = NULL' if wake else ''} WHERE id IN ({marks})",
                              [owner, taken_from, left, *chunk])
            self.conn.execute(f"UPDATE scores SET assignee_id = ?{', snoozed_until_ts = NULL' if wake else ''} "
                              f"WHERE task_id IN ({marks})", [owner, *chunk])

    # --- identities ----------------------------------------------------------------------

    def remember_identity(self, email: str, slack_id: str | None, now: datetime, left: bool = False) -> None:
        """What Slack says of an email: its user (`left`: whose account is deactivated), or none."""
        status = "unknown" if not slack_id else "left" if left else "matched"
        self.conn.execute(
            "INSERT INTO identities (email, slack_id, status, looked_up_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(email) DO UPDATE SET slack_id = excluded.slack_id, status = excluded.status, "
            "looked_up_at = excluded.looked_up_at",
            (email.lower(), slack_id, status, iso(now)))

    def identity(self, email: str) -> tuple[str | None, str, str] | None:
        """(slack_id, status, looked_up_at) or None when never looked up."""
        row = self.conn.execute("SELECT slack_id, status, looked_up_at FROM identities WHERE email = ?",
                                (email.lower(),)).fetchone()
        return tuple(row) if row else None

    def assignee_for_email(self, email: str) -> str | None:
        row = self.conn.execute("SELECT assignee_id FROM tasks WHERE assignee_email = ? "  # stored lower-cased
                                "AND assignee_id IS NOT NULL LIMIT 1", (email.lower(),)).fetchone()
        return row[0] if row else None

    def unknown_emails(self) -> list[str]:
        """Emails Slack knows no user for that still own an open task nobody owns (one whose tasks
        are all closed, or given to someone, is no longer anyone's concern): a `tasks_email` lookup each."""
        return [r[0] for r in self.conn.execute(
            "SELECT i.email FROM identities i WHERE i.status = 'unknown' AND EXISTS (SELECT 1 FROM tasks t "
            f"WHERE t.assignee_email = i.email AND t.assignee_id IS NULL AND t.status IN {_OPEN_SQL}) "
            "ORDER BY i.email")]

    def emails_without_owner(self) -> list[str]:
        """Emails on open tasks that have no Slack owner yet, in order."""
        return [r[0] for r in self.conn.execute(f"{self._emails_without_owner_sql()} ORDER BY 1")]

    def emails_without_owner_stalest_first(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """(email, slack_id, status, looked_up_at) of each email on open tasks that have no Slack owner
        yet, with what was last heard of it (`identity`; Nones when never looked up): those never
        looked up first, then those looked up longest ago, so that a job that looks up only so
        many at a time comes round to every one of them."""
        return [tuple(r) for r in self.conn.execute(
            f"SELECT e.email, i.slack_id, i.status, i.looked_up_at FROM ({self._emails_without_owner_sql()}) e "
            "LEFT JOIN identities i ON i.email = lower(e.email) "
            "ORDER BY i.looked_up_at IS NOT NULL, i.looked_up_at, e.email")]

    def _emails_without_owner_sql(self) -> str:
        """SELECT DISTINCT of those emails (as `email`). Every task is scored as it is written, so the
        open tasks nobody owns are a range of `scores_rank`, few once their emails are matched; a store
        with tasks not scored yet (the hourly pass scores them) is read in full."""
        if self.has_unscored_tasks():
            return ("SELECT DISTINCT assignee_email AS email FROM tasks WHERE assignee_id IS NULL "
                    f"AND assignee_email IS NOT NULL AND status IN {_OPEN_SQL}")
        return ("SELECT DISTINCT t.assignee_email AS email FROM scores s JOIN tasks t ON t.id = s.task_id "
                "WHERE s.assignee_id IS NULL AND s.active = 1 AND t.assignee_email IS NOT NULL")

    def assign_email(self, email: str, slack_id: str) -> int:
        """Give every open task owned by this email to its Slack user; returns how many changed.
        Emails are stored lower-cased (every source lower-cases them: `sources.formats.email_or_none`,
        the Asana sync), so this is a lookup of the `tasks_email` index, not a scan of every task.
        Nothing goes to an account known to be deactivated (an email of it is 'left')."""
        with self.transaction():
            if self.conn.execute("SELECT 1 FROM identities WHERE slack_id = ? AND status = 'left' LIMIT 1",
                                 (slack_id,)).fetchone():
                return 0
            ids = [r[0] for r in self.conn.execute(
                "SELECT id FROM tasks WHERE assignee_email = ? AND (assignee_id IS NULL OR assignee_id != ?) "
                "AND (disowned_by IS NULL OR disowned_by != ?)", (email.lower(), slack_id, slack_id))]
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"UPDATE tasks SET assignee_id = ? WHERE id IN ({marks})", [slack_id, *chunk])
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"UPDATE scores SET assignee_id = ? WHERE task_id IN ({marks})", [slack_id, *chunk])
        return len(ids)

    # --- AI usage ------------------------------------------------------------------------

    def record_ai_usage(self, *, at: datetime, model: str, purpose: str, tasks: int, input_tokens: int,
                        output_tokens: int, cache_read_tokens: int = 0, cache_write_tokens: int = 0,
                        cost_usd: float = 0.0, ok: bool = True) -> None:
        self.conn.execute(
            "INSERT INTO ai_usage (at, day, model, purpose, tasks, input_tokens, output_tokens, cache_read_tokens, "
            "cache_write_tokens, cost_usd, ok) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (iso(at), at.astimezone(timezone.utc).date().isoformat(), model, purpose, tasks, input_tokens,
             output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, int(ok)))

    def ai_tokens_on(self, day: str) -> int:
        row = self.conn.execute("SELECT coalesce(sum(input_tokens + output_tokens + cache_read_tokens + "
                                "cache_write_tokens), 0) FROM ai_usage WHERE day = ?", (day,)).fetchone()
        return row[0]

    def ai_usage_between(self, start: datetime, end: datetime) -> dict:
        row = self.conn.execute(
            "SELECT count(*), coalesce(sum(tasks),0), coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), "
            "coalesce(sum(cache_read_tokens),0), coalesce(sum(cache_write_tokens),0), coalesce(sum(cost_usd),0) "
            "FROM ai_usage WHERE at >= ? AND at < ?", (iso(start), iso(end))).fetchone()
        keys = ("calls", "tasks", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd")
        return dict(zip(keys, row))

    # --- categorization passes: retries, holds, switches (scoring/categorize.py) ---------------

    def delete_meta(self, key: str) -> None:
        self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))

    def categorize_attempts(self, task_ids: Sequence[int]) -> dict[int, int]:
        """{task_id: failed categorization attempts since its last verdict}."""
        out: dict[int, int] = {}
        for chunk in _chunks(list(task_ids), 500):
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(
                f"SELECT id, categorize_attempts FROM tasks WHERE id IN ({marks})", chunk).fetchall())
        return out

    def defer_categorizations(self, retries: Sequence[tuple[int, datetime]]) -> None:
        """Bulk `defer_categorization`: (task_id, retry_at) pairs, one transaction, attempts + 1."""
        with self.transaction():
            self.conn.executemany(
                "UPDATE tasks SET categorize_attempts = categorize_attempts + 1, categorize_after = ? WHERE id = ?",
                [(at.timestamp(), tid) for tid, at in retries])

    def hold_categorization(self, task_ids: Sequence[int], until: datetime | None) -> None:
        """Keep tasks out of the queue until `until` (None: back in now) without counting a failure:
        used while a Message Batch judges them, or while the daily token budget is spent."""
        until_ts = until.timestamp() if until else None
        with self.transaction():
            self.conn.executemany("UPDATE tasks SET categorize_after = ? WHERE id = ?",
                                  [(until_ts, tid) for tid in task_ids])

    def mark_pending_judged_by(self, judge: str) -> int:
        """A better judge arrived (an API key was set): queue every open task this judge decided."""
        return self.conn.execute(f"UPDATE tasks SET pending_categorization = 1, categorize_after = NULL "
                                 f"WHERE categorized_by = ? AND status IN {_OPEN_SQL}", (judge,)).rowcount

    # --- source imports (CSV exports, Asana sync) ---------------------------------------------

    def upsert_tasks_bulk(self, entries: Sequence, now: datetime, task_of: Callable[[Any], Task],
                          states: Callable[[list[tuple[int, Any]]], list[tuple[int, str | None, str | None]]]
                          | None = None, owner_of: Callable[[Any], str | None] | None = None) -> list[tuple[int, str]]:
        """`upsert_tasks` for one batch of an import, in one transaction. Each entry is a task as
        `task_row` gives it -- `.source`, `.external_id`, `.record_hash`, `.row` (`task_row`'s
        values), `.content_hash` (`scoring.sources.prepare.Prepared`) -- worked out before, maybe in
        another process; `task_of(entry)` gives the Task itself, asked only for a row that is not new.

        The stored record hashes are read 500 at a time, so re-importing unchanged rows costs no
        per-row query. New rows are inserted together in one statement, with the ids SQLite would
        have given them one by one (the largest id so far + 1, + 2 ...: the write lock is held,
        nobody else inserts); changed rows, and a key met again in the same batch, go through
        `_upsert`, after the new rows before them are written, so they mean exactly what they mean
        for a single task.

        `states([(task_id, entry), ...])`, when given, is asked for the categorization state of the
        rows about to be inserted that way -- (pending_categorization, categorized_key,
        categorized_by) each -- so that a verdict reached before the rows are written is written
        with them, not by an UPDATE of rows just inserted (a row that `_upsert` inserts gets the
        defaults: 1, NULL, NULL). It is called once per group of rows, just before they are written.

        `owner_of(entry)`, when given, is the Slack owner of a new row that has none, or None: the
        row is inserted with it, as `assign_email` would give it afterwards (the record hash is the
        row's without it, as then), so an import of tasks whose owners are known writes each row once."""
        out: list[tuple[int, str]] = []
        with self.transaction():
            stored = self._record_hashes(entries)
            rows: list[tuple] = []  # new rows not written yet
            new: list[tuple[int, Any]] = []
            next_id = None

            def write_new() -> None:
                if rows:
                    given = states(new) if states is not None else [(1, None, None)] * len(rows)
                    _insert_rows(self.conn, _INSERT_NEW_TASK,
                                 [row + state for row, state in zip(rows, given, strict=True)])
                    rows.clear()
                    new.clear()

            for entry in entries:
                key = (entry.source, entry.external_id)
                old = stored.get(key)
                if old is not None and old[1] == entry.record_hash:
                    out.append((old[0], "unchanged"))
                    continue
                if old is None and entry.external_id:
                    if next_id is None:
                        next_id = self.conn.execute("SELECT coalesce(max(id), 0) FROM tasks").fetchone()[0] + 1
                    if next_id <= MAX_ROWID:  # beyond it SQLite picks ids at random: let it
                        row = entry.row
                        owner = owner_of(entry) if owner_of is not None and row[3] is None else None
                        rows.append((next_id, *row[:3], owner, *row[4:]) if owner else (next_id, *row))
                        new.append((next_id, entry))
                        stored[key] = (next_id, "")  # met again in this batch: through _upsert
                        out.append((next_id, "created"))
                        next_id += 1
                        continue
                write_new()
                task_id, outcome = self._upsert(task_of(entry), now)
                stored[key] = (task_id, "")  # the same id again in this batch goes through _upsert too
                out.append((task_id, outcome))
                next_id = None  # _upsert may have inserted: read the largest id again
            write_new()
        return out

    def _record_hashes(self, entries: Sequence) -> dict[tuple[str, str], tuple[int, str]]:
        """{(source, external_id): (id, record_hash)} for those of these tasks (or entries with a
        `.source` and `.external_id`) already stored."""
        return _record_hashes(self.conn, entries)

    @contextmanager
    def bulk_writes(self, wal_pages: int = 16_384) -> Iterator[None]:
        """For the length of an import on this thread's connection: its commits only append to the
        WAL (up to `wal_pages` pages, 64 MiB) instead of copying the WAL back into the database every
        1,000 pages -- SQLite's automatic checkpoint, which also syncs the files each time and copies
        the same index pages again and again -- and a checkpoint at the end copies each page once
        (commit + checkpoint of a 50k-row import: ~15% of its time less, bench/bench_import.py).
        Then the WAL file is cut back to nothing if no reader is using it -- never waiting for one:
        SQLite would otherwise keep the file at its largest size."""
        conn = self.conn
        try:
            with _pragma(conn, "wal_autocheckpoint", wal_pages):
                yield
        finally:
            if not conn.in_transaction:
                busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if not busy and frames == copied and frames > 0:
                    with _pragma(conn, "busy_timeout", 0):
                        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # busy (a reader): left as it is

    def missing_deferrable_indexes(self) -> list[str]:
        """Those of `DEFERRABLE_INDEXES` not in the database (an import is writing without them, or
        one that did was killed before it built them again)."""
        present = {r[0] for r in self.conn.execute(
            f"SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ({','.join('?' * len(DEFERRABLE_INDEXES))})",
            list(DEFERRABLE_INDEXES))}
        return [name for name in DEFERRABLE_INDEXES if name not in present]

    def drop_deferrable_indexes(self) -> list[str]:
        """Drop `DEFERRABLE_INDEXES` for a large import; `build_deferred_indexes` puts them back.
        Every query still answers the same without them, only by reading more of its table."""
        with self.transaction():
            present = [name for name in DEFERRABLE_INDEXES if name not in self.missing_deferrable_indexes()]
            for name in present:
                self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        return present

    def build_deferred_indexes(self) -> list[str]:
        """Build those of `DEFERRABLE_INDEXES` that are missing, in one transaction; their names."""
        if not self.missing_deferrable_indexes():
            return []
        with self.transaction():
            missing = self.missing_deferrable_indexes()  # another process may have built them meanwhile
            for name in missing:
                self.conn.execute(DEFERRABLE_INDEXES[name])
        return missing

    def import_outcomes(self, entries: Sequence) -> list[str]:
        """For a dry run: what `upsert_tasks_bulk` would say of each entry -- "created", "updated" or
        "unchanged" -- read-only. The import hands it each id once (a file's last row with it:
        `scoring.sources.repeats`), so the batches before, not written, change nothing here."""
        stored = self._record_hashes(entries)
        out = []
        for entry in entries:
            old = stored.get((entry.source, entry.external_id))
            out.append("created" if old is None else "unchanged" if old[1] == entry.record_hash else "updated")
        return out

    def closed_by_a_person(self, source: str, external_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """{external_id: (status, completed_at)} for those of these tasks a person closed in Headwork
        (from Slack) and that are still closed: a one-way import must not reopen them."""
        out: dict[str, tuple[str, str | None]] = {}
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'completions'").fetchone():
            return out  # no completions recorded by this version of the schema: nobody closed anything here
        for chunk in _chunks(list(external_ids), 500):
            marks = ",".join("?" * len(chunk))
            for external_id, status, completed_at in self.conn.execute(
                    f"SELECT t.external_id, t.status, t.completed_at FROM tasks t JOIN completions c ON c.task_id = t.id "
                    f"WHERE t.source = ? AND t.external_id IN ({marks}) AND t.status NOT IN {_OPEN_SQL} "
                    "AND c.completed_by IS NOT NULL", [source, *chunk]):
                out[external_id] = (status, completed_at)
        return out

    def open_external_ids_listing(self, source: str, extra_key: str, value: str) -> list[str]:
        """External ids of this source's open tasks whose `extra[extra_key]` list holds `value`
        (e.g. the Asana tasks Headwork believes are in one project)."""
        return [r[0] for r in self.conn.execute(
            f"SELECT external_id FROM tasks WHERE source = ? AND status IN {_OPEN_SQL} AND EXISTS "
            "(SELECT 1 FROM json_each(tasks.extra, '$.' || ?) WHERE json_each.value = ?) ORDER BY id",
            (source, extra_key, value))]

    def replace_machine_judgements_many(self, judge: str, verdicts: Sequence[tuple[int, Sequence[Judgement], str]],
                                        now: datetime, final: bool = True) -> None:
        """`replace_machine_judgements` for many tasks at once: (task_id, judgements, categorized_key)
        each, in one transaction with a handful of statements (bulk imports)."""
        if judge not in MACHINE_JUDGES:
            raise ValueError(f"not a machine judge: {judge}")
        stamp = iso(now)
        with self.transaction():
            for chunk in _chunks([v[0] for v in verdicts], 500):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"DELETE FROM bands WHERE task_id IN ({marks}) AND judge IN ('ai', 'rules')", chunk)
            self.conn.executemany(
                "INSERT INTO bands (task_id, band_id, judge, applies, confidence, rationale, judged_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(task_id, j.band_id, judge, int(j.applies), j.confidence, j.rationale, stamp)
                 for task_id, judgements, _ in verdicts for j in judgements])
            if final:
                self.conn.executemany(
                    "UPDATE tasks SET pending_categorization = 0, categorized_key = ?, categorized_by = ?, "
                    "categorize_attempts = 0, categorize_after = NULL WHERE id = ?",
                    [(key, judge, task_id) for task_id, _, key in verdicts])
            else:
                self.conn.executemany("UPDATE tasks SET categorized_by = ? WHERE id = ?",
                                      [(judge, task_id) for task_id, _, _ in verdicts])

    def add_new_judgements(self, judge: str, verdicts: Sequence[tuple[int, Sequence[Judgement]]],
                           now: datetime) -> None:
        """The band rows of verdicts given to rows just inserted by `upsert_tasks_bulk` (their
        categorization state was written with them): one INSERT for all. Such rows have no
        judgements yet -- their ids are new -- unless a deleted task's rows outlived it (foreign
        keys off); then they are replaced as `replace_machine_judgements_many` would."""
        if judge not in MACHINE_JUDGES:
            raise ValueError(f"not a machine judge: {judge}")
        if not verdicts:
            return
        stamp = iso(now)
        with self.transaction():
            if self.conn.execute("SELECT 1 FROM bands WHERE task_id >= ? LIMIT 1",
                                 (min(v[0] for v in verdicts),)).fetchone():
                for chunk in _chunks([v[0] for v in verdicts], 500):
                    marks = ",".join("?" * len(chunk))
                    self.conn.execute(f"DELETE FROM bands WHERE task_id IN ({marks}) AND judge IN ('ai', 'rules')",
                                      chunk)
            _insert_rows(self.conn,
                         "INSERT INTO bands (task_id, band_id, judge, applies, confidence, rationale, judged_at) "
                         "VALUES (?, ?, ?, 1, ?, ?, ?)",
                         [(task_id, j.band_id, judge, j.confidence, j.rationale, stamp)
                          for task_id, judgements in verdicts for j in judgements])

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta WHERE substr(key, 1, length(?)) = ? ORDER BY key",
                                      (prefix, prefix)))


def resolve_bands(judged: Iterable[tuple[str, str, int]], known: frozenset[str] | None = None
                  ) -> tuple[frozenset[str], str]:
    """(band_id, judge, applies) rows -> (the bands that apply, 'ai'|'rules'|'human'|'ai+human'...).

    With `known`, the value model's band ids, a band it no longer has (the admin retired it after it
    was judged) does not apply, and a person's word about only such bands makes no 'human' in the
    label: it changes nothing on screen. The word itself stays stored, to be withdrawn or to count
    again should the band come back."""
    human: dict[str, bool] = {}
    machine: set[str] = set()
    judges: set[str] = set()
    for band_id, judge, applies in judged:
        if not band_id:
            judges.add(judge)
        elif judge == "human":
            if known is None or band_id in known:
                human[band_id] = bool(applies)
        elif applies:
            if known is None or band_id in known:
                machine.add(band_id)
            judges.add(judge)  # it judged the task, whatever the model has since
    bands = {b for b in machine if human.get(b, True)} | {b for b, on in human.items() if on}
    label = "+".join(sorted(judges)) if judges else ""
    if human:
        label = f"{label}+human" if label else "human"
    return frozenset(bands), label


_MULTI_SQL: dict[tuple[str, int], str] = {}
ROWS_PER_INSERT = 32


def _insert_rows(conn: sqlite3.Connection, sql: str, rows: Sequence[tuple], per: int = ROWS_PER_INSERT) -> None:
    """`conn.executemany(sql, rows)` for an `INSERT ... VALUES (?, ...)` as INSERTs of `per` rows each
    (`VALUES (...), (...), ...`): the same rows in the same order, with one statement step per
    `per` rows instead of one per row: about half the time for the bands of an import."""
    head, marks = sql.rsplit("VALUES", 1)
    marks = marks.strip()
    for i in range(0, len(rows), per):
        chunk = rows[i:i + per]
        statement = _MULTI_SQL.get((sql, len(chunk)))
        if statement is None:
            if len(_MULTI_SQL) >= 256:
                _MULTI_SQL.clear()
            statement = _MULTI_SQL[(sql, len(chunk))] = head + "VALUES " + ",".join([marks] * len(chunk))
        conn.execute(statement, [value for row in chunk for value in row])


def _taken_from(people: Sequence[str] | None) -> tuple[str, tuple]:
    """The SQL condition (and its value) for tasks taken from these people; none for None. One JSON
    list, however many people: no limit on bound values to mind."""
    if people is None:
        return "", ()
    return "AND t.disowned_by IN (SELECT value FROM json_each(?))", (json.dumps(list(people)),)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Immediate:
    """A BEGIN IMMEDIATE ... COMMIT block that nests (inner blocks join the outer one).

    Writers of one process queue on a Python lock first: a thread waiting there wakes the moment
    the lock is free, where SQLite's own busy handler sleeps in steps of up to 100 ms — which, with
    Bolt's and the outbox's threads writing at once, cost reaction events a third of their time.
    Other processes are still fenced by SQLite's lock and busy_timeout."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock):
        self.conn = conn
        self.lock = lock
        self.outer = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.lock.acquire()
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.lock.release()
                raise
            self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if self.outer:
            try:
                self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
            finally:
                self.lock.release()
        return False
