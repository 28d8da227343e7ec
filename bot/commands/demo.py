"""`headwork demo`: the sample organisation, categorized, scored and ranked — no Slack, no key."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from scoring.demo import DEMO_ORG, load_demo_org, seed_demo
from scoring.ranking import top_for
from scoring.store import TaskStore

from ..agenda import AgendaService
from ..settings import parse_config
from ..store_people import PeopleStore
from ..textview import agenda_lines, ranking_lines


def register(sub) -> None:
    p = sub.add_parser("demo", help="run Headwork on a sample organisation: no Slack account, no API key")
    p.add_argument("--db", type=Path, help="keep the demo database at this path (default: a temporary file)")
    p.add_argument("-n", type=int, default=5, help="tasks per person (default 5)")
    p.add_argument("--console", action="store_true",
                   help="then try the Slack app in the terminal: /top5, buttons, modals, App Home (no Slack needed)")
    p.add_argument("--as", dest="person", default="tom", help="console: start as this sample person (default tom)")
    p.set_defaults(handler=run)


def build_demo_store(path: Path, runtime):
    """Load the sample organisation into a store, judge its bands offline and score it. Its people
    are known by name and zone, as Slack would have told a running app, so that what the CLI
    prints from a kept demo database (`headwork digest --preview`) names them."""
    store = TaskStore(path)
    now = runtime.clock()
    org = seed_demo(store, runtime.model, now)
    people = PeopleStore(store)
    with store.transaction():
        for p in org.people:
            people.put(p.id, p.name, p.tz, is_bot=False, deleted=False, now=now)
    return org, store


def demo_config(org) -> dict:
    """The sample organisation's headwork.yml: its zone, admins, teams, meeting and digest recipient.
    Only the demo reads it: a kept demo database run with `headwork run` posts no sample agenda or
    digest anywhere."""
    return {"org": {"timezone": org.timezone, "admins": list(org.admins), "teams": [dict(t) for t in org.teams]},
            "meetings": [dict(m) for m in org.meetings], "digest": dict(org.digest)}


def agenda_preview(org, store, runtime) -> list[str]:
    """The next agenda of each of the demo's meetings, as it would be posted now."""
    settings = runtime.settings.model_copy(update={"config": parse_config(demo_config(org), Path(DEMO_ORG))})
    service = AgendaService(settings, store, runtime.model, outbox=None)
    names = {p.id: p.name for p in org.people}
    now = runtime.clock()
    lines = []
    for meeting in service.meetings():
        occ = service.next_occurrence(meeting, now)
        if occ is None:
            continue
        items = service.fresh_items(meeting, occ, now)
        lines += ["Next agenda: " + "\n".join(agenda_lines(meeting, occ.start, items, names,
                                                          org.channels.get(meeting.channel))), ""]
    return lines


def run(args, runtime) -> int:
    sample = load_demo_org(runtime.clock())
    if sample.person(args.person) is None:  # before any work: a typo in --as must not start as someone else
        names = ", ".join(p.name.split()[0].lower() for p in sample.people)
        print(f"headwork: --as: nobody called {args.person!r} in the sample organisation; choose one of: {names}",
              file=sys.stderr)
        return 2
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
        print("\n".join(agenda_preview(org, store, runtime)))
        unowned = store.unowned_open_count()
        if unowned:
            emails = store.emails_without_owner()
            print(f"{unowned} open task(s) nobody owns: an admin gives them to someone from Headwork's Home tab "
                  "(try it: `headwork demo --console`, then `as hanna` and `home`)."
                  + (f" No Slack account is known yet for {', '.join(emails)}." if emails else ""))
        if args.console:
            run_console(store, org, runtime, args.person, args.verbose)
        store.close()
        if args.db:
            print(f"Demo database kept at {args.db}")
    return 0


def run_console(store, org, runtime, person: str, verbose: bool = False) -> None:
    """The real app and listeners against a loopback Slack that knows the sample people. Headwork's
    own log lines (an agenda queued, last week's digest not sent because nothing ran then) would
    interleave with the screens: only its errors show, unless -v."""
    from ..devkit.console import Console
    from ..devkit.harness import SlackHarness

    own_log = logging.getLogger("headwork")
    level = own_log.level
    if not verbose:
        own_log.setLevel(logging.ERROR)
    try:
        with SlackHarness(store, config=demo_config(org), now=runtime.clock(), model=runtime.model) as slack:
            for p in org.people:
                slack.add_user(p.id, name=p.name.split()[0].lower(), real_name=p.name, tz=p.tz, email=p.email)
                slack.deps.directory.refresh(p.id, slack.clock())  # as after their first contact
            for channel_id, name in org.channels.items():
                slack.fake.add_channel(channel_id, name)
            slack.fake.clear()
            start = org.person(person)
            print("Headwork console: the Slack app itself, talking to a loopback Slack instead of slack.com.")
            Console(slack, list(org.people), start.id, channels=org.channels).run(echo=not sys.stdin.isatty())
    finally:
        own_log.setLevel(level)
