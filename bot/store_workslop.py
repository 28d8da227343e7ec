"""SQL for the workslop ledger: one row per live flag (a person said "this AI output cost me
time"), with what they answered when asked how much and why.

Privacy is built into the shape: the flagger's id is stored so they can see and undo their own
flags and be forgotten, and it leaves this module only in `flags_of` (their own) and as a count
of distinct people in tallies; nothing here joins a flagger to an author for anyone else.
A retracted flag (reaction removed, Undo) is deleted, not marked: the ledger is what people
stand by now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils.migrations import Migrations

from scoring.store import TaskStore, iso, parse_iso

migrations = Migrations("headwork.workslop")


@migrations()
def m001_workslop_flags(db) -> None:
    db.execute("""
        CREATE TABLE workslop_flags (
            id INTEGER PRIMARY KEY,
            flagger TEXT NOT NULL,
            item TEXT NOT NULL,             -- 'msg:<channel>:<ts>' | 'file:<file id>'
            channel TEXT,                   -- where it was received, when known
            channel_private INTEGER,        -- 1 private / DM, 0 public, NULL not known yet (treated as private)
            author TEXT,                    -- who sent it, when Slack says; NULL after `forget`
            source TEXT NOT NULL,           -- 'reaction' | 'shortcut'
            reaction TEXT,
            flagged_at TEXT NOT NULL,
            flagged_ts REAL NOT NULL,
            minutes INTEGER,                -- time lost as the flagger reported it; NULL = unrated
            reason TEXT,
            note TEXT NOT NULL DEFAULT '',
            rated_at TEXT,
            UNIQUE (flagger, item)
        )""")
    db.execute("CREATE INDEX workslop_flags_ts ON workslop_flags (flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_flagger ON workslop_flags (flagger, flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_author ON workslop_flags (author) WHERE author IS NOT NULL")


@migrations()
def m002_reaction_order_and_channels(db) -> None:
    # Slack does not promise to deliver reaction_added/removed in order: the newest event per
    # person and item wins, so a late "added" can never resurrect a flag that was taken back.
    db.execute("""
        CREATE TABLE workslop_reaction_events (
            flagger TEXT NOT NULL,
            item TEXT NOT NULL,
            event_ts REAL NOT NULL,
            present INTEGER NOT NULL,
            PRIMARY KEY (flagger, item)
        ) WITHOUT ROWID""")
    db.execute("CREATE INDEX workslop_reaction_events_ts ON workslop_reaction_events (event_ts)")
    # what conversations.info said about a channel, and when (channels can turn private)
    db.execute("""
        CREATE TABLE workslop_channels (
            channel TEXT PRIMARY KEY,
            private INTEGER NOT NULL,
            checked_ts REAL NOT NULL
        ) WITHOUT ROWID""")


@migrations()
def m003_flag_ids_never_reused(db) -> None:
    # An undone flag's id must never come back: `workslop-prompt:<id>` is the prompt's
    # idempotency key, and a reused id would silence the next flag's prompt.
    db.execute("ALTER TABLE workslop_flags RENAME TO workslop_flags_old")
    for index in ("workslop_flags_ts", "workslop_flags_flagger", "workslop_flags_author"):
        db.execute(f"DROP INDEX IF EXISTS {index}")
    db.execute("""
        CREATE TABLE workslop_flags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            flagger TEXT NOT NULL,
            item TEXT NOT NULL,
            channel TEXT,
            channel_private INTEGER,
            author TEXT,
            source TEXT NOT NULL,
            reaction TEXT,
            flagged_at TEXT NOT NULL,
            flagged_ts REAL NOT NULL,
            minutes INTEGER,
            reason TEXT,
            note TEXT NOT NULL DEFAULT '',
            rated_at TEXT,
            UNIQUE (flagger, item)
        )""")
    db.execute("INSERT INTO workslop_flags SELECT * FROM workslop_flags_old")
    db.execute("DROP TABLE workslop_flags_old")
    db.execute("CREATE INDEX workslop_flags_ts ON workslop_flags (flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_flagger ON workslop_flags (flagger, flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_author ON workslop_flags (author) WHERE author IS NOT NULL")


@dataclass(frozen=True, slots=True)
class Flag:
    id: int
    flagger: str
    item: str
    channel: str | None
    channel_private: bool | None
    author: str | None
    source: str
    reaction: str | None
    flagged_at: datetime
    minutes: int | None
    reason: str | None
    note: str
    rated_at: datetime | None

    @property
    def rated(self) -> bool:
        return self.minutes is not None


_COLS = ("id, flagger, item, channel, channel_private, author, source, reaction, flagged_at, minutes, reason, "
         "note, rated_at")


def _flag(row) -> Flag:
    return Flag(row[0], row[1], row[2], row[3], None if row[4] is None else bool(row[4]), row[5], row[6], row[7],
                parse_iso(row[8]), row[9], row[10], row[11], parse_iso(row[12]))


class WorkslopLedger:
    def __init__(self, store: TaskStore):
        self.store = store
        migrations.apply(store.db)

    @property
    def conn(self):
        return self.store.conn

    def record(self, *, flagger: str, item: str, channel: str | None, author: str | None, source: str,
               now: datetime, reaction: str | None = None, channel_private: bool | None = None) -> tuple[int, bool]:
        """One flag per person per item: (flag id, True) when new, (existing id, False) when this
        person had already flagged the item (a second emoji alias, a redelivery)."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO workslop_flags (flagger, item, channel, channel_private, author, source, reaction, "
            "flagged_at, flagged_ts) VALUES (?,?,?,?,?,?,?,?,?)",
            (flagger, item, channel, None if channel_private is None else int(channel_private), author, source,
             reaction, iso(now), now.timestamp()))
        if cur.rowcount == 1:
            return cur.lastrowid, True
        row = self.conn.execute("SELECT id FROM workslop_flags WHERE flagger = ? AND item = ?",
                                (flagger, item)).fetchone()
        return row[0], False

    def find(self, flagger: str, item: str) -> Flag | None:
        row = self.conn.execute(f"SELECT {_COLS} FROM workslop_flags WHERE flagger = ? AND item = ?",
                                (flagger, item)).fetchone()
        return _flag(row) if row else None

    def get(self, flag_id: int) -> Flag | None:
        row = self.conn.execute(f"SELECT {_COLS} FROM workslop_flags WHERE id = ?", (flag_id,)).fetchone()
        return _flag(row) if row else None

    def retract(self, flagger: str, item: str, source: str | None = None) -> int | None:
        """The reaction was removed: the flag goes. Returns its id, or None if there was none.
        With `source`, only a flag made that way goes (removing an emoji leaves a shortcut flag)."""
        where, args = ("AND source = ?", (source,)) if source else ("", ())
        row = self.conn.execute(f"DELETE FROM workslop_flags WHERE flagger = ? AND item = ? {where} RETURNING id",
                                (flagger, item, *args)).fetchone()
        return row[0] if row else None

    def reaction_event(self, flagger: str, item: str, event_ts: float, present: bool) -> bool:
        """Note a reaction event for (person, item). False when a newer one was already noted: this
        one arrived out of order and must change nothing."""
        row = self.conn.execute(
            "INSERT INTO workslop_reaction_events (flagger, item, event_ts, present) VALUES (?,?,?,?) "
            "ON CONFLICT (flagger, item) DO UPDATE SET event_ts = excluded.event_ts, present = excluded.present "
            "WHERE excluded.event_ts >= workslop_reaction_events.event_ts RETURNING 1",
            (flagger, item, event_ts, int(present))).fetchone()
        return row is not None

    def prune_reaction_events(self, before: datetime) -> int:
        return self.conn.execute("DELETE FROM workslop_reaction_events WHERE event_ts < ?",
                                 (before.timestamp(),)).rowcount

    def channel_privacy(self, channel: str) -> tuple[bool | None, datetime | None]:
        """(private, when Slack said so), or (None, None) when never asked."""
        row = self.conn.execute("SELECT private, checked_ts FROM workslop_channels WHERE channel = ?",
                                (channel,)).fetchone()
        if row is None:
            return None, None
        from datetime import timezone

        return bool(row[0]), datetime.fromtimestamp(row[1], timezone.utc)

    def undo(self, flag_id: int, flagger: str) -> bool:
        """The flagger's own Undo; nobody else can remove someone's flag."""
        return self.conn.execute("DELETE FROM workslop_flags WHERE id = ? AND flagger = ?",
                                 (flag_id, flagger)).rowcount == 1

    def rate(self, flag_id: int, flagger: str, now: datetime, *, minutes: int | None = None,
             reason: str | None = None, note: str | None = None) -> bool:
        """Record what the flagger says it cost (only the flagger may). Fields left None are kept."""
        sets, args = ["rated_at = ?"], [iso(now)]
        for column, value in (("minutes", minutes), ("reason", reason), ("note", note)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        return self.conn.execute(f"UPDATE workslop_flags SET {', '.join(sets)} WHERE id = ? AND flagger = ?",
                                 (*args, flag_id, flagger)).rowcount == 1

    def count_since(self, flagger: str, since: datetime) -> int:
        """How many flags this person made since `since` (the daily cap)."""
        return self.conn.execute("SELECT count(*) FROM workslop_flags WHERE flagger = ? AND flagged_ts >= ?",
                                 (flagger, since.timestamp())).fetchone()[0]

    def flags_of(self, flagger: str, start: datetime, end: datetime) -> list[Flag]:
        """A person's own flags in [start, end), newest first (for /workslop)."""
        rows = self.conn.execute(
            f"SELECT {_COLS} FROM workslop_flags WHERE flagger = ? AND flagged_ts >= ? AND flagged_ts < ? "
            "ORDER BY flagged_ts DESC, id DESC", (flagger, start.timestamp(), end.timestamp())).fetchall()
        return [_flag(r) for r in rows]

    def rows_between(self, start: datetime, end: datetime) -> Iterator[tuple]:
        """What the tallies read, nothing more: (flagged_ts, flagger, channel, channel_private,
        minutes, reason) for every flag in [start, end), oldest first."""
        return self.conn.execute(
            "SELECT flagged_ts, flagger, channel, channel_private, minutes, reason FROM workslop_flags "
            "WHERE flagged_ts >= ? AND flagged_ts < ? ORDER BY flagged_ts", (start.timestamp(), end.timestamp()))

    def set_channel_privacy(self, channel: str, private: bool, now: datetime | None = None) -> int:
        """Cache what Slack says about a channel and apply it to every flag there (a channel that
        turned private stops being named in tallies, past weeks included)."""
        with self.store.transaction():
            if now is not None:
                self.conn.execute(
                    "INSERT INTO workslop_channels (channel, private, checked_ts) VALUES (?,?,?) "
                    "ON CONFLICT (channel) DO UPDATE SET private = excluded.private, checked_ts = excluded.checked_ts",
                    (channel, int(private), now.timestamp()))
            return self.conn.execute("UPDATE workslop_flags SET channel_private = ? WHERE channel = ?",
                                     (int(private), channel)).rowcount

    def author_rows(self, start: datetime, end: datetime) -> list[tuple]:
        """(author, channel, reason) for flags in [start, end) whose author is known: what a kind
        note to an author may be built from (never who flagged)."""
        return self.conn.execute(
            "SELECT author, channel, reason FROM workslop_flags WHERE author IS NOT NULL AND flagged_ts >= ? "
            "AND flagged_ts < ? ORDER BY author", (start.timestamp(), end.timestamp())).fetchall()

    def forget_counts(self, person: str) -> dict[str, int]:
        """What `forget` would change, changing nothing (`headwork forget --dry-run`)."""
        one = lambda sql: self.conn.execute(sql, (person,)).fetchone()[0]  # noqa: E731
        return {"flags_deleted": one("SELECT count(*) FROM workslop_flags WHERE flagger = ?"),
                "rated_deleted": one("SELECT count(*) FROM workslop_flags WHERE flagger = ? AND rated_at IS NOT NULL"),
                "authored_unnamed": one("SELECT count(*) FROM workslop_flags WHERE author = ?")}

    def knows(self, person: str) -> bool:
        return self.conn.execute("SELECT EXISTS (SELECT 1 FROM workslop_flags WHERE flagger = ? OR author = ?) "
                                 "OR EXISTS (SELECT 1 FROM workslop_reaction_events WHERE flagger = ?)",
                                 (person, person, person)).fetchone()[0] == 1

    def forget(self, person: str) -> dict[str, int]:
        """Erase a person: the flags they made (and their answers) are deleted; flags about output
        they sent keep counting for the team but no longer name them."""
        with self.store.transaction():
            deleted = self.conn.execute("DELETE FROM workslop_flags WHERE flagger = ?", (person,)).rowcount
            unnamed = self.conn.execute("UPDATE workslop_flags SET author = NULL WHERE author = ?",
                                        (person,)).rowcount
            self.conn.execute("DELETE FROM workslop_reaction_events WHERE flagger = ?", (person,))
        return {"flags_deleted": deleted, "authored_unnamed": unnamed}
