"""SQL for the workslop ledger: one row per live flag (a person said "this AI output cost me
time"), with what they answered when asked how much and why.

Privacy is built into the shape: the flagger's id is stored so they can see and undo their own
flags and be forgotten, and it leaves this module only in `flags_of` (their own) and as a count
of distinct people in tallies; nothing here joins a flagger to an author for anyone else.
A retracted flag (reaction removed, Undo) is deleted, not marked: the ledger is what people
stand by now.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore, TaskStore, iso, parse_iso

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
    # person and item wins. An "added" leaves its event_ts on the flag; a "removed" leaves a
    # tombstone, so a late "added" can never resurrect a flag that was taken back (and nothing
    # extra is written for the common case, a reaction that stays).
    db.execute("""
        CREATE TABLE workslop_removals (
            flagger TEXT NOT NULL,
            item TEXT NOT NULL,
            event_ts REAL NOT NULL,
            PRIMARY KEY (flagger, item)
        ) WITHOUT ROWID""")
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
    # (and no author index: every flag would pay for it, while only `forget` looks authors up)
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
            reaction_ts REAL,               -- event_ts of the newest reaction_added behind it
            UNIQUE (flagger, item)
        )""")
    db.execute("INSERT INTO workslop_flags (id, flagger, item, channel, channel_private, author, source, reaction, "
               "flagged_at, flagged_ts, minutes, reason, note, rated_at) SELECT id, flagger, item, channel, "
               "channel_private, author, source, reaction, flagged_at, flagged_ts, minutes, reason, note, rated_at "
               "FROM workslop_flags_old")
    db.execute("DROP TABLE workslop_flags_old")
    db.execute("CREATE INDEX workslop_flags_ts ON workslop_flags (flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_flagger ON workslop_flags (flagger, flagged_ts)")


