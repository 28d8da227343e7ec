"""Bolt's listener matchers called directly (bot/bolt_matchers.py): every listener of the app
gets the direct matcher, and each one decides exactly as Bolt's own would for every kind of
request Headwork receives — a request still reaches the same listener, only sooner."""

from __future__ import annotations

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher

from bot import ids
from bot.bolt_matchers import BodyMatcher
from bot.devkit.slack_requests import (block_actions, button, event_callback, message_shortcut, slash_command,
                                       view_submission)
from bot.listeners import register_listeners

ACTION_IDS = sorted(v for k, v in vars(ids).items() if k.startswith("ACTION_") and isinstance(v, str))
VIEW_IDS = sorted(v for k, v in vars(ids).items() if k.startswith("VIEW_") and isinstance(v, str))


def requests() -> list[BoltRequest]:
    made = [slash_command(c, "help") for c in ids.SLASH_COMMANDS]
    made += [event_callback({"type": e, "user": "U1", "event_ts": "1.2"}) for e in ids.BOT_EVENTS + ("message",)]
    made += [message_shortcut("U1", s, {"ts": "1.2", "text": "x"}, "C1") for s in ids.MESSAGE_SHORTCUTS]
    made += [block_actions("U1", [button(a, "1")]) for a in ACTION_IDS + ["someone_elses_button"]]
    made += [view_submission("U1", v, {}) for v in VIEW_IDS + ["unknown_modal"]]
    return [BoltRequest(body=r.body, headers={"content-type": [r.content_type]}) for r in made]


def test_every_listener_uses_direct_matchers(slack):
    kinds = [type(m) for listener in slack.app._listeners for m in listener.matchers]
    assert kinds and set(kinds) == {BodyMatcher}  # a Bolt upgrade that changes its matchers fails here, loudly


def test_direct_matchers_decide_exactly_as_bolts_own(slack):
    plain = App(token="xoxb-test", signing_secret="s", token_verification_enabled=False,
                request_verification_enabled=False)
    register_listeners(plain)
    ours = slack.app._listeners
    assert len(ours) == len(plain._listeners)
    checked = 0
    resp = BoltResponse(status=200)
    for req in requests():
        routed = []
        for bolt, direct in zip(plain._listeners, ours):
            assert all(type(m) is BuiltinListenerMatcher for m in bolt.matchers)
            want = [m.matches(req, resp) for m in bolt.matchers]
            got = [m.matches(req, resp) for m in direct.matchers]
            assert got == want
            checked += len(want)
            routed.append(all(want))
        if req.body.get("command") or req.body.get("type") in ("shortcut", "message_action"):
            assert any(routed)  # every command and shortcut we declare has a listener
    assert checked > 1000
