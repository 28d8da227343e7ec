"""The buttons on a flagger's private prompt (a DM): time lost, Other…, why, Undo, Change.
Only the flagger can answer for their flag; the prompt is redrawn in place after each answer."""

from __future__ import annotations

from ...blocks.workslop import TIME_CHOICES, build_other_time_modal
from ...delivery import open_modal
from ...deps import Deps
from ...workslop.flagging import GONE_UNDONE, ledger_of, update_prompt
from ...workslop.tally import REASONS


def flag_value(value: object) -> tuple[int | None, str]:
    """'12:60' -> (12, '60'); '12' -> (12, ''); anything forged or stale -> (None, '')."""
    head, _, rest = str(value or "").partition(":")
    return (int(head), rest) if head.isdigit() else (None, "")


def _own_flag(deps: Deps, flag_id: int | None, user: str):
    """(flag, may_touch): a flag that is gone may still have its own prompt redrawn; somebody
    else's flag (a forged payload) is never touched."""
    flag = ledger_of(deps).get(flag_id) if flag_id is not None else None
    return flag, flag is None or flag.flagger == user


def _redraw(deps: Deps, body: dict, flag_id: int, **kw) -> None:
    deps.background.submit(update_prompt, deps, flag_id, container=body.get("container"), **kw)


def handle_ws_time(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, raw = flag_value(action.get("value"))
    flag, mine = _own_flag(deps, flag_id, user)
    if not mine or flag_id is None:
        return
    if flag is not None and raw.isdigit() and int(raw) in dict(TIME_CHOICES):
        ledger_of(deps).rate(flag_id, user, deps.now(), minutes=int(raw))
    _redraw(deps, body, flag_id)


def handle_ws_reason(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, reason = flag_value((action.get("selected_option") or {}).get("value"))
    flag, mine = _own_flag(deps, flag_id, user)
    if not mine or flag_id is None:
        return
    if flag is not None and reason in REASONS:
        ledger_of(deps).rate(flag_id, user, deps.now(), reason=reason)
    _redraw(deps, body, flag_id)


def handle_ws_other_time(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, _ = flag_value(action.get("value"))
    flag, mine = _own_flag(deps, flag_id, user)
    if flag is None or not mine:
        if flag_id is not None and mine:
            _redraw(deps, body, flag_id)
        return
    container = body.get("container") or {}
    where = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
    deps.background.submit(open_modal, deps, body["trigger_id"], build_other_time_modal(flag_id, where))


def handle_ws_undo(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, _ = flag_value(action.get("value"))
    _, mine = _own_flag(deps, flag_id, user)
    if not mine or flag_id is None:
        return
    ledger_of(deps).undo(flag_id, user)
    _redraw(deps, body, flag_id, gone=GONE_UNDONE)


def handle_ws_change(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, _ = flag_value(action.get("value"))
    _, mine = _own_flag(deps, flag_id, user)
    if mine and flag_id is not None:
        _redraw(deps, body, flag_id, editing=True)
