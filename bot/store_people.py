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


@dataclass(frozen=True)
class PersonRecord:
    slack_id: str
    name: str
    tz: str | None
    is_bot: bool
    deleted: bool
    fetched_at: datetime


class PeopleStore(FeatureStore):
    migrations = migrations

    def get(self, slack_id: str) -> PersonRecord | None:
        row = self.store.conn.execute("SELECT slack_id, name, tz, is_bot, deleted, fetched_at FROM people "
                                      "WHERE slack_id = ?", (slack_id,)).fetchone()
        if row is None:
            return None
        return PersonRecord(row[0], row[1], row[2], bool(row[3]), bool(row[4]), parse_iso(row[5]))

    def name_of(self, slack_id: str) -> str:
        """The person's name as Slack gave it, or their id while it has not."""
        record = self.get(slack_id)
        return record.name if record and record.name else slack_id

    def put(self, slack_id: str, name: str, tz: str | None, is_bot: bool, deleted: bool, now: datetime) -> None:
        self.store.conn.execute(
            "INSERT INTO people (slack_id, name, tz, is_bot, deleted, fetched_at) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(slack_id) DO UPDATE SET name=excluded.name, tz=excluded.tz, is_bot=excluded.is_bot, "
            "deleted=excluded.deleted, fetched_at=excluded.fetched_at",
            (slack_id, name, tz, int(is_bot), int(deleted), iso(now)))

    def forget(self, slack_id: str) -> None:
        self.store.conn.execute("DELETE FROM people WHERE slack_id = ?", (slack_id,))
