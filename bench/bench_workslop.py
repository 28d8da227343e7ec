"""Workslop: reaction events through the real app, and a year's tally over a million flags.

    python -m bench.bench_workslop [--events N] [--people P] [--flags F] [--repeat R]

1. Ingestion: N (default 10,000) distinct `reaction_added` events with the workslop emoji from P
   (default 2,000) people, plus 30% redeliveries (the same event_id again, with
   X-Slack-Retry-Num), signed beforehand and shuffled so a retry may come soon or late, through
   `App.dispatch` of the app `create_app` builds: signature check, Headwork's middleware (event_id
   dedupe), the listener, the cap and the ledger insert; the prompt is queued in the outbox after
   the ack (background threads, on the same cores). Reported: events/s for the dispatch loop, and
   end to end until the background work settled. The ledger must hold exactly N flags.
2. Tally: F (default 1,000,000) flags spread over 2025, written with executemany straight into the
   ledger's table (not through Slack), then the 52 ISO weeks of 2025 tallied R times with
   `tally_ledger` (grouped in SQLite by `WorkslopLedger.week_aggregates`), and once with the pure
   `tally_weeks` over `rows_between`, asserting both give the same figures.

Targets (2-core machine): >= 1,000 events/s; the year's tally <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_bolt import BoltRequest

from bot.devkit.harness import SIGNING_SECRET, SlackHarness
from bot.devkit.slack_requests import _prepare, event_callback
from bot.store_people import PeopleStore
from bot.store_workslop import WorkslopLedger
from bot.workslop.tally import REASONS, iso_week, previous_weeks, tally_ledger, tally_weeks, week_bounds
from scoring.store import TaskStore

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "UTC"]
CHANNELS = [f"C{i:08d}" for i in range(200)]


def signed_reactions(events: int, people: int, rnd: random.Random) -> list[tuple[str, dict]]:
    """`events` distinct workslop reactions plus 30% redeliveries (same event_id, X-Slack-Retry-Num),
    signed as Slack would send them and shuffled: a redelivery may even arrive before the first
    delivery (it then counts once)."""
    deliveries = []
    for n in range(events):
        event = {"type": "reaction_added", "user": f"U{rnd.randrange(people):08d}", "reaction": "workslop",
                 "item_user": f"U{people + n % 50:08d}", "event_ts": f"{1772438400 + n}.000100",
                 "item": {"type": "message", "channel": rnd.choice(CHANNELS), "ts": f"1772438400.{n:06d}"}}
        event_id = f"Ev{n:012d}"
        deliveries.append(_prepare(event_callback(event, event_id=event_id), None, SIGNING_SECRET, None, None))
        if rnd.random() < 0.3 / 0.7:  # 30% of all deliveries are redeliveries
            deliveries.append(_prepare(event_callback(event, event_id=event_id, retry_num=rnd.randint(1, 3)),
                                       None, SIGNING_SECRET, None, None))
    rnd.shuffle(deliveries)
    return deliveries


def ingest(path: Path, events: int, people: int, rnd: random.Random) -> dict:
    store = TaskStore(path)
    config = {"workslop": {"daily_cap": 1_000_000}}  # the cap is not what is measured here
    with SlackHarness(store, config=config, now=NOW) as slack:
        directory = PeopleStore(store)
        for i in range(people):
            directory.put(f"U{i:08d}", f"Person {i}", ZONES[i % len(ZONES)], False, False, slack.clock())
        ledger = WorkslopLedger(store)
        for i, channel in enumerate(CHANNELS):
            ledger.set_channel_privacy(channel, i % 5 == 0, NOW)
        deliveries = signed_reactions(events, people, rnd)
        redeliveries = len(deliveries) - events
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        for raw, headers in deliveries:
            response = slack.app.dispatch(BoltRequest(body=raw, headers=headers))
            statuses[response.status] = statuses.get(response.status, 0) + 1
        dispatched = time.perf_counter() - started
        slack.background.wait(120)
        settled = time.perf_counter() - started
        far = (NOW - timedelta(days=3650), NOW + timedelta(days=3650))
        flags = sum(1 for _ in ledger.rows_between(*far))
        prompts = slack.outbox.db.counts().get("pending", 0)
    store.close()
    assert flags == events, f"{flags} flags for {events} distinct reactions: something counted twice (or not)"
    assert prompts == events, f"{prompts} prompts queued for {events} flags"
    return {"distinct_events": events, "deliveries": len(deliveries), "redeliveries": redeliveries,
            "redelivery_share": round(redeliveries / len(deliveries), 3), "statuses": statuses,
            "flags_in_ledger": flags, "prompts_queued": prompts,
            "dispatch_events_per_s": round(len(deliveries) / dispatched), "dispatch_s": round(dispatched, 3),
            "end_to_end_events_per_s": round(len(deliveries) / settled), "end_to_end_s": round(settled, 3)}


def build_year(path: Path, flags: int, people: int, rnd: random.Random) -> dict:
    """A year of flags, written straight into the ledger's table."""
    store = TaskStore(path)
    WorkslopLedger(store)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()
    span = 365 * 86400
    reasons = list(REASONS)
    minutes = [15, 30, 60, 120, 240, 45, 90]
    stamps = sorted(start + rnd.random() * span for _ in range(flags))

    def rows():
        for n, ts in enumerate(stamps):
            channel = rnd.choice(CHANNELS) if rnd.random() < 0.9 else f"D{n:09d}"
            rated = rnd.random() < 0.6
            yield (f"U{rnd.randrange(people):08d}", f"msg:{channel}:{ts:.6f}.{n}", channel,
                   1 if channel[0] == "D" else int(CHANNELS.index(channel) % 5 == 0),
                   f"U{people + n % 300:08d}", "reaction", "workslop",
                   datetime.fromtimestamp(ts, timezone.utc).isoformat(), ts,
                   rnd.choice(minutes) if rated else None, rnd.choice(reasons) if rated else None)

    t0 = time.perf_counter()
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO workslop_flags (flagger, item, channel, channel_private, author, source, reaction, "
            "flagged_at, flagged_ts, minutes, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows())
    store.close()
    return {"flags": flags, "built_s": round(time.perf_counter() - t0, 1)}


def tally_year(path: Path, repeat: int) -> dict:
    store = TaskStore(path)
    ledger = WorkslopLedger(store)
    tz = ZoneInfo("Europe/Berlin")
    weeks = previous_weeks(iso_week(datetime(2025, 12, 28).date()), 52)  # 2025-W01 .. 2025-W52
    start, end = week_bounds(weeks[0], tz)[0], week_bounds(weeks[-1], tz)[1]
    now = end + timedelta(days=3)  # the digest's view: every week of the year closed

    def timed(fn):
        t0 = time.perf_counter()
        result = fn()
        return result, round(time.perf_counter() - t0, 3)

    cold, cold_s = timed(lambda: tally_ledger(ledger, weeks, tz, hourly_rate=75.0, k=3))  # no cache at all
    warm_runs = []
    timed(lambda: tally_ledger(ledger, weeks, tz, now=now, hourly_rate=75.0, k=3))  # fills the cache
    for _ in range(repeat):
        warm, seconds = timed(lambda: tally_ledger(ledger, weeks, tz, now=now, hourly_rate=75.0, k=3))
        warm_runs.append(seconds)
    # one flag of week 20 rated late: only that week is recomputed
    [flag_id] = [r[0] for r in store.conn.execute(
        "SELECT id FROM workslop_flags WHERE flagged_ts >= ? AND minutes IS NULL LIMIT 1",
        (week_bounds(weeks[19], tz)[0].timestamp(),))]
    flagger = store.conn.execute("SELECT flagger FROM workslop_flags WHERE id = ?", (flag_id,)).fetchone()[0]
    ledger.rate(flag_id, flagger, now, minutes=60, reason="padded")
    after_change, after_change_s = timed(lambda: tally_ledger(ledger, weeks, tz, now=now, hourly_rate=75.0, k=3))
    pure, pure_s = timed(lambda: tally_weeks(ledger.rows_between(start, end), weeks, tz, hourly_rate=75.0, k=3))
    store.close()
    assert [w.to_dict() for w in after_change] == [w.to_dict() for w in pure], "the aggregate disagrees with the rows"
    assert [w.to_dict() for w in cold] != [w.to_dict() for w in pure]  # the late rating shows
    return {"weeks": len(pure), "flags_tallied": sum(w.flags for w in pure), "hours": round(sum(w.hours for w in pure)),
            "cold_sql_s": cold_s, "cached_s": warm_runs, "after_one_late_rating_s": after_change_s,
            "pure_rows_tally_s": pure_s, "same_figures_as_pure": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--flags", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    out: dict = {"benchmark": "workslop: reaction events through App.dispatch; a year's tally",
                 "targets": {"events_per_s": 1000, "tally_s": 1.0}}
    with tempfile.TemporaryDirectory(prefix="headwork-bench-workslop-") as tmp:
        out["ingest"] = ingest(Path(tmp) / "events.db", args.events, args.people, rnd)
        out["year_build"] = build_year(Path(tmp) / "year.db", args.flags, args.people, rnd)
        out["tally"] = tally_year(Path(tmp) / "year.db", args.repeat)
    out["met"] = {"events_per_s": out["ingest"]["dispatch_events_per_s"] >= 1000,
                  "tally_s_cached": min(out["tally"]["cached_s"]) <= 1.0,
                  "tally_s_after_a_change": out["tally"]["after_one_late_rating_s"] <= 1.0,
                  "tally_s_cold": out["tally"]["cold_sql_s"] <= 1.0}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["cpus"] = os.cpu_count()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
