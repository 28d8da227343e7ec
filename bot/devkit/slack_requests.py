"""Build and send signed requests exactly as Slack sends them to an app.

House rule: tests drive the *real* Bolt ``App`` through its front door —
signed bodies, real content types, real payload shapes — so request
verification, body parsing and listener matching are exercised too.

Every builder returns a :class:`SlackRequest` ``(body, content_type,
headers)``; hand it to :func:`dispatch` (in-process) or :func:`post_http`
(over a socket)::

    req = slash_command("/ping", "hello", user_id="U1", channel_id="C1")
    resp = dispatch(app, req, secret=SIGNING_SECRET)
    assert resp.status == 200

or to :func:`send_socket` to deliver the same request as a Socket Mode
envelope through :class:`~bot.devkit.fakesocket.FakeSocketMode`.

Shapes follow Slack's reference pages for slash commands, the Events API
envelope, and the ``block_actions`` / ``view_submission`` /
``message_action`` / ``shortcut`` interaction payloads.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from typing import Any, Mapping, NamedTuple
from urllib.parse import parse_qsl, urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.devkit.fakeslack import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from bot.devkit.fakesocket import FakeSocketMode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated field Slack still sends

_counter = itertools.count(1)


class SlackRequest(NamedTuple):
    """A raw request body plus what Slack would send alongside it."""

    body: str
    content_type: str
    headers: dict[str, str] = {}


class HttpResult(NamedTuple):
    """What :func:`post_http` got back."""

    status: int
    headers: dict[str, str]
    body: str


# ---------------------------------------------------------------------- signing


def sign(
    body: str, secret: str, timestamp: int | float | str | None = None,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers Slack would send for ``body``: v0 HMAC signature + timestamp.

    Uses ``SignatureVerifier.generate_signature`` so the tests and Bolt
    agree on the algorithm by construction.
    """
    ts = str(int(float(timestamp if timestamp is not None else time.time())))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {"x-slack-request-timestamp": ts, "x-slack-signature": signature or ""}
    if content_type:
        headers["content-type"] = content_type
    return headers


def slack_ts(now: float | None = None) -> str:
    """A message/event ts (``"1700000000.000100"``) that is unique per process."""
    seconds = int(now if now is not None else time.time())
    return f"{seconds}.{next(_counter) % 1_000_000:06d}"


def new_trigger_id() -> str:
    """A fresh, realistic-looking trigger id."""
    n = next(_counter)
    return f"{n}.{TEAM_ID[1:]}.{n:032x}"


# ---------------------------------------------------------------------- commands & shortcuts


def slash_command(
    command: str,
    text: str = "",
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    team_id: str = TEAM_ID,
    response_url: str | None = None,
    trigger_id: str | None = None,
    user_name: str | None = None,
    channel_name: str = "general",
) -> SlackRequest:
    """Form-encoded slash command.  Pass ``fake.response_url(tag)`` when the
    listener calls ``respond()`` — the default points at hooks.slack.com."""
    params = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or _hooks_url("commands", team_id),
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return SlackRequest(urlencode(params), FORM)


def message_shortcut(
    user_id: str,
    callback_id: str,
    message: dict,
    channel_id: str,
    channel_name: str = "general",
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """``message_action`` payload (a shortcut from a message's menu)."""
    payload = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": slack_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or _hooks_url("app", team_id),
        "message_ts": message.get("ts", ""),
        "message": message,
    }
    return _interactive(payload)


def global_shortcut(
    user_id: str, callback_id: str, trigger_id: str | None = None, team_id: str = TEAM_ID
) -> SlackRequest:
    """``shortcut`` payload; note Slack sends no channel and no response_url."""
    payload = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": slack_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return _interactive(payload)


# ---------------------------------------------------------------------- interactivity


