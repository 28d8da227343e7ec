"""Sending what Headwork says on its own: claimed once, sent once, retried until delivered.

`Outbox.send(key, method, args)` claims an idempotency key in the database and queues the
Web API call; `Outbox.drain(now)` delivers what is due, pacing posts to about one per
second per channel (Slack's limit for chat.postMessage). Transient failures (HTTP 5xx,
connection errors, rate limits left over after the client's own retries) are retried with
backoff, but a post is never repeated blindly (see below); permanent Slack errors
(channel_not_found, ...) are marked failed, logged, and handed to whoever registered for that
kind of key (`on_failure`: an agenda's meeting owner is told why).
A worker thread (`start()`) drains continuously in `headwork run`; tests call `drain`.

Every chat.postMessage carries its idempotency key as Slack message metadata (`METADATA_EVENT`),
invisible to people. After a crash, a post caught mid-send is looked up in its channel's history
(`recover`): there → sent (with its ts, so a later chat.update still finds it); provably not there →
sent again, once; history unreadable → 'unknown', logged, never resent. An interrupted chat.update
is simply repeated (it is idempotent); any other method stays 'unknown'.

The same goes for a post whose outcome is unknown while running: a timeout, a connection reset or an
answer cut short after the request left, or Slack's own internal_error. It becomes 'unconfirmed',
and a minute later its channel's history is read: there → sent; provably not there → sent once;
history unreadable for good (a missing scope) → 'unknown', logged, never resent; unreadable for now
(Slack down) → looked up again later. Only a call that surely never left (connection refused, a
host name that does not resolve) is retried blindly; chat.update and views.publish are repeated.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from scoring.store import TaskStore

from .slack_client import never_left
from .store_outbox import OutboxItem, OutboxStore

log = logging.getLogger(__name__)

# The token stopped working: nothing can be sent until someone reinstalls, so stop and keep everything.
AUTH_ERRORS = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
# Passing failures. Slack did nothing with the call (repeat it) ...
NOT_PROCESSED = {"ratelimited", "service_unavailable", "request_timeout"}
# ... or, in Slack's words, "it's possible some aspect of the operation succeeded" (a post is looked up first).
MAYBE_PROCESSED = {"internal_error", "fatal_error"}
TRANSIENT_ERRORS = NOT_PROCESSED | MAYBE_PROCESSED
PACE_SECONDS = 1.0
MAX_BACKOFF = timedelta(minutes=30)

METADATA_EVENT = "headwork_outbox"  # metadata.event_type of every post: {"key": <idempotency key>}
# Slack stamps ts with its own clock: look this far before the claim in case ours runs ahead.
CLOCK_SKEW = timedelta(minutes=10)
HISTORY_PAGE = 200
HISTORY_PAGES = 5  # more pages than that since the claim: too busy to prove absence -> 'unknown'
REPEATABLE = {"chat.update"}  # the same call again leaves the same result, even after a restart
IDEMPOTENT = REPEATABLE | {"views.publish"}  # repeated at once when Slack's answer never came
# A post whose answer never came is looked up this long after (Slack may still be working on it).
CONFIRM_AFTER = timedelta(minutes=1)
CRASH = "was interrupted mid-send by a crash"
NO_ANSWER = "was not confirmed by Slack"


class Outbox:
    def __init__(self, store: TaskStore, client: WebClient, clock: Callable[[], datetime],
                 sleep: Callable[[float], None] | None = None, pace_seconds: float = PACE_SECONDS):
        self.db = OutboxStore(store)
        self.store = store
        self.client = client
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.sleep = sleep or self._stop.wait  # pacing waits, but never past a stop
        self.pace_seconds = pace_seconds
        self._last_post: dict[str, float] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._paused: str | None = None
        self._bot_id: str | None = None  # ours, from auth.test: whose messages count in a history
        self._on_failure: list[tuple[str, Callable[[OutboxItem, str], None]]] = []
        self._claims = 0  # calls queued by this process so far: a drain goes on for those queued meanwhile

    # --- queueing ---------------------------------------------------------------------------

    def send(self, key: str, method: str, args: dict, not_before: datetime | None = None) -> bool:
        """Queue a call under an idempotency key. False if that key was already claimed."""
        claimed = self.db.claim(key, method, _with_key(key, method, args), self.clock(), not_before)
        if claimed:
            self._claims += 1
            self._wake.set()
        return claimed

    def on_failure(self, prefix: str, handler: Callable[[OutboxItem, str], None]) -> None:
        """Call `handler(item, error)` when Slack refuses, for good, a call whose key starts with
        `prefix` (after it is marked failed; the handler may queue calls of its own)."""
        self._on_failure.append((prefix, handler))

    def send_again(self, key: str, args: dict) -> bool:
        """Queue again, with these args, a call Slack refused for good, under the same key (it never
        arrived, so this sends it once); False when the key is not a refused call."""
        item = self.db.get(key)
        if item is None or item.state != "failed":
            return False
        again = self.db.requeue_failed(key, _with_key(key, item.method, args), self.clock())
        if again:
            self._claims += 1
            self._wake.set()
        return again

    def cancel(self, key: str, why: str = "cancelled") -> bool:
        """Withdraw a queued call before it is sent; False when it was sent (or is being sent)."""
        return self.db.cancel(key, why)

    def cancel_prefix(self, key_prefix: str, why: str) -> int:
        """Withdraw every queued call whose key starts so and is not sent yet; how many."""
        return self.db.cancel_prefix(key_prefix, why)

    # --- delivery ---------------------------------------------------------------------------

    def pause(self, reason: str) -> None:
        """Stop delivering (the app was uninstalled, its token revoked): queued items wait, none is
        dropped; a restart with working tokens delivers them."""
        if self._paused is None:
            log.error("outbox paused: %s; %d message(s) wait", reason, self.db.counts().get("pending", 0))
        self._paused = reason

    def drain(self, now: datetime | None = None, limit: int = 100, passes: int = 3) -> int:
        """Deliver every due item, and then those queued meanwhile (a failure handler's notice),
        in up to `passes` passes. Returns how many were sent."""
        if self._paused is not None:
            return 0
        with self._lock:  # one drainer per process; other processes are fenced by mark_sending
            sent = 0
            for _ in range(passes):
                claims = self._claims
                for item in self.db.due(now or self.clock(), limit):
                    if self._paused is not None or self._stop.is_set():
                        return sent  # stopping: what is left waits, queued, for the next start
                    if self._deliver(item):
                        sent += 1
                if self._claims == claims:
                    break
            return sent

    def _deliver(self, item: OutboxItem) -> bool:
        if item.state == "unconfirmed":  # a post whose answer never came: was it delivered?
            if not self.db.mark_checking(item.id) or self._settle(item, NO_ANSWER, patient=True) != "pending":
                return False
            item = self.db.get(item.key)  # provably not in the channel: sent now, once
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
            elif error in NOT_PROCESSED or status in (429, 503):
                self._retry(item, f"{error} (HTTP {status})")
            elif error in MAYBE_PROCESSED or status >= 500:
                self._unanswered(item, f"{error} (HTTP {status})")
            else:
                self.db.mark_failed(item.id, error)
                log.error("Slack refused %s for %s: %s (not retried)", item.method, item.key, error)
                self._failed(item, error)
            return False
        except Exception as exc:  # noqa: BLE001 - whatever broke (a timeout, a reset, a cut answer), never stuck
            if never_left(exc):
                self._retry(item, type(exc).__name__)
            else:
                self._unanswered(item, type(exc).__name__)
            return False
        self.db.mark_sent(item.id, _useful(response.data), self.clock())
        return True

    def _unanswered(self, item: OutboxItem, error: str) -> None:
        """The call may have reached Slack, but no answer says so. Repeated if repeating is harmless;
        a post is looked up in its channel's history before it is sent again (see `_settle`)."""
        if item.method in IDEMPOTENT:
            self._retry(item, error)
        elif item.method == "chat.postMessage":
            delay = max(CONFIRM_AFTER, timedelta(seconds=2 ** min(item.attempts + 1, 12)))
            delay = min(delay, MAX_BACKOFF)
            self.db.mark_unconfirmed(item.id, f"unconfirmed: {error}", self.clock() + delay)
            log.warning("%s for %s may have reached Slack, unconfirmed (%s): its channel's history is read in %ds, "
                        "and it is sent again only if it is not there", item.method, item.key, error,
                        delay.total_seconds())
        else:
            self._unknown(item, NO_ANSWER, error)

    def _failed(self, item: OutboxItem, error: str) -> None:
        for prefix, handler in self._on_failure:
            if item.key.startswith(prefix):
                try:
                    handler(item, error)
                except Exception:  # noqa: BLE001 - a handler's fault must not stop the other deliveries
                    log.exception("the failure handler for %s failed", item.key)

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
        """After a crash: settle every call caught mid-send (see the module docstring). Returns
        how many there were."""
        with self._lock:
            interrupted = self.db.interrupted()
            self._bot_id = None
            for item in interrupted:
                try:
                    self._settle(item, CRASH)
                except Exception:  # noqa: BLE001 - whatever broke, the safe answer is the old one
                    log.exception("reconciling %s for %s failed", item.method, item.key)
                    self._unknown(item, CRASH, "reconciliation failed")
            return len(interrupted)

    def _settle(self, item: OutboxItem, cause: str, patient: bool = False) -> str:
        """Whether a call in 'sending' that may have reached Slack did: 'sent' (found in its channel's
        history), 'pending' (provably not there, or safe to repeat: queued, due now), 'unknown'
        (nobody can tell: reported, never resent) or, when `patient`, 'later' (the history cannot be
        read just now: looked up again after a while)."""
        now = self.clock()
        if item.method in REPEATABLE:
            if self.db.reconciled_pending(item.id, f"{cause}; repeated (idempotent)", now):
                log.warning("%s for %s %s; repeating it (safe to repeat)", item.method, item.key, cause)
            return "pending"
        if item.method != "chat.postMessage":
            self._unknown(item, cause, f"{item.method} cannot be checked afterwards")
            return "unknown"
        if _metadata_key(item.args.get("metadata")) != item.key:
            self._unknown(item, cause, "posted without its key in the message metadata")
            return "unknown"
        if item.args.get("thread_ts"):
            self._unknown(item, cause, "a thread reply, which the channel's history does not list")
            return "unknown"
        try:
            found = self._find_in_history(item)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            status = getattr(exc.response, "status_code", 200)
            passing = error in AUTH_ERRORS or error in NOT_PROCESSED or error in MAYBE_PROCESSED or status >= 500
            if patient and passing:
                return self._look_again(item, f"channel history unreadable: {error}", pause=error in AUTH_ERRORS)
            self._unknown(item, cause, f"channel history unreadable: {error}")
            return "unknown"
        except Exception as exc:  # noqa: BLE001 - unreachable, cut short: no proof either way
            if patient:
                return self._look_again(item, f"channel history unreadable: {type(exc).__name__}")
            self._unknown(item, cause, f"channel history unreadable: {type(exc).__name__}")
            return "unknown"
        self._wake.set()
        if isinstance(found, int):
            self._unknown(item, cause, f"more history since it was claimed than the {found} message(s) read")
            return "unknown"
        if found:
            if self.db.reconciled_sent(item.id, found, now):
                log.warning("%s for %s %s: it went wrong after Slack got it (found in %s at %s); not sent again",
                            item.method, item.key, cause, found["channel"], found["ts"])
            return "sent"
        if self.db.reconciled_pending(item.id, f"{cause}, before Slack got it", now):
            log.warning("%s for %s %s: it went wrong before Slack got it (not in the channel's history); "
                        "sending it once now", item.method, item.key, cause)
        return "pending"

    def _look_again(self, item: OutboxItem, why: str, pause: bool = False) -> str:
        delay = min(MAX_BACKOFF, max(CONFIRM_AFTER, timedelta(seconds=2 ** min(item.attempts + 1, 12))))
        self.db.mark_unconfirmed(item.id, why, self.clock() + delay)
        if pause:
            self.pause(why)
        else:
            log.warning("%s for %s may have reached Slack, and its channel's history cannot be read just now (%s): "
                        "looked up again in %ds, before anything is sent", item.method, item.key, why,
                        delay.total_seconds())
        return "later"

    def _find_in_history(self, item: OutboxItem) -> dict | int:
        """{"channel", "ts"} of our message carrying this item's key; {} when the channel's history
        since the claim provably lacks it; how many messages were read when there was more than
        HISTORY_PAGES pages of it (Slack may cap a page at 15 messages for apps outside its Marketplace)."""
        channel = str(item.args.get("channel", ""))
        if channel[:1] in ("U", "W"):  # a DM addressed to the person: history lives in the DM channel
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        if self._bot_id is None:
            self._bot_id = self.client.auth_test().get("bot_id") or ""
        claimed = datetime.fromisoformat(item.created_at) if item.created_at else self.clock()
        oldest = f"{(claimed - CLOCK_SKEW).timestamp():.6f}"
        cursor, read = None, 0
        for _ in range(HISTORY_PAGES):
            page = self.client.conversations_history(channel=channel, oldest=oldest, limit=HISTORY_PAGE,
                                                     include_all_metadata=True, cursor=cursor)
            read += len(page.get("messages") or [])
            for message in page.get("messages") or []:
                if (_metadata_key(message.get("metadata")) == item.key
                        and (not self._bot_id or message.get("bot_id") == self._bot_id)):
                    return {"channel": channel, "ts": message["ts"]}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return {}
        return read

    def _unknown(self, item: OutboxItem, cause: str, why: str) -> None:
        if self.db.reconciled_unknown(item.id, why):
            log.error("%s for %s %s and may or may not have reached Slack (%s); marked unknown, not resent to "
                      "avoid a duplicate", item.method, item.key, cause, why)

    def start(self) -> None:
        """Start the worker: it settles what a crash interrupted (reading Slack's history can take
        a while; start-up does not wait for it), then drains continuously."""
        self._thread = threading.Thread(target=self._run, name="headwork-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.recover()
        except Exception:  # noqa: BLE001 - the database itself failed; the items stay 'sending', shown as such
            log.exception("outbox recovery failed")
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:  # the sender must survive anything; the item stays queued
                log.exception("outbox drain failed")
            self._wake.wait(timeout=1.0)
            self._wake.clear()


def _with_key(key: str, method: str, args: dict) -> dict:
    """A post's args with its idempotency key in the message metadata (a caller's own metadata wins)."""
    if method == "chat.postMessage" and "metadata" not in args:
        return {**args, "metadata": key_metadata(key)}
    return args


def key_metadata(key: str) -> dict:
    """Slack message metadata naming an outbox key: invisible in the channel, readable back through
    conversations.history(include_all_metadata=true)."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def _metadata_key(metadata) -> str | None:
    """The outbox key in a message's metadata (as we sent it, or as Slack's history returns it)."""
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    payload = metadata.get("event_payload")
    key = payload.get("key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def _useful(data) -> dict:
    """Keep what later steps need (where it was posted) and not whole message echoes."""
    if not isinstance(data, dict):
        return {}
    keep = {k: data[k] for k in ("channel", "ts", "message_ts", "scheduled_message_id") if k in data}
    if "view" in data and isinstance(data["view"], dict):
        keep["view_id"] = data["view"].get("id")
    return keep
