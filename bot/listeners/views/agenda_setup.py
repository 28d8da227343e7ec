"""The /agenda setup modal, submitted: a new meeting (owned by whoever set it up) or an edit.

Every field is checked before the ack; a problem keeps the modal open with the message on its
field. Saved, the modal turns into a confirmation that says when the first agenda arrives.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from ... import ids
from ...blocks.agenda import REPEATS, parse_time, when_text
from ...blocks.common import context, esc, modal, section
from ...deps import Deps
from ...meetings import Meeting, find_meeting
from ...settings import WEEKDAYS
from ...zones import HINT as ZONE_HINT
from ...zones import canonical_zone
from ..actions.agenda_buttons import refusal

log = logging.getLogger("headwork.agenda")


def _value(values: dict, block: str, action: str) -> dict:
    return (values.get(block) or {}).get(action) or {}


def read_setup(view: dict) -> tuple[dict, dict]:
    """The form as fields, and {block_id: problem} for what is wrong."""
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    name = (_value(values, ids.BLOCK_AGENDA_NAME, ids.INPUT_AGENDA_NAME).get("value") or "").strip()
    if not name:
        errors[ids.BLOCK_AGENDA_NAME] = "Give the meeting a name."
    days = [o.get("value") for o in _value(values, ids.BLOCK_AGENDA_DAYS, ids.INPUT_AGENDA_DAYS)
            .get("selected_options") or []]
    days = sorted({WEEKDAYS.index(d) for d in days if d in WEEKDAYS})
    if not days:
        errors[ids.BLOCK_AGENDA_DAYS] = "Pick at least one day."
    at = parse_time(_value(values, ids.BLOCK_AGENDA_TIME, ids.INPUT_AGENDA_TIME).get("selected_time"))
    if at is None:
        errors[ids.BLOCK_AGENDA_TIME] = "Pick the time the meeting starts."
    typed = (_value(values, ids.BLOCK_AGENDA_TZ, ids.INPUT_AGENDA_TZ).get("value") or "").strip()
    tz = canonical_zone(typed) or ""
    if not tz:
        errors[ids.BLOCK_AGENDA_TZ] = f"“{typed[:60]}” is not a time zone I know — {ZONE_HINT}."

    def number(block, action, lo, hi, what):
        raw = str(_value(values, block, action).get("value") or "").strip()
        if not raw.isdecimal() or not lo <= int(raw) <= hi:
            errors[block] = f"{what} between {lo} and {hi}."
            return lo
        return int(raw)

    lead = number(ids.BLOCK_AGENDA_LEAD, ids.INPUT_AGENDA_LEAD, 5, 1440, "Minutes")
    most = number(ids.BLOCK_AGENDA_MAX, ids.INPUT_AGENDA_MAX, 1, 20, "A number of items")
    attendees = list(dict.fromkeys(_value(values, ids.BLOCK_AGENDA_ATTENDEES, ids.INPUT_AGENDA_ATTENDEES)
                                   .get("selected_users") or []))
    project = (_value(values, ids.BLOCK_AGENDA_PROJECT, ids.INPUT_AGENDA_PROJECT).get("value") or "").strip()
    tags = [t.strip() for t in (_value(values, ids.BLOCK_AGENDA_TAGS, ids.INPUT_AGENDA_TAGS).get("value") or "")
            .split(",") if t.strip()]
    if not (attendees or project or tags):
        errors[ids.BLOCK_AGENDA_ATTENDEES] = "Pick the attendees (or give a project or tags) so I know whose tasks."
    raw_repeat = str((_value(values, ids.BLOCK_AGENDA_REPEAT, ids.INPUT_AGENDA_REPEAT).get("selected_option")
                      or {}).get("value") or "1")
    every = int(raw_repeat) if raw_repeat.isdecimal() and int(raw_repeat) in REPEATS else 1
    picked = _value(values, ids.BLOCK_AGENDA_STARTS, ids.INPUT_AGENDA_STARTS).get("selected_date")
    starts = None
    if picked:
        try:
            starts = date.fromisoformat(picked)
        except ValueError:
            errors[ids.BLOCK_AGENDA_STARTS] = "That is not a date I understand."
        else:
            if days and starts.weekday() not in days:
                errors[ids.BLOCK_AGENDA_STARTS] = (f"{starts:%a %d %b} is not one of the days picked above: pick "
                                                   "the date of one of its meetings.")
    fields = {"name": name, "days": tuple(days), "time": at, "timezone": tz, "lead_minutes": lead,
              "max_items": most, "attendees": tuple(attendees), "project": project or None, "tags": tuple(tags),
              "every_weeks": every, "starts": starts}
    return fields, errors


def unseen_attendees(deps: Deps, user: str, owner: str, attendees) -> str | None:
    """Why some attendees can't be on this meeting, or None. An agenda shows its attendees' tasks to
    everyone in the channel, so its owner may add only people whose tasks they may see anyway (as
    with `/top5 @someone`: admins anyone's, managers their team's). Checked against the owner, who
    is whoever sets a meeting up; an admin editing someone else's meeting is held to that owner's
    view too (and is told to set up a meeting of their own)."""
    unseen = [a for a in attendees if not deps.may_view(owner, a)]
    if not unseen:
        return None
    names = [deps.directory.name_for(a) for a in unseen]
    who = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    whose = "their tasks" if len(names) > 1 else f"{names[0]}'s tasks"
    rule = "only admins and a person's manager may see their tasks, as with /top5 @someone"
    if owner == user:
        return f"You can't add {who}: {rule}. An agenda shows its attendees' tasks to the whole channel."
    return (f"{deps.directory.name_for(owner)} set up this meeting and may not see {whose} ({rule}). "
            "Set up a meeting of your own to include them.")


def handle_setup_submission(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    channel = str(meta.get("channel") or "")
    fields, errors = read_setup(view)
    existing = None
    if meta.get("meeting"):
        existing = find_meeting(deps.settings, deps.agenda.db, str(meta["meeting"]))
        if existing is None or not existing.may_edit(user, deps.is_admin(user)):
            errors = {ids.BLOCK_AGENDA_NAME: refusal(existing).replace("*", "")[:150]}
    if not channel.startswith(("C", "G")):
        errors.setdefault(ids.BLOCK_AGENDA_NAME, "Run /agenda setup in the channel for the agenda.")
    owner = existing.owner if existing else user
    if owner and (problem := unseen_attendees(deps, user, owner, fields["attendees"])):
        errors.setdefault(ids.BLOCK_AGENDA_ATTENDEES, problem)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if fields["every_weeks"] > 1 and fields["starts"] is None:  # the weeks count from the next meeting day
        today = deps.clock().astimezone(ZoneInfo(fields["timezone"])).date()
        fields["starts"] = next(today + timedelta(days=n) for n in range(7)
                                if (today + timedelta(days=n)).weekday() in fields["days"])
    # "new" has no database id, so save_meeting inserts; an edit keeps its id, channel and owner
    draft = Meeting(id=existing.id if existing else "new", channel=existing.channel if existing else channel,
                    owner=existing.owner if existing else user, from_config=False, **fields)
    with deps.store.transaction():
        saved = deps.agenda.db.save_meeting(draft, deps.clock(), user)
        if existing is not None:  # today's agenda, already out, follows the new time: never a second one
            deps.agenda.follow_edit(saved, deps.clock())
    tz = deps.directory.tz_for(user)
    occ = deps.agenda.next_occurrence(saved, deps.clock())
    first = (f"The next agenda is posted {saved.lead_minutes} min before {when_text(occ.start, tz)}."
             if occ else "")
    log.info("meeting %s %s by a user", saved.id, "edited" if existing else "set up")
    ack(response_action="update", view=modal(ids.VIEW_NOTICE, "Agenda saved", [
        section(f"{'Saved' if existing else 'Set up'} *{esc(saved.name)}* in <#{saved.channel}>: "
                f"{esc(saved.recurrence_text())} ({saved.timezone}), up to {saved.max_items} items from "
                f"{esc(saved.scope_text())}. {first}"),
        context("`/agenda` previews it, `/agenda list` shows this channel's meetings. In a private channel, "
                "invite Headwork (`/invite @Headwork`) so it can post there."),
    ], close="Done"))

