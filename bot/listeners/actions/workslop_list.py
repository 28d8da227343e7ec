"""Rate and Undo on the /workslop list (an ephemeral message: redrawn through its response_url)."""

from __future__ import annotations

from ... import ids
from ...blocks.workslop import build_flag_modal
from ...delivery import open_modal, respond_to
from ...deps import Deps
from ...workslop.flagging import GONE_UNDONE, ledger_of, update_prompt
from ...workslop.mine import my_week_reply
from .workslop_prompt import flag_value


def refresh_list(deps: Deps, user: str, response_url: str | None) -> None:
    respond_to(response_url, {"replace_original": True, **my_week_reply(deps, user)})


def handle_ws_rate(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, _ = flag_value(action.get("value"))
    flag = ledger_of(deps).get(flag_id) if flag_id is not None else None
    if flag is None or flag.flagger != user:
        deps.background.submit(refresh_list, deps, user, body.get("response_url"))
        return
    view = build_flag_modal(ids.VIEW_WS_RATE, "What did it cost you?",
                            {"flag": flag.id, "response_url": body.get("response_url") or ""}, flag=flag)
    deps.background.submit(open_modal, deps, body["trigger_id"], view)


def handle_ws_list_undo(ack, body: dict, action: dict, deps: Deps) -> None:
    ack()
    user = body["user"]["id"]
    flag_id, _ = flag_value(action.get("value"))
    if flag_id is not None and ledger_of(deps).undo(flag_id, user):
        deps.background.submit(update_prompt, deps, flag_id, gone=GONE_UNDONE)
    deps.background.submit(refresh_list, deps, user, body.get("response_url"))

