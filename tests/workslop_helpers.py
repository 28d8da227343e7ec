"""Shared by the workslop Slack tests: a harness over the demo organisation with a workslop
config, and the gestures people make (react, un-react, click on the DM prompt)."""

from __future__ import annotations

import itertools
from contextlib import contextmanager

from bot import ids
from bot.devkit.harness import SlackHarness
from bot.devkit.slack_requests import block_actions
from bot.store_workslop import WorkslopLedger
from tests.conftest import DEMO_T0, demo_config

TOM, PRIYA, LUCIA, CEO, MEI, SAM = "U0DEMOCS2", "U0DEMOCS1", "U0DEMOCS3", "U0DEMOCEO", "U0DEMODV1", "U0DEMODV2"
GENERAL, SALES, SECRET = "C0GENERAL", "C0SALES", "C0SECRET"

_ts = itertools.count(1)


def next_ts() -> str:
    return f"{1772438400 + next(_ts)}.{next(_ts):06d}"


@contextmanager
def workslop_slack(demo, model, **workslop):
    org, store = demo
    config = demo_config(org)
    if workslop:
        config["workslop"] = workslop
    with SlackHarness(store, config=config, now=DEMO_T0, model=model) as slack:
        for person in org.people:
            slack.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name, tz=person.tz,
                           email=person.email)
            slack.deps.directory.refresh(person.id, DEMO_T0)
        slack.fake.add_channel(GENERAL, "general", is_private=False, num_members=40)
        slack.fake.add_channel(SALES, "sales", is_private=False, num_members=12)
        slack.fake.add_channel(SECRET, "board", is_private=True, num_members=8)
        slack.fake.clear()
        slack.org = org
        slack.ledger = WorkslopLedger(store)
        yield slack
        slack.settle()
        assert slack.fake.block_kit_problems() == []


def reaction(kind: str, user: str, *, author: str | None = PRIYA, channel: str = GENERAL, ts: str = "1772438400.000100",
             name: str = "workslop", file: str | None = None, event_ts: str | None = None) -> dict:
    item = {"type": "file", "file": file} if file else {"type": "message", "channel": channel, "ts": ts}
    event = {"type": kind, "user": user, "reaction": name, "item": item}
    if author:
        event["item_user"] = author
    if event_ts:
        event["event_ts"] = event_ts
    return event


def react(slack, user, **kw):
    envelope = {k: kw.pop(k) for k in ("event_id", "retry_num") if k in kw}
    return slack.event(reaction("reaction_added", user, **kw), **envelope)


def unreact(slack, user, **kw):
    envelope = {k: kw.pop(k) for k in ("event_id", "retry_num") if k in kw}
    return slack.event(reaction("reaction_removed", user, **kw), **envelope)


def dms_to(slack, user, method="chat.postMessage"):
    return [c for c in slack.fake.calls(method) if c.args.get("channel") in (user, "D" + user)]


def prompt_of(slack, user, index=-1):
    """The DM prompt as the person sees it now: the post, then every update to it."""
    slack.settle()
    posts = dms_to(slack, user)
    assert posts, f"no DM to {user}"
    post = posts[index]
    message = {"channel": post.response["channel"], "ts": post.response["ts"], "blocks": post.json_arg("blocks"),
               "text": post.args.get("text")}
    for update in dms_to(slack, user, "chat.update"):
        if update.args.get("ts") == message["ts"]:
            message.update(blocks=update.json_arg("blocks"), text=update.args.get("text"))
    return message


def text_of(blocks) -> str:
    out = []
    for b in blocks or []:
        if b.get("type") in ("section", "header"):
            out.append(b["text"]["text"])
        elif b.get("type") == "context":
            out += [e.get("text", "") for e in b["elements"]]
    return "\n".join(out)


def element(blocks, label: str | None = None, action_id: str | None = None) -> tuple[dict, dict]:
    for block in blocks:
        for e in block.get("elements", []) if block.get("type") == "actions" else []:
            if (label is None or (e.get("text") or {}).get("text") == label) and \
                    (action_id is None or e.get("action_id") == action_id):
                return e, block
    raise AssertionError(f"no element {label or action_id!r}")


def click_dm(slack, user, message, label: str | None = None, reason: str | None = None):
    """Press a button (by label) or pick a reason on the DM prompt, as Slack sends it."""
    if reason is not None:
        e, block = element(message["blocks"], action_id=ids.ACTION_WS_REASON)
        option = next(o for o in e["options"] if o["value"].endswith(":" + reason))
        action = {"type": "static_select", "action_id": e["action_id"], "block_id": block["block_id"],
                  "selected_option": option}
    else:
        e, block = element(message["blocks"], label)
        action = {"type": "button", "action_id": e["action_id"], "block_id": block["block_id"],
                  "value": e.get("value"), "text": e["text"]}
    container = {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                 "is_ephemeral": False}
    request = block_actions(user, [action], channel_id=message["channel"],
                            message={"type": "message", "ts": message["ts"], "blocks": message["blocks"]},
                            container=container, response_url=slack.fake.response_url(f"dm-{user}"))
    return slack.send(request)


def time_values(preset: str | None = None, hours: str | None = None, reason: str | None = None,
                note: str | None = None) -> dict:
    values = {ids.BLOCK_WS_HOURS: {ids.INPUT_WS_HOURS: {"type": "number_input", "value": hours}}}
    if preset is not None:
        values[ids.BLOCK_WS_TIME] = {ids.INPUT_WS_TIME: {"type": "static_select",
                                                         "selected_option": {"value": preset}}}
    if reason is not None:
        values[ids.BLOCK_WS_REASON] = {ids.INPUT_WS_REASON: {"type": "static_select",
                                                             "selected_option": {"value": reason}}}
    if note is not None:
        values[ids.BLOCK_WS_NOTE] = {ids.INPUT_WS_NOTE: {"type": "plain_text_input", "value": note}}
    return values
