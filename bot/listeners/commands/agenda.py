"""/agenda, /agenda post, /agenda skip, /agenda list, /agenda setup, /agenda help — in a channel.

Preview and list are answered inside the ack from the store (an agenda for 50 attendees is
a few milliseconds: bench/bench_agenda.py). The slow things — reading an ICS feed for the first
time, a tags-only scope (a scan of every task) — happen after the ack, and the answer follows
through the response_url.
"""

from __future__ import annotations

from ...blocks.agenda import build_help, build_list, build_setup_modal, when_text
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
        rows = []
        for m in meetings:
            try:
                occ = service.next_occurrence(m, now, cached_only=True) if m.ics else service.next_occurrence(m, now)
            except CalendarUnavailable:
                occ = None
            rows.append((m, occ.start if occ else None, m.may_edit(user, deps.is_admin(user))))
        ack(response_type="ephemeral", text="Meetings in this channel", blocks=build_list(channel, rows, now.tzinfo))
        return
    name = " ".join(words[1:] if verb in ("post", "skip") else words)
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
        ack(**skip_answer(deps, meeting, user))
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
        row = service.post(meeting, occ, deps.clock(), by=user)
        when = when_text(occ.start, now.tzinfo)
        if row is None:
            return {"response_type": "ephemeral",
                    "text": f"The agenda for *{meeting.name}* ({when}) is already posted in <#{meeting.channel}>."}
        return {"response_type": "ephemeral",
                "text": f"Posting the agenda for *{meeting.name}* ({when}) in <#{meeting.channel}> now. "
                        "It won't be posted again for this meeting."}
    text, blocks = service.preview(meeting, occ, deps.clock(), now.tzinfo)
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def skip_answer(deps: Deps, meeting: Meeting, user: str) -> dict:
    """`/agenda skip`: no agenda for the meeting's next occurrence (admins and its owner)."""
    if not meeting.may_skip(user, deps.is_admin(user)):
        who = f"admins and <@{meeting.owner}>" if meeting.owner else "admins"
        return {"response_type": "ephemeral", "text": f"Only {who} can skip *{meeting.name}*'s agenda."}
    now = deps.now_for(user)
    try:
        occ = deps.agenda.next_occurrence(meeting, now, cached_only=bool(meeting.ics))
    except CalendarUnavailable:
        occ = None
    if occ is None:
        return {"response_type": "ephemeral", "text": f"*{meeting.name}* has no upcoming meeting I know of."}
    when = when_text(occ.start, now.tzinfo)
    if not deps.agenda.skip(meeting, occ, deps.clock()):
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
