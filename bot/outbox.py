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
A post caught mid-send by a crash or a stop is treated alike: Slack may still be working on it, so its
history is read only CONFIRM_AFTER after it was taken for sending, never at once at start-up.

Order and outages: a channel's messages go out in the order they were queued (one waiting for a retry
holds the later ones of its channel back); a 429 waits Slack's Retry-After; while Slack cannot be reached
the first waiting message of each channel is tried again every minute, and once one gets through, every
message held back by the outage is due at once.

One process per database: `OutboxLease` is the row saying which process runs this outbox (pid, host,
renewed every few seconds); `headwork run` refuses to start while another live process holds it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from scoring.store import TaskStore

from .slack_client import never_left
from .store_outbox import LeaseHolder, OutboxItem, OutboxStore

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
STOPPED = "was still waiting for Slack's answer when Headwork stopped"
NO_ANSWER = "was not confirmed by Slack"
# While Slack cannot be reached, each channel's first message is tried again this often (no longer:
# it goes out within a minute of Slack being back, and the rest of the queue right after it).
OFFLINE_RETRY = timedelta(minutes=1)
# A clean stop waits this long for Slack's answer to a call in flight (docker stop's grace is 10 s).
STOP_WAIT_SECONDS = 8.0


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
        self._in_flight: OutboxItem | None = None  # the call the worker is inside, waiting for Slack's answer
        self._offline_since: datetime | None = None  # Slack could not be reached since (None: it answers)

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
                held: set[str] = set()  # channels whose earlier message did not go out: the rest wait
                for item in self.db.due(now or self.clock(), limit):
                    if self._paused is not None or self._stop.is_set():
                        return sent  # stopping: what is left waits, queued, for the next start
                    if item.channel is not None and item.channel in held:
                        continue
                    if self._deliver(item):
                        sent += 1
                    elif item.channel is not None and self._still_waiting(item):
                        held.add(item.channel)
                if self._claims == claims:
                    break
            return sent

    def _deliver(self, item: OutboxItem) -> bool:
        if item.state == "unconfirmed":  # a post whose answer never came: was it delivered?
            cause = item.last_error if item.last_error in (CRASH, STOPPED) else NO_ANSWER
            if not self.db.mark_checking(item.id) or self._settle(item, cause, patient=True) != "pending":
                return False
            item = self.db.get(item.key)  # provably not in the channel: sent now, once
        if not self.db.mark_sending(item.id, self.clock()):
            return False
        self._pace(item.channel)
        self._in_flight = item
        try:
            response = self.client.api_call(item.method, json=item.args)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown_error") if exc.response is not None else "unknown_error"
            status = getattr(exc.response, "status_code", 200)
            if error in AUTH_ERRORS:
                self.db.mark_retry(item.id, error, self.clock())
                self.pause(f"Slack answered {error}")
            elif error == "ratelimited" or status == 429:
                self._retry(item, f"{error} (HTTP {status})", after=_retry_after(exc.response))
            elif error in NOT_PROCESSED or status == 503:
                self._retry(item, f"{error} (HTTP {status})", offline=True)
            elif error in MAYBE_PROCESSED or status >= 500:
                self._unanswered(item, f"{error} (HTTP {status})")
            else:
                self.db.mark_failed(item.id, error)
                log.error("Slack refused %s for %s: %s (not retried)", item.method, item.key, error)
                self._failed(item, error)
            return False
        except Exception as exc:  # noqa: BLE001 - whatever broke (a timeout, a reset, a cut answer), never stuck
            if never_left(exc):
                self._retry(item, type(exc).__name__, offline=True)
            else:
                self._unanswered(item, type(exc).__name__)
            return False
        finally:
            self._in_flight = None
        now = self.clock()
        self.db.mark_sent(item.id, _useful(response.data), now)
        self._reachable(now)
        return True

    def _still_waiting(self, item: OutboxItem) -> bool:
        """Queued still, for a retry or a look-up (not refused for good, not given up as unknown)."""
        now = self.db.get(item.key)
        return now is not None and now.state in ("pending", "unconfirmed", "sending")

    def _reachable(self, now: datetime) -> None:
        """A call got through: what waited only because Slack could not be reached is due now."""
        if self._offline_since is None:
            return
        waiting = self.db.back_online(now)
        log.info("Slack answers again (unreachable since %s): %d waiting message(s) go out now, in order",
                 self._offline_since.isoformat(timespec="seconds"), waiting + 1)
        self._offline_since = None
        self._wake.set()

    def _unanswered(self, item: OutboxItem, error: str) -> None:
        """The call may have reached Slack, but no answer says so. Repeated if repeating is harmless;
        a post is looked up in its channel's history before it is sent again (see `_settle`)."""
        if item.method in IDEMPOTENT:
            self._retry(item, error, offline=True)
        elif item.method == "chat.postMessage":
            delay = max(CONFIRM_AFTER, timedelta(seconds=2 ** min(item.attempts + 1, 12)))
            delay = min(delay, MAX_BACKOFF)
            self.db.mark_unconfirmed(item.id, f"unconfirmed: {error}", self.clock() + delay)  # not 'offline':
            # Slack may still be working on it, and it is looked up only after that patience
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

    def _retry(self, item: OutboxItem, error: str, offline: bool = False, after: float | None = None) -> None:
        """Due again later: after Slack's Retry-After (`after`, seconds) when it gave one, else with
        backoff; `offline` (Slack could not be reached or is down): every minute at most, and due at
        once when another call gets through. The later calls of its channel wait behind it."""
        delay = min(MAX_BACKOFF, timedelta(seconds=2 ** min(item.attempts + 1, 12)))
        if after is not None:
            delay = timedelta(seconds=max(1.0, after))
        elif offline:
            delay = min(delay, OFFLINE_RETRY)
        now = self.clock()
        self.db.mark_retry(item.id, error, now + delay, offline=offline)
        if offline and self._offline_since is not None:  # said when the outage began; not once a minute
            log.debug("%s for %s failed (%s); retry %d in %ds", item.method, item.key, error, item.attempts + 1,
                      delay.total_seconds())
            return
        if offline:
            self._offline_since = now
            log.warning("%s for %s failed (%s): Slack cannot be reached; what is queued waits, in order, and goes "
                        "out as soon as Slack answers (tried again every %ds)", item.method, item.key, error,
                        OFFLINE_RETRY.total_seconds())
            return
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
        """At start-up (this process holds the lease: whatever is 'sending' was left by a process that
        is gone): settle every call caught mid-send by a crash or a stop. A post is looked up in its
        channel's history only CONFIRM_AFTER after it was taken for sending (Slack may still be working
        on it, and 'not there yet' proves nothing); anything else is settled now (see `_settle`).
        Returns how many there were."""
        with self._lock:
            interrupted = self.db.interrupted()
            self._bot_id = None
            now = self.clock()
            for item in interrupted:
                cause = STOPPED if item.last_error == STOPPED else CRASH
                try:
                    if self._checkable_post(item):
                        self._look_up_later(item, cause, now)
                    else:
                        self._settle(item, cause)
                except Exception:  # noqa: BLE001 - whatever broke, the safe answer is the old one
                    log.exception("reconciling %s for %s failed", item.method, item.key)
                    self._unknown(item, cause, "reconciliation failed")
            return len(interrupted)

    @staticmethod
    def _checkable_post(item: OutboxItem) -> bool:
        return (item.method == "chat.postMessage" and _metadata_key(item.args.get("metadata")) == item.key
                and not item.args.get("thread_ts"))

    def _look_up_later(self, item: OutboxItem, cause: str, now: datetime) -> None:
        sent = datetime.fromtimestamp(item.sending_at, now.tzinfo) if item.sending_at else now
        check_at = min(sent + CONFIRM_AFTER, now + CONFIRM_AFTER)  # a clock set back waits no longer than that
        self.db.mark_unconfirmed(item.id, cause, check_at)
        log.warning("%s for %s %s: its channel's history is read at %s, a minute after it was sent (Slack may still "
                    "be working on it), and it is sent again only if it is not there", item.method, item.key, cause,
                    check_at.isoformat(timespec="seconds"))

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
                return self._look_again(item, f"channel history unreadable: {error}", pause=error in AUTH_ERRORS,
                                        offline=error not in AUTH_ERRORS)
            self._unknown(item, cause, f"channel history unreadable: {error}")
            return "unknown"
        except Exception as exc:  # noqa: BLE001 - unreachable, cut short: no proof either way
            if patient:
                return self._look_again(item, f"channel history unreadable: {type(exc).__name__}", offline=True)
            self._unknown(item, cause, f"channel history unreadable: {type(exc).__name__}")
            return "unknown"
        self._wake.set()
        self._reachable(now)  # its history was read: Slack answers
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

    def _look_again(self, item: OutboxItem, why: str, pause: bool = False, offline: bool = False) -> str:
        delay = min(MAX_BACKOFF, max(CONFIRM_AFTER, timedelta(seconds=2 ** min(item.attempts + 1, 12))))
        if offline:
            delay = OFFLINE_RETRY
            self._offline_since = self._offline_since or self.clock()
        self.db.mark_unconfirmed(item.id, why, self.clock() + delay, offline=offline)
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

    def stop(self, timeout: float = STOP_WAIT_SECONDS) -> None:
        """Stop taking work; wait up to `timeout` for Slack's answer to a call in flight. One still
        unanswered then is marked so: the next start looks it up a minute after it was sent (it is
        never sent again before), and says it was a stop, not a crash."""
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            item = self._in_flight
            if self._thread.is_alive() and item is not None and self.db.note_in_flight_at_stop(item.id, STOPPED):
                log.warning("stopping while %s for %s waits for Slack's answer: the next start reads its channel's "
                            "history a minute after it was sent, and sends it again only if it is not there",
                            item.method, item.key)

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


