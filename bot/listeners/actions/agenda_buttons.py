"""Discussed on a posted agenda; Edit and Remove on `/agenda list`.

Discussed is recorded (who, when) with the ack and the same message is redrawn right after
with `chat.update` (through the outbox); every Web API call and response_url post runs after the ack
(`deps.background`), since with process_before_response the ack leaves when the listener returns. Anyone in the channel may mark an item (it's the meeting's shared notes);
pressing Undo clears it. Edit and Remove are for admins and the meeting's owner; a meeting
from headwork.yml is read-only here and says so.
"""

from __future__ import annotations

import logging

from ...blocks.agenda import build_list, build_setup_modal
from ...blocks.common import esc
from ...delivery import open_modal, respond_to
from ...deps import Deps
from ...meetings import Meeting, find_meeting
from ..commands.agenda import list_rows

log = logging.getLogger("headwork.agenda")


def refusal(meeting: Meeting | None) -> str:
    if meeting is None:
        return "That meeting no longer exists — `/agenda list` shows this channel's meetings."
    if meeting.from_config:
        return (f"*{esc(meeting.name)}* is defined in headwork.yml, so it can't be changed from Slack. "
                "Ask an admin to edit the file.")
    return (f"Sorry — only admins and <@{meeting.owner}>, who set it up, can change *{esc(meeting.name)}*.")


def handle_discussed(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    head, _, tail = str(action.get("value") or "").partition(":")
    if not (head.isdecimal() and tail.isdecimal()):
        return
    service = deps.agenda
    meeting_id = service.toggle_discussed(int(head), int(tail), user, deps.clock())
    if meeting_id is None:
        deps.background.submit(respond_to, body.get("response_url"), {
            "response_type": "ephemeral", "replace_original": False, "text": "That agenda item is out of date."})
        return
    container = body.get("container") or {}
    press = str(action.get("action_ts") or body.get("trigger_id") or "")
    deps.background.submit(redraw_agenda, deps, meeting_id, int(head), container.get("channel_id"),
                           container.get("message_ts"), press)


def redraw_agenda(deps: Deps, meeting_id: str, occurrence_id: int, channel: str | None, ts: str | None,
                  press: str) -> None:
    """Redraw the posted agenda through the outbox, so the redraw queues behind a pre-start
    update already claimed for the same message (it is delivered in claim order) and is paced
    with the channel's other posts. Keyed by the press: a redelivered press redraws once."""
    service = deps.agenda
    meeting = find_meeting(deps.settings, service.db, meeting_id)
    row = service.db.occurrence_by_id(occurrence_id)
    if meeting is None or row is None:
        return
    if not (channel and ts):
        where = service.posted_message(meeting_id, row.occurrence)
        if where is None:
            return
        channel, ts = where
    text, blocks = service.render(meeting, row, deps.clock())
    deps.outbox.send(f"agenda-redraw:{occurrence_id}:{press}", "chat.update",
                     {"channel": channel, "ts": ts, "text": text, "blocks": blocks})


def editable_meeting(deps: Deps, body: dict, action: dict) -> Meeting | None:
    """The meeting the button names, if this person may change it; else None, and they are told
    why (a config meeting, someone else's, or gone) after the ack."""
    user = body["user"]["id"]
    meeting = find_meeting(deps.settings, deps.agenda.db, str(action.get("value") or ""))
    if meeting is not None and meeting.may_edit(user, deps.is_admin(user)):
        return meeting
    deps.background.submit(respond_to, body.get("response_url"), {
        "response_type": "ephemeral", "replace_original": False, "text": refusal(meeting)})
    return None


def handle_edit(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    meeting = editable_meeting(deps, body, action)
    if meeting is not None:
        deps.background.submit(open_modal, deps, body["trigger_id"],
                               build_setup_modal(meeting.channel, meeting.timezone, meeting))


def handle_remove(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    meeting = editable_meeting(deps, body, action)
    if meeting is None:
        return
    deps.agenda.db.remove_meeting(meeting.db_id, deps.clock())
    log.info("meeting %s removed by a user", meeting.id)
    deps.background.submit(_redraw_list, deps, body["user"]["id"], meeting, body.get("response_url"))


def _redraw_list(deps: Deps, user: str, removed: Meeting, response_url: str | None) -> None:
    service = deps.agenda
    now = deps.now_for(user)
    rows = list_rows(deps, service.meetings(removed.channel), user, now)
    blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": f"Removed *{esc(removed.name)}*: no more "
                                                                         "agendas for it."}]}]
    respond_to(response_url, {"replace_original": True, "text": f"Removed {removed.name}",
                              "blocks": blocks + build_list(removed.channel, rows, now.tzinfo)})
