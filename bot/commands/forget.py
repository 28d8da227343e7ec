"""`headwork forget PERSON [--dry-run]`: erase a person's workslop flags and their answers."""

from __future__ import annotations

import re
import sys

from ..store_outbox import OutboxStore
from ..store_people import PeopleStore
from ..store_workslop import WorkslopLedger
from .top5 import resolve_person

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
EXIT_UNKNOWN = 2
OUTBOX_KEYS = ("workslop-prompt:", "workslop-cap:", "workslop-note:")


def register(sub) -> None:
    p = sub.add_parser(
        "forget", help="delete a person's workslop flags and answers (and stop naming them as an author)",
        description="Deletes every workslop flag PERSON made, with the time and reasons they reported, and "
                    "Headwork's records of the private workslop messages it sent them (prompts, cap notices, "
                    "author notes); the messages themselves stay in their own DM with Headwork. Flags others "
                    "made about output PERSON sent keep counting for the team, without their name.")
    p.add_argument("person", help="a Slack user id (U…) or an email Headwork knows")
    p.add_argument("--dry-run", action="store_true", help="say what would be deleted, delete nothing")
    p.set_defaults(handler=run)


def run(args, runtime) -> int:
    store = runtime.store
    key = args.person.strip()
    person = resolve_person(store, key) if "@" in key else key.lstrip("@").upper()
    ledger = WorkslopLedger(store)
    if not person or not SLACK_USER.match(person) or not (ledger.knows(person) or PeopleStore(store).get(person)):
        print(f"headwork: forget: nobody called {key!r} is known to Headwork (give a Slack user id like "
              "U012ABC3DEF, or an email on their tasks); nothing was changed", file=sys.stderr)
        return EXIT_UNKNOWN
    counts = ledger.forget_counts(person)
    if args.dry_run:
        print(f"Would forget {person}: {counts['flags_deleted']} flag(s) they made "
              f"({counts['rated_deleted']} with answers) deleted; {counts['authored_unnamed']} flag(s) about "
              "output they sent would no longer name them. Nothing was changed (--dry-run).")
        return 0
    done = ledger.forget(person)
    outbox = OutboxStore(store)
    messages = sum(outbox.forget_recipient(person, prefix) for prefix in OUTBOX_KEYS)
    print(f"Forgot {person}: {done['flags_deleted']} flag(s) they made deleted, with "
          f"{counts['rated_deleted']} answer(s); {done['authored_unnamed']} flag(s) about output they sent no "
          f"longer name them; {messages} private message record(s) erased.")
    return 0
