"""SQL for event deduplication: Slack redelivers an event up to three times."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore

migrations = Migrations("headwork.events")


@migrations()
def m001_seen_events(db) -> None:
    db.execute("CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, seen_ts REAL NOT NULL) WITHOUT ROWID")
    db.execute("CREATE INDEX seen_events_ts ON seen_events (seen_ts)")


class EventLog(FeatureStore):
    migrations = migrations

    def claim(self, event_id: str, now: datetime) -> bool:
        """True the first time an event id is seen; False for a redelivery already claimed."""
        with self.store.transaction():  # queue with this process's other writers
            return self.claim_here(event_id, now)

    def claim_here(self, event_id: str, now: datetime) -> bool:
        """`claim` inside a transaction the caller holds: the claim commits (or rolls back) with
        the work it guards."""
        cur = self.store.conn.execute("INSERT OR IGNORE INTO seen_events (event_id, seen_ts) VALUES (?, ?)",
                                      (event_id, now.timestamp()))
        return cur.rowcount == 1

    def release(self, event_id: str) -> None:
        """Processing failed: let Slack's next redelivery try again."""
        self.store.conn.execute("DELETE FROM seen_events WHERE event_id = ?", (event_id,))

    def prune(self, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
        return self.store.conn.execute("DELETE FROM seen_events WHERE seen_ts < ?",
                                       ((now - keep).timestamp(),)).rowcount
