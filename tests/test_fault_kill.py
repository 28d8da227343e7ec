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
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bench.bench_scoring import judge_all, make_tasks
from bot.devkit.fakeslack import FakeSlack
from scoring.store import TaskStore
from tests.test_run import BOT, SECRET, Server

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


# --- kill -9 in the middle of a send: `headwork run --http` over a real file, against the loopback Slack ---

SEND_T0 = datetime(2026, 3, 2, 9, 33, tzinfo=ZoneInfo("Europe/Berlin"))  # agenda due 09:30, digests 09:00
MEETING = {"id": "cs-weekly", "name": "CS weekly", "channel": "C0CSTEAM", "days": ["monday"], "time": "10:00",
           "attendees": ["U0DEMOCS1", "U0DEMOCS2", "U0DEMOCS3"], "max_items": 5}
LEADER = "U0LEADBER"
AGENDA_KEY, DIGEST_KEY = "agenda:cs-weekly:2026-03-02T09:00Z", f"digest:{LEADER}:2026-W09"


class Hang:
    """chat.postMessage that hangs on its first call (after Slack recorded the message, or before it
    could), as when the process is killed inside the HTTP call; every later call is answered normally."""

    def __init__(self, fake, slack_gets_it: bool):
        self.fake, self.slack_gets_it = fake, slack_gets_it
        self.inside, self.release, self._taken = threading.Event(), threading.Event(), threading.Lock()
        self.first = None

    def __call__(self, call):
        if not self._taken.acquire(blocking=False):
            return self.fake.builtin(call)
        self.first = call
        answer = self.fake.builtin(call) if self.slack_gets_it else {"ok": False, "error": "fatal_error"}
        self.inside.set()
        self.release.wait(30)  # the caller is dead by then; the answer goes nowhere
        return answer


@pytest.fixture
def send_world(tmp_path):
    """A demo database, a headwork.yml with the CS weekly meeting and/or a digest recipient, the loopback
    Slack on a clock running from SEND_T0, and a way to start `headwork run --http` children over them."""
    from bot.cli import main

    db = tmp_path / "h.db"
    env = {"HEADWORK_DB": str(db), "HEADWORK_CONFIG": str(tmp_path / "headwork.yml")}
    assert main(["demo", "--db", str(db)], environ=env, clock=lambda: SEND_T0) == 0
    started = time.monotonic()
    fake = FakeSlack(clock=lambda: SEND_T0 + timedelta(seconds=time.monotonic() - started)).start()
    for user in MEETING["attendees"] + [LEADER]:
        fake.add_user(user, tz="Europe/Berlin")
    fake.add_channel(MEETING["channel"], "cs-team")
    children: list[Server] = []

    def configure(meeting: bool, digest: bool) -> None:
        config = {"org": {"timezone": "Europe/Berlin"}, "meetings": [MEETING] if meeting else [],
                  "digest": {"recipients": [LEADER] if digest else []}}
        (tmp_path / "headwork.yml").write_text(json.dumps(config))  # JSON is YAML

    def start(later: timedelta = timedelta(0)) -> Server:
        """A child whose clock starts at SEND_T0 + `later` (a restart that much later)."""
        child_env = {**os.environ, **env, "SLACK_BOT_TOKEN": BOT, "SLACK_SIGNING_SECRET": SECRET,
                     "SLACK_API_URL": fake.api_url, "HEADWORK_NOW": (SEND_T0 + later).isoformat(),
                     "PYTHONUNBUFFERED": "1"}
        children.append(Server(child_env))
        return children[-1]

    yield SimpleNamespace(db=db, fake=fake, configure=configure, start=start)
    for child in children:
        if child.proc.poll() is None:
            child.proc.kill()
            child.proc.wait(10)
    fake.stop()


def outbox_states(db) -> dict[str, str]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return dict(conn.execute("SELECT key, state FROM outbox"))
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        conn.close()


def wait_until(what, timeout: float = 30, server: Server | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out; child log:\n{''.join(server.lines) if server else ''}")


def kill_9(server: Server) -> None:
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)


def ours(fake, channel: str, key: str) -> list[dict]:
    """The messages in a channel carrying an outbox key, as anyone reading the channel sees them."""
    return [m for m in fake.history(channel) if (m.get("metadata") or {}).get("event_payload", {}).get("key") == key]


def expected_agenda_titles(db) -> list[str]:
    store = TaskStore(db)
    best = sorted((r for p in MEETING["attendees"] for r in store.top_tasks(p, 5, SEND_T0)),
                  key=lambda r: (-r.total, r.task.id))[:5]
    store.close()
    return [r.task.title for r in best]


# a restart this long after the kill: the post caught mid-send is looked up a minute after it was sent
# (Slack may still be working on it); test_fault_restart covers a restart at once
RESTART_LATER = timedelta(minutes=2)


