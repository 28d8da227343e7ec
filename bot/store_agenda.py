"""SQL for agendas: meetings made in Slack, each posted occurrence and its items (who
discussed what), and the scope reads an agenda needs beyond one person's ranking.

An occurrence row is the agenda's own claim: UNIQUE (meeting_id, occurrence), written in the
same BEGIN IMMEDIATE transaction as the outbox claim of `agenda:<meeting>:<occurrence>`, so two
processes racing, or a restart between claim and send, leave exactly one row and one message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore, iso, parse_iso
from scoring.tasks import OPEN_STATUSES

from .meetings import SLACK_PREFIX, Meeting

migrations = Migrations("headwork.agenda")
_OPEN_SQL = "(" + ",".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


@migrations()
def m001_agenda(db) -> None:
    db.execute("""
        CREATE TABLE agenda_meetings (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            channel TEXT NOT NULL,
            days TEXT NOT NULL DEFAULT '[]',
            at TEXT NOT NULL,
            timezone TEXT NOT NULL,
            lead_minutes INTEGER NOT NULL DEFAULT 30,
            attendees TEXT NOT NULL DEFAULT '[]',
            project TEXT,
            tags TEXT NOT NULL DEFAULT '[]',
            max_items INTEGER NOT NULL DEFAULT 7,
            owner TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            removed_at TEXT
        )""")
    db.execute("CREATE INDEX agenda_meetings_channel ON agenda_meetings (channel) WHERE removed_at IS NULL")
    db.execute("""
        CREATE TABLE agenda_occurrences (
            id INTEGER PRIMARY KEY,
            meeting_id TEXT NOT NULL,
            occurrence TEXT NOT NULL,        -- the original start, UTC (the idempotency key's tail)
            starts_at TEXT NOT NULL,         -- when it actually starts (a calendar may move it)
            state TEXT NOT NULL,             -- 'posted' | 'skipped'
            late INTEGER NOT NULL DEFAULT 0,
            refreshed INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (meeting_id, occurrence)
        )""")
    db.execute("""
        CREATE TABLE agenda_items (
            occurrence_id INTEGER NOT NULL REFERENCES agenda_occurrences(id) ON DELETE CASCADE,
            task_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            carried_from TEXT,               -- starts_at of the occurrence it first appeared in
            discussed_by TEXT,
            discussed_at TEXT,
            PRIMARY KEY (occurrence_id, task_id)
        ) WITHOUT ROWID""")
    # A project-scoped agenda reads one project's tasks; without this it would scan every task.
    db.execute("CREATE INDEX IF NOT EXISTS agenda_tasks_project ON tasks (project) WHERE project != ''")


@migrations()
def m002_meetings_every_n_weeks(db) -> None:
    """A Slack-made meeting may meet every 2nd, 3rd or 4th week, counted from its first week."""
    db.execute("ALTER TABLE agenda_meetings ADD COLUMN every_weeks INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE agenda_meetings ADD COLUMN starts TEXT")


@migrations()
def m003_occurrences_follow_edits(db) -> None:
    """An edit that moves a meeting (11:00 -> 11:30) moves the day's occurrence already posted or
    skipped with it, instead of leaving it behind and posting the new time's agenda as well."""
    db.execute("ALTER TABLE agenda_occurrences ADD COLUMN moved_to TEXT")   # the edited schedule's key
    db.execute("ALTER TABLE agenda_occurrences ADD COLUMN edited_at TEXT")  # when an edit last moved it


@migrations()
def m004_occurrences_skipped_by(db) -> None:
    """Who skipped an occurrence (`/agenda skip`): said in /agenda and /agenda list, and in the
    refusal to post it after all."""
    db.execute("ALTER TABLE agenda_occurrences ADD COLUMN skipped_by TEXT")


@migrations()
def m005_occurrences_posted_by(db) -> None:
    """Who posted an agenda ahead of schedule (`/agenda post`): its note stays through every redraw."""
    db.execute("ALTER TABLE agenda_occurrences ADD COLUMN posted_by TEXT")


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    meeting_id: str
    occurrence: str
    starts_at: datetime
    state: str
    late: bool
    refreshed: int  # 0 not yet re-checked, 1 checked (same order), 2 reordered before the start
    moved_to: str | None = None     # an edit moved it: the key the edited schedule gives it
    edited_at: datetime | None = None
    skipped_by: str | None = None   # who skipped it (None: the scheduler, the meeting had started)
    posted_by: str | None = None    # who posted it ahead of schedule (None: the scheduler)


@dataclass(frozen=True)
class ItemRow:
    task_id: int
    position: int
    carried_from: datetime | None
    discussed_by: str | None
    discussed_at: datetime | None


_OCC = "id, meeting_id, occurrence, starts_at, state, late, refreshed, moved_to, edited_at, skipped_by, posted_by"


def _occ(row) -> OccurrenceRow:
    return OccurrenceRow(row[0], row[1], row[2], parse_iso(row[3]), row[4], bool(row[5]), int(row[6]), row[7],
                         parse_iso(row[8]), row[9], row[10])


_MEETING = ("id, name, channel, days, at, timezone, lead_minutes, attendees, project, tags, max_items, owner, "
            "every_weeks, starts")


def _meeting(row) -> Meeting:
    return Meeting(id=f"{SLACK_PREFIX}{row[0]}", name=row[1], channel=row[2], days=tuple(json.loads(row[3])),
                   time=time.fromisoformat(row[4]), timezone=row[5], lead_minutes=row[6],
                   attendees=tuple(json.loads(row[7])), project=row[8] or None, tags=tuple(json.loads(row[9])),
                   max_items=row[10], owner=row[11], from_config=False, every_weeks=row[12] or 1,
                   starts=date.fromisoformat(row[13]) if row[13] else None)


class AgendaStore(FeatureStore):
    migrations = migrations

    # --- meetings made in Slack ----------------------------------------------------------------

    def meetings(self, channel: str | None = None) -> list[Meeting]:
        where, args = ("AND channel = ?", (channel,)) if channel else ("", ())
        rows = self.conn.execute(f"SELECT {_MEETING} FROM agenda_meetings WHERE removed_at IS NULL {where} "
                                 "ORDER BY id", args).fetchall()
        return [_meeting(r) for r in rows]

    def save_meeting(self, meeting: Meeting, now: datetime, by: str) -> Meeting:
        """Insert (meeting.db_id None) or update; returns the stored meeting with its id."""
        values = (meeting.name, meeting.channel, json.dumps(list(meeting.days)), meeting.time.isoformat("minutes"),
                  meeting.timezone, meeting.lead_minutes, json.dumps(list(meeting.attendees)), meeting.project,
                  json.dumps(list(meeting.tags)), meeting.max_items, meeting.every_weeks,
                  meeting.starts.isoformat() if meeting.starts else None)
        if meeting.db_id is None:
            cur = self.conn.execute(
                "INSERT INTO agenda_meetings (name, channel, days, at, timezone, lead_minutes, attendees, project, "
                "tags, max_items, every_weeks, starts, owner, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (*values, meeting.owner or by, iso(now), iso(now)))
            new_id = cur.lastrowid
        else:
            self.conn.execute(
                "UPDATE agenda_meetings SET name=?, channel=?, days=?, at=?, timezone=?, lead_minutes=?, "
                "attendees=?, project=?, tags=?, max_items=?, every_weeks=?, starts=?, updated_at=? WHERE id = ?",
                (*values, iso(now), meeting.db_id))
            new_id = meeting.db_id
        row = self.conn.execute(f"SELECT {_MEETING} FROM agenda_meetings WHERE id = ?", (new_id,)).fetchone()
        return _meeting(row)

    def remove_meeting(self, db_id: int, now: datetime) -> bool:
        cur = self.conn.execute("UPDATE agenda_meetings SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
                                (iso(now), db_id))
        return cur.rowcount == 1

    # --- occurrences and their items -----------------------------------------------------------------

    def occurrence(self, meeting_id: str, occurrence: str) -> OccurrenceRow | None:
        row = self.conn.execute(f"SELECT {_OCC} FROM agenda_occurrences WHERE meeting_id = ? AND occurrence = ?",
                                (meeting_id, occurrence)).fetchone()
        return _occ(row) if row else None

    def occurrence_by_id(self, occurrence_id: int) -> OccurrenceRow | None:
        row = self.conn.execute(f"SELECT {_OCC} FROM agenda_occurrences WHERE id = ?", (occurrence_id,)).fetchone()
        return _occ(row) if row else None

    def claim_occurrence(self, meeting_id: str, occurrence: str, starts_at: datetime, state: str, late: bool,
                         now: datetime, skipped_by: str | None = None) -> int | None:
        """The occurrence's row, once: its id, or None when someone already claimed it."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO agenda_occurrences (meeting_id, occurrence, starts_at, state, late, created_at, "
            "skipped_by) VALUES (?,?,?,?,?,?,?)",
            (meeting_id, occurrence, iso(starts_at), state, int(late), iso(now), skipped_by))
        return cur.lastrowid if cur.rowcount == 1 else None

    def unskip(self, occurrence_id: int) -> bool:
        """A skipped occurrence becomes posted (someone posts it after all); False if it was not skipped."""
        return self.conn.execute("UPDATE agenda_occurrences SET state = 'posted' WHERE id = ? AND state = 'skipped'",
                                 (occurrence_id,)).rowcount == 1

    def set_posted_by(self, occurrence_id: int, by: str | None) -> None:
        self.conn.execute("UPDATE agenda_occurrences SET posted_by = ? WHERE id = ?", (by, occurrence_id))

    def claim_refresh(self, occurrence_id: int) -> bool:
        """The pre-start re-check, once per occurrence (whoever flips the flag does it)."""
        cur = self.conn.execute("UPDATE agenda_occurrences SET refreshed = 1 WHERE id = ? AND refreshed = 0",
                                (occurrence_id,))
        return cur.rowcount == 1

    def move_occurrence(self, occurrence_id: int, starts_at: datetime) -> None:
        """The calendar moved an occurrence already posted: its key stays, its start follows."""
        self.conn.execute("UPDATE agenda_occurrences SET starts_at = ? WHERE id = ?", (iso(starts_at), occurrence_id))

    def occurrences_from(self, meeting_id: str, since: datetime) -> list[OccurrenceRow]:
        """The meeting's occurrence rows (posted or skipped) starting at `since` or later."""
        rows = self.conn.execute(f"SELECT {_OCC} FROM agenda_occurrences WHERE meeting_id = ? AND starts_at >= ? "
                                 "ORDER BY starts_at", (meeting_id, iso(since))).fetchall()
        return [_occ(r) for r in rows]

    def follow_edit(self, occurrence_id: int, moved_to: str | None, starts_at: datetime, now: datetime) -> None:
        """An edit of the meeting moved this occurrence: it keeps its key (and its message), takes the
        edited schedule's start, and is looked at again before that start."""
        self.conn.execute("UPDATE agenda_occurrences SET moved_to = ?, starts_at = ?, edited_at = ?, refreshed = 0 "
                          "WHERE id = ?", (moved_to, iso(starts_at), iso(now), occurrence_id))

    def moves(self, meeting_id: str) -> dict[str, str]:
        """{the edited schedule's key: the occurrence it is} for this meeting's occurrences moved by an edit."""
        return dict(self.conn.execute("SELECT moved_to, occurrence FROM agenda_occurrences "
                                      "WHERE meeting_id = ? AND moved_to IS NOT NULL", (meeting_id,)).fetchall())

    def mark_reordered(self, occurrence_id: int) -> None:
        self.conn.execute("UPDATE agenda_occurrences SET refreshed = 2 WHERE id = ?", (occurrence_id,))

    def previous_posted(self, meeting_id: str, before: str) -> OccurrenceRow | None:
        row = self.conn.execute(
            f"SELECT {_OCC} FROM agenda_occurrences WHERE meeting_id = ? AND state = 'posted' AND occurrence < ? "
            "ORDER BY occurrence DESC LIMIT 1", (meeting_id, before)).fetchone()
        return _occ(row) if row else None

    def items(self, occurrence_id: int) -> list[ItemRow]:
        rows = self.conn.execute(
            "SELECT task_id, position, carried_from, discussed_by, discussed_at FROM agenda_items "
            "WHERE occurrence_id = ? ORDER BY position", (occurrence_id,)).fetchall()
        return [ItemRow(r[0], r[1], parse_iso(r[2]), r[3], parse_iso(r[4])) for r in rows]

    def replace_items(self, occurrence_id: int, items: Sequence[tuple[int, datetime | None]]) -> None:
        """Store the agenda's order; discussed marks of tasks still on it are kept."""
        kept = {i.task_id: i for i in self.items(occurrence_id)}
        self.conn.execute("DELETE FROM agenda_items WHERE occurrence_id = ?", (occurrence_id,))
        self.conn.executemany(
            "INSERT INTO agenda_items (occurrence_id, task_id, position, carried_from, discussed_by, discussed_at) "
            "VALUES (?,?,?,?,?,?)",
            [(occurrence_id, task_id, pos, iso(carried), kept[task_id].discussed_by if task_id in kept else None,
              iso(kept[task_id].discussed_at) if task_id in kept else None)
             for pos, (task_id, carried) in enumerate(items)])

    def set_discussed(self, occurrence_id: int, task_id: int, by: str | None, now: datetime) -> bool:
        """Mark (by a user) or unmark (by None) one item; False when it is not on that agenda."""
        cur = self.conn.execute(
            "UPDATE agenda_items SET discussed_by = ?, discussed_at = ? WHERE occurrence_id = ? AND task_id = ?",
            (by, iso(now) if by else None, occurrence_id, task_id))
        return cur.rowcount == 1

    # --- scope reads beyond one person's ranking ----------------------------------------------------

    def top_in_scope(self, limit: int, now: datetime, *, assignee: str | None = None, project: str | None = None,
                     tags: Sequence[str] = ()) -> list[tuple[int, float]]:
        """(task_id, total) of the best open, unsnoozed tasks in a project and/or carrying any of
        `tags`, optionally of one person (then it walks that person's ranking index).

        Tags alone read every task (tags are JSON text, no index): ~2.7 s at 1M tasks, so such a
        preview is answered after the ack. With a project it reads that project's tasks; with a
        person, that person's ranking."""
        where = ["s.active = 1", "(s.snoozed_until_ts IS NULL OR s.snoozed_until_ts <= ?)"]
        args: list = [now.timestamp()]
        if assignee is not None:
            where.append("s.assignee_id = ?")
            args.append(assignee)
        if project:
            # the `!= ''` lets SQLite use the partial index agenda_tasks_project
            where.append("t.project = ? AND t.project != ''")
            args.append(project)
        if tags:
            # the LIKE is a cheap pre-filter on the JSON text; json_each decides
            where.append("(" + " OR ".join("t.tags LIKE ?" for _ in tags) + ")")
            args += [f'%{json.dumps(t)[1:-1]}%' for t in tags]
            where.append(f"EXISTS (SELECT 1 FROM json_each(t.tags) j WHERE j.value IN ({','.join('?' * len(tags))}))")
            args += list(tags)
        args.append(limit)
        return self.conn.execute(
            "SELECT s.task_id, s.total FROM scores s JOIN tasks t ON t.id = s.task_id "
            f"WHERE {' AND '.join(where)} ORDER BY s.total DESC, s.task_id LIMIT ?", args).fetchall()

    def open_task_ids(self, task_ids: Sequence[int]) -> set[int]:
        if not task_ids:
            return set()
        marks = ",".join("?" * len(task_ids))
        return {r[0] for r in self.conn.execute(
            f"SELECT id FROM tasks WHERE id IN ({marks}) AND status IN {_OPEN_SQL}", list(task_ids))}

    def totals(self, task_ids: Sequence[int]) -> dict[int, float]:
        if not task_ids:
            return {}
        marks = ",".join("?" * len(task_ids))
        return dict(self.conn.execute(f"SELECT task_id, total FROM scores WHERE task_id IN ({marks})",
                                      list(task_ids)).fetchall())
