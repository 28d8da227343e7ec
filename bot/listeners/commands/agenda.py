"""/agenda, /agenda post, /agenda skip, /agenda list, /agenda setup, /agenda help — in a channel.

Preview and list are answered inside the ack from the store (an agenda for 50 attendees is
a few milliseconds: bench/bench_agenda.py). The slow things — reading an ICS feed for the first
time, a tags-only scope (a scan of every task) — happen after the ack, and the answer follows
through the response_url.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ...agenda import may_post_skipped_text, skipped_text
from ...blocks.agenda import ListRow, build_help, build_list, build_setup_modal, day_text, when_text
from ...calendars import CalendarUnavailable
from ...delivery import open_modal, respond_to
from ...deps import Deps
from ...meetings import Meeting

SUBCOMMANDS = ("post", "skip", "list", "setup", "help")


def pick_meeting(meetings: list[Meeting], name: str, service, now) -> Meeting | None:
    """The meeting named (by id, name, or the start of its name), else the soonest to come."""
    if name:
        wanted = name.lower()
        exact = [m for m in meetings if wanted in (m.id.lower(), m.name.lower())]
        return (exact or [m for m in meetings if m.name.lower().startswith(wanted)] or [None])[0]
    if len(meetings) == 1:
        return meetings[0]

    def soonest(m: Meeting):
        try:
            occ = service.next_occurrence(m, now, cached_only=bool(m.ics))  # no calendar fetch before the ack
        except CalendarUnavailable:
            occ = None
        return (occ is None, occ.start if occ else now)

    return min(meetings, key=soonest) if meetings else None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
_DATE_AT_END = re.compile(
    r"(?:^|\s)(?:(?P<iso>\d{4}-\d{2}-\d{2})|" + _WEEKDAY + r"(?P<day>\d{1,2})\s+(?P<month>[a-z]{3,9})\.?)$", re.I)


def split_date(text: str, today: date) -> tuple[str, date | None, str | None]:
    """'CS weekly 16 Mar' -> ('CS weekly', the next 16 March from `today`, None); a date that does
    not exist gives its problem as the third part. Accepts 2026-03-16, 16 Mar, 16 March, Mon 16 Mar."""
    found = _DATE_AT_END.search(text.strip())
    if not found:
        return text.strip(), None, None
    rest = text.strip()[:found.start()].strip()
    try:
        if found["iso"]:
            return rest, date.fromisoformat(found["iso"]), None
        month = _MONTHS.index(found["month"][:3].lower()) + 1
        day = int(found["day"])
        picked = date(today.year, month, day)
        return rest, picked if picked >= today else date(today.year + 1, month, day), None
    except ValueError:
        return rest, None, f"“{found.group(0).strip()}” is not a date I know — try `16 Mar` or `2026-03-16`."


def list_rows(deps: Deps, meetings: list[Meeting], user: str, now: datetime) -> list[ListRow]:
    """`/agenda list`'s rows: each meeting's next start (a calendar from the cache, never fetched
    before the ack), whether this person may edit it, and its coming skipped occurrences."""
    service = deps.agenda
    rows = []
    for m in meetings:
        calendar = None
        try:
            occ = service.next_occurrence(m, now, cached_only=bool(m.ics))
        except CalendarUnavailable:  # never read yet: the scheduler reads it every minute
            occ, calendar = None, "unreadable" if service.calendars.failure(m.ics) else "reading"
        skipped = tuple((r.starts_at, r.skipped_by) for r in service.db.occurrences_from(m.id, now)
                        if r.state == "skipped")
        rows.append(ListRow(m, occ.start if occ else None, m.may_edit(user, deps.is_admin(user)), skipped,
                            calendar))
    return rows


def handle_agenda(ack, command: dict, deps: Deps) -> None:
    user, channel = command["user_id"], command.get("channel_id", "")
    words = (command.get("text") or "").split()
    verb = words[0].lower() if words else ""
    if verb in ("help", "?", "-h", "--help"):
        ack(response_type="ephemeral", text="How /agenda works", blocks=build_help())
        return
    service = deps.agenda
    now = deps.now_for(user)
    if verb == "setup":
        if not channel.startswith(("C", "G")):
            ack(response_type="ephemeral", text="Run `/agenda setup` in the channel where the agenda should be "
                                                "posted (not in a direct message).")
            return
        ack()
        deps.background.submit(open_modal, deps, command["trigger_id"],
                               build_setup_modal(channel, str(deps.directory.tz_for(user))))
        return
    meetings = service.meetings(channel)
    if verb == "list":
        ack(response_type="ephemeral", text="Meetings in this channel",
            blocks=build_list(channel, list_rows(deps, meetings, user, now), now.tzinfo))
        return
    name = " ".join(words[1:] if verb in ("post", "skip") else words)
    day = None
    if verb == "skip":
        name, day, problem = split_date(name, now.date())
        if problem:
            ack(response_type="ephemeral", text=problem)
            return
    if not meetings:
        ack(response_type="ephemeral", text="No meeting in this channel has an agenda yet. `/agenda setup` sets "
                                            "one up; `/agenda help` says more.")
        return
    meeting = pick_meeting(meetings, name, service, now)
    if meeting is None:
        names = ", ".join(f"*{m.name}*" for m in meetings[:10])
        ack(response_type="ephemeral", text=f"I couldn't find a meeting called “{name}” here. This channel has: "
                                            f"{names}.")
        return
    if verb == "skip":
        ack(**skip_answer(deps, meeting, user, day))
        return
    if service.needs_fetch(meeting) or service.slow_scope(meeting):
        ack(response_type="ephemeral", text=f"Reading the calendar of *{meeting.name}*…" if meeting.ics
            else f"Gathering the tasks tagged {', '.join(meeting.tags)} for *{meeting.name}*…")
        deps.background.submit(_answer_later, deps, meeting, user, verb == "post", command.get("response_url"))
        return
    ack(**answer(deps, meeting, user, verb == "post", cached_only=True))


def answer(deps: Deps, meeting: Meeting, user: str, post: bool, cached_only: bool = False) -> dict:
    """The ephemeral reply: the preview, or what `/agenda post` did. `cached_only`: inside the ack,
    a calendar is read from the cache (the scheduler refreshes it), never fetched."""
    service = deps.agenda
    now = deps.now_for(user)
    try:
        occ = service.next_occurrence(meeting, now, cached_only=cached_only and bool(meeting.ics))
    except CalendarUnavailable:
        return {"response_type": "ephemeral",
                "text": f"I can't read the calendar of *{meeting.name}* right now, so I don't know when it meets "
                        "next. I'll keep trying; an admin can check the `ics` address in headwork.yml."}
    if occ is None:
        return {"response_type": "ephemeral", "text": f"*{meeting.name}* has no upcoming meeting."}
    if post:
        when = when_text(occ.start, now.tzinfo)
        may_skip = meeting.may_skip(user, deps.is_admin(user))
        claimed = service.db.occurrence(meeting.id, occ.key_iso)
        if claimed is not None and claimed.state == "skipped" and not may_skip:
            return {"response_type": "ephemeral",
                    "text": f"{skipped_text(claimed)}: no agenda for *{meeting.name}* on {when}. "
                            f"{may_post_skipped_text(meeting)} can post it after all."}
        row = service.post(meeting, occ, deps.clock(), by=user, unskip=may_skip)
        if row is None:
            return {"response_type": "ephemeral",
                    "text": f"The agenda for *{meeting.name}* ({when}) is already posted in <#{meeting.channel}>."}
        return {"response_type": "ephemeral",
                "text": f"Posting the agenda for *{meeting.name}* ({when}) in <#{meeting.channel}> now. "
                        "It won't be posted again for this meeting."}
    text, blocks = service.preview(meeting, occ, deps.clock(), now.tzinfo)
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def skip_answer(deps: Deps, meeting: Meeting, user: str, day: date | None = None) -> dict:
    """`/agenda skip [date]`: no agenda for the meeting's next occurrence, or its occurrence on
    `day` (a day in the meeting's zone); admins and its owner."""
    if not meeting.may_skip(user, deps.is_admin(user)):
        who = f"admins and <@{meeting.owner}>" if meeting.owner else "admins"
        return {"response_type": "ephemeral", "text": f"Only {who} can skip *{meeting.name}*'s agenda."}
    now = deps.now_for(user)
    try:
        occ = (deps.agenda.next_occurrence(meeting, now, cached_only=bool(meeting.ics)) if day is None
               else deps.agenda.occurrence_on(meeting, day, now, cached_only=bool(meeting.ics)))
    except CalendarUnavailable:
        occ = None
    if occ is None:
        if day is not None:
            return {"response_type": "ephemeral",
                    "text": f"*{meeting.name}* doesn't meet on {day_text(day)} ({meeting.recurrence_text()}, "
                            f"{meeting.timezone}), so there is no agenda to skip then."}
        return {"response_type": "ephemeral", "text": f"*{meeting.name}* has no upcoming meeting I know of."}
    when = when_text(occ.start, now.tzinfo)
    if occ.start <= now:
        return {"response_type": "ephemeral", "text": f"*{meeting.name}* on {when} has already started."}
    if not deps.agenda.skip(meeting, occ, deps.clock(), by=user):
        return {"response_type": "ephemeral",
                "text": f"The agenda for *{meeting.name}* ({when}) is already posted or skipped."}
    return {"response_type": "ephemeral",
            "text": f"Skipped: no agenda for *{meeting.name}* on {when}. `/agenda post {meeting.name}` posts it "
                    "after all; the next one is posted as usual."}


def _answer_later(deps: Deps, meeting: Meeting, user: str, post: bool, response_url: str | None) -> None:
    if meeting.ics:
        try:
            deps.agenda.calendars.get(meeting.ics, deps.clock())
        except CalendarUnavailable:
            pass  # `answer` says so
    respond_to(response_url, {"replace_original": True, **answer(deps, meeting, user, post)})
