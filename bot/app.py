"""`create_app(deps)`: the Bolt `App` Headwork runs, in Socket Mode or over HTTP.

Thin on purpose: it builds the `App`, hands every listener its dependencies through one
middleware (`deps`), drops Slack's event redeliveries, and registers the listeners per
kind (`bot/listeners/<kind>/`). Settings, store, Web API client and clock are all injected
(see `bot.deps.build_deps`); nothing here reads the environment or the clock.

`process_before_response=True`: a listener's `ack()` is answered as soon as the listener
returns, without Bolt's thread-pool runner polling for it every 10 ms. Every listener does
its fast store work, acks, and hands anything slow (Web API calls) to `deps.background`.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.errors import SlackClientError

from .bolt_calls import direct_listener_args, light_request_clients
from .bolt_matchers import direct_matchers
from .deps import Deps
from .listeners import register_listeners
from .middleware import HeadworkMiddleware

log = logging.getLogger("headwork.app")

# Failures worth Slack's redelivery: they may not happen again in a minute.
RETRYABLE = (sqlite3.OperationalError, OSError, SlackClientError)

# Socket Mode requests are never signed (the WebSocket is authenticated by the app token);
# Bolt still wants a non-empty secret, and must not go looking for one in os.environ.
_UNSIGNED = "socket-mode-requests-are-not-signed"


def create_app(deps: Deps, *, http: bool = False) -> App:
    """The Bolt app. `http=True` verifies Slack's request signatures (HTTP mode needs
    SLACK_SIGNING_SECRET); Socket Mode requests arrive over the authenticated WebSocket."""
    secret = deps.settings.env.slack_signing_secret
    signing_secret = secret.get_secret_value() if secret is not None else ""
    if http and not signing_secret:
        raise ValueError("HTTP mode needs a signing secret")
    app = App(
        client=deps.client,
        signing_secret=signing_secret or _UNSIGNED,
        request_verification_enabled=http or bool(signing_secret),
        token_verification_enabled=False,  # `headwork run` checks the token itself, with a clear message
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        # Bolt configures a logger named after the app on every request, copying the level of the
        # logger below; named "headwork" it would set our whole `headwork.*` tree to WARNING and
        # silence every INFO line of ours logged for the first time after the first request.
        name="headwork_app",
        logger=logging.getLogger("headwork.bolt"),
    )
    app.use(HeadworkMiddleware(deps, deps.events))
    app.error(_on_error)
    register_listeners(app)
    direct_matchers(app)
    direct_listener_args(app)
    light_request_clients(app)
    return app


def _on_error(error: Exception, request: BoltRequest, body: dict) -> BoltResponse:
    """One place for listener failures: one log line naming the request (never its content:
    it may hold people's messages or tokens), then the answer that loses the least.

    - An event that failed for a passing reason (the database busy, Slack unreachable): 500, so
      our dedupe releases the event id and Slack's redelivery retries it. Any other failure of an
      event (a payload we cannot use) is acknowledged: a retry would fail the same way.
    - Already acknowledged: what the listener acknowledged stands.
    - A slash command: a polite ephemeral line instead of Slack's "failed with error".
    - A modal submission: the modal stays open with what the person typed, and says so.
    - Anything else: 200, nothing shown.
    """
    body = body if isinstance(body, dict) else {}
    log.error("listener failed for %s: %s: %s", describe(body), type(error).__name__, error,
              exc_info=(type(error), error, error.__traceback__))
    if body.get("type") == "event_callback":
        return BoltResponse(status=500 if isinstance(error, RETRYABLE) else 200, body="")
    acked = getattr(request.context.ack, "response", None)
    if acked is not None and acked.status < 500:
        return BoltResponse(status=acked.status, body=acked.body, headers=acked.headers)
    if body.get("command"):
        return BoltResponse(status=200, headers={"content-type": "application/json"}, body=json.dumps({
            "response_type": "ephemeral",
            "text": "Sorry — something went wrong on my side and nothing was changed. Please try again in a minute."}))
    if body.get("type") == "view_submission":
        block_id = _first_input_block(body.get("view"))
        if block_id:
            return BoltResponse(status=200, headers={"content-type": "application/json"}, body=json.dumps({
                "response_action": "errors",
                "errors": {block_id: "Sorry — this could not be saved just now. Please try again."}}))
    return BoltResponse(status=200, body="")


def describe(body: dict) -> str:
    """'slash command /top5', 'event reaction_added', 'block_actions task_done', ...: what a log line
    may say. Whatever the body holds (a forged one: a view that is a string, say), never an error,
    and never more than a short name from it."""
    if body.get("command"):
        return f"slash command {_short(body['command'])}"
    kind = _short(body.get("type") or "request")
    if kind == "event_callback":
        return f"event {_short(_mapping(body.get('event')).get('type', '?'))}"
    actions = body.get("actions")
    detail = (next((a.get("action_id") for a in actions if isinstance(a, dict)), None)
              if isinstance(actions, list) else None) \
        or _mapping(body.get("view")).get("callback_id") or body.get("callback_id") or ""
    return f"{kind} {_short(detail)}".strip()


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _short(value) -> str:
    return str(value)[:60]


def _first_input_block(view) -> str | None:
    blocks = _mapping(view).get("blocks")
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return block["block_id"]
    return None
