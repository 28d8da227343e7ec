"""`headwork top5 PERSON`: someone's highest-scoring open tasks, with every reason."""

from __future__ import annotations

import json
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scoring.ranking import top_for, top_unowned

from ..store_people import PeopleStore
from ..textview import ranking_lines


def register(sub) -> None:
    p = sub.add_parser("top5", help="show a person's top tasks (or those nobody owns) with the terms of each score")
    p.add_argument("person", nargs="?", help="Slack user id (U…) or the email on their tasks")
    p.add_argument("--unowned", action="store_true", help="instead: the top tasks nobody owns")
    p.add_argument("-n", type=int, default=5, help="how many tasks (default 5, at most 50)")
    p.add_argument("--json", action="store_true", help="machine-readable output: every term of every score")
    p.add_argument("--tz", help="show dates in this time zone (default: the person's own, as Slack gave it, "
                                "else the organisation's)")
    p.set_defaults(handler=run)


def resolve_person(store, key: str) -> str | None:
    key = key.strip().lstrip("@")
    if "@" in key:
        ident = store.identity(key)
        if ident and ident[0]:
            return ident[0]
        return store.assignee_for_email(key)
    return key


def run(args, runtime) -> int:
    if not 1 <= args.n <= 50:
        print("headwork: -n must be between 1 and 50", file=sys.stderr)
        return 2
    if (args.person is None) == (not args.unowned):
        print("headwork: give a PERSON or --unowned (not both)", file=sys.stderr)
        return 2
    store = runtime.store
    person = resolve_person(store, args.person) if args.person is not None else None
    if args.person is not None and person is None:
        print(f"headwork: no Slack user is known for {args.person!r}", file=sys.stderr)
        return 1
    now = runtime.now()
    zone = args.tz or (_own_zone(store, person) if person is not None else None)
    if zone:
        try:
            now = now.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            if args.tz:
                print(f"headwork: --tz: unknown time zone {args.tz!r} (use an IANA name such as Europe/Berlin)",
                      file=sys.stderr)
                return 2  # a zone Slack gave that this machine lacks: the organisation's, as Slack would read it
    ranked = (top_for(store, runtime.model, person, args.n, now) if person is not None
              else top_unowned(store, runtime.model, args.n, now))
    if args.json:
        print(json.dumps({"person": person, "at": now.isoformat(), "tasks": [r.to_dict() for r in ranked]}, indent=2))
        return 0
    if not ranked:
        snoozed = store.unowned_open_count() if person is None else 0  # what the list leaves out until then
        print(f"{snoozed} open task(s) nobody owns, all snoozed: each is listed again when its snooze ends."
              if snoozed else "Every open task has an owner." if person is None else
              f"{person} has no open tasks. Add one in Slack with /task, or import with `headwork import`.")
        return 0
    print("Tasks nobody owns, most valuable first:" if person is None else f"Top {len(ranked)} for {person}:")
    print("\n".join(ranking_lines([(r.task, r.score, r.judged_by) for r in ranked], now,
                                   reasons=max((len(r.score.terms) for r in ranked), default=0))))
    return 0


def _own_zone(store, person: str) -> str | None:
    """The person's time zone as Slack last gave it (what their /top5 reads dates in), if known."""
    record = PeopleStore(store).get(person)
    return record.tz if record is not None else None