@migrations()
def m004_tally_reads(db) -> None:
    # The tallies read (flagged_ts, flagger, channel, channel_private, minutes, reason) over a range:
    # one covering index instead of the plain one, so they never touch the wide rows.
    db.execute("DROP INDEX IF EXISTS workslop_flags_ts")
    db.execute("CREATE INDEX workslop_flags_ts ON workslop_flags "
               "(flagged_ts, flagger, channel, channel_private, minutes, reason)")
    # A closed week's aggregate, kept until one of its flags changes (see WorkslopLedger._changed).
    db.execute("""
        CREATE TABLE workslop_period_cache (
            key TEXT PRIMARY KEY,
            start_ts REAL NOT NULL,
            end_ts REAL NOT NULL,
            data TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX workslop_period_cache_span ON workslop_period_cache (start_ts)")


@migrations()
def m005_tally_seeks(db) -> None:
    # A period's figures are counted by index seeks, never by sorting its rows (see week_aggregate):
    # per (minutes, reason) answer, and per public channel (the flagger index serves distinct people).
    db.execute("CREATE INDEX workslop_flags_answer ON workslop_flags (minutes, reason, flagged_ts)")
    db.execute("CREATE INDEX workslop_flags_public ON workslop_flags (channel, flagged_ts, flagger, channel_private) "
               "WHERE channel_private = 0")


@migrations()
def m006_channel_members(db) -> None:
    # How many members a channel has (conversations.info's num_members; NULL not known yet): an
    # author is only told about flags from a public channel big enough that the flagger could be
    # any of several people.
    db.execute("ALTER TABLE workslop_channels ADD COLUMN members INTEGER")


@migrations()
def m007_key_secret(db) -> None:
    # The secret behind the outbox keys of messages about a person's day (the cap notice, the
    # author note): keys that stay the same for the same message, yet name nobody in a log line
    # or in the message's metadata. Made once, here, so no two threads can make two.
    db.execute("CREATE TABLE workslop_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL)")
    db.execute("INSERT INTO workslop_secret (id, secret) VALUES (1, ?)", [secrets.token_hex(32)])


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


class WorkslopLedger(FeatureStore):
    migrations = migrations

    def __init__(self, store: TaskStore):
        super().__init__(store)
        # what workslop_channels says, kept in memory: every reaction needs its channel's privacy,
        # and this ledger is the only writer (`set_channel_privacy` keeps it current)
        self._channels: dict[str, tuple[bool | None, datetime | None]] = {}
        self._secret: bytes | None = None

    def key_secret(self) -> bytes:
        """This installation's secret for anonymous outbox keys (see m007_key_secret)."""
        if self._secret is None:
            self._secret = self.conn.execute("SELECT secret FROM workslop_secret WHERE id = 1").fetchone()[0].encode()
        return self._secret

    def insert_if_new(self, *, flagger: str, item: str, channel: str | None, author: str | None, source: str,
                      now: datetime, reaction: str | None = None, channel_private: bool | None = None,
                      reaction_ts: float | None = None) -> Flag | None:
        """The flag as stored, or None when this person had already flagged the item (no read back:
        this is the hot path of every reaction)."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO workslop_flags (flagger, item, channel, channel_private, author, source, reaction, "
            "flagged_at, flagged_ts, reaction_ts) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (flagger, item, channel, None if channel_private is None else int(channel_private), author, source,
             reaction, iso(now), now.timestamp(), reaction_ts))
        if cur.rowcount != 1:
            return None
        self._changed(now.timestamp())
        return Flag(cur.lastrowid, flagger, item, channel, channel_private, author, source, reaction, now, None, None,
                    "", None)

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
            self._changed(now.timestamp())
            return cur.lastrowid, True
        row = self.conn.execute("SELECT id FROM workslop_flags WHERE flagger = ? AND item = ?",
                                (flagger, item)).fetchone()
        return row[0], False

    def flags_after(self, flag_id: int, limit: int = 500) -> list[Flag]:
        """Flags with an id above `flag_id`, oldest first (ids only grow: the prompt sweep's mark)."""
        rows = self.conn.execute(f"SELECT {_COLS} FROM workslop_flags WHERE id > ? ORDER BY id LIMIT ?",
                                 (flag_id, limit)).fetchall()
        return [_flag(r) for r in rows]

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
        row = self.conn.execute(f"DELETE FROM workslop_flags WHERE flagger = ? AND item = ? {where} "
                                "RETURNING id, flagged_ts", (flagger, item, *args)).fetchone()
        if row is None:
            return None
        self._changed(row[1])
        return row[0]

    def removed_after(self, flagger: str, item: str, event_ts: float) -> bool:
        """Was the reaction taken off by an event newer than `event_ts`? (then this add is stale)"""
        row = self.conn.execute("SELECT event_ts FROM workslop_removals WHERE flagger = ? AND item = ?",
                                (flagger, item)).fetchone()
        return row is not None and row[0] > event_ts

    def note_reaction(self, flag_id: int, event_ts: float) -> None:
        """Another add for an existing flag (an alias, a re-react): remember the newest."""
        self.conn.execute("UPDATE workslop_flags SET reaction_ts = max(coalesce(reaction_ts, 0), ?) WHERE id = ?",
                          (event_ts, flag_id))

    def retract_reaction(self, flagger: str, item: str, event_ts: float) -> tuple[bool, int | None]:
        """reaction_removed at `event_ts`: (applied, id of the withdrawn flag). Not applied when the
        flag's reaction is newer than the removal (it arrived out of order). Only reaction flags go."""
        with self.store.transaction():
            row = self.conn.execute("SELECT id, source, reaction_ts, flagged_ts FROM workslop_flags "
                                    "WHERE flagger = ? AND item = ?", (flagger, item)).fetchone()
            if row is not None and row[2] is not None and row[2] > event_ts:
                return False, None
            self.conn.execute(
                "INSERT INTO workslop_removals (flagger, item, event_ts) VALUES (?,?,?) ON CONFLICT (flagger, item) "
                "DO UPDATE SET event_ts = max(event_ts, excluded.event_ts)", (flagger, item, event_ts))
            if row is None or row[1] != "reaction":
                return True, None
            self.conn.execute("DELETE FROM workslop_flags WHERE id = ?", (row[0],))
            self._changed(row[3])
            return True, row[0]

    def prune_removals(self, before: datetime) -> int:
        return self.conn.execute("DELETE FROM workslop_removals WHERE event_ts < ?", (before.timestamp(),)).rowcount

    def channel_privacy(self, channel: str) -> tuple[bool | None, datetime | None]:
        """(private, when Slack said so), or (None, None) when never asked."""
        known = self._channels.get(channel)
        if known is None:
            row = self.conn.execute("SELECT private, checked_ts FROM workslop_channels WHERE channel = ?",
                                    (channel,)).fetchone()
            known = (None, None) if row is None else (bool(row[0]), datetime.fromtimestamp(row[1], timezone.utc))
            self._channels[channel] = known
        return known

    def undo(self, flag_id: int, flagger: str) -> bool:
        """The flagger's own Undo; nobody else can remove someone's flag."""
        row = self.conn.execute("DELETE FROM workslop_flags WHERE id = ? AND flagger = ? RETURNING flagged_ts",
                                (flag_id, flagger)).fetchone()
        if row is not None:
            self._changed(row[0])
        return row is not None

    def rate(self, flag_id: int, flagger: str, now: datetime, *, minutes: int | None = None,
             reason: str | None = None, note: str | None = None) -> bool:
        """Record what the flagger says it cost (only the flagger may). Fields left None are kept."""
        sets, args = ["rated_at = ?"], [iso(now)]
        for column, value in (("minutes", minutes), ("reason", reason), ("note", note)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        row = self.conn.execute(f"UPDATE workslop_flags SET {', '.join(sets)} WHERE id = ? AND flagger = ? "
                                "RETURNING flagged_ts", (*args, flag_id, flagger)).fetchone()
        if row is not None:
            self._changed(row[0])
        return row is not None

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

    def week_aggregate(self, key: str, start: datetime, end: datetime, *, cache: bool) -> tuple[list, int, list]:
        """One period's flags in [start, end), grouped in SQLite (what `tally_rows` computes from
        rows, without every row crossing into Python):

        - [(minutes, reason, flags)] for every combination,
        - distinct flaggers,
        - [(channel, distinct flaggers, flags)] for channels known to be public.

        With `cache` (a closed period), the answer is kept under `key` until a flag in the period
        changes (rated, undone, withdrawn, forgotten, its channel's privacy learned)."""
        return self.week_aggregates([(key, start, end, cache)])[0]

    def week_aggregates(self, periods: list[tuple[str, datetime, datetime, bool]]) -> list[tuple[list, int, list]]:
        """`week_aggregate` for many periods (key, start, end, cache) at once.

        Counted by index seeks instead of GROUP BY / DISTINCT, which sort every row of the period
        (a year over a million flags: 2.4 s of sorting). The values that occur at all — answers,
        flaggers, public channels — are listed once by skipping along an index (a few thousand
        seeks), then each period counts each value with one range seek per value."""
        out: list = [None] * len(periods)
        todo = []
        for i, (key, start, end, cache) in enumerate(periods):
            row = self.conn.execute("SELECT data FROM workslop_period_cache WHERE key = ?", (key,)).fetchone() \
                if cache else None
            if row is not None:
                counts, people, channels = json.loads(row[0])
                out[i] = ([tuple(c) for c in counts], people, [tuple(c) for c in channels])
            else:
                todo.append(i)
        if not todo:
            return out
        answers = json.dumps(self._distinct_answers())
        flaggers = json.dumps(self._distinct("flagger", "workslop_flags_flagger"))
        channels = json.dumps([c for c in self._distinct("channel", "workslop_flags_public", "channel_private = 0")
                               if c[0] not in ("D", "G")])
        span = "flagged_ts >= ?1 AND flagged_ts < ?2"
        for i in todo:
            key, start, end, cache = periods[i]
            bounds = (start.timestamp(), end.timestamp())
            counts = [(m, r, n) for m, r, n in self.conn.execute(
                "SELECT j.value ->> 0, j.value ->> 1, (SELECT count(*) FROM workslop_flags INDEXED BY "
                f"workslop_flags_answer WHERE minutes IS j.value ->> 0 AND reason IS j.value ->> 1 AND {span}) "
                "FROM json_each(?3) j", (*bounds, answers)) if n]
            people = self.conn.execute(
                "SELECT count(*) FROM json_each(?3) j WHERE EXISTS (SELECT 1 FROM workslop_flags "
                f"INDEXED BY workslop_flags_flagger WHERE flagger = j.value AND {span})", (*bounds, flaggers)).fetchone()[0]
            public = [(c, d, n) for c, figures in self.conn.execute(
                "SELECT j.value, (SELECT json_array(count(DISTINCT flagger), count(*)) FROM workslop_flags "
                f"INDEXED BY workslop_flags_public WHERE channel = j.value AND channel_private = 0 AND {span}) "
                "FROM json_each(?3) j", (*bounds, channels)) for d, n in [json.loads(figures)] if n]
            if cache:
                self.conn.execute("INSERT OR REPLACE INTO workslop_period_cache (key, start_ts, end_ts, data) "
                                  "VALUES (?,?,?,?)", (key, *bounds, json.dumps([counts, people, public])))
            out[i] = (counts, people, public)
        return out

    def _distinct(self, column: str, index: str, where: str = "") -> list:
        """The non-null values of `column` in ascending order, one index seek each."""
        extra = f" AND {where}" if where else ""
        values = []
        sql = f"SELECT min({column}) FROM workslop_flags INDEXED BY {index} WHERE {column} > ?{extra}"
        value = self.conn.execute(f"SELECT min({column}) FROM workslop_flags INDEXED BY {index} "
                                  f"WHERE {column} IS NOT NULL{extra}").fetchone()[0]
        while value is not None:
            values.append(value)
            value = self.conn.execute(sql, (value,)).fetchone()[0]
        return values

    def _distinct_answers(self) -> list[list]:
        """Every (minutes, reason) pair that occurs, nulls included, skipping along the answer index."""
        index = "INDEXED BY workslop_flags_answer"
        pairs = []
        minutes_values = [None] if self.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM workslop_flags {index} WHERE minutes IS NULL)").fetchone()[0] else []
        minutes_values += self._distinct("minutes", "workslop_flags_answer")
        for minutes in minutes_values:
            if self.conn.execute(f"SELECT EXISTS (SELECT 1 FROM workslop_flags {index} WHERE minutes IS ? "
                                 "AND reason IS NULL)", (minutes,)).fetchone()[0]:
                pairs.append([minutes, None])
            reason = self.conn.execute(f"SELECT min(reason) FROM workslop_flags {index} WHERE minutes IS ?",
                                       (minutes,)).fetchone()[0]
            while reason is not None:
                pairs.append([minutes, reason])
                reason = self.conn.execute(f"SELECT min(reason) FROM workslop_flags {index} WHERE minutes IS ? "
                                           "AND reason > ?", (minutes, reason)).fetchone()[0]
        return pairs

    def _changed(self, flagged_ts: float | None = None) -> None:
        """A flag changed: cached periods holding it (all of them when `flagged_ts` is None) go."""
        if flagged_ts is None:
            self.conn.execute("DELETE FROM workslop_period_cache")
        else:
            self.conn.execute("DELETE FROM workslop_period_cache WHERE start_ts <= ? AND end_ts > ?",
                              (flagged_ts, flagged_ts))

    def set_channel_privacy(self, channel: str, private: bool, now: datetime | None = None,
                            members: int | None = None) -> int:
        """Cache what Slack says about a channel (private or not, how many members) and apply it to
        every flag there (a channel that turned private stops being named in tallies, past weeks
        included)."""
        with self.store.transaction():
            if now is not None:
                self.conn.execute(
                    "INSERT INTO workslop_channels (channel, private, checked_ts, members) VALUES (?,?,?,?) "
                    "ON CONFLICT (channel) DO UPDATE SET private = excluded.private, checked_ts = excluded.checked_ts, "
                    "members = excluded.members", (channel, int(private), now.timestamp(), members))
                self._channels[channel] = (bool(private), now.astimezone(timezone.utc))
            lo, hi = self.conn.execute("SELECT min(flagged_ts), max(flagged_ts) FROM workslop_flags WHERE channel = ? "
                                       "AND channel_private IS NOT ?", (channel, int(private))).fetchone()
            changed = self.conn.execute("UPDATE workslop_flags SET channel_private = ? WHERE channel = ? "
                                        "AND channel_private IS NOT ?", (int(private), channel, int(private))).rowcount
            if changed:  # only the periods holding the channel's flags are counted again
                self.conn.execute("DELETE FROM workslop_period_cache WHERE end_ts > ? AND start_ts <= ?", (lo, hi))
            return changed

    def authors_between(self, start: datetime, end: datetime) -> list[str]:
        """The known authors of output flagged in [start, end)."""
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT author FROM workslop_flags WHERE author IS NOT NULL AND flagged_ts >= ? AND flagged_ts < ? "
            "ORDER BY author", (start.timestamp(), end.timestamp()))]

    def author_note_figures(self, author: str, start: datetime, end: datetime,
                            min_members: int) -> tuple[int, int, dict[str, int]]:
        """What a kind note to `author` may say about flags in [start, end): (distinct items flagged,
        distinct people who flagged them, {reason: distinct items given it}) — counts only, never who.

        Only flags in a channel Slack said is public and has at least `min_members` members count:
        in a DM, a group DM, a private channel, a small channel or on a file seen who knows where,
        the author could tell who flagged."""
        where = ("FROM workslop_flags f JOIN workslop_channels c ON c.channel = f.channel "
                 "WHERE f.author = ? AND f.flagged_ts >= ? AND f.flagged_ts < ? AND f.channel_private = 0 "
                 "AND c.private = 0 AND c.members >= ? AND substr(f.channel, 1, 1) NOT IN ('D', 'G')")
        args = (author, start.timestamp(), end.timestamp(), min_members)
        items, people = self.conn.execute(f"SELECT count(DISTINCT f.item), count(DISTINCT f.flagger) {where}",
                                          args).fetchone()
        reasons = dict(self.conn.execute(f"SELECT f.reason, count(DISTINCT f.item) {where} AND f.reason IS NOT NULL "
                                         "GROUP BY f.reason", args).fetchall())
        return items, people, reasons

    def forget_counts(self, person: str) -> dict[str, int]:
        """What `forget` would change, changing nothing (`headwork forget --dry-run`)."""
        one = lambda sql: self.conn.execute(sql, (person,)).fetchone()[0]  # noqa: E731
        return {"flags_deleted": one("SELECT count(*) FROM workslop_flags WHERE flagger = ?"),
                "rated_deleted": one("SELECT count(*) FROM workslop_flags WHERE flagger = ? AND rated_at IS NOT NULL"),
                "authored_unnamed": one("SELECT count(*) FROM workslop_flags WHERE author = ?")}

    def knows(self, person: str) -> bool:
        return self.conn.execute("SELECT EXISTS (SELECT 1 FROM workslop_flags WHERE flagger = ? OR author = ?) "
                                 "OR EXISTS (SELECT 1 FROM workslop_removals WHERE flagger = ?)",
                                 (person, person, person)).fetchone()[0] == 1

    def forget(self, person: str) -> dict[str, int]:
        """Erase a person: the flags they made (and their answers) are deleted; flags about output
        they sent keep counting for the team but no longer name them."""
        with self.store.transaction():
            deleted = self.conn.execute("DELETE FROM workslop_flags WHERE flagger = ?", (person,)).rowcount
            unnamed = self.conn.execute("UPDATE workslop_flags SET author = NULL WHERE author = ?",
                                        (person,)).rowcount
            self.conn.execute("DELETE FROM workslop_removals WHERE flagger = ?", (person,))
            if deleted:
                self._changed()
        return {"flags_deleted": deleted, "authored_unnamed": unnamed}
