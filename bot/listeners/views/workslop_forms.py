"""The workslop modals, submitted: Other… (hours for a prompt), Rate (from /workslop) and the
shortcut's flag-and-rate. Errors stay in the modal, next to the field."""

from __future__ import annotations

from ... import ids
from ...blocks.workslop import build_notice_modal, minutes_text, reason_text
from ...deps import Deps
from ...workslop.flagging import learn_channel, ledger_of, record_flag, update_prompt
from ...workslop.forms import read_metadata, read_rating
from ..actions.workslop_list import refresh_list
from ..shortcuts.flag_workslop import SELF_FLAG, cap_text

GONE = "This flag was removed, so there is nothing to rate. Close this and flag it again if you like."


def _own_flag(deps: Deps, meta: dict, user: str):
    flag_id = meta.get("flag")
    flag = ledger_of(deps).get(flag_id) if isinstance(flag_id, int) else None
    return flag if flag is not None and flag.flagger == user else None


def handle_other_time(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    meta = read_metadata(view)
    rating = read_rating(view, with_select=False)
    flag = _own_flag(deps, meta, user)
    if flag is None:
        ack(response_action="errors", errors={ids.BLOCK_WS_HOURS: GONE})
        return
    if rating.errors:
        ack(response_action="errors", errors=rating.errors)
        return
    ledger_of(deps).rate(flag.id, user, deps.now(), minutes=rating.minutes)
    ack()
    container = {"channel_id": meta.get("channel"), "message_ts": meta.get("ts")}
    deps.background.submit(update_prompt, deps, flag.id, container=container)


def handle_rate(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    meta = read_metadata(view)
    rating = read_rating(view)
    flag = _own_flag(deps, meta, user)
    if flag is None:
        ack(response_action="errors", errors={ids.BLOCK_WS_TIME: GONE})
        return
    if rating.errors:
        ack(response_action="errors", errors=rating.errors)
        return
    ledger_of(deps).rate(flag.id, user, deps.now(), minutes=rating.minutes, reason=rating.reason, note=rating.note)
    ack()
    deps.background.submit(update_prompt, deps, flag.id)
    deps.background.submit(refresh_list, deps, user, str(meta.get("response_url") or "") or None)


def handle_flag(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    meta = read_metadata(view)
    item, channel = str(meta.get("item") or ""), meta.get("channel")
    author = meta.get("author") if isinstance(meta.get("author"), str) else None
    rating = read_rating(view)
    if rating.errors:
        ack(response_action="errors", errors=rating.errors)
        return
    if not item.startswith("msg:"):
        ack(response_action="errors", errors={ids.BLOCK_WS_TIME: "Slack didn't say which message this was."})
        return
    outcome, flag_id = record_flag(deps, flagger=user, item=item, channel=channel, author=author, source="shortcut")
    if outcome == "self":
        ack(response_action="errors", errors={ids.BLOCK_WS_TIME: SELF_FLAG})
        return
    if outcome == "cap":
        ack(response_action="errors", errors={ids.BLOCK_WS_TIME: cap_text(deps.settings.config.workslop.daily_cap)})
        return
    ledger_of(deps).rate(flag_id, user, deps.now(), minutes=rating.minutes, reason=rating.reason, note=rating.note)
    ack(response_action="update", view=build_notice_modal(
        "Flagged", f":white_check_mark: Recorded: it cost you *{minutes_text(rating.minutes)}* — "
                   f"{reason_text(rating.reason)}. Thank you. See or undo your flags any time with `/workslop`."))
    deps.background.submit(learn_channel, deps, channel, deps.now())
    if outcome == "existing":
        deps.background.submit(update_prompt, deps, flag_id)
