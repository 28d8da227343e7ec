"""SQL for the weekly leadership digest: who gets it (added from Slack, opted out), the user
group's members as Slack last said, each week's frozen figures (every leader sees the same
numbers, whatever their time zone), each digest's chart upload (claimed once, like the
outbox), and the reads over tasks and scores that only the digest needs.

The digest message itself is claimed in the outbox (`digest:<user>:<iso week>`); the chart,
which the outbox cannot send (a file, not a JSON call), is claimed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils.migrations import Migrations

from scoring.store import FeatureStore, iso, parse_iso
from scoring.tasks import OPEN_STATUSES

migrations = Migrations("headwork.digest")

_OPEN_SQL = "(" + ",".join(f"'{s}'" for s in OPEN_STATUSES) + ")"

RUNNING_SINCE = "digest.running_since"  # meta: when Headwork first ran here (the digest job's first run)

# chart: waiting (for the message) -> uploading -> done | failed | unknown (crashed mid-upload)
#        | skipped (the message itself failed, so a lone chart would make no sense)
CHART_STATES = ("waiting", "uploading", "done", "failed", "unknown", "skipped")


@migrations()
def m001_digest(db) -> None:
    db.execute("""
        CREATE TABLE digest_recipients (
            user_id TEXT PRIMARY KEY,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE digest_optouts (
            user_id TEXT PRIMARY KEY,
            at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE digest_usergroups (
            usergroup TEXT PRIMARY KEY,
            users TEXT NOT NULL,
            fetched_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE digest_editions (
            week TEXT PRIMARY KEY,
            figures TEXT NOT NULL,
            built_at TEXT NOT NULL
        )""")
    db.execute("""
        CREATE TABLE digest_sends (
            key TEXT PRIMARY KEY,              -- the outbox key of the message: digest:<user>:<week>
            user_id TEXT NOT NULL,
            week TEXT NOT NULL,
            channel TEXT NOT NULL,             -- the DM channel from conversations.open
            claimed_at TEXT NOT NULL,
            chart_state TEXT NOT NULL,
            chart_attempts INTEGER NOT NULL DEFAULT 0,
            chart_next_ts REAL NOT NULL DEFAULT 0,
            chart_file TEXT,
            chart_error TEXT
        )""")
    db.execute("CREATE INDEX digest_sends_chart ON digest_sends (chart_state, chart_next_ts)")
    db.execute("CREATE TABLE digest_skips (key TEXT PRIMARY KEY, at TEXT NOT NULL)")
    # Overdue high-value tasks: a range of due dates. The hourly rescore changes neither column,
    # so this index costs it nothing (an index on `total` would be rewritten every hour).
    db.execute("CREATE INDEX IF NOT EXISTS digest_scores_due ON scores (due_ts) "
               "WHERE active = 1 AND due_ts IS NOT NULL")
    # Stuck tasks: open tasks untouched since a date.
    db.execute(f"CREATE INDEX IF NOT EXISTS digest_tasks_updated ON tasks (updated_at) WHERE status IN {_OPEN_SQL}")


@dataclass(frozen=True)
class DigestSend:
    key: str
    user_id: str
    week: str
    channel: str
    chart_state: str
    chart_attempts: int
    chart_file: str | None
    chart_error: str | None


@dataclass(frozen=True)
class OpenTask:
    """One row of the digest's task lists: what a leader needs to recognise it."""

    task_id: int
    total: float
    assignee_id: str | None
    title: str
    url: str
    due: datetime | None
    updated_at: datetime | None
    due_all_day: bool = False


_SEND_COLS = "key, user_id, week, channel, chart_state, chart_attempts, chart_file, chart_error"
_OPEN_COLS = "s.task_id, s.total, s.assignee_id, t.title, t.url, t.due, t.updated_at, t.due_all_day"


def _open_task(row) -> OpenTask:
    return OpenTask(row[0], row[1], row[2], row[3], row[4], parse_iso(row[5]), parse_iso(row[6]), bool(row[7]))


class DigestStore(FeatureStore):
    migrations = migrations

    # --- recipients managed from Slack --------------------------------------------------------

    def add_recipient(self, user_id: str, added_by: str, now: datetime) -> bool:
        """True when newly added. It does not undo the person's own opt-out: their word wins."""
        return self.conn.execute("INSERT OR IGNORE INTO digest_recipients (user_id, added_by, added_at) "
                                 "VALUES (?,?,?)", (user_id, added_by, iso(now))).rowcount == 1

    def remove_recipient(self, user_id: str) -> bool:
        return self.conn.execute("DELETE FROM digest_recipients WHERE user_id = ?", (user_id,)).rowcount == 1

    def added_recipients(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT user_id FROM digest_recipients ORDER BY added_at, user_id")]

    def opt_out(self, user_id: str, now: datetime) -> bool:
        return self.conn.execute("INSERT OR IGNORE INTO digest_optouts (user_id, at) VALUES (?, ?)",
                                 (user_id, iso(now))).rowcount == 1

    def opt_in(self, user_id: str) -> bool:
        return self.conn.execute("DELETE FROM digest_optouts WHERE user_id = ?", (user_id,)).rowcount == 1

    def opted_out(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT user_id FROM digest_optouts")}

    # --- the user group, as Slack last said ---------------------------------------------------

    def usergroup_members(self, usergroup: str) -> tuple[list[str], datetime | None]:
        row = self.conn.execute("SELECT users, fetched_at FROM digest_usergroups WHERE usergroup = ?",
                                (usergroup,)).fetchone()
        return (json.loads(row[0]), parse_iso(row[1])) if row else ([], None)

    def put_usergroup_members(self, usergroup: str, users: list[str], now: datetime) -> None:
        self.conn.execute("INSERT INTO digest_usergroups (usergroup, users, fetched_at) VALUES (?,?,?) "
                          "ON CONFLICT(usergroup) DO UPDATE SET users = excluded.users, fetched_at = excluded.fetched_at",
                          (usergroup, json.dumps(sorted(set(users))), iso(now)))

    # --- each week's figures, frozen at the first send -------------------------------------------

    def edition(self, week: str) -> dict | None:
        row = self.conn.execute("SELECT figures FROM digest_editions WHERE week = ?", (week,)).fetchone()
        return json.loads(row[0]) if row else None

    def freeze_edition(self, week: str, figures: dict, now: datetime) -> dict:
        """Store the week's figures unless some other sender already did; returns what is stored."""
        self.conn.execute("INSERT OR IGNORE INTO digest_editions (week, figures, built_at) VALUES (?,?,?)",
                          (week, json.dumps(figures, separators=(",", ":")), iso(now)))
        return self.edition(week)

    # --- sends and their charts ---------------------------------------------------------------

    def record_send(self, key: str, user_id: str, week: str, channel: str, now: datetime, chart: bool) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO digest_sends (key, user_id, week, channel, claimed_at, chart_state) "
            "VALUES (?,?,?,?,?,?)", (key, user_id, week, channel, iso(now), "waiting" if chart else "skipped"))

    def send(self, key: str) -> DigestSend | None:
        row = self.conn.execute(f"SELECT {_SEND_COLS} FROM digest_sends WHERE key = ?", (key,)).fetchone()
        return DigestSend(*row) if row else None

    def sends(self, week: str | None = None) -> list[DigestSend]:
        where, args = ("WHERE week = ?", (week,)) if week else ("", ())
        return [DigestSend(*r) for r in self.conn.execute(
            f"SELECT {_SEND_COLS} FROM digest_sends {where} ORDER BY claimed_at, key", args)]

    def charts_waiting(self, now: datetime, limit: int = 50) -> list[DigestSend]:
        return [DigestSend(*r) for r in self.conn.execute(
            f"SELECT {_SEND_COLS} FROM digest_sends WHERE chart_state = 'waiting' AND chart_next_ts <= ? "
            "ORDER BY chart_next_ts, key LIMIT ?", (now.timestamp(), limit))]

    def claim_chart(self, key: str) -> bool:
        """waiting -> uploading; False when another process got there first."""
        return self.conn.execute("UPDATE digest_sends SET chart_state = 'uploading', chart_attempts = chart_attempts + 1 "
                                 "WHERE key = ? AND chart_state = 'waiting'", (key,)).rowcount == 1

    def chart_done(self, key: str, file_id: str | None) -> None:
        self.conn.execute("UPDATE digest_sends SET chart_state = 'done', chart_file = ?, chart_error = NULL "
                          "WHERE key = ?", (file_id, key))

    def chart_retry(self, key: str, error: str, at: datetime) -> None:
        self.conn.execute("UPDATE digest_sends SET chart_state = 'waiting', chart_error = ?, chart_next_ts = ? "
                          "WHERE key = ?", (error, at.timestamp(), key))

    def chart_give_up(self, key: str, state: str, error: str) -> None:
        self.conn.execute("UPDATE digest_sends SET chart_state = ?, chart_error = ? WHERE key = ?", (state, error, key))

    def recover_uploads(self) -> list[DigestSend]:
        """After a crash: an upload caught mid-way may have reached Slack; it is marked 'unknown'
        and reported, never repeated (the same rule as the outbox)."""
        rows = [DigestSend(*r) for r in self.conn.execute(
            f"SELECT {_SEND_COLS} FROM digest_sends WHERE chart_state = 'uploading'")]
        self.conn.execute("UPDATE digest_sends SET chart_state = 'unknown', "
                          "chart_error = 'interrupted mid-upload' WHERE chart_state = 'uploading'")
        return rows

    def note_skip(self, key: str, now: datetime) -> bool:
        """True the first time a digest is skipped as too late (so it is logged once, not every tick)."""
        return self.conn.execute("INSERT OR IGNORE INTO digest_skips (key, at) VALUES (?, ?)",
                                 (key, iso(now))).rowcount == 1

    # --- since when Headwork has been watching ---------------------------------------------------

    def running_since(self) -> datetime | None:
        """When Headwork started seeing this workspace: noted by the digest job's first run
        (`note_running`), else the earliest thing it saw happen itself (None: nothing yet)."""
        noted = self.store.get_meta(RUNNING_SINCE)
        return parse_iso(noted) if noted else self._earliest_seen()

    def note_running(self, now: datetime) -> datetime:
        """The digest job's first run: Headwork is running from `now`, or from the earliest thing it
        saw itself before this version kept the date (an install already in use keeps its weeks)."""
        noted = self.store.get_meta(RUNNING_SINCE)
        if noted:
            return parse_iso(noted)
        earliest = self._earliest_seen()
        since = min(earliest, now) if earliest is not None else now
        self.store.set_meta(RUNNING_SINCE, iso(since))
        return since

    def _earliest_seen(self) -> datetime | None:
        """The first thing Headwork itself saw: a task made in Slack, a task someone finished there, a
        workslop flag, an AI call, a digest sent (its week's start). Never a task an import brought,
        whose dates are the other tool's: a first import would date Headwork years back."""
        times = [r[0] for r in self.conn.execute(
            "SELECT min(created_at) FROM tasks WHERE source = 'slack' "
            "UNION ALL SELECT min(completed_at) FROM completions WHERE completed_by IS NOT NULL "
            "UNION ALL SELECT min(at) FROM ai_usage "
            "UNION ALL SELECT min(json_extract(figures, '$.start')) FROM digest_editions") if r[0]]
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workslop_flags'").fetchone():
            times += [r[0] for r in self.conn.execute("SELECT min(flagged_at) FROM workslop_flags") if r[0]]
        return min((datetime.fromisoformat(t) for t in times), default=None)

    def skipped(self, key: str) -> bool:
        return self.conn.execute("SELECT 1 FROM digest_skips WHERE key = ?", (key,)).fetchone() is not None

    # --- priorities: reads over tasks and scores that only the digest makes -------------------

    def unowned_open(self, limit: int, now: datetime) -> tuple[int, list[OpenTask]]:
        """(how many, the `limit` highest-scoring) open tasks nobody owns: one range of `scores_rank`."""
        count = self.store.unowned_open_count()
        rows = self.conn.execute(
            f"SELECT {_OPEN_COLS} FROM scores s JOIN tasks t ON t.id = s.task_id WHERE s.assignee_id IS NULL "
            "AND s.active = 1 AND (s.snoozed_until_ts IS NULL OR s.snoozed_until_ts <= ?) "
            "ORDER BY s.total DESC, s.task_id LIMIT ?", (now.timestamp(), limit)).fetchall()
        return count, [_open_task(r) for r in rows]

    def org_top_open(self, limit: int, now: datetime) -> list[OpenTask]:
        """The organisation's highest-scoring open, unsnoozed tasks (owned or not), ties by id.

        The organisation's top N is among each person's top N: one walk of the `scores_rank`
        index per owner (and one for unowned tasks) instead of sorting every score — there is
        no index on `total` alone, which the hourly rescore would have to keep up."""
        now_ts = now.timestamp()
        live = "active = 1 AND (snoozed_until_ts IS NULL OR snoozed_until_ts <= ?)"
        candidates: list[tuple[int, float]] = []
        for (owner,) in self.conn.execute("SELECT DISTINCT assignee_id FROM scores").fetchall():
            who, args = ("assignee_id IS NULL", ()) if owner is None else ("assignee_id = ?", (owner,))
            candidates += self.conn.execute(
                f"SELECT task_id, total FROM scores WHERE {who} AND {live} ORDER BY total DESC, task_id LIMIT ?",
                (*args, now_ts, limit)).fetchall()
        best = [task_id for task_id, _ in sorted(candidates, key=lambda c: (-c[1], c[0]))[:limit]]
        if not best:
            return []
        marks = ",".join("?" * len(best))
        rows = self.conn.execute(f"SELECT {_OPEN_COLS} FROM scores s JOIN tasks t ON t.id = s.task_id "
                                 f"WHERE s.task_id IN ({marks}) ORDER BY s.total DESC, s.task_id", best).fetchall()
        return [_open_task(r) for r in rows]

    def overdue_high_value(self, min_points: float, limit: int, now: datetime) -> tuple[int, list[OpenTask]]:
        """(how many, the `limit` highest) open tasks past their due date scoring at least `min_points`."""
        cond = "s.active = 1 AND s.due_ts IS NOT NULL AND s.due_ts < ? AND s.total >= ?"
        args = (now.timestamp(), min_points)
        count = self.conn.execute(f"SELECT count(*) FROM scores s INDEXED BY digest_scores_due WHERE {cond}",
                                  args).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT {_OPEN_COLS} FROM scores s INDEXED BY digest_scores_due JOIN tasks t ON t.id = s.task_id "
            f"WHERE {cond} ORDER BY s.total DESC, s.task_id LIMIT ?", (*args, limit)).fetchall()
        return count, [_open_task(r) for r in rows]

    def stuck_high_value(self, min_points: float, days: int, limit: int, now: datetime) -> tuple[int, list[OpenTask]]:
        """(how many, the `limit` highest) open tasks nobody has updated for `days` days scoring at
        least `min_points`: work that matters and is not moving."""
        cutoff = iso(now - timedelta(days=days))
        where = (f"FROM tasks t INDEXED BY digest_tasks_updated JOIN scores s ON s.task_id = t.id "
                 f"WHERE t.status IN {_OPEN_SQL} AND t.updated_at < ? AND s.active = 1 AND s.total >= ?")
        args = (cutoff, min_points)
        count = self.conn.execute(f"SELECT count(*) {where}", args).fetchone()[0]
        rows = self.conn.execute(f"SELECT {_OPEN_COLS} {where} ORDER BY s.total DESC, s.task_id LIMIT ?",
                                 (*args, limit)).fetchall()
        return count, [_open_task(r) for r in rows]
