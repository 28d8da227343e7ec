"""Sending what Headwork says on its own: claimed once, sent once, retried until delivered.

`Outbox.send(key, method, args)` claims an idempotency key in the database and queues the
Web API call; `Outbox.drain(now)` delivers what is due, pacing posts to about one per
second per channel (Slack's limit for chat.postMessage). Transient failures (HTTP 5xx,
connection errors, rate limits left over after the client's own retries) are retried with
backoff; permanent Slack errors (channel_not_found, ...) are marked failed and logged.
A worker thread (`start()`) drains continuously in `headwork run`; tests call `drain`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from scoring.store import TaskStore

from .store_outbox import OutboxItem, OutboxStore

log = logging.getLogger(__name__)

# The token stopped working: nothing can be sent until someone reinstalls, so stop and keep everything.
AUTH_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
PACE_SECONDS = 1.0
MAX_BACKOFF = timedelta(minutes=30)


class Outbox:
    def __init__(self, store: TaskStore, client: WebClient, clock: Callable[[], datetime],
                 sleep: Callable[[float], None] = time.sleep, pace_seconds: float = PACE_SECONDS):
        self.db = OutboxStore(store)
        self.store = store
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.pace_seconds = pace_seconds
        self._last_post: dict[str, float] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._paused: str | None = None

    # --- queueing ---------------------------------------------------------------------------

    def send(self, key: str, method: str, args: dict, not_before: datetime | None = None) -> bool:
        """Queue a call under an idempotency key. False if that key was already claimed."""
        claimed = self.db.claim(key, method, args, self.clock(), not_before)
        if claimed:
            self._wake.set()
        return claimed

    def cancel(self, key: str, why: str = "cancelled") -> bool:
        """Withdraw a queued call before it is sent; False when it was sent (or is being sent)."""
        return self.db.cancel(key, why)

    # --- delivery ---------------------------------------------------------------------------

    def pause(self, reason: str) -> None:
        """Stop delivering (the app was uninstalled, its token revoked): queued items wait, none is
        dropped; a restart with working tokens delivers them."""
        if self._paused is None:
            log.error("outbox paused: %s; %d message(s) wait", reason, self.db.counts().get("pending", 0))
        self._paused = reason

    def drain(self, now: datetime | None = None, limit: int = 100) -> int:
        """Deliver every due item (one pass). Returns how many were sent."""
        if self._paused is not None:
            return 0
        with self._lock:  # one drainer per process; other processes are fenced by mark_sending
            sent = 0
            for item in self.db.due(now or self.clock(), limit):
                if self._paused is not None:
                    break
                if self._deliver(item):
                    sent += 1
            return sent

    def _deliver(self, item: OutboxItem) -> bool:
        if not self.db.mark_sending(item.id):
            return False
        self._pace(item.channel)
        try:
            response = self.client.api_call(item.method, json=item.args)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            status = getattr(exc.response, "status_code", 200)
            if error in AUTH_ERRORS:
                self.db.mark_retry(item.id, error, self.clock())
                self.pause(f"Slack answered {error}")
            elif error in TRANSIENT_ERRORS or status >= 500:
                self._retry(item, f"{error} (HTTP {status})")
            else:
                self.db.mark_failed(item.id, error)
                log.error("Slack refused %s for %s: %s (not retried)", item.method, item.key, error)
            return False
        except (SlackClientError, OSError) as exc:
            self._retry(item, type(exc).__name__)
            return False
        self.db.mark_sent(item.id, _useful(response.data), self.clock())
        return True

    def _retry(self, item: OutboxItem, error: str) -> None:
        delay = min(MAX_BACKOFF, timedelta(seconds=2 ** min(item.attempts + 1, 12)))
        self.db.mark_retry(item.id, error, self.clock() + delay)
        log.warning("%s for %s failed (%s); retry %d in %ds", item.method, item.key, error, item.attempts + 1,
                    delay.total_seconds())

    def _pace(self, channel: str | None) -> None:
        if not channel or self.pace_seconds <= 0:
            return
        last = self._last_post.get(channel)
        now = time.monotonic()
        if last is not None and now - last < self.pace_seconds:
            self.sleep(self.pace_seconds - (now - last))
        self._last_post[channel] = time.monotonic()

    # --- the worker thread --------------------------------------------------------------------

    def recover(self) -> int:
        interrupted = self.db.recover_interrupted()
        for item in interrupted:
            log.error("%s for %s was interrupted mid-send by a crash; not resent to avoid a duplicate",
                      item.method, item.key)
        return len(interrupted)

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._run, name="headwork-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:  # the sender must survive anything; the item stays queued
                log.exception("outbox drain failed")
            self._wake.wait(timeout=1.0)
            self._wake.clear()


def _useful(data) -> dict:
    """Keep what later steps need (where it was posted) and not whole message echoes."""
    if not isinstance(data, dict):
        return {}
    keep = {k: data[k] for k in ("channel", "ts", "message_ts", "scheduled_message_id") if k in data}
    if "view" in data and isinstance(data["view"], dict):
        keep["view_id"] = data["view"].get("id")
    return keep
