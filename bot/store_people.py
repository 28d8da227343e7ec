"""SQL for what Headwork remembers about Slack users: name and time zone (from users.info)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore, iso, parse_iso

migrations = Migrations("headwork.people")


@migrations()
def m001_people(db) -> None:
    db.execute("""
        CREATE TABLE people (
            slack_id TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            tz TEXT,
            is_bot INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL
        )""")


@migrations()
def m002_people_changed_ts(db) -> None:
    # When Slack made the change the row shows (a `user_change`'s event_ts, a user object's `updated`):
    # a redelivered older event (a deactivation retried after the reactivation) must not undo it.
    db.execute("ALTER TABLE people ADD COLUMN changed_ts REAL")


@dataclass(frozen=True)
class PersonRecord:
    slack_id: str
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool
    fetched_at: datetime
    changed_ts: float | None = None  # when Slack made the change this record shows (Unix time), if it said


class PeopleStore(FeatureStore):
    migrations = migrations

    def get(self, slack_id: str) -> PersonRecord | None:
        row = self.store.conn.execute("SELECT slack_id, name, tz, is_bot, deleted, fetched_at, changed_ts FROM people "
                                      "WHERE slack_id = ?", (slack_id,)).fetchone()
        if row is None:
            return None
        return PersonRecord(row[0], row[1], row[2], bool(row[3]), bool(row[4]), parse_iso(row[5]), row[6])

    def name_of(self, slack_id: str) -> str:
        """The person's name as Slack gave it, or their id while it has not."""
        record = self.get(slack_id)
        return record.name if record and record.name else slack_id

    def put(self, slack_id: str, name: str, tz: str | None, is_bot: bool, deleted: bool, now: datetime,
            changed_ts: float | None = None) -> None:
        """Store what Slack says of a person; `changed_ts` (when Slack made that change) is kept as the
        latest one applied."""
        self.store.conn.execute(
            "INSERT INTO people (slack_id, name, tz, is_bot, deleted, fetched_at, changed_ts) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT(slack_id) DO UPDATE SET name=excluded.name, tz=excluded.tz, is_bot=excluded.is_bot, "
            "deleted=excluded.deleted, fetched_at=excluded.fetched_at, "
            "changed_ts=max(coalesce(excluded.changed_ts, changed_ts), coalesce(changed_ts, excluded.changed_ts))",
            (slack_id, name, tz, int(is_bot), int(deleted), iso(now), changed_ts))

    def forget(self, slack_id: str) -> None:
        self.store.conn.execute("DELETE FROM people WHERE slack_id = ?", (slack_id,))