def button(action_id: str, value: str | None = None, block_id: str | None = None) -> dict:
    """One ``actions[]`` entry as sent for a clicked button."""
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id or f"b-{action_id}",
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "action_ts": slack_ts(),
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions(
    user_id: str,
    actions: list[dict],
    channel_id: str | None = None,
    message: dict | None = None,
    view: dict | None = None,
    response_url: str | None = None,
    container: dict | None = None,
    state_values: dict | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """``block_actions`` payload from a message (give ``message`` and
    ``channel_id``) or from a modal / Home tab (give ``view``).

    Message-hosted actions carry ``channel``, ``message`` and a
    ``response_url``; view-hosted ones carry ``view`` and no response_url.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container or _container(channel_id, message, view),
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [{"action_ts": slack_ts(), **a} for a in actions],
    }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "general"}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if message is not None or response_url is not None:
        payload["response_url"] = response_url or _hooks_url("actions", team_id)
    return _interactive(payload)


def view_submission(
    user_id: str,
    callback_id: str,
    state_values: dict,
    private_metadata: str = "",
    view_id: str | None = None,
    blocks: list[dict] | None = None,
    response_urls: list[dict] | None = None,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """``view_submission`` payload.  ``state_values`` is the
    ``view.state.values`` mapping: ``{block_id: {action_id: {"type": ...,
    "value": ...}}}``."""
    view_id = view_id or f"V{next(_counter):08d}"
    payload = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values},
            "hash": f"{int(time.time())}.{view_id}",
            "title": {"type": "plain_text", "text": "Headwork", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B" + APP_ID[1:],
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)


# ---------------------------------------------------------------------- Events API


def event_callback(
    event: dict,
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    event_time: int | None = None,
) -> SlackRequest:
    """Wrap ``event`` in the Events API envelope (JSON).

    With ``retry_num`` it also sets ``X-Slack-Retry-Num``/``-Reason``, as
    Slack does when it redelivers an event it thinks we missed — the same
    ``event_id``, so pass it explicitly to test de-duplication.
    """
    event = {"event_ts": slack_ts(), **event}
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):010d}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [{
            "enterprise_id": None,
            "team_id": team_id,
            "user_id": BOT_USER_ID,
            "is_bot": True,
            "is_enterprise_install": False,
        }],
        "is_ext_shared_channel": False,
    }
    headers = {}
    if retry_num is not None:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return SlackRequest(json.dumps(body), JSON, headers)


def message_event(
    user: str, text: str, channel: str, ts: str | None = None,
    thread_ts: str | None = None, channel_type: str = "channel", **envelope: Any,
) -> SlackRequest:
    """A plain user ``message`` event (``channel_type="im"`` for DMs)."""
    event = {"type": "message", "user": user, "text": text, "channel": channel,
             "ts": ts or slack_ts(), "channel_type": channel_type, "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, **envelope)


def app_home_opened(
    user_id: str, tab: str = "home", view: dict | None = None, **envelope: Any
) -> SlackRequest:
    """``app_home_opened``; first-ever opens carry no ``view``."""
    event: dict[str, Any] = {"type": "app_home_opened", "user": user_id,
                             "channel": "D" + user_id, "tab": tab}
    if view is not None:
        event["view"] = view
    return event_callback(event, **envelope)


def reaction_added(
    user: str,
    reaction: str,
    item_user: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
    item_type: str = "message",
    file_id: str | None = None,
    **envelope: Any,
) -> SlackRequest:
    """``reaction_added``; ``item_user`` is omitted for webhook-authored items."""
    return event_callback(
        _reaction("reaction_added", user, reaction, item_user, channel, ts, item_type, file_id),
        **envelope,
    )


def reaction_removed(
    user: str,
    reaction: str,
    item_user: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
    item_type: str = "message",
    file_id: str | None = None,
    **envelope: Any,
) -> SlackRequest:
    """``reaction_removed``; same shape as :func:`reaction_added`."""
    return event_callback(
        _reaction("reaction_removed", user, reaction, item_user, channel, ts, item_type, file_id),
        **envelope,
    )


# ---------------------------------------------------------------------- sending


def dispatch(
    app: App,
    body: str | SlackRequest,
    content_type: str | None = None,
    secret: str | None = None,
    now: float | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> BoltResponse:
    """Sign ``body`` and run it through ``app.dispatch`` in-process.

    ``body`` may be a :class:`SlackRequest`, whose content type and
    headers are used unless overridden.  ``now`` is the signing timestamp;
    Bolt rejects anything more than 5 minutes from the real clock.
    """
    raw, headers = _prepare(body, content_type, secret, now, extra_headers)
    return app.dispatch(BoltRequest(body=raw, headers=headers))


def post_http(
    url: str,
    body: str | SlackRequest,
    content_type: str | None = None,
    secret: str | None = None,
    now: float | None = None,
    extra_headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> HttpResult:
    """Same as :func:`dispatch` but POSTed over real HTTP with urllib.

    Error statuses are returned, not raised, so tests can assert on 401s.
    """
    raw, headers = _prepare(body, content_type, secret, now, extra_headers)
    request = urllib.request.Request(url, data=raw.encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return HttpResult(resp.status, dict(resp.headers), resp.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        return HttpResult(err.code, dict(err.headers), err.read().decode("utf-8"))


# ---------------------------------------------------------------------- Socket Mode


def socket_envelope(req: SlackRequest) -> tuple[str, dict]:
    """The Socket Mode envelope ``(type, payload)`` Slack sends instead of ``req``.

    Over the socket Slack sends the same content, decoded: a slash
    command's form fields as a dict of strings, an interaction's
    ``payload=`` JSON as an object, an Events API body as-is.
    """
    if req.content_type.split(";")[0].strip().lower() == JSON:
        return "events_api", json.loads(req.body)
    fields = dict(parse_qsl(req.body, keep_blank_values=True))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"])
    return "slash_commands", fields


def send_socket(fake_socket: FakeSocketMode, req: SlackRequest) -> str:
    """Deliver ``req`` over Socket Mode; returns the envelope id to wait on.

    ``X-Slack-Retry-Num``/``-Reason`` headers become the envelope's
    ``retry_attempt``/``retry_reason``, where Slack puts them in this mode.
    """
    kind, payload = socket_envelope(req)
    headers = {name.lower(): value for name, value in req.headers.items()}
    retry = headers.get("x-slack-retry-num")
    return fake_socket.send_envelope(
        kind, payload,
        retry_attempt=int(retry) if retry is not None else None,
        retry_reason=headers.get("x-slack-retry-reason"),
    )


# ---------------------------------------------------------------------- internals


def _prepare(
    body: str | SlackRequest,
    content_type: str | None,
    secret: str | None,
    now: float | None,
    extra_headers: Mapping[str, str] | None,
) -> tuple[str, dict[str, str]]:
    if not secret:
        raise ValueError("a signing secret is required to sign the request")
    if isinstance(body, SlackRequest):
        raw, content_type, base = body.body, content_type or body.content_type, dict(body.headers)
    else:
        raw, base = body, {}
    headers = {**base, **sign(raw, secret, now, content_type or FORM)}
    headers.update(extra_headers or {})
    return raw, headers


def _interactive(payload: dict) -> SlackRequest:
    """Interactivity payloads arrive form-encoded as a single ``payload`` field."""
    return SlackRequest(urlencode({"payload": json.dumps(payload)}), FORM)


def _team(team_id: str) -> dict:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str) -> dict:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _container(channel_id: str | None, message: dict | None, view: dict | None) -> dict:
    if view is not None:
        return {"type": "view", "view_id": view.get("id", "")}
    return {"type": "message", "message_ts": (message or {}).get("ts", ""),
            "channel_id": channel_id, "is_ephemeral": False}


def _reaction(
    kind: str, user: str, reaction: str, item_user: str | None, channel: str | None,
    ts: str | None, item_type: str, file_id: str | None,
) -> dict:
    if item_type == "file":
        item = {"type": "file", "file": file_id or "F0FILE"}
    else:
        item = {"type": "message", "channel": channel, "ts": ts or slack_ts()}
    event: dict[str, Any] = {"type": kind, "user": user, "reaction": reaction, "item": item}
    if item_user is not None:
        event["item_user"] = item_user
    return event


def _hooks_url(kind: str, team_id: str) -> str:
    n = next(_counter)
    return f"https://hooks.slack.com/{kind}/{team_id}/{n}/{n:024x}"
