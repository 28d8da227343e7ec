"""The scored store on real SQLite files: migrations, WAL, upserts, rankings, snoozes, corrections."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlite_utils import Database

from scoring.rescore import recompute_all, rescore_tasks
from scoring.store import Judgement, TaskStore, migrations, resolve_bands
from scoring.tasks import Task

HOUR = timedelta(hours=1)


def add(store: TaskStore, now: datetime, title: str, owner: str | None = "U0ALICE01", bands=(), **fields) -> int:
    task_id, _ = store.upsert_task(Task(title=title, source="test", external_id=title, assignee_id=owner,
                                        created_at=now, **fields), now)
    store.replace_machine_judgements(task_id, "rules", [Judgement(b, "rules") for b in bands], "k", now)
    return task_id


def applied(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


ALL_MIGRATIONS = [m.name for m in migrations.pending(Database(memory=True))]


# --- migrations and WAL ---------------------------------------------------------------


def test_a_new_database_gets_every_migration_in_wal_mode(tmp_path):
    store = TaskStore(tmp_path / "new.db")
    assert applied(store.db) == ALL_MIGRATIONS and len(ALL_MIGRATIONS) >= 2
    assert {"tasks", "bands", "scores", "meta", "identities", "ai_usage"} <= set(store.db.table_names())
    store.close()
    other = sqlite3.connect(tmp_path / "new.db")  # WAL is a property of the file, not of our connection
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_opening_an_existing_database_again_is_harmless(tmp_path, now):
    store = TaskStore(tmp_path / "h.db")
    task_id = add(store, now, "Keep me")
    before = [(m.name, m.applied_at) for m in migrations.applied(store.db)]
    store.close()
    again = TaskStore(tmp_path / "h.db")
    migrations.apply(again.db)  # and once more by hand
    assert [(m.name, m.applied_at) for m in migrations.applied(again.db)] == before
    assert again.get_task(task_id).title == "Keep me"
    again.close()


def test_a_database_from_the_first_migration_gets_only_the_later_ones(tmp_path):
    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before=ALL_MIGRATIONS[1])
    assert applied(db) == ALL_MIGRATIONS[:1]
    assert "identities" not in db.table_names()
    db["tasks"].insert({"source": "test", "external_id": "old-1", "title": "Written by version 1",
                        "assignee_id": "U0ANN0001", "created_at": "2026-01-05T10:00:00+00:00",
                        "updated_at": "2026-01-05T10:00:00+00:00", "content_hash": "x", "record_hash": "y"})
    terms = [{"id": "revenue", "kind": "band", "points": 70.0, "reason": "revenue at stake"}]
    db["scores"].insert({"task_id": 1, "assignee_id": "U0ANN0001", "active": 1, "total": 70.0, "static_cp": 7000,
                         "terms": json.dumps(terms), "judged_by": "rules", "model_fingerprint": "f1",
                         "scored_at": "2026-01-05T10:00:00+00:00"})
    db.close()

    store = TaskStore(path)
    assert applied(store.db) == ALL_MIGRATIONS
    assert [m.name for m in migrations.applied(store.db)].count(ALL_MIGRATIONS[0]) == 1
    assert store.find_task("test", "old-1").title == "Written by version 1"
    # the stored score survives every later change of the scores table, ranking included
    assert store.score_of(1) == {"total": 70.0, "terms": terms, "judged_by": "rules",
                                 "scored_at": "2026-01-05T10:00:00+00:00", "model_fingerprint": "f1", "active": True}
    assert store.top_ids("U0ANN0001", 5, 0.0) == [(1, 70.0)]
    store.remember_identity("ann@example.com", "U0ANN0001", datetime(2026, 1, 6, tzinfo=timezone.utc))
    assert store.identity("ann@example.com")[0] == "U0ANN0001"
    store.close()


# --- tasks ----------------------------------------------------------------------------


def test_upsert_round_trip_created_unchanged_updated(store, now):
    task = Task(title="Migrate Brightline's data", source="asana", external_id="120", notes="40k rows",
                url="https://app.asana.com/0/1/120", assignee_id="U0TOM0001", assignee_email="tom@example.com",
                project="Onboarding", tags=("onboarding", "data"), status="in_progress",
                due=datetime(2026, 3, 5, 23, 59, tzinfo=now.tzinfo), due_all_day=True, estimate_hours=3.0,
                estimate_source="human", blocking=2, created_at=now - 4 * 24 * HOUR, updated_at=now,
                extra={"asana": {"section": "Doing"}})
    task_id, outcome = store.upsert_task(task, now)
    assert outcome == "created"
    stored = store.get_task(task_id)
    assert stored == task.with_(id=task_id) and stored.extra == task.extra
    assert stored.due == task.due and stored.due.utcoffset() is not None

    assert store.upsert_task(task, now + HOUR) == (task_id, "unchanged")
    moved = task.with_(due=task.due + 24 * HOUR)
    assert store.upsert_task(moved, now + HOUR) == (task_id, "updated")
    assert store.get_task(task_id).due == moved.due
    assert store.count_tasks() == 1


def test_a_new_wording_needs_judging_again_a_new_due_date_does_not(store, now):
    task_id = add(store, now, "Prepare the kickoff", bands=["customer_onboarding"])
    assert store.pending_count() == 0
    store.update_task(task_id, now, due=now + 48 * HOUR)
    assert store.pending_count() == 0  # moving a date costs no tokens
    store.update_task(task_id, now, title="Prepare the kickoff and the training")
    assert store.pending_count() == 1


def test_bulk_insert_stores_what_an_upsert_would(store, now):
    tasks = [Task(title=f"Task {i}", source="bench", external_id=str(i), assignee_id="U0BOB0001",
                  due=now + i * HOUR if i % 2 else None, tags=("a",), created_at=now, updated_at=now)
             for i in range(5)]
    assert store.bulk_insert_tasks(tasks, now, batch=2) == 5
    assert [store.upsert_task(t, now)[1] for t in tasks] == ["unchanged"] * 5
    assert store.find_task("bench", "3") == tasks[3].with_(id=store.find_task("bench", "3").id)


# --- rankings -------------------------------------------------------------------------


def test_equal_totals_rank_by_task_id_every_time(store, model, now):
    low = add(store, now, "low", bands=["risk"])
    tie_a = add(store, now, "tie a", bands=["revenue"])
    high = add(store, now, "high", bands=["customer_onboarding"])
    tie_b = add(store, now, "tie b", bands=["revenue"])
    tie_c = add(store, now, "tie c", bands=["revenue"])
    for order in ([tie_c, tie_b, tie_a, high, low], [low, tie_a, high, tie_b, tie_c]):
        rescore_tasks(store, order, model, now)  # written in a different order each time
        assert [i for i, _ in store.top_ids("U0ALICE01", 5, now.timestamp())] == [high, tie_a, tie_b, tie_c, low]
        assert [r.task.id for r in store.top_tasks("U0ALICE01", 5, now)] == [high, tie_a, tie_b, tie_c, low]
    assert [store.rank_of(i, now) for i in (tie_a, tie_b, tie_c)] == [2, 3, 4]


def test_top_n_is_only_that_persons_open_tasks(store, model, now):
    mine = add(store, now, "mine", bands=["revenue"])
    add(store, now, "theirs", owner="U0BOB0001", bands=["customer_onboarding"])
    done = add(store, now, "finished", bands=["customer_onboarding"], status="done")
    recompute_all(store, model, now)
    assert [r.task.id for r in store.top_tasks("U0ALICE01", 5, now)] == [mine]
    assert store.rank_of(done, now) is None


def _plans(store: TaskStore, read) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        read()
    finally:
        store.conn.set_trace_callback(None)
    (sql,) = [s for s in statements if "scores" in s]
    return [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]


def test_the_top_n_read_is_a_walk_down_the_rank_index(store, model, now):
    for i in range(60):
        add(store, now, f"task {i}", owner=f"U0PERSON{i % 6}", bands=["revenue"] if i % 3 else [],
            due=now + i * HOUR)
    recompute_all(store, model, now)
    for read in (lambda: store.top_ids("U0PERSON1", 5, now.timestamp()),
                 lambda: store.top_tasks("U0PERSON1", 5, now)):
        plan = _plans(store, read)
        assert any("scores_rank" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


def test_a_snoozed_task_is_hidden_until_the_time_passes(store, model, now):
    first = add(store, now, "first", bands=["customer_onboarding"])
    second = add(store, now, "second", bands=["revenue"])
    recompute_all(store, model, now)
    store.snooze(first, now + 2 * HOUR)
    ranking = lambda at: [r.task.id for r in store.top_tasks("U0ALICE01", 5, at)]  # noqa: E731
    assert ranking(now) == [second]
    assert ranking(now + 2 * HOUR - timedelta(seconds=1)) == [second]
    assert ranking(now + 2 * HOUR) == [first, second]
    assert store.snoozed_until(first) == now + 2 * HOUR
    recompute_all(store, model, now + HOUR)  # a rescore must not wake it early
    assert ranking(now + HOUR) == [second]
    store.snooze(first, None)
    assert ranking(now) == [first, second]


# --- bands: human corrections win -------------------------------------------------------


@pytest.mark.parametrize("rows, bands, label", [
    ([("risk", "ai", 1)], {"risk"}, "ai"),
    ([("risk", "ai", 1), ("risk", "human", 0)], set(), "ai+human"),
    ([("risk", "rules", 1), ("revenue", "human", 1)], {"risk", "revenue"}, "rules+human"),
    ([("revenue", "human", 1), ("revenue", "ai", 0)], {"revenue"}, "human"),
    ([("", "rules", 0)], set(), "rules"),  # judged, and no band applies
    ([], set(), ""),
])
def test_resolve_bands(rows, bands, label):
    assert resolve_bands(rows) == (frozenset(bands), label)


@pytest.mark.parametrize("rows, bands, label", [
    ([("risk", "rules", 1), ("retired", "human", 1)], {"risk"}, "rules"),  # a word about a retired band only
    ([("risk", "rules", 1), ("retired", "human", 1), ("revenue", "human", 0)], {"risk"}, "rules+human"),
    ([("", "ai", 0), ("retired", "ai", 1)], set(), "ai"),  # judged; its one band is gone
    ([("retired", "human", 0), ("risk", "human", 1)], {"risk"}, "human"),
])
def test_resolve_bands_counts_only_the_models_bands(rows, bands, label):
    assert resolve_bands(rows, frozenset({"risk", "revenue"})) == (frozenset(bands), label)


def test_a_persons_correction_survives_every_later_machine_verdict(store, model, now):
    task_id = add(store, now, "Send the renewal quote", bands=["revenue", "risk"])
    store.set_human_band(task_id, "risk", False, "U0LEAD001", now)
    store.set_human_band(task_id, "customer_commitment", True, "U0LEAD001", now)
    store.replace_machine_judgements(task_id, "ai", [Judgement("risk", "ai"), Judgement("revenue", "ai")],
                                     "k2", now + HOUR)
    assert store.effective_bands(task_id) == (frozenset({"revenue", "customer_commitment"}), "ai+human")
    rescore_tasks(store, [task_id], model, now)
    assert store.score_of(task_id)["total"] == 80 + 0.25 * 70  # commitment fully, revenue's share
    store.clear_human_band(task_id, "risk")
    assert "risk" in store.effective_bands(task_id)[0]


def test_the_record_hash_is_still_the_json_of_everything_a_source_can_change(now):
    """Stored hashes from before must keep matching, or every re-import would say 'updated'."""
    import hashlib

    from scoring.store import _record_hash, iso

    def original(task):
        fields = [task.title, task.notes, task.url, task.assignee_id, task.assignee_email, task.project,
                  sorted(task.tags), task.status, iso(task.due), task.due_all_day, task.estimate_hours,
                  task.estimate_source, task.blocking, iso(task.completed_at), task.extra]
        return hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()[:20]

    for extra in ({}, {"b": 1, "a": [1, "x"]}, {"when": now, "n": None}, {"é": "ü\u2019", "f": 1.5, "z": {"y": 2}}):
        for task in (Task(title="Réunion \"café\"", extra=extra, tags=("b", "a"), due=now, estimate_hours=2),
                     Task(title="t", notes="n\nm", completed_at=now.replace(microsecond=5), extra=extra)):
            assert _record_hash(task) == original(task)


def test_feature_stores_opened_at_once_on_a_fresh_database_all_work(tmp_path):
    """`headwork run`'s first jobs open their stores together on a new database: each feature's
    tables are created once, and no opener fails with "table already exists"."""
    import threading

    from bot.store_agenda import AgendaStore
    from bot.store_digest import DigestStore
    from bot.store_events import EventLog
    from bot.store_outbox import OutboxStore
    from bot.store_people import PeopleStore
    from bot.store_workslop import WorkslopLedger

    store = TaskStore(tmp_path / "fresh.db")
    kinds = [WorkslopLedger, AgendaStore, DigestStore, EventLog, OutboxStore, PeopleStore] * 3
    start = threading.Barrier(len(kinds))
    errors = []

    def open_one(kind):
        start.wait()
        try:
            kind(store)
        except Exception as exc:  # what the job would have died of
            errors.append(f"{kind.__name__}: {exc}")

    threads = [threading.Thread(target=open_one, args=(k,)) for k in kinds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = store.conn.execute("SELECT migration_set, count(*), count(DISTINCT name) FROM _sqlite_migrations "
                                 "GROUP BY migration_set").fetchall()
    assert applied and all(n == distinct for _, n, distinct in applied)  # every migration applied exactly once


def test_iso_text_is_the_instants_second_in_utc_whatever_came_before():
    import random
    from zoneinfo import ZoneInfo

    from scoring.store import iso

    rnd = random.Random(3)
    zones = [timezone.utc, ZoneInfo("Europe/London"), ZoneInfo("America/Sao_Paulo"), timezone(timedelta(hours=5, minutes=30))]
    for n in range(20_000):
        ts = rnd.uniform(-3e9, 4e9) if n % 2 else rnd.choice([0, -1, -0.5, 1e9 + 0.999999, -86400.25])
        dt = datetime.fromtimestamp(ts, rnd.choice(zones))
        for same in (dt, dt.astimezone(rnd.choice(zones)), dt.replace(microsecond=0)):  # the remembered second, again
            assert iso(same) == same.astimezone(timezone.utc).isoformat(timespec="seconds")
