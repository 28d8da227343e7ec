"""`headwork agenda list|preview`: the configured and Slack-made meetings, and the agenda one
would get, from the command line (nothing is sent to Slack)."""

from __future__ import annotations

import json
import sys
from datetime import datetime

from ..agenda import AgendaService
from ..calendars import CalendarUnavailable
from ..store_people import PeopleStore
from ..textview import agenda_lines


def register(sub) -> None:
    p = sub.add_parser("agenda", help="list meetings, or preview the next agenda of one (nothing is posted)")
    verbs = p.add_subparsers(dest="agenda_command", metavar="VERB", required=True)
    lst = verbs.add_parser("list", help="every meeting with its next occurrence and when its agenda is posted")
    lst.set_defaults(handler=run_list)
    pre = verbs.add_parser("preview", help="the agenda a meeting's next occurrence would get now")
    pre.add_argument("meeting", help="the meeting's id (`headwork agenda list` shows them)")
    pre.add_argument("--at", help="as if it were this ISO time (default: now)")
    pre.add_argument("--json", action="store_true", help="machine-readable output")
    pre.set_defaults(handler=run_preview)


def _service(runtime) -> AgendaService:
    return AgendaService(runtime.settings, runtime.store, runtime.model, outbox=None)


def run_list(args, runtime) -> int:
    service = _service(runtime)
    now = runtime.now()
    meetings = service.meetings()
    if not meetings:
        print("No meetings yet: add them to `meetings:` in headwork.yml, or run /agenda setup in a channel.")
        return 0
    for m in meetings:
        try:
            occ = service.next_occurrence(m, now)
            nxt = (f"next {occ.start:%a %d %b %H:%M} {m.timezone}, posted at "
                   f"{occ.start - m.lead:%H:%M}") if occ else "no upcoming occurrence"
        except CalendarUnavailable as exc:
            nxt = f"calendar unavailable ({exc})"
        where = "headwork.yml" if m.from_config else f"Slack (owner {m.owner})"
        print(f"{m.id}  {m.name} · #{m.channel} · {m.recurrence_text()} · {m.scope_text()} · {nxt} · {where}"
              + _last_post_text(service.last_post(m), m, runtime.settings.config.org.admins))
    return 0


def _last_post_text(last, meeting, admins) -> str:
    if last is None:
        return ""
    row, state, error = last
    when = f"{row.starts_at.astimezone(meeting.tz):%a %d %b}"
    if state == "failed":
        told = (f"its owner {meeting.owner} was told what to do" if meeting.owner
                else "the admins were told what to do" if admins
                else "nobody was told: no org.admins in headwork.yml")
        return f" · last agenda ({when}) refused by Slack: {error} ({told})"
    return f" · last agenda ({when}) {'sent' if state == 'sent' else state}"


def run_preview(args, runtime) -> int:
    service = _service(runtime)
    meeting = next((m for m in service.meetings() if m.id == args.meeting), None)
    if meeting is None:
        print(f"headwork: no meeting {args.meeting!r} (see `headwork agenda list`)", file=sys.stderr)
        return 1
    now = datetime.fromisoformat(args.at) if args.at else runtime.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=meeting.tz)
    try:
        occ = service.next_occurrence(meeting, now)
    except CalendarUnavailable as exc:
        print(f"headwork: {exc}", file=sys.stderr)
        return 1
    if occ is None:
        print(f"{meeting.name} has no upcoming occurrence.")
        return 0
    items = service.fresh_items(meeting, occ, now)
    if args.json:
        print(json.dumps({"meeting": meeting.id, "start": occ.start.isoformat(),
                          "post_at": (occ.start - meeting.lead).isoformat(),
                          "items": [{"task_id": i.task.id, "title": i.task.title, "owner": i.task.assignee_id,
                                     "total": i.total, "reasons": list(i.reasons), "url": i.task.url,
                                     "due": i.task.due.isoformat() if i.task.due else None,
                                     "carried_from": i.carried_from.isoformat() if i.carried_from else None}
                                    for i in items]}, indent=2))
        return 0
    people = PeopleStore(runtime.store)
    names = {u: people.name_of(u) for u in {i.task.assignee_id for i in items} if u}
    print("\n".join(agenda_lines(meeting, occ.start, items, names)))
    return 0
