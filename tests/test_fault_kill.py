"""kill -9 in the middle of work: nothing lost, nothing half-written, and the next run finishes
the job. The process is the real `headwork` CLI in a child process over a real SQLite file."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone

from bench.bench_scoring import judge_all, make_tasks
from scoring.store import TaskStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def consistent(path) -> tuple[int, int, int]:
    """(tasks, scores, scores whose total is not exactly the sum of their stored terms)."""
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tasks = conn.execute("SELECT count(*) FROM tasks").fetchone()[0]
    rows = conn.execute("SELECT s.total, e.terms FROM scores s JOIN score_terms e ON e.task_id = s.task_id").fetchall()
    broken = sum(1 for total, terms in rows
                 if round(total * 100) != sum(round(t["points"] * 100) for t in json.loads(terms)))
    conn.close()
    return tasks, len(rows), broken


def test_kill_9_during_a_full_rescore_loses_nothing_and_the_rerun_completes(tmp_path, model):
    path = tmp_path / "big.db"
    store = TaskStore(path)
    rnd = random.Random(3)
    n = 40_000
    store.bulk_insert_tasks(make_tasks(n, 200, NOW, rnd), NOW)
    judge_all(store, n, model, NOW, rnd)
    store.close()
    env = {**os.environ, "HEADWORK_DB": str(path), "HEADWORK_CONFIG": str(tmp_path / "none.yml")}
    child = subprocess.Popen([sys.executable, "-m", "bot", "score", "--full"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = sqlite3.connect(path, timeout=30)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once it has written part of the scores
        scored = conn.execute("SELECT count(*) FROM scores").fetchone()[0]
        if scored >= 4_000 or child.poll() is not None:
            break
        time.sleep(0.02)
    conn.close()
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    tasks, scores, broken = consistent(path)
    assert tasks == n  # no task lost
    assert 0 < scores and broken == 0  # whatever was written is whole
    rerun_started = datetime.now(timezone.utc).replace(microsecond=0)
    rerun = subprocess.run([sys.executable, "-m", "bot", "score", "--full"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    tasks, scores, broken = consistent(path)
    assert (tasks, scores, broken) == (n, n, 0)
    conn = sqlite3.connect(path)
    oldest = datetime.fromisoformat(conn.execute("SELECT min(scored_at) FROM scores").fetchone()[0])
    conn.close()
    assert oldest >= rerun_started  # every score was rewritten by the rerun, none is left from the killed run
