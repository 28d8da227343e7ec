"""The optional, private, kind note to an author (`workslop.author_note`, off by default).

It says that a recipient found something hard to use, and why — never who, never where, never
which message. To keep its timing from pointing at anyone, notes are batched: one per author per
day at most, sent late in the author's own afternoon (from NOTE_AT, until NOTE_UNTIL) and covering
the 24 hours of flags that end at CUTOFF — so even the latest flag in a note is hours old when it
arrives. A note missed that afternoon (Headwork was down) is never sent at night or in the
morning: its flags go into the next afternoon's note.

Only flags seen in a public channel with at least `k_anonymity` members besides the author and
Headwork count: in a DM, a group DM, a private channel or a small channel the author could tell
who it was. Notes go to people only, never to an app (most AI output is posted by one)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, tzinfo
from functools import partial

from ..blocks.workslop import build_author_note
from ..deps import Deps
from ..scheduler import JobSpec
from .flagging import claimed, ledger_of, private_key, sweep_of

log = logging.getLogger("headwork.workslop")

NOTE_AT = time(17, 30)
NOTE_UNTIL = time(20, 0)
CUTOFF = time(13, 30)


def note_day(local_now: datetime) -> date | None:
    """The author's day whose note may go out now: today between NOTE_AT and NOTE_UNTIL in their
    zone, otherwise none."""
    return local_now.date() if NOTE_AT <= local_now.time() < NOTE_UNTIL else None


def note_window(day: date, tz: tzinfo, previous_sent: bool) -> tuple[datetime, datetime]:
    """The flags `day`'s note covers: [yesterday CUTOFF, today CUTOFF), from the day before when
    yesterday's note was never sent (DST-correct: `combine` in the author's zone)."""
    back = timedelta(days=1 if previous_sent else 2)
    return datetime.combine(day - back, CUTOFF, tz), datetime.combine(day, CUTOFF, tz)


def is_a_person(deps: Deps, user: str, now: datetime) -> bool:
    """Someone Slack says is a person, active (users.info when not looked up lately): never an app."""
    if not deps.directory.is_fresh(user, now):
        deps.directory.refresh(user, now)
    person = deps.directory.person(user)
    return person is not None and not person.is_bot and not person.deleted


def author_notes_job(deps: Deps, now: datetime) -> int:
    """Queue the notes that are due (the outbox key makes each author's day's note happen once)."""
    if not deps.settings.config.workslop.author_note:
        return 0
    ledger = ledger_of(deps)
    # the author, Headwork itself (it only hears reactions where it is a member) and k others who might have flagged
    min_members = deps.settings.config.workslop.k_anonymity + 2
    queued = 0
    for author in ledger.authors_between(now - timedelta(days=3), now):
        day = note_day(now.astimezone(deps.directory.tz_for(author)))
        if day is None or claimed(deps, "note", author, day):
            continue
        start, end = note_window(day, deps.directory.tz_for(author), claimed(deps, "note", author, day - timedelta(1)))
        items, people, reasons = ledger.author_note_figures(author, start, end, min_members)
        if not items or not is_a_person(deps, author, now):
            continue
        if note_day(now.astimezone(deps.directory.tz_for(author))) != day:
            continue  # Slack just told us their zone, and it is not their afternoon there
        if deps.outbox.send(private_key(deps, "note", author, day), "chat.postMessage",
                            {"channel": author, **build_author_note(items, people, reasons)}):
            queued += 1
    if queued:
        log.info("workslop: %d author note(s) queued", queued)
    return queued


def prune_job(deps: Deps, now: datetime) -> int:
    """Reaction ordering only matters for minutes; keep a week of it."""
    return ledger_of(deps).prune_removals(now - timedelta(days=7))


def workslop_jobs(deps: Deps) -> list[JobSpec]:
    return [
        JobSpec("workslop_prompts", lambda now: sweep_of(deps).run(now), every=timedelta(minutes=1),
                run_at_start=True, name="queue the prompts of flags that have none yet (after a restart)"),
        JobSpec("workslop_author_notes", partial(author_notes_job, deps), every=timedelta(minutes=15),
                name="kind, anonymous notes to authors of flagged output (when enabled)"),
        JobSpec("workslop_prune", partial(prune_job, deps), every=timedelta(hours=6),
                misfire_grace=timedelta(hours=6), name="forget old reaction ordering"),
    ]
