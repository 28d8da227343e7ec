"""`user_change` events and the admins' *Tasks nobody owns*, through the real app.

    python -m bench.bench_people [--tasks N] [--people P] [--events E] [--db PATH]

Builds the organisation of `bench.bench_scoring` (N open tasks, default 1,000,000, over P people,
default 2,000; reused from `--db PATH` when that file exists), then through `App.dispatch`, signed
as Slack sends them:

- E (default 3,000) `user_change` events for profile edits (a status, a title, now and then a new
  time zone), which Slack sends for every edit of anyone's profile: per event, p50 / p99;
- the deactivation of the three people with the most open tasks, one event each: every open task
  of theirs loses its owner and one DM per admin and manager is queued, before the answer;
- an admin's App Home (`screens.home_view`, which lists the tasks nobody owns) after that, and the
  store's read of the list alone;
- the same three accounts reactivated, within `bot.departures.DEPARTURE_GRACE` (as an identity
  provider's mistake is put right): every task each left behind is theirs again (nobody was given
  any meanwhile), and the departure DMs still queued are withdrawn, before the answer.

Prints JSON. Nothing here has a target in an issue; the figures say what these cost at scale.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from slack_bolt import BoltRequest

from bench.bench_scoring import NOW, build_scored_store, percentiles
from bot.devkit.harness import SIGNING_SECRET, SlackHarness
from bot.devkit.slack_requests import _prepare, event_callback
from bot.screens import home_view
from bot.store_people import PeopleStore
from scoring.store import TaskStore

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "UTC"]
ADMIN = "U0BENCHADM"


def _user(i: int, tz: str, deleted: bool = False, status: str = "") -> dict:
    return {"id": f"U{i:08d}", "name": f"person{i}", "real_name": f"Person {i}", "tz": tz, "deleted": deleted,
            "is_bot": False, "profile": {"real_name": f"Person {i}", "status_text": status}}


def _signed(user: dict) -> tuple[str, dict]:
    # an event id of its own: a reused --db remembers the ids of the last run's events (and drops them)
    event = event_callback({"type": "user_change", "user": user}, event_id=f"Ev{uuid.uuid4().hex[:12].upper()}")
    return _prepare(event, None, SIGNING_SECRET, None, None)


def _timed(slack: SlackHarness, user: dict) -> tuple[int, float]:
    """(HTTP status, ms) of one signed `user_change` for this user object through `App.dispatch`."""
    raw, headers = _signed(user)
    started = time.perf_counter()
    status = slack.app.dispatch(BoltRequest(body=raw, headers=headers)).status
    return status, round((time.perf_counter() - started) * 1e3, 1)


def _open_tasks(store: TaskStore, user_id: str) -> int:
    return store.conn.execute("SELECT count(*) FROM scores WHERE assignee_id = ? AND active = 1",
                              (user_id,)).fetchone()[0]


def run(path: Path, people: int, events: int, rnd: random.Random) -> dict:
    store = TaskStore(path)
    config = {"org": {"admins": [ADMIN], "teams": [{"name": "Everyone", "manager": "U00000000",
                                                     "members": [f"U{i:08d}" for i in range(people)]}]}}
    clock = time.perf_counter
    with SlackHarness(store, config=config, now=NOW + timedelta(minutes=5)) as slack:
        directory = PeopleStore(store)
        for i in range(people):
            directory.put(f"U{i:08d}", f"Person {i}", ZONES[i % len(ZONES)], False, False, slack.clock())
        directory.put(ADMIN, "Bench Admin", "UTC", False, False, slack.clock())
        edits = [_signed(_user(rnd.randrange(people), rnd.choice(ZONES) if rnd.random() < 0.05 else ZONES[0],
                               status=rnd.choice(["", "in a meeting", "lunch", "on holiday"])))
                 for _ in range(events)]
        for raw, headers in edits[:200]:  # warm up
            slack.app.dispatch(BoltRequest(body=raw, headers=headers))
        samples, statuses = [], {}
        for raw, headers in edits:
            t0 = clock()
            status = slack.app.dispatch(BoltRequest(body=raw, headers=headers)).status
            samples.append(clock() - t0)
            statuses[status] = statuses.get(status, 0) + 1
        busiest = [r[0] for r in store.conn.execute(
            "SELECT assignee_id FROM scores WHERE active = 1 AND assignee_id IS NOT NULL "
            "GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 3")]
        departures = []
        for user_id in busiest:
            owned = _open_tasks(store, user_id)
            status, ms = _timed(slack, _user(int(user_id[1:]), "UTC", deleted=True))
            departures.append({"open_tasks": owned, "ms": ms, "status": status})
        queued = store.conn.execute("SELECT count(*) FROM outbox WHERE key LIKE 'owner-left:%'").fetchone()[0]
        slack.background.wait(30)
        homes, reads = [], []
        for _ in range(200):
            t0 = clock()
            view = home_view(slack.deps, ADMIN, slack.clock())
            homes.append(clock() - t0)
            t0 = clock()
            store.top_unowned(5, slack.clock())
            reads.append(clock() - t0)
        listed = sum(1 for b in view["blocks"] if str(b.get("block_id", "")).startswith("unowned_"))
        returns = []
        for user_id in busiest:
            status, ms = _timed(slack, _user(int(user_id[1:]), "UTC"))
            returns.append({"open_tasks_back": _open_tasks(store, user_id), "ms": ms, "status": status})
        slack.background.wait(30)
    unowned = store.unowned_open_count()
    store.close()
    return {"user_change_events": events, "statuses": statuses, "user_change_dispatch": percentiles(samples),
            "deactivations": departures, "owner_left_dms_queued": queued,
            "admin_home_view": percentiles(homes), "store_read_top_unowned": percentiles(reads),
            "home_lists": listed, "reactivations": returns, "unowned_open_tasks_after": unowned}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--events", type=int, default=3_000)
    parser.add_argument("--db", type=Path, help="build the organisation here once and reuse it")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    out: dict = {"benchmark": "user_change through App.dispatch; an admin's Home with the tasks nobody owns",
                 "tasks": args.tasks, "people": args.people}
    with tempfile.TemporaryDirectory(prefix="headwork-bench-people-") as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            out["built_s"] = round(build_scored_store(path, args.tasks, args.people, rnd), 1)
        out.update(run(path, args.people, args.events, rnd))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
