"""A large first import writes without the store's secondary indexes and builds them at the end.

Real SQLite files, the real import, `headwork import` in a real child process for the kill. What a
user would notice: the store afterwards is exactly a fresh store's schema with the same rankings,
a re-import or a small one never touches the indexes, and an import that fails or is killed
leaves a store that is whole again the next time it is opened.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scoring.sources.index_deferral import IndexDeferral
from scoring.store import DEFERRABLE_INDEXES, TaskStore
from tests.test_csv_import import DATA, NOW, run

DEFERRED = set(DEFERRABLE_INDEXES)


def _export(path: Path, rows: int) -> Path:
    people = list(PEOPLE)
    lines = ["title,external_id,assignee_email,due,tags"]
    for n in range(rows):
        due = f"2025-12-{1 + n % 28:02d}" if n % 3 else ""
        lines.append(f"Onboarding call with customer {n},C-{n},{people[n % 7] if n % 5 else ''},{due},"
                     f"{'customer' if n % 4 == 0 else 'security'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def indexes(path) -> set[str]:
    """The deferrable indexes in the database file, as another process sees them."""
    conn = _read(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} & DEFERRED
    finally:
        conn.close()


def schema(path) -> list[tuple]:
    conn = _read(path)
    try:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


def integrity(path) -> str:
    conn = _read(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


PEOPLE = {f"person{n}@example.com": f"U0P{n}" for n in range(7)}


def known_people(store: TaskStore) -> TaskStore:
    """A store that knows the export's people in Slack: their rows are written with their owner."""
    for email, slack_id in PEOPLE.items():
        store.remember_identity(email, slack_id, NOW)
    return store


def rankings(store: TaskStore) -> dict:
    """Every owner's top 5 and the unowned list's, by external id: what /top5 shows."""
    tasks = {t.id: t.external_id for t in store.iter_tasks()}
    out = {p: [tasks[i] for i, _ in store.top_ids(p, 5, NOW.timestamp())] for p in store.assignees()}
    out[None] = [r.task.external_id for r in store.top_unowned(5, NOW)]
    return out


def watch(path, seen: list):
    def progress(done, total, rows):
        seen.append((rows, indexes(path)))
    return progress


@pytest.fixture
def fresh_schema(tmp_path):
    TaskStore(tmp_path / "fresh.db").close()
    return schema(tmp_path / "fresh.db")


@pytest.mark.parametrize("workers", [0, 2])
def test_a_large_first_import_writes_without_the_indexes_and_ends_with_a_fresh_stores_schema(
        model, tmp_path, fresh_schema, workers):
    path = _export(tmp_path / "big.csv", 8000)
    store = known_people(TaskStore(tmp_path / "big.db"))
    seen: list = []
    report = run(store, model, path, "csv", batch=500, workers=workers, on_progress=watch(tmp_path / "big.db", seen))
    assert report.created == 8000
    during = [names for rows, names in seen[:-1]]
    assert during and all(names == set() for names in during)  # from the first batch written on
    assert indexes(tmp_path / "big.db") == DEFERRED
    assert schema(tmp_path / "big.db") == fresh_schema
    assert integrity(tmp_path / "big.db") == "ok"  # the indexes hold every row

    # the same file in one batch never drops them (nothing is still to come after it): same rankings
    whole = known_people(TaskStore(tmp_path / "whole.db"))
    seen_whole: list = []
    run(whole, model, path, "csv", batch=8000, workers=0, on_progress=watch(tmp_path / "whole.db", seen_whole))
    assert all(names == DEFERRED for _, names in seen_whole)
    ranked = rankings(store)
    assert ranked == rankings(whole)
    assert len(ranked) == 8 and all(len(top) == 5 for top in ranked.values())  # 7 people and the unowned


