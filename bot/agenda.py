"""Agendas: built from the live scores, posted once per occurrence, updated in place.

`AgendaService.run(now)` is the scheduler job (every minute). For each meeting it looks at the
occurrences around `now`:

- post time (start − lead) passed, start not yet: claim and post. The claim is the occurrence
  row (UNIQUE meeting + occurrence) and the outbox key `agenda:<meeting>:<occurrence>`, both in
  one BEGIN IMMEDIATE transaction: two schedulers racing, or a restart between claim and send,
  give exactly one message (the outbox sends a claimed item once; one caught mid-send by a crash
  is looked up in the channel's history, see `Outbox.recover`). Posted more than `LATE_AFTER`
  after its post time, it says so.
- `REFRESH_BEFORE` the start: rebuild; if the order changed, or the items' reasons say other
  words than at the post (one posted days early: "due tomorrow" is overdue by then),
  `chat.update` the same message (channel + ts from the post's outbox response) under its own key, once.
- started and never posted (the bot was down): skipped, with one log line, never posted late.

An agenda is the scope's open tasks in score order (attendees: each one's ranking index walked
for their top N and merged — 50 attendees, 50 short walks), with the previous posted
occurrence's undiscussed, still-open items first, marked "carried over from …".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from scoring.engine import score_task
from scoring.model import ValueModel
from scoring.store import TaskStore, parse_iso

from .blocks.agenda import AgendaView, ItemView, agenda_text, build_agenda, build_refused, refused_text, when_text
from .calendars import Calendars, CalendarUnavailable
from .meetings import Meeting, all_meetings
from .outbox import Outbox
from .recurrence import Occurrence, next_occurrence, occurrence_on, occurrences
from .settings import Settings
from .store_agenda import AgendaStore, OccurrenceRow
from .store_outbox import OutboxStore

log = logging.getLogger("headwork.agenda")

LATE_AFTER = timedelta(minutes=5)       # the job runs every minute: later than this, the bot was away
REFRESH_BEFORE = timedelta(minutes=5)   # the last look at the order before the meeting starts
SKIP_LOOKBACK = timedelta(hours=12)     # how far back a missed occurrence is noticed and logged
REASONS = 2                             # top terms shown per item


POST_PREFIX = "agenda:"


def post_key(meeting_id: str, occ: Occurrence | str) -> str:
    return f"{POST_PREFIX}{meeting_id}:{occ if isinstance(occ, str) else occ.key_iso}"


def update_key(meeting_id: str, occ: Occurrence | str) -> str:
    return f"agenda-update:{meeting_id}:{occ if isinstance(occ, str) else occ.key_iso}"


@dataclass(frozen=True)
class Built:
    """An agenda before it is posted: task ids in order, each with where it was carried from."""

    meeting: Meeting
    occurrence: Occurrence
    order: list[tuple[int, datetime | None]]


@dataclass
class RunReport:
    posted: list[str]
    updated: list[str]
    skipped: list[str]


class AgendaService:
    def __init__(self, settings: Settings, store: TaskStore, model: ValueModel, outbox: Outbox | None,
                 calendars: Calendars | None = None):
        self.settings = settings
        self.store = store
        self.model = model
        self.outbox = outbox
        self.db = AgendaStore(store)
        self.calendars = calendars or Calendars(settings.config_path.parent,
                                                clock=outbox.clock if outbox is not None else None)
        self._config_edits_followed = False  # see `run`
        if outbox is not None:
            outbox.on_failure(POST_PREFIX, self._post_refused)

    # --- meetings and their occurrences --------------------------------------------------------------

    def meetings(self, channel: str | None = None) -> list[Meeting]:
        found = all_meetings(self.settings, self.db)
        return [m for m in found if m.channel == channel] if channel else found

    def occurrences(self, meeting: Meeting, start: datetime, end: datetime, cached_only: bool = False):
        return self._follow_edits(meeting, occurrences(meeting, start, end, self._calendar(meeting, start, cached_only)))

    def next_occurrence(self, meeting: Meeting, now: datetime, cached_only: bool = False) -> Occurrence | None:
        occ = next_occurrence(meeting, now, self._calendar(meeting, now, cached_only))
        return self._follow_edits(meeting, [occ])[0] if occ is not None else None

    def occurrence_on(self, meeting: Meeting, day, now: datetime, cached_only: bool = False) -> Occurrence | None:
        """The meeting's occurrence on `day` (in its own zone), None when it does not meet then."""
        occ = occurrence_on(meeting, day, self._calendar(meeting, now, cached_only))
        return self._follow_edits(meeting, [occ])[0] if occ is not None else None

    def _follow_edits(self, meeting: Meeting, found: list[Occurrence]) -> list[Occurrence]:
        """An occurrence an edit moved (see `follow_edit`) keeps its first key, as one a calendar
        moved does: the schedule's new start, under the key its agenda was posted or skipped as."""
        if not found:
            return found
        moves = self.db.moves(meeting.id)
        if not moves:
            return found
        return [Occurrence(_key_time(moves[o.key_iso]), o.start, moved=True) if o.key_iso in moves else o
                for o in found]

    def follow_edit(self, meeting: Meeting, now: datetime) -> list[str]:
        """After `meeting` was edited: each of its occurrences from today on that was already posted
        or skipped moves to the edited schedule's occurrence on the same day (in the meeting's zone),
        so that day gets no second agenda; a posted one's message is updated at once with the new
        time. A day the edit takes out keeps what it had. Returns the keys of the posted ones moved."""
        tz = meeting.tz
        today = now.astimezone(tz).date()
        moved = []
        with self.store.transaction():
            for row in self.db.occurrences_from(meeting.id, datetime.combine(today, clock_time(0), tz)
                                                - timedelta(days=1)):
                day = row.starts_at.astimezone(tz).date()
                new = occurrence_on(meeting, day) if day >= today else None  # as the edited rule has it
                if new is None:
                    continue
                target = None if new.key_iso == row.occurrence else new.key_iso
                if (target == row.moved_to and new.start == row.starts_at) or (
                        target is not None and self.db.occurrence(meeting.id, target) is not None):
                    continue  # unchanged, or that day's new time has an agenda of its own already
                self.db.follow_edit(row.id, target, new.start, now)
                if row.state == "posted":
                    moved.append(row.occurrence)
                    self._redraw_moved(meeting, self.db.occurrence_by_id(row.id), now)
        for key in moved:
            log.info("agenda %s for %s moved by an edit of the meeting", meeting.id, key)
        return moved

    def _redraw_moved(self, meeting: Meeting, row: OccurrenceRow, now: datetime) -> None:
        where = self.posted_message(meeting.id, row.occurrence) if self.outbox is not None else None
        if where is None:
            return  # not delivered yet: the pre-start update redraws it (see `refresh`)
        text, blocks = self.render(meeting, row, now)
        self.outbox.send(f"agenda-moved:{meeting.id}:{row.occurrence}@{row.edited_at.isoformat()}", "chat.update",
                         {"channel": where[0], "ts": where[1], "text": text, "blocks": blocks})

    def needs_fetch(self, meeting: Meeting) -> bool:
        """An ICS meeting whose calendar has not been read yet (not something to do before an ack)."""
        return bool(meeting.ics) and self.calendars.cached(meeting.ics) is None

    @staticmethod
    def slow_scope(meeting: Meeting) -> bool:
        """Tags alone: a scan of every task (see AgendaStore.top_in_scope), built after the ack."""
        return bool(meeting.tags) and not meeting.attendees and not meeting.project

    def _calendar(self, meeting: Meeting, now: datetime, cached_only: bool):
        if not meeting.ics:
            return None
        if cached_only:
            cal = self.calendars.cached(meeting.ics)
            if cal is None:
                raise CalendarUnavailable("calendar not loaded yet")
            return cal
        return self.calendars.get(meeting.ics, now)

    # --- building ---------------------------------------------------------------------------

    def hidden_attendees(self, meeting: Meeting) -> tuple[str, ...]:
        """Attendees of a meeting set up in Slack whose tasks its owner may not see: they are left
        out of its agenda. The setup form refuses them; this catches a meeting saved before it did,
        and one whose owner has since stopped managing someone. A meeting in headwork.yml is an
        admin's, who may see everyone's."""
        if meeting.from_config:
            return ()
        return tuple(a for a in meeting.attendees
                     if not (meeting.owner and self.settings.may_view(meeting.owner, a)))

    def scope_notes(self, meeting: Meeting) -> list[str]:
        hidden = self.hidden_attendees(meeting)
        if not hidden:
            return []
        return [f"Leaves out the tasks of {', '.join(f'<@{a}>' for a in hidden)}: <@{meeting.owner}>, who set up "
                "this meeting, may not see them."]

    def candidates(self, meeting: Meeting, now: datetime, limit: int) -> list[tuple[int, float]]:
        """(task_id, total) of the scope's best open tasks, best first."""
        if meeting.attendees:
            hidden = self.hidden_attendees(meeting)
            attendees = [a for a in meeting.attendees if a not in hidden]
            rows: dict[int, float] = {}
            narrow = bool(meeting.project or meeting.tags)
            for person in attendees:  # none left: nobody's tasks (not everyone's)
                found = (self.db.top_in_scope(limit, now, assignee=person, project=meeting.project, tags=meeting.tags)
                         if narrow else self.store.top_ids(person, limit, now.timestamp()))
                rows.update(found)
            return sorted(rows.items(), key=lambda r: (-r[1], r[0]))[:limit]
        return self.db.top_in_scope(limit, now, project=meeting.project, tags=meeting.tags)

    def build(self, meeting: Meeting, occ: Occurrence, now: datetime) -> Built:
        """The agenda for `occ` at `now`: first the previous posted occurrence's undiscussed items
        that are still open (best first, each remembering the occurrence it first appeared in),
        then the scope's best other tasks, `max_items` in all. A meeting that never discusses
        anything thus keeps its oldest business on top; carried items beyond `max_items` fall
        off, lowest score first (a discussed item comes back only if it still ranks)."""
        carried: dict[int, datetime] = {}
        prev = self.db.previous_posted(meeting.id, occ.key_iso)
        if prev is not None:
            for item in self.db.items(prev.id):
                if not item.discussed_by:
                    carried[item.task_id] = item.carried_from or prev.starts_at
            still_open = self.db.open_task_ids(list(carried))
            carried = {t: c for t, c in carried.items() if t in still_open}
        totals = self.db.totals(list(carried))
        first = sorted(carried, key=lambda t: (-totals.get(t, 0.0), t))[:meeting.max_items]
        fresh = [t for t, _ in self.candidates(meeting, now, meeting.max_items + len(first)) if t not in carried]
        order = [(t, carried[t]) for t in first] + [(t, None) for t in fresh[:meeting.max_items - len(first)]]
        return Built(meeting, occ, order)

    def items_view(self, order: list[tuple[int, datetime | None, str | None, datetime | None]],
                   now: datetime, tz: ZoneInfo | None = None) -> list[ItemView]:
        """Explain each item at `now` (the reasons are the score's top terms), worded in `tz` (default:
        `now`'s): "due today at 17:00" names the day and hour of whoever reads it, whatever zone the
        clock is in."""
        now = now.astimezone(tz) if tz is not None else now
        ids_ = [o[0] for o in order]
        tasks = self.store.get_tasks(ids_)
        bands = self.store.effective_bands_many(ids_, self.model.band_ids)
        out = []
        for task_id, carried, by, at in order:
            task = tasks.get(task_id)
            if task is None:
                continue  # deleted upstream since
            score = score_task(task, bands.get(task_id, (frozenset(), ""))[0], self.model, now)
            reasons = tuple(t.text for t in score.summary_terms(REASONS))
            out.append(ItemView(task, score.total, reasons, carried, by, at))
        return out

    def preview(self, meeting: Meeting, occ: Occurrence, now: datetime, tz: ZoneInfo) -> tuple[str, list[dict]]:
        """The agenda as it would be posted now (or as it was, once posted), times in `tz`."""
        row = self.db.occurrence(meeting.id, occ.key_iso)
        if row is not None and row.state == "posted":
            view = self._stored_view(meeting, row, now, tz)
            view = AgendaView(meeting, view.start, view.items, tz, None,
                              [f"Already posted in <#{meeting.channel}>; this is how it stands now."])
        else:
            notes = self.scope_notes(meeting)
            if row is not None and row.state == "skipped":
                notes.insert(0, f":no_entry_sign: {skipped_text(row)}: no agenda will be posted for it. "
                                f"{may_post_skipped_text(meeting)} can still post it with `/agenda post`.")
            view = AgendaView(meeting, occ.start, self.fresh_items(meeting, occ, now, tz), tz, None, notes)
        return agenda_text(view), build_agenda(view)

    def fresh_items(self, meeting: Meeting, occ: Occurrence, now: datetime,
                    tz: ZoneInfo | None = None) -> list[ItemView]:
        """The items the occurrence's agenda would have if it were built now, explained at `now` in
        `tz` (default: the meeting's zone)."""
        return self.items_view([(t, c, None, None) for t, c in self.build(meeting, occ, now).order], now,
                               tz or meeting.tz)

    def _stored_view(self, meeting: Meeting, row: OccurrenceRow, now: datetime,
                     tz: ZoneInfo | None = None) -> AgendaView:
        """A posted agenda as it stands, its notes from its row: they stay through every redraw."""
        tz = tz or meeting.tz
        items = self.items_view([(i.task_id, i.carried_from, i.discussed_by, i.discussed_at)
                                 for i in self.db.items(row.id)], now, tz)
        start = row.starts_at.astimezone(meeting.tz)
        notes = self.scope_notes(meeting)
        if row.posted_by:
            notes.append(f"Posted ahead of schedule by <@{row.posted_by}>.")
        if row.late:
            notes.append(f":hourglass: Posted late: this agenda was due at "
                         f"{(start - meeting.lead).astimezone(tz):%H:%M}; the meeting starts at "
                         f"{start.astimezone(tz):%H:%M}.")
        if row.refreshed == 2:
            notes.append(f"Order updated {REFRESH_BEFORE.seconds // 60} minutes before the start with the "
                         "latest scores.")
        return AgendaView(meeting, start, items, tz, row.id, notes)

    def render(self, meeting: Meeting, row: OccurrenceRow, now: datetime):
        view = self._stored_view(meeting, row, now)
        return agenda_text(view), build_agenda(view)

    # --- posting -----------------------------------------------------------------------------------

    def post(self, meeting: Meeting, occ: Occurrence, now: datetime, late: bool = False,
             by: str | None = None, unskip: bool = False) -> OccurrenceRow | None:
        """Claim and queue this occurrence's agenda; None when it was already claimed (or skipped,
        unless `unskip`: whoever may skip it, may post it after all)."""
        built = self.build(meeting, occ, now)
        key = post_key(meeting.id, occ)
        with self.store.transaction():
            occ_id = self.db.claim_occurrence(meeting.id, occ.key_iso, occ.start, "posted", late, now)
            again = False
            if occ_id is None:
                # claimed before: nothing to do, unless someone asks for it (`/agenda post`) and it was
                # skipped (then it is posted after all) or Slack refused it (after inviting Headwork:
                # then it goes out again, once, under its key)
                existing = self.db.occurrence(meeting.id, occ.key_iso) if by is not None else None
                if existing is not None and existing.state == "skipped" and unskip and self.db.unskip(existing.id):
                    occ_id = existing.id
                elif (existing is not None and (item := self.outbox.db.get(key)) is not None
                      and item.state == "failed"):
                    occ_id, again = existing.id, True
                else:
                    return None
            self.db.replace_items(occ_id, built.order)
            if by and not again:  # sent again after Slack refused it: not ahead of anything
                self.db.set_posted_by(occ_id, by)
            row = self.db.occurrence_by_id(occ_id)
            text, blocks = self.render(meeting, row, now)
            args = {"channel": meeting.channel, "text": text, "blocks": blocks,
                    "unfurl_links": False, "unfurl_media": False}
            if not (self.outbox.send_again(key, args) if again else self.outbox.send(key, "chat.postMessage", args)):
                if again:
                    return None  # another process sent it again first
                raise RuntimeError(f"outbox key {key} claimed without its occurrence")
        log.info("agenda %s for %s queued%s", meeting.id, occ.key_iso, " (late)" if late else "")
        return row

    def skip(self, meeting: Meeting, occ: Occurrence, now: datetime, by: str | None = None) -> bool:
        """No agenda for this occurrence (the meeting is cancelled); False when it was already
        posted or skipped. `/agenda post`, by whoever may skip, still posts it afterwards."""
        with self.store.transaction():
            skipped = self.db.claim_occurrence(meeting.id, occ.key_iso, occ.start, "skipped", False, now,
                                               skipped_by=by) is not None
        if skipped:
            log.info("agenda %s for %s skipped by a person", meeting.id, occ.key_iso)
        return skipped

    def _post_refused(self, item, error: str) -> None:
        """Slack refused an agenda for good (not in the channel, archived ...): the meeting's owner
        -- or, for a meeting from headwork.yml, each admin -- is told privately why and what to do,
        once per refusal (a post sent again and refused again is told again). Nobody else is: a
        refusal is no channel's business."""
        occurrence = item.key[len(POST_PREFIX):]
        meeting = max((m for m in self.meetings() if occurrence.startswith(m.id + ":")),
                      key=lambda m: len(m.id), default=None)
        if meeting is None:
            log.warning("agenda post %s refused (%s) for a meeting that is gone", item.key, error)
            return
        recipients = [meeting.owner] if meeting.owner else list(self.settings.config.org.admins)
        text = refused_text(meeting, error)
        for user in recipients:
            self.outbox.send(f"agenda-refused:{occurrence}:{user}:{item.attempts}", "chat.postMessage",
                             {"channel": user, "text": text, "blocks": build_refused(text)})
        if not recipients:
            log.error("agenda %s refused (%s) and no meeting owner or admin to tell", item.key, error)

    def last_post(self, meeting: Meeting) -> tuple[OccurrenceRow, str, str | None] | None:
        """The meeting's latest agenda and how its delivery stands: (occurrence, 'sent' | 'pending' |
        'failed' ..., Slack's refusal when it failed); None before the first."""
        row = self.db.previous_posted(meeting.id, "\uffff")
        if row is None:
            return None
        item = (self.outbox.db if self.outbox is not None else OutboxStore(self.store)).get(
            post_key(meeting.id, row.occurrence))
        if item is None:
            return row, "unknown", None
        return row, item.state, item.last_error if item.state == "failed" else None

    def posted_message(self, meeting_id: str, occurrence: str) -> tuple[str, str] | None:
        """(channel, ts) of a delivered agenda message."""
        item = self.outbox.db.get(post_key(meeting_id, occurrence))
        if item is None or item.state != "sent" or not item.response or not item.response.get("ts"):
            return None
        return item.response.get("channel") or item.args.get("channel"), item.response["ts"]

    def refresh(self, meeting: Meeting, occ: Occurrence, row: OccurrenceRow, now: datetime) -> bool:
        """Shortly before the start: update the same message in place if the order changed, its
        reasons' words went stale (`_reworded`), or a calendar moved the meeting since the post.

        The update's blocks are fixed when it is claimed; a Discussed press just after queues its
        own redraw behind it in the outbox, so the message always ends with every mark."""
        where = self.posted_message(meeting.id, row.occurrence)
        if where is None:
            return False  # not delivered yet: look again next minute
        built = self.build(meeting, occ, now)
        with self.store.transaction():
            if not self.db.claim_refresh(row.id):
                return False
            stored = self.db.items(row.id)
            discussed = {i.task_id for i in stored if i.discussed_by}
            fresh = list(built.order)
            # a discussed item never leaves the message (done since, or fallen out of the top): it goes
            # at the end, in place of the lowest undiscussed ones, so the agenda keeps to `max_items`
            discussed_gone = [(i.task_id, i.carried_from) for i in stored
                              if i.task_id in discussed and i.task_id not in dict(fresh)]
            excess = len(fresh) + len(discussed_gone) - meeting.max_items
            while excess > 0 and (last := next((e for e in reversed(fresh) if e[0] not in discussed), None)):
                fresh.remove(last)
                excess -= 1
            order = [t for t, _ in fresh + discussed_gone]
            moved = row.starts_at != occ.start
            # an edit that moved it redrew it then, if it was delivered; once more here, in case not.
            # Same order: redrawn still when its reasons' words went stale since the post (posted on
            # Wednesday for Monday, "due tomorrow" is overdue by then)
            same_order = order == [i.task_id for i in stored]
            if same_order and not moved and row.edited_at is None and not self._reworded(meeting, row, now):
                return False
            if moved:  # a calendar moved it after the post: the message shows the new time
                self.db.move_occurrence(row.id, occ.start)
            if order != [i.task_id for i in stored]:
                self.db.replace_items(row.id, fresh + discussed_gone)
                self.db.mark_reordered(row.id)
            text, blocks = self.render(meeting, self.db.occurrence_by_id(row.id), now)
            key = update_key(meeting.id, row.occurrence)  # once; once more after each edit that moves it
            self.outbox.send(f"{key}@{row.edited_at.isoformat()}" if row.edited_at else key, "chat.update",
                             {"channel": where[0], "ts": where[1], "text": text, "blocks": blocks})
        log.info("agenda %s for %s %s before the start", meeting.id, row.occurrence,
                 "redrawn" if same_order else "reordered")
        return True

    def _reworded(self, meeting: Meeting, row: OccurrenceRow, now: datetime) -> bool:
        """Whether the posted items' reasons say other words now than when the agenda was posted
        (their points move every hour; only the words are worth a redraw)."""
        item = self.outbox.db.get(post_key(meeting.id, row.occurrence))
        posted_at = parse_iso(item.created_at) if item is not None and item.created_at else None
        if posted_at is None:
            return False
        ids_ = [i.task_id for i in self.db.items(row.id)]
        return self.wording(ids_, posted_at, meeting.tz) != self.wording(ids_, now, meeting.tz)

    def wording(self, task_ids: list[int], at: datetime, tz: ZoneInfo) -> list[tuple[int, tuple[str, ...]]]:
        """What each task's reasons say at `at`, worded in `tz`, without their points: "due tomorrow"."""
        at = at.astimezone(tz)
        tasks = self.store.get_tasks(task_ids)
        bands = self.store.effective_bands_many(task_ids, self.model.band_ids)
        return [(t, tuple(term.reason for term in score_task(tasks[t], bands.get(t, (frozenset(), ""))[0],
                                                             self.model, at).summary_terms(REASONS)))
                for t in task_ids if t in tasks]

    # --- the scheduler job -------------------------------------------------------------------------

    def run(self, now: datetime) -> RunReport:
        report = RunReport([], [], [])
        if not self._config_edits_followed:  # headwork.yml is read once, at start: an edit shows up here
            self._config_edits_followed = True
            for meeting in self.meetings():
                if meeting.from_config and meeting.ics is None:  # a calendar's own moves are followed as they come
                    try:
                        self.follow_edit(meeting, now)
                    except Exception:  # noqa: BLE001 - one broken meeting must not hold up the others
                        log.exception("agenda %s: following an edit of headwork.yml failed", meeting.id)
        for meeting in self.meetings():
            try:
                self._run_meeting(meeting, now, report)
            except CalendarUnavailable as exc:
                log.warning("agenda %s: %s; nothing posted this minute", meeting.id, exc)
            except Exception:  # noqa: BLE001 - one broken meeting must not hold up the others
                log.exception("agenda %s failed at %s", meeting.id, now.isoformat())
        return report

    def _run_meeting(self, meeting: Meeting, now: datetime, report: RunReport) -> None:
        for occ in self.occurrences(meeting, now - SKIP_LOOKBACK, now + meeting.lead + timedelta(minutes=1)):
            post_at = occ.start - meeting.lead
            row = self.db.occurrence(meeting.id, occ.key_iso)
            if occ.start <= now:
                if row is None and self.db.claim_occurrence(meeting.id, occ.key_iso, occ.start, "skipped", False, now):
                    log.warning("agenda %s for %s skipped: the meeting had already started (%s) when Headwork "
                                "could post it", meeting.id, occ.key_iso, when_text(occ.start, meeting.tz))
                    report.skipped.append(post_key(meeting.id, occ))
                continue
            if post_at > now:
                continue
            if row is None:
                if self.post(meeting, occ, now, late=now - post_at > LATE_AFTER) is not None:
                    report.posted.append(post_key(meeting.id, occ))
            elif row.state == "posted" and row.refreshed == 0 and occ.start - now <= REFRESH_BEFORE:
                if self.refresh(meeting, occ, row, now):
                    report.updated.append(update_key(meeting.id, occ))

    # --- Discussed ---------------------------------------------------------------------------------

    def toggle_discussed(self, occurrence_id: int, task_id: int, user: str, now: datetime) -> str | None:
        """Mark (or unmark) an item; returns the meeting id, or None when the button is stale."""
        row = self.db.occurrence_by_id(occurrence_id)
        if row is None or row.state != "posted":
            return None
        current = next((i for i in self.db.items(occurrence_id) if i.task_id == task_id), None)
        if current is None:
            return None
        self.db.set_discussed(occurrence_id, task_id, None if current.discussed_by else user, now)
        return row.meeting_id


def skipped_text(row: OccurrenceRow) -> str:
    """'Skipped by <@U…>' (or just 'Skipped' when the scheduler did, the meeting having started)."""
    return f"Skipped by <@{row.skipped_by}>" if row.skipped_by else "Skipped"


def may_post_skipped_text(meeting: Meeting) -> str:
    """Who may skip, and so post a skipped agenda after all (`Meeting.may_skip`)."""
    return f"Admins and <@{meeting.owner}>" if meeting.owner else "Admins"


def _key_time(key_iso: str) -> datetime:
    """An occurrence key ('2026-03-03T10:00Z') as the UTC instant it names."""
    return datetime.strptime(key_iso, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)


def agenda_jobs(service: AgendaService) -> list:
    from .scheduler import JobSpec

    return [JobSpec("agendas", service.run, every=timedelta(minutes=1), run_at_start=True,
                    misfire_grace=timedelta(minutes=30), name="post and update meeting agendas")]
