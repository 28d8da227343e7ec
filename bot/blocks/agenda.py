"""Agenda messages, the /agenda replies and the setup modal (pure builders).

A posted agenda is one header, one context line, optional notes, one section per item (its
Discussed button as the accessory) and a footer: at most 20 items + 5, well inside Slack's 50
blocks, and each section is clipped to 3,000 characters by `section`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from scoring.tasks import Task, all_day_date

from .. import ids
from ..meetings import Meeting
from ..settings import WEEKDAYS
from .common import button, clip, context, divider, esc, header, link, modal, option, section


MAX_ITEMS = 20  # a message's item sections at most (the setup form's and headwork.yml's max_items)


@dataclass(frozen=True)
class ItemView:
    task: Task
    total: float
    reasons: tuple[str, ...]
    carried_from: datetime | None = None
    discussed_by: str | None = None
    discussed_at: datetime | None = None


@dataclass(frozen=True)
class AgendaView:
    meeting: Meeting
    start: datetime
    items: list[ItemView]
    tz: ZoneInfo                       # the zone every time is shown in
    occurrence_id: int | None = None   # None: a preview, no buttons
    notes: list[str] = field(default_factory=list)


def day_text(dt: datetime | date) -> str:
    """'Mon 2 Mar' (no leading zero: how people write it)."""
    return f"{dt:%a} {dt.day} {dt:%b}"


def when_text(dt: datetime, tz: ZoneInfo) -> str:
    local = dt.astimezone(tz)
    return f"{day_text(local)}, {local:%H:%M} ({tz.key})"


def _due(task: Task, tz: ZoneInfo) -> str:
    if task.due is None:
        return "no due date"
    if task.due_all_day:  # the owner's calendar day, not the meeting's zone's
        return f"due {day_text(all_day_date(task.due, tz))}"
    local = task.due.astimezone(tz)
    return f"due {day_text(local)}, {local:%H:%M}"


def item_block(rank: int, item: ItemView, view: AgendaView) -> dict:
    t = item.task
    owner = f"<@{t.assignee_id}>" if t.assignee_id else "_no owner_"
    title = link(t.url, clip(t.title, 250))
    if not t.is_open:
        title = f"~{title}~ ({esc(t.status)})"
    lines = [f"*{rank}. {title}*  ·  {item.total:g} pts",
             f"{owner} · {_due(t, view.tz)}"]
    if item.reasons:
        lines.append(" · ".join(esc(r) for r in item.reasons))
    if item.carried_from is not None:
        lines.append(f"_↻ carried over from {day_text(item.carried_from.astimezone(view.meeting.tz))}_")
    if item.discussed_by:
        at = item.discussed_at.astimezone(view.tz) if item.discussed_at else None
        lines.append(f"✅ _discussed · marked by <@{item.discussed_by}>{f' at {at:%H:%M}' if at else ''}_")
    accessory = None
    if view.occurrence_id is not None:
        value = f"{view.occurrence_id}:{t.id}"
        accessory = (button("Undo", ids.ACTION_AGENDA_DISCUSSED, value) if item.discussed_by
                     else button("Discussed", ids.ACTION_AGENDA_DISCUSSED, value))  # unstyled: seven green buttons shout
    return section("\n".join(lines), block_id=f"agenda_item_{t.id}", accessory=accessory)


def build_agenda(view: AgendaView) -> list[dict]:
    m = view.meeting
    shown = view.items[:MAX_ITEMS]
    blocks = [header(f"Agenda · {m.name}"),
              context(f"*{when_text(view.start, view.tz)}* · {len(shown)} item"
                      f"{'s' if len(shown) != 1 else ''} in score order · {esc(m.scope_text())}")]
    blocks += [context(n) for n in view.notes[:3]]
    if not shown:
        blocks.append(section("Nothing open in this meeting's scope right now. :tada:"))
    for rank, item in enumerate(shown, start=1):
        blocks.append(item_block(rank, item, view))
    blocks.append(divider())
    footer = ("Press *Discussed* as you go; what is not discussed carries over to the next meeting."
              if view.occurrence_id is not None else "A preview: only you can see it. `/agenda post` posts it now.")
    blocks.append(context(footer + " · `/agenda help`"))
    return blocks


def agenda_text(view: AgendaView) -> str:
    """The notification / screen-reader text of an agenda message: mrkdwn like the rest, so a title's
    `<!channel>` or `&` is escaped (it would ping the channel, or show as markup)."""
    items = "; ".join(f"{i}. {esc(clip(it.task.title, 60))}" for i, it in enumerate(view.items[:7], start=1))
    return clip(f"Agenda for {esc(view.meeting.name)}, {when_text(view.start, view.tz)}: {items or 'nothing open'}",
                3000)


# --- /agenda list, help ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListRow:
    meeting: Meeting
    upcoming: datetime | None          # its next start, None when there is none (or it is unknown)
    editable: bool                     # may the viewer edit it
    skipped: tuple[tuple[datetime, str | None], ...] = ()  # coming occurrences skipped: (start, by whom)
    calendar: str | None = None        # an ICS meeting's calendar not read yet: 'reading' | 'unreadable'


def skipped_line(skipped: tuple[tuple[datetime, str | None], ...], tz: ZoneInfo) -> str:
    """The coming occurrences skipped: 'Skipped later, no agenda: Mon 16 Mar by <@U…> · Mon 23 Mar'."""
    return "Skipped later, no agenda: " + " · ".join(
        day_text(start.astimezone(tz)) + (f" by <@{by}>" if by else "") for start, by in skipped[:8])


def build_list(channel: str, rows: list[ListRow], tz: ZoneInfo) -> list[dict]:
    if not rows:
        return [section(f"No meetings have an agenda in <#{channel}> yet.\n"
                        "`/agenda setup` sets one up: days, time, who attends, and Headwork posts the "
                        "agenda before each meeting.")]
    blocks = [section(f"*Meetings with an agenda in <#{channel}>*")]
    for row in rows[:40]:
        meeting, upcoming, editable, skipped = row.meeting, row.upcoming, row.editable, row.skipped
        nxt = (when_text(upcoming, tz) if upcoming else
               "not known: I can't read its calendar (an admin can check its `ics` address in headwork.yml)"
               if row.calendar == "unreadable" else
               "not known yet: I'm reading its calendar" if row.calendar == "reading" else "no upcoming occurrence")
        if upcoming is not None and skipped and skipped[0][0] == upcoming:
            nxt += ": skipped" + (f" by <@{skipped[0][1]}>" if skipped[0][1] else "") + ", no agenda"
            skipped = skipped[1:]  # the others on a line of their own
        source = "set up in Slack" + (f" by <@{meeting.owner}>" if meeting.owner else "") if not meeting.from_config \
            else "from headwork.yml (read-only here: an admin changes the file)"
        text = (f"*{esc(meeting.name)}* · {esc(meeting.recurrence_text())} ({meeting.timezone})\n"
                f"Next: {nxt} · posted {meeting.lead_minutes} min before · up to {meeting.max_items} items · "
                f"{esc(meeting.scope_text())}\n" + (skipped_line(skipped, tz) + "\n" if skipped else "")
                + f"_{source}_")
        blocks.append(section(text, block_id=f"agenda_meeting_{meeting.id}"))
        if editable:
            blocks.append({"type": "actions", "block_id": f"agenda_tools:{meeting.id}", "elements": [
                button("Edit", ids.ACTION_AGENDA_EDIT, meeting.id),
                button("Remove", ids.ACTION_AGENDA_REMOVE, meeting.id, style="danger", confirm={
                    "title": {"type": "plain_text", "text": "Remove this meeting?"},
                    "text": {"type": "mrkdwn", "text": f"No more agendas for *{esc(meeting.name[:200])}*."},
                    "confirm": {"type": "plain_text", "text": "Remove"},
                    "deny": {"type": "plain_text", "text": "Keep it"}})]})
    return blocks[:50]


HELP = "\n".join([
    "*Headwork — `/agenda`*",
    "`/agenda` — preview the next meeting's agenda in this channel (only you see it)",
    "`/agenda post` — post it to the channel now (once per meeting; the scheduled post then is skipped)",
    "`/agenda skip` — no agenda for the next meeting (it is cancelled); admins and the meeting's owner. "
    "`/agenda skip 16 Mar` skips that date's (a holiday: once per date)",
    "`/agenda list` — this channel's meetings, when the next one is, and who may change them",
    "`/agenda setup` — set up a meeting here: days, time, time zone, attendees, project, tags",
    "With several meetings in a channel, name one: `/agenda post Weekly sync`.",
    "Headwork posts each agenda before the meeting (30 minutes by default), in score order, and updates the "
    "same message shortly before the start if the order changed. *Discussed* marks an item; what is not "
    "discussed carries over to the next meeting.",
])


_REFUSED_WHY = {
    "not_in_channel": "I'm not a member of <#{channel}>",
    "channel_not_found": "I can't see <#{channel}>: it is private and I'm not in it, or it was deleted",
    "is_archived": "<#{channel}> is archived",
    "restricted_action": "this workspace's settings don't let apps post in <#{channel}>",
    "msg_too_long": "the agenda was too long for one message",
}


def refused_text(meeting: Meeting, error: str) -> str:
    """Why Slack refused a meeting's agenda and what to do, for its owner (or the admins)."""
    why = _REFUSED_WHY.get(error, "Slack refused it ({error})").format(channel=meeting.channel, error=error)
    if error in ("not_in_channel", "channel_not_found"):
        fix = (f"Invite me there (`/invite @Headwork` in <#{meeting.channel}>); then `/agenda post {meeting.name}` "
               "posts this one, and the next ones post on their own.")
    elif meeting.from_config:
        fix = f"Change its channel in headwork.yml (meetings → {meeting.id} → channel)."
    else:
        fix = "Set it up again with `/agenda setup` in the channel it should post to."
    return f"I couldn't post the agenda for *{esc(meeting.name)}*: {why}. {fix}"


