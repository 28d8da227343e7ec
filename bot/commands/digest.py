"""`headwork digest --preview [--week YYYY-Www] [--json] [--for USER]`: the weekly leadership digest
exactly as it is sent (the same builder), as text or its figures as JSON; without --preview, who
gets it and when."""

from __future__ import annotations

import json
import re
import sys
from zoneinfo import ZoneInfo

from ..devkit.render import render
from ..digest.service import default_week, digest_message, recipients_of, slot_for, week_figures
from ..store_digest import DigestStore
from ..store_people import PeopleStore

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def register(sub) -> None:
    p = sub.add_parser("digest", help="preview the weekly leadership digest, or list who gets it and when")
    p.add_argument("--preview", action="store_true", help="print the digest as it would be sent")
    p.add_argument("--week", help="the ISO week it covers, e.g. 2026-W09 (default: the last full week)")
    p.add_argument("--json", action="store_true", help="print the figures (machine-readable) instead of the text")
    p.add_argument("--for", dest="for_user", metavar="USER",
                   help="a recipient's Slack id: also say when they get it, in their own time zone")
    p.set_defaults(handler=run)


def _valid_week(week: str) -> bool:
    from datetime import date

    if not WEEK.match(week):
        return False
    try:
        date.fromisoformat(f"{week}-1")
    except ValueError:
        return False
    return True


def run(args, runtime) -> int:
    settings, store = runtime.settings, runtime.store
    now = runtime.now()
    org_tz = ZoneInfo(settings.org.timezone)
    if args.week and not _valid_week(args.week):
        print(f"headwork: --week: {args.week!r} is not an ISO week like 2026-W09", file=sys.stderr)
        return 2
    people = PeopleStore(store)
    listed = recipients_of(settings, store)
    if args.for_user and args.for_user not in listed:
        print(f"headwork: {args.for_user} does not get the digest (see `headwork digest`)", file=sys.stderr)
        return 1
    if not args.preview:
        return _status(settings, store, people, listed, now, as_json=args.json)
    week = args.week or default_week(now, org_tz)
    figures = week_figures(store, runtime.model, settings, week, now)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    chart = settings.config.digest.chart
    message = digest_message(figures, chart=chart)
    names = {u: people.name_of(u) for u in _mentioned(message["blocks"])}
    if args.for_user:
        print(_when(settings, people, args.for_user, now))
    frozen = DigestStore(store).edition(week) is not None
    print(render(message["blocks"], names=names,
                 title=f"Digest for {week} ({'as sent' if frozen else 'preview, figures as of now'})").text())
    if chart:
        print("(followed by the chart: workslop hours and value delivered, last 8 weeks)")
    return 0


def _status(settings, store, people, listed, now, as_json: bool) -> int:
    config = settings.config.digest
    digests = DigestStore(store)
    rows = []
    for user in listed:
        tz = _tz(people, user, settings)
        slot = slot_for(now, tz, config.day, config.time, ZoneInfo(settings.org.timezone))
        # each row's own week: someone far east may be on next week's digest already
        key = f"digest:{user}:{slot.week}"
        sent = digests.send(key)
        rows.append({"user": user, "name": people.name_of(user), "tz": str(tz), "week": slot.week,
                     "send_at": slot.send_at.isoformat(), "claimed": sent is not None,
                     "chart": sent.chart_state if sent else None,
                     "skipped": sent is None and digests.skipped(key)})
    if as_json:
        print(json.dumps({"enabled": config.enabled, "day": config.day, "time": config.time.strftime("%H:%M"),
                          "recipients": rows}, indent=2))
        return 0
    print(f"Digest: {config.day.capitalize()} {config.time:%H:%M} in each recipient's time zone"
          + ("" if config.enabled else " (paused: digest.enabled is false)"))
    if not rows:
        print("Nobody gets it yet: set digest.recipients or digest.usergroup in headwork.yml, or /digest add in Slack.")
    for r in rows:
        state = (f"claimed, chart {r['chart']}" if r["claimed"] else "skipped (see the log)" if r["skipped"]
                 else "not sent yet")
        print(f"  {r['name']} ({r['user']}): {r['send_at']} {r['tz']} — {r['week']}: {state}")
    return 0


def _tz(people, user: str, settings):
    record = people.get(user)
    try:
        return ZoneInfo(record.tz) if record and record.tz else ZoneInfo(settings.org.timezone)
    except (ValueError, KeyError):
        return ZoneInfo(settings.org.timezone)


def _when(settings, people, user: str, now) -> str:
    config = settings.config.digest
    slot = slot_for(now, _tz(people, user, settings), config.day, config.time, ZoneInfo(settings.org.timezone))
    return f"{people.name_of(user)} gets the digest for {slot.week} at {slot.send_at:%a %d %b %H:%M} ({slot.send_at.tzinfo})."


def _mentioned(blocks: list[dict]) -> set[str]:
    return set(re.findall(r"<@([UW][A-Z0-9]+)>", json.dumps(blocks)))