# --- one process per database ------------------------------------------------------------------------

LEASE_RENEW_SECONDS = 5.0
LEASE_STALE_SECONDS = 30.0  # not renewed for that long: its holder is gone (or frozen), the lease is free


class OutboxLease:
    """Which process runs this database's outbox: a row naming it (pid, host), renewed every
    LEASE_RENEW_SECONDS. A holder is live while it renews, and, on this host, while its pid runs (so
    a restart after kill -9 takes over at once); one on another host that stopped renewing is
    taken over after LEASE_STALE_SECONDS. Times are the machine's wall clock (`wall`), shared by
    every process, unlike the injected clock of the features."""

    def __init__(self, store: TaskStore, wall: Callable[[], float] = time.time, host: str | None = None,
                 pid: int | None = None):
        self.db = OutboxStore(store)
        self.wall = wall
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.held = False

    def live_holder(self) -> LeaseHolder | None:
        """Another process holding the lease and alive; None when it is free (or stale)."""
        holder = self.db.lease()
        return holder if holder is not None and self._live(holder) else None

    def _live(self, holder: LeaseHolder) -> bool:
        if holder.token == self.token:
            return False
        if self.wall() - holder.renewed > LEASE_STALE_SECONDS:
            return False
        if holder.host == self.host:  # a pid of this machine: ask the kernel (ours: an earlier run of this pid)
            return holder.pid != self.pid and _pid_runs(holder.pid)
        return True

    def acquire(self) -> LeaseHolder | None:
        """Take the lease; the live holder instead when another process has it."""
        with self.db.store.transaction():
            holder = self.db.lease()
            if holder is not None and self._live(holder):
                return holder
            now = self.wall()
            ours = LeaseHolder(self.token, self.pid, self.host, now, now)
            if not self.db.take_lease(ours, holder.token if holder else None):
                return self.db.lease()
        self.held = True
        if holder is not None:
            log.info("outbox: took over from pid %s on %s, which is gone", holder.pid, holder.host)
        return None

    def keep(self, on_lost: Callable[[str], None]) -> None:
        """Renew the lease on a thread of its own until `release`; `on_lost(why)` if someone took it."""
        def renew() -> None:
            while not self._stop.wait(LEASE_RENEW_SECONDS):
                try:
                    if not self.db.renew_lease(self.token, self.wall()):
                        holder = self.db.lease()
                        on_lost(f"another headwork run (pid {holder.pid} on {holder.host}) took over this database"
                                if holder else "this process's outbox lease was removed")
                        return
                except Exception:  # noqa: BLE001 - a locked database now and then: renewed next time
                    log.warning("outbox: the lease could not be renewed just now", exc_info=True)

        self._thread = threading.Thread(target=renew, name="headwork-outbox-lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.db.release_lease(self.token)
        self.held = False


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    except OSError:
        return False
    return True


def _retry_after(response) -> float | None:
    """Seconds from a 429's Retry-After header, when it has one."""
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) and value else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


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