def build_refused(text: str) -> list[dict]:
    return [section(text)]


def build_help() -> list[dict]:
    return [section(HELP)]


# --- the setup modal ------------------------------------------------------------------------------


REPEATS = {1: "Every week", 2: "Every other week", 3: "Every 3 weeks", 4: "Every 4 weeks"}


def build_setup_modal(channel: str, tz: str, meeting: Meeting | None = None) -> dict:
    """A new meeting in `channel` (or `meeting`, to edit). Days + time, every week or every 2nd,
    3rd or 4th week from a first date: what most team meetings are; RRULEs and calendars are for
    headwork.yml."""
    import json

    def inp(block_id, label, element, optional=False, hint=None):
        b = {"type": "input", "block_id": block_id, "label": {"type": "plain_text", "text": label},
             "element": element, "optional": optional}
        if hint:
            b["hint"] = {"type": "plain_text", "text": hint}
        return b

    name = {"type": "plain_text_input", "action_id": ids.INPUT_AGENDA_NAME, "max_length": 80}
    days = {"type": "checkboxes", "action_id": ids.INPUT_AGENDA_DAYS,
            "options": [option(d.capitalize(), d) for d in WEEKDAYS]}
    at = {"type": "timepicker", "action_id": ids.INPUT_AGENDA_TIME, "initial_time": "10:00"}
    zone = {"type": "plain_text_input", "action_id": ids.INPUT_AGENDA_TZ, "initial_value": tz, "max_length": 60}
    lead = {"type": "number_input", "action_id": ids.INPUT_AGENDA_LEAD, "is_decimal_allowed": False,
            "min_value": "5", "max_value": "1440", "initial_value": "30"}
    people = {"type": "multi_users_select", "action_id": ids.INPUT_AGENDA_ATTENDEES, "max_selected_items": 100}
    project = {"type": "plain_text_input", "action_id": ids.INPUT_AGENDA_PROJECT, "max_length": 200}
    tags = {"type": "plain_text_input", "action_id": ids.INPUT_AGENDA_TAGS, "max_length": 300}
    most = {"type": "number_input", "action_id": ids.INPUT_AGENDA_MAX, "is_decimal_allowed": False,
            "min_value": "1", "max_value": "20", "initial_value": "7"}
    repeats = [option(REPEATS[n], str(n)) for n in sorted(REPEATS)]
    repeat = {"type": "static_select", "action_id": ids.INPUT_AGENDA_REPEAT, "options": repeats,
              "initial_option": repeats[0]}
    starts = {"type": "datepicker", "action_id": ids.INPUT_AGENDA_STARTS}
    if meeting is not None:
        name["initial_value"] = meeting.name
        chosen = [option(WEEKDAYS[d].capitalize(), WEEKDAYS[d]) for d in meeting.days]
        if chosen:
            days["initial_options"] = chosen
        if meeting.time:
            at["initial_time"] = meeting.time.strftime("%H:%M")
        zone["initial_value"] = meeting.timezone
        lead["initial_value"] = str(meeting.lead_minutes)
        if meeting.attendees:
            people["initial_users"] = list(meeting.attendees)
        if meeting.project:
            project["initial_value"] = meeting.project
        if meeting.tags:
            tags["initial_value"] = ", ".join(meeting.tags)
        most["initial_value"] = str(meeting.max_items)
        if meeting.every_weeks in REPEATS:
            repeat["initial_option"] = option(REPEATS[meeting.every_weeks], str(meeting.every_weeks))
        if meeting.starts:
            starts["initial_date"] = meeting.starts.isoformat()
    blocks = [
        inp(ids.BLOCK_AGENDA_NAME, "Meeting name", name),
        inp(ids.BLOCK_AGENDA_DAYS, "Every", days),
        inp(ids.BLOCK_AGENDA_REPEAT, "Repeats", repeat),
        inp(ids.BLOCK_AGENDA_STARTS, "First meeting", starts, optional=True,
            hint="For every other week and longer: the date of one meeting, so I know which weeks are on. "
                 "Empty: the next of the days above."),
        inp(ids.BLOCK_AGENDA_TIME, "Starts at", at),
        inp(ids.BLOCK_AGENDA_TZ, "Time zone", zone, hint="An IANA name such as Europe/Berlin: the meeting stays "
                                                         "at this local time across daylight-saving changes."),
        inp(ids.BLOCK_AGENDA_LEAD, "Post the agenda this many minutes before", lead),
        inp(ids.BLOCK_AGENDA_ATTENDEES, "Attendees (their tasks)", people, optional=True),
        inp(ids.BLOCK_AGENDA_PROJECT, "Project", project, optional=True),
        inp(ids.BLOCK_AGENDA_TAGS, "Tags (comma-separated)", tags, optional=True),
        inp(ids.BLOCK_AGENDA_MAX, "At most this many items", most),
        context(f"The agenda is posted in <#{channel}>. Give attendees, a project and/or tags: every one given "
                "must match."),
    ]
    meta = json.dumps({"channel": channel, "meeting": meeting.id if meeting else None})
    return modal(ids.VIEW_AGENDA_SETUP, "Edit meeting" if meeting else "Set up an agenda", blocks,
                 submit="Save", private_metadata=meta)


def parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value) if value else None
    except ValueError:
        return None
