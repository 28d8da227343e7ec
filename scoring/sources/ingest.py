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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..categorize import categorized_key
from ..model import ValueModel
from ..rescore import fresh_score, rescore_tasks
from ..rules import RulesCategorizer, judge_task
from ..store import Judgement, TaskStore
from ..tasks import Task
from .prepare import Prepared, as_stored, new_row_bands, prepare


def ingest(store: TaskStore, tasks: Sequence[Task], model: ValueModel, now: datetime,
           provisional: bool = False, keep_closed_here: bool = False,
           owner_of: Callable[[str], str | None] | None = None) -> list[tuple[int, str]]:
    """Upsert, judge the never-judged open ones, score the changed ones. Returns (id, outcome) per task.

    `provisional=True` (Claude is the categorizer) leaves the rules' verdict queued for
    Claude; otherwise the rules' verdict is final. `keep_closed_here=True` (one-way imports)
    never reopens a task a person closed in Headwork: an export taken before (or without)
    that person updating the tool still says "open". A two-way sync leaves this off: there
    "open" upstream after a pushed completion means someone reopened it.
    """
    return ingest_prepared(store, [prepare(task, now) for task in tasks], _own_task, model, now, provisional,
                           keep_closed_here, owner_of)


def _own_task(entry: Prepared) -> Task:
    return entry.task


@dataclass
class Owners:
    """Which emails already belong to a Slack user, for one import or sync: one store lookup per
    distinct email. An email of an account that left (or none found) has no owner."""

    store: TaskStore
    known: dict[str, str | None] = field(default_factory=dict)

    def slack_id(self, email: str) -> str | None:
        if email not in self.known:
            ident = self.store.identity(email)
            self.known[email] = ident[0] if ident and ident[1] == "matched" else None  # not 'left', not unknown
        return self.known[email]


def written_owner(entry: Prepared, owner_of: Callable[[str], str | None] | None) -> str | None:
    """The owner `ingest_prepared` writes a new row with: its email's Slack user (`owner_of`), when
    the row has no owner of its own; None otherwise."""
    email = entry.assignee_email
    return owner_of(email) if owner_of is not None and email and entry.row[3] is None else None


def ingest_prepared(store: TaskStore, entries: Sequence[Prepared], task_of: Callable[[Prepared], Task],
                    model: ValueModel, now: datetime, provisional: bool = False,
                    keep_closed_here: bool = False,
                    owner_of: Callable[[str], str | None] | None = None) -> list[tuple[int, str]]:
    """`ingest` of tasks already prepared (`scoring.sources.prepare`), maybe in worker processes
    with their verdict and score as new rows; `task_of(entry)` gives an entry's Task when it is
    needed (an entry without its verdict or score, or not new).

    New rows are judged and scored from what was prepared, which is what was just stored
    (`as_stored` makes sure of the dates), so they are not read back; changed rows are read
    back, as a single task's would be.

    `owner_of(email)` is the Slack user an email is known to belong to (or None): a new row with
    that email and no owner is written with it, task and score, instead of being given it by
    `TaskStore.assign_email` after the import -- a second write of every such row (at 1M tasks
    and 60 known people that was over a minute after the import).
    """
    judge = RulesCategorizer.judge
    fingerprint = model.fingerprint
    new_rows: dict[int, tuple[Prepared, list[Judgement] | None]] = {}  # inserted by upsert_tasks_bulk: the verdict

    def owner(entry: Prepared) -> str | None:
        return written_owner(entry, owner_of)

    def states(rows: list[tuple[int, Prepared]]) -> list[tuple[int, str | None, str | None]]:
        """Judge the new open tasks before their rows are written, so the rows are written judged."""
        out = []
        for task_id, entry in rows:
            if not entry.is_open:
                new_rows[task_id] = (entry, None)
                out.append((1, None, None))  # closed tasks are not judged: the defaults
                continue
            verdict = entry.verdict if entry.verdict is not None else judge_task(task_of(entry), model)
            new_rows[task_id] = (entry, verdict)
            if provisional:
                out.append((1, None, judge))  # as replace_machine_judgements(final=False): still queued
            else:
                out.append((0, f"{entry.content_hash}:{fingerprint}", judge))  # categorized_key(task, model), final
        return out

    with store.transaction():
        if keep_closed_here:
            entries = keep_closed_by_people(store, entries, task_of, now)
        outcomes = store.upsert_tasks_bulk(entries, now, task_of, states=states,
                                           owner_of=owner if owner_of is not None else None)
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
        fresh = [(task_id, *_owned(entry.score if entry.score is not None else
                                   fresh_score(as_stored(task_of(entry), now), *new_row_bands(verdict), model, now),
                                   owner(entry)))
                 for task_id, (entry, verdict) in new_rows.items() if task_id not in rewritten]
        if fresh:
            store.write_scores(fresh, fingerprint, now, no_snoozes=True)
        if rest:
            rescore_tasks(store, rest, model, now)
    return outcomes


def _owned(score: tuple, owner: str | None) -> tuple:
    """A new row's score (`fresh_score`: the owner first) with the owner it was written with."""
    return score if owner is None else (owner, *score[1:])


def keep_closed_by_people(store: TaskStore, entries: Sequence[Prepared], task_of: Callable[[Prepared], Task],
                          now: datetime) -> list[Prepared]:
    """These entries, except that a task a person closed in Headwork stays closed (read-only)."""
    by_source: dict[str, list[str]] = {}
    for entry in entries:
        if entry.is_open:
            by_source.setdefault(entry.source, []).append(entry.external_id)
    closed = {(source, external_id): state for source, ids in by_source.items()
              for external_id, state in store.closed_by_a_person(source, ids).items()}
    if not closed:
        return list(entries)
    out = []
    for entry in entries:
        state = closed.get((entry.source, entry.external_id))
        if state is not None and entry.is_open:
            status, completed_at = state
            task = task_of(entry).with_(status=status,
                                        completed_at=datetime.fromisoformat(completed_at) if completed_at else None)
            entry = prepare(task, now, entry.line)
        out.append(entry)
    return out