def kill_9_inside_the_send_and_restart(world, key: str, slack_gets_it: bool) -> Server:
    """Start `headwork run`, kill -9 it inside the HTTP call that sends `key`, start it again (two
    minutes later on its clock); returns the second process once `key` is recorded as sent."""
    hang = Hang(world.fake, slack_gets_it)
    world.fake.on("chat.postMessage", hang)
    first = world.start()
    assert hang.inside.wait(30), "".join(first.lines)
    assert outbox_states(world.db) == {key: "sending"}  # killed inside the HTTP call
    kill_9(first)
    hang.release.set()
    second = world.start(RESTART_LATER)  # the killed process's lease is taken over at once (its pid is gone)
    second.wait_ready(30)
    wait_until(lambda: outbox_states(world.db).get(key) == "sent", server=second)
    return second


@pytest.mark.parametrize("slack_gets_it", [False, True], ids=["before-slack-got-it", "after-slack-got-it"])
def test_kill_9_inside_an_agenda_post_then_a_restart_posts_exactly_one_agenda(send_world, slack_gets_it):
    from tests.agenda_support import item_titles

    send_world.configure(meeting=True, digest=False)
    second = kill_9_inside_the_send_and_restart(send_world, AGENDA_KEY, slack_gets_it)
    [message] = ours(send_world.fake, MEETING["channel"], AGENDA_KEY)
    assert item_titles(message["blocks"]) == expected_agenda_titles(send_world.db)  # in score order
    posts = send_world.fake.calls("chat.postMessage")
    assert len(posts) == (1 if slack_gets_it else 2)  # found in the history, or sent once more
    assert second.stop() == 0
    log = "".join(second.lines)
    assert AGENDA_KEY in log and ("after Slack got it" if slack_gets_it else "before Slack got it") in log


@pytest.mark.parametrize("slack_gets_it", [False, True], ids=["before-slack-got-it", "after-slack-got-it"])
def test_kill_9_inside_a_digest_send_then_a_restart_sends_exactly_one_digest(send_world, slack_gets_it):
    send_world.configure(meeting=False, digest=True)
    second = kill_9_inside_the_send_and_restart(send_world, DIGEST_KEY, slack_gets_it)
    [digest] = ours(send_world.fake, "D" + LEADER, DIGEST_KEY)
    assert digest["text"].startswith("Weekly digest 2026-W09:")
    assert len(send_world.fake.calls("chat.postMessage")) == (1 if slack_gets_it else 2)
    assert second.stop() == 0
    # the chart follows on the digest job's next minute (test_digest_send covers it); never twice meanwhile
    assert len(send_world.fake.uploads()) <= 1 and ours(send_world.fake, "D" + LEADER, DIGEST_KEY) == [digest]


def test_kill_9_with_one_send_in_flight_and_one_claimed_then_a_restart_sends_each_once(send_world):
    """The outbox worker is stuck inside one post (the agenda or the digest, whichever went first) and
    the other is claimed and queued behind it, never attempted, when the process is killed."""
    world = send_world
    world.configure(meeting=True, digest=True)
    hang = Hang(world.fake, slack_gets_it=False)
    world.fake.on("chat.postMessage", hang)
    first = world.start()
    assert hang.inside.wait(30), "".join(first.lines)
    states = wait_until(lambda: (s := outbox_states(world.db)) and len(s) == 2 and s, server=first)
    assert sorted(states.values()) == ["pending", "sending"]
    kill_9(first)
    hang.release.set()
    second = world.start(RESTART_LATER)
    second.wait_ready(30)
    wait_until(lambda: set(outbox_states(world.db).values()) == {"sent"}, server=second)
    assert len(ours(world.fake, MEETING["channel"], AGENDA_KEY)) == 1
    assert len(ours(world.fake, "D" + LEADER, DIGEST_KEY)) == 1
    assert second.stop() == 0


def test_headwork_now_runs_from_the_given_instant_and_a_bad_value_is_one_line_and_exit_2(tmp_path, capsys):
    from bot.cli import main
    from bot.runtime import clock_from_environ

    clock = clock_from_environ({"HEADWORK_NOW": "2026-03-02T09:33:00+01:00"})
    first, second = clock(), clock()
    assert timedelta(0) <= first - SEND_T0 < timedelta(seconds=5) and second >= first  # it runs on
    assert clock_from_environ({}) is None
    env = {"HEADWORK_DB": str(tmp_path / "h.db"), "HEADWORK_CONFIG": str(tmp_path / "none.yml"),
           "HEADWORK_NOW": "next monday"}
    assert main(["demo", "--db", env["HEADWORK_DB"]], environ=env) == 2
    assert "HEADWORK_NOW: 'next monday' is not an ISO 8601 time with an offset" in capsys.readouterr().err