def test_a_re_import_and_a_small_import_keep_the_indexes(model, tmp_path):
    path = _export(tmp_path / "big.csv", 8000)
    store = TaskStore(tmp_path / "s.db")
    run(store, model, path, "csv", batch=500, workers=0)
    seen: list = []
    again = run(store, model, path, "csv", batch=500, workers=0, on_progress=watch(tmp_path / "s.db", seen))
    assert again.unchanged == 8000
    assert len(seen) > 10 and all(names == DEFERRED for _, names in seen)

    seen = []
    small = run(store, model, _export(tmp_path / "small.csv", 4000), "csv", batch=500, workers=0,
                on_progress=watch(tmp_path / "s.db", seen))
    assert small.unchanged == 4000 and all(names == DEFERRED for _, names in seen)

    other = TaskStore(tmp_path / "small.db")
    seen = []
    created = run(other, model, _export(tmp_path / "small.csv", 4000), "csv", batch=500, workers=0,
                  on_progress=watch(tmp_path / "small.db", seen))
    assert created.created == 4000 and all(names == DEFERRED for _, names in seen)  # under 5,000 rows to come


def test_an_import_into_a_much_larger_store_keeps_the_indexes(model, store, tmp_path):
    run(store, model, DATA / "asana_export.csv", "asana")  # 12 tasks
    small = IndexDeferral(store, min_rows=1)
    small.written(rows=2, created=2, rows_so_far=2, done_bytes=100, total_bytes=250)  # 3 to come, 14 stored
    assert not small.dropped and indexes(store.path) == DEFERRED
    mostly_unchanged = IndexDeferral(store, min_rows=1)
    mostly_unchanged.written(rows=10, created=4, rows_so_far=10, done_bytes=100, total_bytes=10_000)
    assert not mostly_unchanged.dropped and not mostly_unchanged.decided  # waits for a batch of new rows
    mostly_unchanged.written(rows=10, created=9, rows_so_far=20, done_bytes=200, total_bytes=10_000)
    assert mostly_unchanged.dropped == list(DEFERRABLE_INDEXES) and indexes(store.path) == set()
    assert mostly_unchanged.finish() == list(DEFERRABLE_INDEXES) and indexes(store.path) == DEFERRED


def test_an_import_that_fails_half_way_builds_the_indexes_again(model, tmp_path, fresh_schema):
    path = _export(tmp_path / "big.csv", 8000)
    store = TaskStore(tmp_path / "f.db")
    seen: list = []

    def progress(done, total, rows):
        seen.append(indexes(tmp_path / "f.db"))
        if len(seen) == 4:
            raise KeyboardInterrupt  # Ctrl-C while the import writes

    with pytest.raises(KeyboardInterrupt):
        run(store, model, path, "csv", batch=500, workers=0, on_progress=progress)
    assert seen[-1] == set()
    assert schema(tmp_path / "f.db") == fresh_schema and integrity(tmp_path / "f.db") == "ok"
    assert store.count_tasks() == 2000
    rest = run(store, model, path, "csv", batch=500, workers=0)
    assert (rest.created, rest.unchanged) == (6000, 2000)
    assert integrity(tmp_path / "f.db") == "ok"


def test_a_killed_import_leaves_a_store_that_builds_the_indexes_when_next_opened(tmp_path, fresh_schema, caplog):
    config = tmp_path / "headwork.yml"
    config.write_text("org:\n  timezone: Europe/Berlin\n")
    db = tmp_path / "headwork.db"
    env = {**os.environ, "HEADWORK_DB": str(db), "HEADWORK_CONFIG": str(config)}
    path = _export(tmp_path / "big.csv", 60_000)
    child = subprocess.Popen([sys.executable, "-m", "bot", "import", str(path), "--from", "csv", "--workers", "0"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    dropped = False
    while time.monotonic() < deadline and child.poll() is None:
        if db.exists() and indexes(db) == set() and "scores" in {r[1] for r in schema(db)}:
            dropped = True
            break
        time.sleep(0.02)
    assert dropped, child.stderr.read().decode() if child.poll() is not None else "the import never dropped them"
    time.sleep(0.2)  # a batch or two more
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stderr.close()
    assert indexes(db) == set()

    with caplog.at_level(logging.WARNING, logger="headwork.store"):
        store = TaskStore(db)
    assert "Built index(es) tasks_email, scores_rank, left out by an import that did not finish" in caplog.text
    assert schema(db) == fresh_schema and integrity(db) == "ok"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="headwork.store"):
        TaskStore(db).close()  # whole again: nothing to say
    assert caplog.text == ""
    written = store.count_tasks()
    assert 0 < written < 60_000
    store.close()
