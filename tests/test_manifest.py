"""manifest.yml is a valid Slack app manifest, and it and the app agree: every command, event
and shortcut in it reaches a listener, every listener is declared in it, and every Web API
method the code calls has its scope."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot import ids
from bot.devkit.slack_requests import event_callback, message_shortcut, slash_command

ROOT = Path(__file__).parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text("utf-8"))
SCHEMA = json.loads((Path(__file__).parent / "data" / "slack-manifest.schema.json").read_text("utf-8"))

# Web API methods (as slack_sdk names them) and the bot scope each needs.
SCOPES = {
    "chat_postMessage": "chat:write", "chat_update": "chat:write", "chat_postEphemeral": "chat:write",
    "conversations_open": "im:write", "users_info": "users:read", "users_lookupByEmail": "users:read.email",
    "usergroups_users_list": "usergroups:read", "files_upload_v2": "files:write",
    "conversations_info": "channels:read", "reactions_get": "reactions:read",
    "conversations_history": "channels:history",  # and groups:/im:history, see below
}


def test_manifest_validates_against_slacks_schema():
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(MANIFEST), key=str)
    assert [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors] == []


def test_manifest_is_socket_mode_with_home_and_interactivity():
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def _manifest_commands() -> set[str]:
    return {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def _manifest_shortcuts(kind: str) -> set[str]:
    return {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", []) if s["type"] == kind}


def test_manifest_declares_exactly_what_ids_lists():
    assert _manifest_commands() == set(ids.SLASH_COMMANDS)
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == set(ids.BOT_EVENTS)
    assert _manifest_shortcuts("message") == set(ids.MESSAGE_SHORTCUTS)
    assert _manifest_shortcuts("global") == set(getattr(ids, "GLOBAL_SHORTCUTS", ()))


def test_every_command_that_takes_a_mention_has_slack_escape_it():
    """Without `should_escape`, Slack sends "@bob" as plain text and the listener, which reads <@U…>
    user ids, never learns who was meant: a command whose usage hint takes an @someone needs it."""
    unescaped = [c["command"] for c in MANIFEST["features"]["slash_commands"]
                 if "@" in c.get("usage_hint", "") and c.get("should_escape") is not True]
    assert unescaped == []


def _registered(kind: str) -> set[str]:
    """Every `app.<kind>(ids.NAME)` in the listener packages, resolved through bot/ids.py."""
    found = set()
    for path in (ROOT / "bot" / "listeners").rglob("*.py"):
        for name in re.findall(rf"app\.{kind}\(ids\.([A-Z0-9_]+)\)", path.read_text("utf-8")):
            found.add(getattr(ids, name))
    return found


def test_every_listener_is_declared_in_the_manifest():
    assert _registered("command") == _manifest_commands()
    assert _registered("event") == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert _registered("shortcut") == _manifest_shortcuts("message") | _manifest_shortcuts("global")


@pytest.mark.parametrize("command", sorted(_manifest_commands()))
def test_every_command_reaches_a_listener(slack, command):
    assert slack.send(slash_command(command, "help", user_id="U0DEMOCS2")).status == 200


@pytest.mark.parametrize("event", sorted(MANIFEST["settings"]["event_subscriptions"]["bot_events"]))
def test_every_event_reaches_a_listener(slack, event):
    body = {"type": event, "user": "U0DEMOCS2", "tab": "messages", "tokens": {}}
    if event.startswith("reaction_"):
        body.update(reaction="thumbsup", item={"type": "message", "channel": "C0GENERAL", "ts": "1.2"})
    assert slack.send(event_callback(body)).status == 200  # an unhandled event would get 404


@pytest.mark.parametrize("callback_id", sorted(_manifest_shortcuts("message")))
def test_every_message_shortcut_reaches_a_listener(slack, callback_id):
    message = {"type": "message", "user": "U0DEMOCS1", "ts": "1772438400.000100", "text": "hello"}
    assert slack.send(message_shortcut("U0DEMOCS2", callback_id, message, "C0GENERAL")).status == 200


def test_every_web_api_method_used_has_its_scope():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "bot").rglob("*.py") if "devkit" not in p.parts)
    used = {m for m in SCOPES if re.search(rf"\b{m}\(", source) or f'"{m.replace("_", ".", 1)}"' in source}
    assert "chat_postMessage" in used and "users_info" in used
    assert {m: SCOPES[m] for m in used if SCOPES[m] not in scopes} == {}
    assert "commands" in scopes


def test_the_outbox_can_read_back_its_own_posts_in_every_kind_of_conversation():
    """After a crash the outbox looks in the history of public and private channels and DMs."""
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"channels:history", "groups:history", "im:history"} <= scopes
