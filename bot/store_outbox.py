"""SQL for the outbox: every message Headwork sends on its own initiative (DMs, agenda
posts, digests) is claimed here under an idempotency key before it is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore, iso

migrations = Migrations("headwork.outbox")

# pending -> sending -> sent | failed (permanent Slack error) | unconfirmed (posted, but Slack's answer
# never came: it may have arrived) | unknown (Slack's history could not tell whether it arrived).
# 'unconfirmed' is due again at next_attempt_ts, when its channel's history is read: sent (found there)
# or pending (provably not there). After a crash 'sending' is reconciled the same way, see Outbox.recover.
STATES = ("pending", "sending", "sent", "failed", "unconfirmed", "unknown")
# A channel's messages go out in the order they were queued: one waiting for a retry (or to be looked up)
# holds the later ones of its channel back. `offline`: waiting because Slack could not be reached; all
# such are due again at once when a send gets through (`back_online`).


@migrations()
def m001_outbox(db) -> None:
    db.execute("""
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            method TEXT NOT NULL,
            args TEXT NOT NULL,
            channel TEXT,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ts REAL NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            response TEXT,
            last_error TEXT
        )""")
    db.execute("CREATE INDEX outbox_due ON outbox (state, next_attempt_ts)")


@migrations()
def m002_order_lease(db) -> None:
    db.execute("ALTER TABLE outbox ADD COLUMN sending_at REAL")  # when it was taken for sending (clock time)
    db.execute("ALTER TABLE outbox ADD COLUMN offline INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX outbox_open_by_channel ON outbox (channel, id) "
               "WHERE state IN ('pending', 'unconfirmed', 'sending')")
    # the one process running the outbox of this database (see bot.outbox.OutboxLease)
    db.execute("""
        CREATE TABLE outbox_lease (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            token TEXT NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started REAL NOT NULL,
            renewed REAL NOT NULL
        )""")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    method: str
    args: dict
    channel: str | None
    state: str
    attempts: int
    response: dict | None
    last_error: str | None
    created_at: str | None = None  # when the key was claimed (the clock's ISO time)
    sending_at: float | None = None  # when it was last taken for sending (the clock's Unix time)


@dataclass(frozen=True)
class LeaseHolder:
    token: str
    pid: int
    host: str
    started: float
    renewed: float  # Unix times (the machine's wall clock)


_COLS = "id, key, method, args, channel, state, attempts, response, last_error, created_at, sending_at"
_OPEN = "('pending', 'unconfirmed', 'sending')"


def _item(row) -> OutboxItem:
    return OutboxItem(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6],
                      json.loads(row[7]) if row[7] else None, row[8], row[9], row[10])


class OutboxStore(FeatureStore):
    migrations = migrations

    def claim(self, key: str, method: str, args: dict, now: datetime, not_before: datetime | None = None) -> bool:
        """Claim `key` and queue the call. False when the key was already claimed (never sent twice)."""
        cur = self.store.conn.execute(
            "INSERT OR IGNORE INTO outbox (key, method, args, channel, next_attempt_ts, created_at) VALUES (?,?,?,?,?,?)",
            (key, method, json.dumps(args, separators=(",", ":")), args.get("channel"),
             (not_before or now).timestamp(), iso(now)))
        return cur.rowcount == 1

    def get(self, key: str) -> OutboxItem | None:
        row = self.store.conn.execute(f"SELECT {_COLS} FROM outbox WHERE key = ?", (key,)).fetchone()
        return _item(row) if row else None

    def due(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        """What is due: calls to send ('pending') and posts to look up first ('unconfirmed'), in the
        order they were queued; none behind an earlier call of its channel that is waiting (for a
        retry, to be looked up, or being sent)."""
        ts = now.timestamp()
        rows = self.store.conn.execute(
            f"SELECT {_COLS} FROM outbox o WHERE state IN ('pending', 'unconfirmed') AND next_attempt_ts <= ? "
            f"AND NOT (o.channel IS NOT NULL AND EXISTS (SELECT 1 FROM outbox e WHERE e.channel = o.channel "
            f"AND e.id < o.id AND e.state IN {_OPEN} AND (e.state = 'sending' OR e.next_attempt_ts > ?) "
            "AND (e.attempts > 0 OR e.state = 'unconfirmed'))) "
            "ORDER BY id LIMIT ?", (ts, ts, limit)).fetchall()
        return [_item(r) for r in rows]

    def next_due_ts(self) -> float | None:
        row = self.store.conn.execute("SELECT min(next_attempt_ts) FROM outbox "
                                      "WHERE state IN ('pending', 'unconfirmed')").fetchone()
        return row[0]

    def mark_sending(self, item_id: int, now: datetime | None = None) -> bool:
        """Move pending -> sending (at `now`); False if someone else (another process) took it first."""
        cur = self.store.conn.execute("UPDATE outbox SET state = 'sending', attempts = attempts + 1, sending_at = ? "
                                      "WHERE id = ? AND state = 'pending'",
                                      (now.timestamp() if now else None, item_id))
        return cur.rowcount == 1

    def mark_checking(self, item_id: int) -> bool:
        """Move unconfirmed -> sending, to read Slack's history for it; False if someone else took it.
        (`sending_at` stays when the post itself was last sent.)"""
        cur = self.store.conn.execute("UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                                      "WHERE id = ? AND state = 'unconfirmed'", (item_id,))
        return cur.rowcount == 1

    def mark_unconfirmed(self, item_id: int, error: str, check_at: datetime, offline: bool = False) -> None:
        """A call that may have reached Slack although no answer came: looked up at `check_at`
        before anything is sent again."""
        self.store.conn.execute("UPDATE outbox SET state = 'unconfirmed', last_error = ?, next_attempt_ts = ?, "
                                "offline = ? WHERE id = ?", (error, check_at.timestamp(), int(offline), item_id))

    def mark_sent(self, item_id: int, response: dict, now: datetime) -> None:
        self.store.conn.execute("UPDATE outbox SET state = 'sent', sent_at = ?, response = ?, last_error = NULL, "
                                "offline = 0 WHERE id = ?", (iso(now), json.dumps(response), item_id))

    def mark_retry(self, item_id: int, error: str, retry_at: datetime, offline: bool = False) -> None:
        self.store.conn.execute("UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_ts = ?, "
                                "offline = ? WHERE id = ?", (error, retry_at.timestamp(), int(offline), item_id))

    def back_online(self, now: datetime) -> int:
        """Slack answers again: every call waiting only because it could not be reached is due now."""
        return self.store.conn.execute(
            "UPDATE outbox SET next_attempt_ts = ?, offline = 0 WHERE offline = 1 "
            "AND state IN ('pending', 'unconfirmed') AND next_attempt_ts > ?",
            (now.timestamp(), now.timestamp())).rowcount

    def note_in_flight_at_stop(self, item_id: int, why: str) -> bool:
        """A clean stop left this call waiting for Slack's answer: said so on it, for the next start."""
        return self.store.conn.execute("UPDATE outbox SET last_error = ? WHERE id = ? AND state = 'sending'",
                                       (why, item_id)).rowcount == 1

    def mark_failed(self, item_id: int, error: str) -> None:
        self.store.conn.execute("UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?", (error, item_id))

    def requeue_failed(self, key: str, args: dict, now: datetime) -> bool:
        """A call Slack refused (so never delivered) queued again under its key, with these args,
        due now: after someone fixed what Slack objected to. False unless it is 'failed'."""
        return self.store.conn.execute(
            "UPDATE outbox SET state = 'pending', args = ?, channel = ?, next_attempt_ts = ?, "
            "last_error = 'queued again after: ' || coalesce(last_error, '') WHERE key = ? AND state = 'failed'",
            (json.dumps(args, separators=(",", ":")), args.get("channel"), now.timestamp(), key)).rowcount == 1

    def cancel(self, key: str, why: str = "cancelled") -> bool:
        """Withdraw a call not sent yet (what it was about is gone). False once it is on its way."""
        return self.store.conn.execute("UPDATE outbox SET state = 'failed', last_error = ? "
                                       "WHERE key = ? AND state = 'pending'", (why, key)).rowcount == 1

    def cancel_prefix(self, key_prefix: str, why: str) -> int:
        """`cancel` every call not sent yet whose key starts so; how many. (A range of the keys'
        unique index: every key from the prefix up to, not including, the prefix with its last
        character the next one.)"""
        after = key_prefix[:-1] + chr(ord(key_prefix[-1]) + 1)
        return self.store.conn.execute("UPDATE outbox SET state = 'failed', last_error = ? "
                                       "WHERE key >= ? AND key < ? AND state = 'pending'",
                                       (why, key_prefix, after)).rowcount

    def forget_recipient(self, channel: str, key_prefix: str) -> int:
        """Erase what was sent to someone under one feature's keys (`headwork forget`)."""
        return self.store.conn.execute("DELETE FROM outbox WHERE channel = ? AND key LIKE ? ESCAPE '\\'",
                                       (channel, _like_prefix(key_prefix))).rowcount

    def interrupted(self) -> list[OutboxItem]:
        """Calls caught mid-send by a crash: they may or may not have reached Slack."""
        return [_item(r) for r in self.store.conn.execute(
            f"SELECT {_COLS} FROM outbox WHERE state = 'sending' ORDER BY id").fetchall()]

    def reconciled_sent(self, item_id: int, response: dict, now: datetime) -> bool:
        """An interrupted call found delivered after all: sent, with where it landed."""
        return self.store.conn.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, response = ?, last_error = NULL "
            "WHERE id = ? AND state = 'sending'", (iso(now), json.dumps(response), item_id)).rowcount == 1

    def reconciled_pending(self, item_id: int, why: str, now: datetime) -> bool:
        """An interrupted call that Slack never got (or that is safe to repeat): queued again, due now."""
        return self.store.conn.execute(
            "UPDATE outbox SET state = 'pending', last_error = ?, next_attempt_ts = ? "
            "WHERE id = ? AND state = 'sending'", (why, now.timestamp(), item_id)).rowcount == 1

    def reconciled_unknown(self, item_id: int, why: str) -> bool:
        """An interrupted call nobody can vouch for: kept as 'unknown', never resent (a loud gap
        is better than a duplicate post)."""
        return self.store.conn.execute("UPDATE outbox SET state = 'unknown', last_error = ? "
                                       "WHERE id = ? AND state = 'sending'", (why, item_id)).rowcount == 1

    # --- the lease: which process runs this database's outbox ---------------------------------------

    def lease(self) -> LeaseHolder | None:
        row = self.store.conn.execute("SELECT token, pid, host, started, renewed FROM outbox_lease").fetchone()
        return LeaseHolder(*row) if row else None

    def take_lease(self, holder: LeaseHolder, replacing: str | None) -> bool:
        """Hold the lease: when nobody does (`replacing` None) or in place of the holder `replacing`
        (found gone). False when someone else got there first."""
        if replacing is None:
            sql, args = ("INSERT OR IGNORE INTO outbox_lease (id, token, pid, host, started, renewed) "
                         "VALUES (1, ?, ?, ?, ?, ?)", ())
        else:
            sql, args = ("UPDATE outbox_lease SET token = ?, pid = ?, host = ?, started = ?, renewed = ? "
                         "WHERE id = 1 AND token = ?", (replacing,))
        values = (holder.token, holder.pid, holder.host, holder.started, holder.renewed)
        return self.store.conn.execute(sql, values + args).rowcount == 1

    def renew_lease(self, token: str, now: float) -> bool:
        return self.store.conn.execute("UPDATE outbox_lease SET renewed = ? WHERE token = ?",
                                       (now, token)).rowcount == 1

    def release_lease(self, token: str) -> None:
        self.store.conn.execute("DELETE FROM outbox_lease WHERE token = ?", (token,))

    def counts(self) -> dict[str, int]:
        return dict(self.store.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())

    def items(self, state: str | None = None) -> list[OutboxItem]:
        where, args = ("WHERE state = ?", (state,)) if state else ("", ())
        return [_item(r) for r in self.store.conn.execute(f"SELECT {_COLS} FROM outbox {where} ORDER BY id", args)]


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern (ESCAPE '\\') for the keys that start with `prefix`."""
    return prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
