"""Reaction events over real HTTP: the production server (granian) on loopback, 30% redeliveries.

    python -m bench.bench_reactions_http [--events N] [--people P] [--clients C] [--repeat R]

N (default 10,000) distinct `reaction_added` events with the workslop emoji, plus 30%
redeliveries (same event_id, X-Slack-Retry-Num), signed beforehand and shuffled, POSTed by C
(default 8) concurrent keep-alive clients — as Slack delivers in parallel — to
`POST /slack/events` of `headwork run --http`'s WSGI app on granian, over the loopback
interface. The clients run in a process of their own (`--client`), as Slack does: their
HTTP work is not the server's, and in the server's process they would share its GIL.
Reported: events/s, the median of `--repeat` (default 3) fresh runs (all of them listed: this
machine's speed drifts by half from one minute to the next), and how many were lost or
double-counted (each run's ledger must hold exactly N flags). Target (2-core machine):
>= 1,000 events/s, 0 wrong.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_workslop import CHANNELS, NOW, ZONES, signed_reactions
from bot.devkit.harness import SlackHarness
from bot.http_server import DEFAULT_THREADS, Serving, make_server
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


def client_process(port: int, work: list, clients: int, tmp: Path) -> tuple[dict[int, int], float]:
    """Post `work` from a child process (`--client`); its statuses and how long the posting took."""
    path = tmp / "work.json"
    path.write_text(json.dumps(work))
    child = subprocess.run([sys.executable, "-m", "bench.bench_reactions_http", "--client", str(path),
                            "--port", str(port), "--clients", str(clients)], capture_output=True, text=True,
                           timeout=600, check=True)
    answer = json.loads(child.stdout)
    return {int(k): v for k, v in answer["statuses"].items()}, answer["seconds"]


def client_main(path: str, port: int, clients: int) -> int:
    work = [(raw, headers) for raw, headers in json.loads(Path(path).read_text())]
    started = time.perf_counter()
    statuses = post_all(port, work, clients)
    print(json.dumps({"statuses": statuses, "seconds": time.perf_counter() - started}))
    return 0


def one_run(args) -> dict:
    """One fresh store and server, every delivery posted once; what it measured."""
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
            threads = args.threads or DEFAULT_THREADS
            serving = Serving(make_server(slack.app, "127.0.0.1", 0, threads=threads)).start()
            port = int(serving.server.effective_port)
            cpu = time.process_time()
            statuses, seconds = client_process(port, work, args.clients, Path(tmp))
            cpu = time.process_time() - cpu
            slack.background.wait(120)
            serving.stop()
            far = (NOW.replace(year=2000), NOW.replace(year=2100))
            flags = sum(1 for _ in ledger.rows_between(*far))
        store.close()
    return {"deliveries": len(work), "server_threads": threads, "statuses": statuses, "seconds": round(seconds, 2),
            "events_per_s": round(len(work) / seconds), "server_cpu_us_per_delivery": round(cpu / len(work) * 1e6),
            "flags_in_ledger": flags, "wrong": abs(flags - args.events)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", help=argparse.SUPPRESS)  # the posting child process: a work file
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=None, help="server request threads (default: headwork run's)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs; events/s is their median (default 3)")
    args = parser.parse_args(argv)
    if args.client:
        return client_main(args.client, args.port, args.clients)
    runs = [one_run(args) for _ in range(max(1, args.repeat))]
    speeds = sorted(r["events_per_s"] for r in runs)
    median = speeds[len(speeds) // 2]
    wrong = max(r["wrong"] for r in runs)
    out = {"benchmark": "reaction events over real HTTP (granian on loopback), 30% redeliveries",
           "distinct_events": args.events, "deliveries": runs[0]["deliveries"], "clients": args.clients,
           "server_threads": runs[0]["server_threads"], "repeats": len(runs),
           "events_per_s": median, "events_per_s_runs": [r["events_per_s"] for r in runs],
           "server_cpu_us_per_delivery": sorted(r["server_cpu_us_per_delivery"] for r in runs)[len(runs) // 2],
           "statuses": runs[-1]["statuses"], "flags_in_ledger": [r["flags_in_ledger"] for r in runs],
           "wrong": wrong, "met": median >= 1000 and wrong == 0, "cpus": os.cpu_count()}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
