"""The optional, private, kind note to an author (`workslop.author_note`, off by default).

It says that a recipient found something hard to use, and why — never who, never where, never
which message. To keep its timing from pointing at anyone, notes are batched: one per author per
day at most, sent from NOTE_AT in the author's own zone, covering 24 hours of flags that end at
CUTOFF — so even the latest flag in a note is hours old when it arrives.
Flags received in a direct message are left out: there the author would know who it was."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from functools import partial

from ..blocks.workslop import build_author_note
from ..deps import Deps
from ..scheduler import JobSpec
from .flagging import ledger_of, sweep_of

log = logging.getLogger("headwork.workslop")

NOTE_AT = time(17, 30)
CUTOFF = time(13, 30)


def note_window(local_now: datetime) -> tuple[datetime, datetime]:
    """The 24 hours a note sent now would cover: [yesterday CUTOFF, today CUTOFF), or the day
    before when today's NOTE_AT has not come yet (DST-correct: `combine` in the author's zone)."""
    tz = local_now.tzinfo
    today = local_now.date()
    day = today if local_now.time() >= NOTE_AT else today - timedelta(days=1)
    return datetime.combine(day - timedelta(days=1), CUTOFF, tz), datetime.combine(day, CUTOFF, tz)


def author_notes_job(deps: Deps, now: datetime) -> int:
    """Queue the notes that are due (the outbox key makes each author's day's note happen once)."""
    if not deps.settings.config.workslop.author_note:
        return 0
    ledger = ledger_of(deps)
    by_author: dict[str, list[tuple]] = defaultdict(list)
    for author, channel, reason in ledger.author_rows(now - timedelta(days=3), now):
        by_author[author].append((channel, reason))
    queued = 0
    for author in by_author:
        person = deps.directory.person(author)
        if person is not None and (person.is_bot or person.deleted):
            continue
        start, end = note_window(now.astimezone(deps.directory.tz_for(author)))
        rows = [(channel, reason) for channel, reason in
                ((r[1], r[2]) for r in ledger.author_rows(start, end) if r[0] == author)
                if not (channel or "").startswith("D")]
        if not rows:
            continue
        note = build_author_note(Counter(reason for _, reason in rows if reason), len(rows))
        if deps.outbox.send(f"workslop-note:{author}:{end.date().isoformat()}", "chat.postMessage",
                            {"channel": author, **note}):
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
