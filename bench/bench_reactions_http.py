"""Reaction events over real HTTP: the production server (waitress) on loopback, 30% redeliveries.

    python -m bench.bench_reactions_http [--events N] [--people P] [--clients C]

N (default 10,000) distinct `reaction_added` events with the workslop emoji, plus 30%
redeliveries (same event_id, X-Slack-Retry-Num), signed beforehand and shuffled, POSTed by C
(default 8) concurrent keep-alive clients — as Slack delivers in parallel — to
`POST /slack/events` of `headwork run --http`'s WSGI app on waitress, over the loopback
interface. Reported: events/s, and how many were lost or double-counted (the ledger must hold
exactly N flags). Target (2-core machine): >= 1,000 events/s, 0 wrong.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_workslop import CHANNELS, NOW, ZONES, signed_reactions
from bot.devkit.harness import SlackHarness
from bot.http_server import Serving, make_server
from bot.store_people import PeopleStore
from bot.store_workslop import WorkslopLedger
from scoring.store import TaskStore


def post_all(port: int, work: list, clients: int) -> dict[int, int]:
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [work[i::clients] for i in range(clients)]

    def client(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for raw, headers in chunk:
            conn.request("POST", "/slack/events", body=raw.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="headwork-bench-http-") as tmp:
        store = TaskStore(Path(tmp) / "bench.db")
        with SlackHarness(store, config={"workslop": {"daily_cap": 1_000_000}}, now=NOW) as slack:
            people = PeopleStore(store)
            for i in range(args.people):
                people.put(f"U{i:08d}", f"Person {i}", ZONES[i % len(ZONES)], False, False, slack.clock())
            ledger = WorkslopLedger(store)
            for i, channel in enumerate(CHANNELS):
                ledger.set_channel_privacy(channel, i % 5 == 0, NOW)
            work = signed_reactions(args.events, args.people, rnd)
            serving = Serving(make_server(slack.app, "127.0.0.1", 0, threads=args.clients)).start()
            port = int(serving.server.effective_port)
            started = time.perf_counter()
            statuses = post_all(port, work, args.clients)
            seconds = time.perf_counter() - started
            slack.background.wait(120)
            serving.stop()
            far = (NOW.replace(year=2000), NOW.replace(year=2100))
            flags = sum(1 for _ in ledger.rows_between(*far))
        store.close()
    out = {"benchmark": "reaction events over real HTTP (waitress on loopback), 30% redeliveries",
           "distinct_events": args.events, "deliveries": len(work), "clients": args.clients,
           "statuses": statuses, "seconds": round(seconds, 2), "events_per_s": round(len(work) / seconds),
           "flags_in_ledger": flags, "wrong": abs(flags - args.events), "met": len(work) / seconds >= 1000
           and flags == args.events, "cpus": os.cpu_count()}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
