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
from types import SimpleNamespace

from ..categorize import categorized_key
from ..model import ValueModel
from ..rescore import rescore_tasks
from ..rules import RulesCategorizer
from ..store import TaskStore
from ..tasks import Task


def ingest(store: TaskStore, tasks: Sequence[Task], model: ValueModel, now: datetime,
           provisional: bool = False, keep_closed_here: bool = False) -> list[tuple[int, str]]:
    """Upsert, judge the never-judged open ones, score the changed ones. Returns (id, outcome) per task.

    `provisional=True` (Claude is the categorizer) leaves the rules' verdict queued for
    Claude; otherwise the rules' verdict is final. `keep_closed_here=True` (one-way imports)
    never reopens a task a person closed in Headwork: an export taken before (or without)
    that person updating the tool still says "open". A two-way sync leaves this off: there
    "open" upstream after a pushed completion means someone reopened it.
    """
    with store.transaction():
        if keep_closed_here:
            tasks = keep_closed_by_people(store, tasks)
        outcomes = store.upsert_tasks_bulk(tasks, now)
        fresh: list[Task] = []
        updated: list[int] = []
        for task, (task_id, outcome) in zip(tasks, outcomes):
            if outcome == "created":
                if task.is_open:
                    fresh.append(task.with_(id=task_id))
            elif outcome == "updated":
                updated.append(task_id)
        if updated:
            never = store.never_judged(updated)
            fresh += [t for t in store.get_tasks(never).values() if t.is_open]
        if fresh:
            judge = RulesCategorizer()
            verdicts = judge.categorize(fresh, model)
            # model.fingerprint re-hashes the whole model on every read (~45 us): read it once per batch
            fixed = SimpleNamespace(fingerprint=model.fingerprint)
            store.replace_machine_judgements_many(
                judge.judge, [(t.id, verdicts.get(t.id, []), categorized_key(t, fixed)) for t in fresh], now,
                final=not provisional)
        changed = [task_id for task_id, outcome in outcomes if outcome != "unchanged"]
        if changed:
            rescore_tasks(store, changed, model, now)
    return outcomes


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
