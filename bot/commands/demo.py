"""`headwork demo`: the sample organisation, categorized, scored and ranked — no Slack, no key."""

from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from scoring.demo import seed_demo
from scoring.ranking import top_for
from scoring.store import TaskStore

from ..textview import ranking_lines


def register(sub) -> None:
    p = sub.add_parser("demo", help="run Headwork on a sample organisation: no Slack account, no API key")
    p.add_argument("--db", type=Path, help="keep the demo database at this path (default: a temporary file)")
    p.add_argument("-n", type=int, default=5, help="tasks per person (default 5)")
    p.set_defaults(handler=run)


def build_demo_store(path: Path, runtime):
    """Load the sample organisation into a store, judge its bands offline and score it."""
    store = TaskStore(path)
    return seed_demo(store, runtime.model, runtime.clock()), store


def run(args, runtime) -> int:
    with tempfile.TemporaryDirectory(prefix="headwork-demo-") as tmp:
        path = args.db or Path(tmp) / "demo.db"
        org, store = build_demo_store(path, runtime)
        model = runtime.model
        print(f"Headwork demo — {org.name}: {len(org.people)} people, {len(org.tasks)} tasks, "
              f"value model '{model.name}' ({model.criteria_count} criteria).")
        print("Bands judged by the offline rules (set ANTHROPIC_API_KEY and run `headwork run` for Claude).\n")
        for person in org.people:
            now = runtime.clock().astimezone(ZoneInfo(person.tz))
            ranked = top_for(store, model, person.id, args.n, now)
            print(f"{person.name} — {person.title} ({person.tz}, {now:%a %H:%M} local)")
            if ranked:
                print("\n".join(ranking_lines([(r.task, r.score, r.judged_by) for r in ranked], now)))
            else:
                print("  no open tasks")
            print()
        unowned = store.unowned_open_count()
        if unowned:
            print(f"{unowned} open task(s) have no Slack owner yet: {', '.join(store.emails_without_owner())}")
        store.close()
        if args.db:
            print(f"Demo database kept at {args.db}")
    return 0
