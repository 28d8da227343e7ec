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
    return (int(head), rest) if head.isdecimal() else (None, "")


class Pressed:
    """Who pressed which flag's button, and whether it is theirs to answer: a flag that is gone may
    still have its own prompt redrawn; somebody else's flag (a forged payload) is never touched."""

    def __init__(self, deps: Deps, body: dict, value: object):
        self.user = body["user"]["id"]
        self.flag_id, self.rest = flag_value(value)
        self.flag = ledger_of(deps).get(self.flag_id) if self.flag_id is not None else None
        self.mine = self.flag_id is not None and (self.flag is None or self.flag.flagger == self.user)


def _redraw(deps: Deps, body: dict, flag_id: int, **kw) -> None:
    deps.background.submit(update_prompt, deps, flag_id, container=body.get("container"), **kw)


def handle_ws_time(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    pressed = Pressed(deps, body, action.get("value"))
    if not pressed.mine:
        return
    if pressed.flag is not None and pressed.rest.isdecimal() and int(pressed.rest) in dict(TIME_CHOICES):
        ledger_of(deps).rate(pressed.flag_id, pressed.user, deps.now(), minutes=int(pressed.rest))
    _redraw(deps, body, pressed.flag_id)


def handle_ws_reason(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    pressed = Pressed(deps, body, (action.get("selected_option") or {}).get("value"))
    if not pressed.mine:
        return
    if pressed.flag is not None and pressed.rest in REASONS:
        ledger_of(deps).rate(pressed.flag_id, pressed.user, deps.now(), reason=pressed.rest)
    _redraw(deps, body, pressed.flag_id)


def handle_ws_other_time(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    pressed = Pressed(deps, body, action.get("value"))
    if not pressed.mine:
        return
    if pressed.flag is None:
        _redraw(deps, body, pressed.flag_id)  # it says the flag is gone
        return
    container = body.get("container") or {}
    where = {"channel": container.get("channel_id"), "ts": container.get("message_ts")}
    deps.background.submit(open_modal, deps, body["trigger_id"], build_other_time_modal(pressed.flag_id, where))


def handle_ws_undo(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    pressed = Pressed(deps, body, action.get("value"))
    if pressed.mine:
        ledger_of(deps).undo(pressed.flag_id, pressed.user)
        _redraw(deps, body, pressed.flag_id, gone=GONE_UNDONE)


def handle_ws_change(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    pressed = Pressed(deps, body, action.get("value"))
    if pressed.mine:
        _redraw(deps, body, pressed.flag_id, editing=True)
