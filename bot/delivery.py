"""Putting a screen in front of a person, after the acknowledgement: App Home publishes,
modals, and redrawing the ephemeral /top5 list a button was pressed on.

Everything here calls the Web API, so listeners hand it to `deps.background`; a failure is
one log line (the person can press Refresh), never an exception into Bolt."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from .deps import Deps
from .screens import Origin, home_view, top5_reply

log = logging.getLogger("headwork.delivery")


def publish_home(deps: Deps, user_id: str, notice: str | None = None) -> None:
    """Publish a person's Home tab, in their own time zone (asked of Slack on first contact)."""
    now = deps.clock()
    if not deps.directory.is_fresh(user_id, now):
        deps.directory.refresh(user_id, now)
    view = home_view(deps, user_id, deps.now_for(user_id), notice)
    try:
        deps.client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed: %s", exc.response.get("error"))


def open_modal(deps: Deps, trigger_id: str, view: dict) -> None:
    try:
        deps.client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        # expired_trigger_id: Slack allows 3 s between the click and the modal
        log.warning("views.open failed: %s", exc.response.get("error"))


def respond_to(response_url: str | None, message: dict) -> bool:
    """POST to a response_url (valid 30 minutes, 5 uses). False when there is none or it failed."""
    if not response_url:
        return False
    client = WebhookClient(response_url, timeout=10, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=2), ConnectionErrorRetryHandler(max_retry_count=2)])
    try:
        response = client.send_dict(message)
    except OSError as exc:
        log.warning("response_url post failed: %s", type(exc).__name__)
        return False
    if response.status_code != 200:
        log.warning("response_url answered HTTP %s", response.status_code)
        return False
    return True


def redraw(deps: Deps, viewer: str, origin: Origin, notice: str | None = None) -> None:
    """After an action: the /top5 list it came from is replaced in place, and the person's Home
    is republished (it shows the same live list)."""
    if origin.kind == "top5" and origin.owner:
        now = deps.now_for(viewer)
        respond_to(origin.response_url, {"replace_original": True,
                                         **top5_reply(deps, viewer, origin.owner, origin.n, now, notice)})
    elif origin.kind == "other" and notice:
        respond_to(origin.response_url, {"response_type": "ephemeral", "replace_original": False, "text": notice})
    publish_home(deps, viewer, notice if origin.kind == "home" else None)
