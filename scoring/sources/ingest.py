"""Tasks from a source (a CSV export, the Asana sync) enter the store: upserted by
(source, external id), judged at once by the offline rules when never judged before, and
every changed task scored at once.

The same rules as `scoring.intake.add_task` (a Slack-native task), done in bulk: when
Claude is the categorizer the rules' verdict is provisional and the task stays queued for
Claude; otherwise the rules' verdict is final. A task whose text changed keeps its last
bands until the categorization pass judges it again (the upsert queued it). Closed tasks
are scored (inactive) but not judged: nobody ranks them.

One call is one transaction: a batch is stored, judged and scored completely, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..categorize import categorized_key
from ..model import ValueModel
from ..rescore import rescore_tasks, score_fresh
from ..rules import RulesCategorizer, judge_task
from ..store import Judgement, TaskStore, iso_cached, parse_iso
from ..tasks import Task


def ingest(store: TaskStore, tasks: Sequence[Task], model: ValueModel, now: datetime,
           provisional: bool = False, keep_closed_here: bool = False) -> list[tuple[int, str]]:
    """Upsert, judge the never-judged open ones, score the changed ones. Returns (id, outcome) per task.

    `provisional=True` (Claude is the categorizer) leaves the rules' verdict queued for
    Claude; otherwise the rules' verdict is final. `keep_closed_here=True` (one-way imports)
    never reopens a task a person closed in Headwork: an export taken before (or without)
    that person updating the tool still says "open". A two-way sync leaves this off: there
    "open" upstream after a pushed completion means someone reopened it.

    New rows are judged and scored from the Task objects in hand, which are what was just
    stored (`_as_stored` makes sure of the dates), so they are not read back; changed rows are
    read back, as a single task's would be.
    """
    judge = RulesCategorizer.judge
    fingerprint = model.fingerprint
    new_rows: dict[int, tuple[Task, list[Judgement] | None]] = {}  # inserted by upsert_tasks_bulk: the verdict

    def states(rows: list[tuple[int, Task, str]]) -> list[tuple[int, str | None, str | None]]:
        """Judge the new open tasks before their rows are written, so the rows are written judged."""
        out = []
        for task_id, task, content_hash in rows:
            if not task.is_open:
                new_rows[task_id] = (task, None)
                out.append((1, None, None))  # closed tasks are not judged: the defaults
                continue
            new_rows[task_id] = (task, judge_task(task, model))
            if provisional:
                out.append((1, None, judge))  # as replace_machine_judgements(final=False): still queued
            else:
                out.append((0, f"{content_hash}:{fingerprint}", judge))  # categorized_key(task, model), final
        return out

    with store.transaction():
        if keep_closed_here:
            tasks = keep_closed_by_people(store, tasks)
        outcomes = store.upsert_tasks_bulk(tasks, now, states=states)
        store.add_new_judgements(judge, [(i, v) for i, (_, v) in new_rows.items() if v is not None], now)
        # Every other changed row -- an update, a key met twice in the batch, a row inserted the
        # slow way -- is judged (when never judged) and scored from the store, as one task would be.
        changed = {task_id for task_id, outcome in outcomes if outcome != "unchanged"}
        rewritten = {task_id for task_id, outcome in outcomes if outcome == "updated"}
        rest = sorted((changed - new_rows.keys()) | rewritten)
        if rest:
            never = store.never_judged(rest)
            verdicts = [(t.id, judge_task(t, model), categorized_key(t, model))
                        for t in store.get_tasks(never).values() if t.is_open]
            if verdicts:
                store.replace_machine_judgements_many(judge, verdicts, now, final=not provisional)
        fresh = [(task_id, _as_stored(task, now), *_bands(judge, verdict))
                 for task_id, (task, verdict) in new_rows.items() if task_id not in rewritten]
        if fresh:
            score_fresh(store, fresh, model, now, no_snoozes=True)
        if rest:
            rescore_tasks(store, rest, model, now)
    return outcomes


def _bands(judge: str, verdict: list[Judgement] | None) -> tuple[frozenset[str], str]:
    """What `TaskStore.effective_bands_many` reads for a row inserted with this verdict (or none):
    `resolve_bands` of (``, judge, 0) and (band, judge, 1) per band, which is these bands and
    the judge's name (no human word yet on a new row)."""
    if verdict is None:
        return frozenset(), ""  # never judged, no bands
    return frozenset(j.band_id for j in verdict), judge


def _as_stored(task: Task, now: datetime) -> Task:
    """The task as the store reads it back, for scoring: the store keeps times to the second in
    UTC and a missing creation time as `now`. Scores read only instants, so the task itself does
    when its times lose nothing that way (aware, no sub-second part in the time or its offset)."""
    if _exact(task.created_at) and (task.due is None or _exact(task.due)):
        return task
    due = task.due
    return task.with_(due=parse_iso(iso_cached(due)) if due is not None else None,
                      created_at=parse_iso(iso_cached(task.created_at or now)))


def _exact(dt: datetime | None) -> bool:
    """Whether `parse_iso(iso(dt))` is the same instant as dt."""
    if dt is None or dt.microsecond:
        return False
    offset = dt.utcoffset()
    return offset is not None and not offset.microseconds


def keep_closed_by_people(store: TaskStore, tasks: Sequence[Task]) -> list[Task]:
    """These tasks, except that one a person closed in Headwork stays closed (read-only)."""
    by_source: dict[str, list[str]] = {}
    for task in tasks:
        if task.is_open:
            by_source.setdefault(task.source, []).append(task.external_id)
    closed = {(source, external_id): state for source, ids in by_source.items()
              for external_id, state in store.closed_by_a_person(source, ids).items()}
    if not closed:
        return list(tasks)
    out = []
    for task in tasks:
        state = closed.get((task.source, task.external_id))
        if state is not None and task.is_open:
            status, completed_at = state
            task = task.with_(status=status, completed_at=datetime.fromisoformat(completed_at) if completed_at else None)
        out.append(task)
    return out
