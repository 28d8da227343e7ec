"""Judging which value bands apply: the categorizer interface and the categorization pass.

Only what changed costs tokens. A task is queued (`pending_categorization`) when it is new
or its content hash changes; every queued task is judged once and leaves the queue. When what
a categorizer reads of the value model changes (its bands' wording, not their points), or
Claude replaces the offline rules, the affected tasks are queued again (`sync_judge_state`).
Unchanged tasks are never sent anywhere.

Nothing here waits on the AI for a person: the Slack and import paths judge a new task
with the offline rules at once (`scoring.intake`, provisional when Claude is configured)
and rescore it; Claude's verdict replaces the provisional one on the next scheduled pass
(`run_categorization`, every `ai.categorize_minutes`).

When a call fails — API error, outage (5xx, 529 overloaded), rate limit, timeout, refusal,
malformed answer — the last good bands stay, a never-judged task gets the offline rules'
bands meanwhile, the tasks are deferred with exponential backoff, and one log line says
what happened. A task that keeps getting refused or answered wrongly is retried in ever
smaller requests and, after `MAX_ATTEMPTS`, left with the rules' verdict until it changes.
The daily token budget stops calls when reached and falls back the same way; a Message
Batch counts against it from its submission.
Human corrections live beside machine judgements and always win (see `store.resolve_bands`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, Protocol, runtime_checkable

from .model import ValueModel
from .rescore import rescore_tasks
from .store import Judgement, TaskStore, iso
from .tasks import Task

log = logging.getLogger("headwork.categorize")

META_STATE = "categorize.state"  # which model fingerprint and judge the stored verdicts belong to
META_BATCH = "categorize.batch"  # the Message Batch in flight, if any
META_LAST_FAILURE = "categorize.last_failure"
META_LAST_RUN = "categorize.last_run"
META_OUTAGE = "categorize.outage"  # failures in a row and when calls may resume
META_BUDGET_NOTE = "categorize.budget_note"  # "<UTC day>:<budget>" when that day's budget was spent

MAX_ATTEMPTS = 6  # content failures (refusal, malformed) before the rules' verdict stands
MAX_BACKOFF = timedelta(hours=6)
BATCH_HOLD = timedelta(hours=25)  # a Message Batch answers within 24 h
LIVE_CALLS_PER_PASS = 10
CORRECTION_EXAMPLES = 5


class Categorizer(Protocol):
    judge: str  # 'ai' | 'rules': stored with each judgement and shown to people
    name: str
    version: str  # changes when the same judge would decide differently

    def categorize(self, tasks: Sequence[Task], model: ValueModel,
                   examples: Sequence[tuple[Task, str, bool]] = ()) -> dict[int, list[Judgement]]:
        """Band judgements per task id. A task missing from the answer was not judged."""


@runtime_checkable
class MeteredCategorizer(Protocol):
    """A categorizer that spends tokens: one call per batch, with usage and failures reported."""

    judge: str
    name: str
    model_name: str

    def call(self, tasks: Sequence[Task], model: ValueModel,
             examples: Sequence[tuple[Task, str, bool]] = ()) -> CallOutcome: ...

    def estimate(self, chunks, model: ValueModel, examples=()) -> Any: ...


class AISettings(Protocol):
    """The `ai:` section of headwork.yml, as far as categorization reads it."""

    model: str
    batch_size: int
    categorize_minutes: int
    daily_token_budget: int
    batch_api_threshold: int
    price_input: float
    price_output: float
    price_cache_read: float
    price_cache_write: float


# --- what one call produced ------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def from_api(cls, usage: Any) -> "Usage":
        if usage is None:
            return cls()
        return cls(usage.input_tokens or 0, usage.output_tokens or 0, usage.cache_read_input_tokens or 0,
                   usage.cache_creation_input_tokens or 0)

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    def cost(self, prices: Any, batch: bool = False) -> float:
        """USD at `prices` (per million tokens: price_input, price_output, price_cache_read,
        price_cache_write); the Message Batches API costs half."""
        usd = (self.input_tokens * prices.price_input + self.output_tokens * prices.price_output
               + self.cache_read_tokens * prices.price_cache_read
               + self.cache_write_tokens * prices.price_cache_write) / 1_000_000
        return usd * (0.5 if batch else 1.0)

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens,
                     self.cache_read_tokens + other.cache_read_tokens,
                     self.cache_write_tokens + other.cache_write_tokens)


CONTENT_FAILURES = ("refusal", "malformed", "cut_off")  # about what was asked: retry smaller, then give up


@dataclass
class CallOutcome:
    """Verdicts of one request, the tasks it rejected and why, its usage, or why it failed."""

    verdicts: dict[int, list[Judgement]] = field(default_factory=dict)
    rejected: dict[int, str] = field(default_factory=dict)
    usage: Usage | None = None
    failure: str | None = None  # one line, never a secret
    # ok, or what went wrong: rate_limited, overloaded, server_error, timeout, connection, api_error
    # (the API: every call waits) or refusal, malformed, cut_off (this request: retried smaller)
    kind: str = "ok"
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class CategorizerError(Exception):
    """A whole request failed (outage, timeout, refusal, malformed answer)."""

    def __init__(self, outcome: CallOutcome):
        super().__init__(outcome.failure)
        self.outcome = outcome


def categorized_key(task: Task, model: ValueModel) -> str:
    return f"{task.content_hash}:{model.fingerprint}"


@dataclass
class CategorizeStats:
    judged: int = 0
    pending_left: int = 0
    calls: int = 0
    failed_calls: int = 0
    rejected: int = 0
    stand_in: int = 0  # never-judged tasks given the offline rules' bands meanwhile
    gave_up: int = 0
    requeued: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    budget_exhausted: bool = False
    paused_until: str = ""  # after an outage: no calls before this time
    batch: str = ""  # what happened to the Message Batch this pass, if anything

    def to_dict(self) -> dict:
        out = asdict(self)
        out["cost_usd"] = round(self.cost_usd, 6)
        return out

    def add_usage(self, usage: Usage, cost: float) -> None:
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_read_tokens += usage.cache_read_tokens
        self.cache_write_tokens += usage.cache_write_tokens
        self.cost_usd += cost


# --- keeping verdicts in step with the model and the judge ------------------------------------


def sync_judge_state(store: TaskStore, categorizer: Categorizer, model: ValueModel) -> int:
    """Queue again what a change made stale; returns how many tasks were queued.

    - what a categorizer reads of the value model changed (`ValueModel.judging_fingerprint`: its
      name, the bands' ids, names, descriptions and cues): every open task. Points, signals and
      compound_share only move scores, which the rescore does: nothing is judged again;
    - Claude took over from the offline rules (an API key was set): every task the rules judged;
    - the same judge decides differently (`version`: the offline rules or Claude's rubric changed):
      every task it judged.
    Claude's verdicts are kept when the key goes away: the rules judge only what changes.
    """
    stale, state, new_state = _stale(store, categorizer, model)
    queued = _requeue(store, stale)
    if stale == "all":
        log.info("value model changed: %d open tasks queued to be judged again", queued)
    elif stale == "rules" and categorizer.judge == "ai" and queued:
        log.info("Claude now judges value bands: %d tasks judged by the offline rules queued for it", queued)
    elif stale and queued:
        log.info("%s changed: %d tasks it judged queued to be judged again", categorizer.name, queued)
    if new_state != state:
        store.set_meta(META_STATE, json.dumps(new_state, sort_keys=True))
    return queued


def _stale(store: TaskStore, categorizer: Categorizer, model: ValueModel) -> tuple[str | None, dict, dict]:
    """(what to queue again: 'all' open tasks, the tasks one judge decided ('rules', 'ai'), or None;
    the stored state; the state to store)."""
    raw = store.get_meta(META_STATE)
    state = json.loads(raw) if raw else {}
    judge, version = categorizer.judge, getattr(categorizer, "version", "")
    reads = model.judging_fingerprint
    if "bands" in state:
        changed = state["bands"] != reads
    else:  # stored before the judging fingerprint: the whole model's decides, this once
        changed = state.get("model") not in (None, model.fingerprint)
    stale = None
    if changed:
        stale = "all"
    elif judge == "ai" and state.get("judge") != "ai":
        stale = "rules"
    elif judge == state.get("judge") and state.get("version") not in (None, version):
        stale = judge
    return stale, state, {"bands": reads, "model": model.fingerprint, "judge": judge, "version": version}


def _requeue(store: TaskStore, stale: str | None) -> int:
    if stale == "all":
        return store.mark_all_pending()
    return store.mark_pending_judged_by(stale) if stale else 0


def _stale_reason(stale: str | None, categorizer: Categorizer) -> str:
    if stale == "all":
        return "the value model's bands changed (an id, name, description or cue)"
    if stale == categorizer.judge:
        return f"{categorizer.name} changed since it judged them"
    return "Claude takes over from the offline rules, which judged them" if stale else ""


@dataclass
class QueuePreview:
    """What the next pass finds waiting, including what it would queue itself (`sync_judge_state`)."""

    requeued: int
    reason: str  # why they were queued again ('' when nothing was)
    waiting: int
    due: list[Task]  # waiting and due now, in the order the pass takes them
    batch_in_flight: str | None


class _Undo(Exception):
    pass


def preview_queue(store: TaskStore, categorizer: Categorizer, model: ValueModel, now: datetime) -> QueuePreview:
    """`headwork categorize --dry-run`: the queue as the next pass will see it, worked out in a
    transaction that is rolled back, so nothing is written."""
    preview = None
    try:
        with store.transaction():
            stale, _, _ = _stale(store, categorizer, model)
            requeued = _requeue(store, stale)
            waiting = store.pending_count()
            batch = json.loads(store.get_meta(META_BATCH) or "null")
            preview = QueuePreview(requeued, _stale_reason(stale, categorizer) if requeued else "", waiting,
                                   store.pending_categorization(max(waiting, 1), now), batch["id"] if batch else None)
            raise _Undo
    except _Undo:
        pass
    return preview


# --- the pass ---------------------------------------------------------------------------------------


def categorize_pending(store: TaskStore, categorizer: Categorizer, model: ValueModel, now: datetime,
                       limit: int = 10_000, batch: int = 50, ai: AISettings | None = None,
                       max_calls: int | None = None, stats: CategorizeStats | None = None) -> CategorizeStats:
    """Judge the tasks waiting for it (up to `limit`, `batch` per request), store the verdicts,
    rescore those tasks at once. A metered categorizer (Claude) is held to `ai`'s daily token
    budget and its usage is recorded per call."""
    stats = stats or CategorizeStats()
    stats.requeued += sync_judge_state(store, categorizer, model)
    examples = correction_examples(store, model)
    metered = isinstance(categorizer, MeteredCategorizer)
    pause = paused_until(store, now) if metered else None
    if pause is not None:
        stats.paused_until = iso(pause)
        limit = 0  # backing off after an outage: the next pass after the pause retries
    sent = 0
    while sent < limit and (max_calls is None or stats.calls < max_calls):
        tasks = store.pending_categorization(min(batch, limit - sent), now)
        if not tasks:
            break
        if metered:
            tasks = _retry_smaller(store, tasks, batch)
            if ai is not None and _over_budget(store, categorizer, model, tasks, examples, ai, now):
                _budget_spent(store, model, ai, now, limit - sent, stats)
                break
            outcome = categorizer.call(tasks, model, examples)
            stats.calls += 1
            _record(store, categorizer, ai, outcome, len(tasks), now, stats, purpose="categorize")
        else:
            outcome = CallOutcome(verdicts=categorizer.categorize(tasks, model, examples))
        sent += len(tasks)
        _apply(store, categorizer, model, tasks, outcome, now, stats, ai)
        if not outcome.ok:
            break  # an outage or a bad answer: stop here, the next pass retries
    stats.pending_left = store.pending_count()
    store.set_meta(META_LAST_RUN, iso(now))
    return stats


def run_categorization(store: TaskStore, categorizer: Categorizer, model: ValueModel, now: datetime,
                       ai: AISettings, limit: int | None = None) -> CategorizeStats:
    """The scheduled job (and `headwork categorize`): collect a finished Message Batch, start
    one for a large backlog (at least `ai.batch_api_threshold` tasks), and judge the rest live
    — at most `LIVE_CALLS_PER_PASS` calls per pass unless `limit` says how many tasks."""
    stats = CategorizeStats()
    metered = isinstance(categorizer, MeteredCategorizer)
    if metered and _supports_batches(categorizer):
        stats.requeued += sync_judge_state(store, categorizer, model)
        if store.get_meta(META_BATCH):
            _collect_batch(store, categorizer, model, now, ai, stats)
        elif limit is None and store.pending_count() >= ai.batch_api_threshold:
            _submit_batch(store, categorizer, model, now, ai, stats)
    if limit is None:
        limit = ai.batch_size * LIVE_CALLS_PER_PASS if metered else 100_000
    return categorize_pending(store, categorizer, model, now, limit=limit, batch=ai.batch_size, ai=ai, stats=stats)


def correction_examples(store: TaskStore, model: ValueModel) -> list[tuple[Task, str, bool]]:
    """The latest human corrections that still name a band of the model: examples for Claude."""
    recent = store.recent_corrections(CORRECTION_EXAMPLES * 2)
    return [e for e in recent if e[1] in model.band_ids][:CORRECTION_EXAMPLES]


def _supports_batches(categorizer: Categorizer) -> bool:
    return all(hasattr(categorizer, m) for m in ("submit_batch", "batch_status", "batch_results"))


# --- outcomes -------------------------------------------------------------------------------------


def _apply(store: TaskStore, categorizer: Categorizer, model: ValueModel, tasks: Sequence[Task],
           outcome: CallOutcome, now: datetime, stats: CategorizeStats, ai: AISettings | None,
           live: bool = True) -> None:
    """Store the verdicts, defer the rest (last good bands stay), rescore what changed. A live
    call's API failure pauses all calls (`_back_off`); a failed request inside a finished
    Message Batch only holds its own tasks for a while."""
    judged = []
    for task in tasks:
        verdict = outcome.verdicts.get(task.id)
        if verdict is None:
            continue
        store.replace_machine_judgements(task.id, categorizer.judge, verdict, categorized_key(task, model), now)
        judged.append(task.id)
    stats.judged += len(judged)
    failed = [t.id for t in tasks if t.id not in outcome.verdicts]
    name = getattr(categorizer, "name", categorizer.judge)
    if outcome.ok and store.get_meta(META_OUTAGE):
        store.delete_meta(META_OUTAGE)  # the API answers again
    if failed and outcome.ok:
        stats.rejected += len(failed)
        reasons = sorted({outcome.rejected.get(i, "not judged") for i in failed})
        log.warning("categorize: %s: rejected %d of %d answers (%s); their last good bands stay, retrying later",
                    name, len(failed), len(tasks), "; ".join(reasons[:3]))
        _defer(store, model, failed, now, stats, ai)
    elif failed and outcome.kind in CONTENT_FAILURES:
        stats.failed_calls += 1
        store.set_meta(META_LAST_FAILURE, json.dumps({"at": iso(now), "reason": outcome.failure}))
        log.warning("categorize: %s call for %d tasks failed: %s; last good bands stay, retrying in smaller requests",
                    name, len(tasks), outcome.failure)
        _defer(store, model, failed, now, stats, ai)
    elif failed:
        stats.failed_calls += 1
        store.set_meta(META_LAST_FAILURE, json.dumps({"at": iso(now), "reason": outcome.failure}))
        if live:
            until = _back_off(store, now, outcome.retry_after, ai)
            stats.paused_until = iso(until)
        else:
            until = now + timedelta(minutes=ai.categorize_minutes if ai else 5)
        store.hold_categorization(failed, until)
        log.warning("categorize: %s call for %d tasks failed: %s; last good bands stay, no calls until %s",
                    name, len(tasks), outcome.failure, until.astimezone(timezone.utc).strftime("%H:%M UTC"))
    rescore_tasks(store, judged + _stand_in(store, model, failed, now, stats), model, now)


def _back_off(store: TaskStore, now: datetime, retry_after: float | None, ai: AISettings | None) -> datetime:
    """An outage (or rate limit) pauses all calls, twice as long after each failure in a row."""
    state = json.loads(store.get_meta(META_OUTAGE) or "{}")
    failures = state.get("failures", 0)
    delay = min(MAX_BACKOFF, timedelta(minutes=ai.categorize_minutes if ai else 5) * (2 ** failures))
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    until = now + delay
    store.set_meta(META_OUTAGE, json.dumps({"failures": failures + 1, "until": iso(until)}))
    return until


def paused_until(store: TaskStore, now: datetime) -> datetime | None:
    """When calls may resume after an outage, or None when they may go ahead now."""
    state = json.loads(store.get_meta(META_OUTAGE) or "{}")
    until = datetime.fromisoformat(state["until"]) if state.get("until") else None
    return until if until and until > now else None


def _stand_in(store: TaskStore, model: ValueModel, task_ids: Sequence[int], now: datetime,
              stats: CategorizeStats) -> list[int]:
    """The offline rules' bands for tasks no one has judged yet (provisional: still queued)."""
    fresh = _rules_verdicts(store, model, store.never_judged(task_ids) if task_ids else [], now, final=False)
    stats.stand_in += len(fresh)
    return fresh


def _rules_verdicts(store: TaskStore, model: ValueModel, task_ids: Sequence[int], now: datetime,
                    final: bool) -> list[int]:
    from .rules import RulesCategorizer

    tasks = store.get_tasks(task_ids)
    verdicts = RulesCategorizer().categorize(list(tasks.values()), model)
    for task_id, task in tasks.items():
        store.replace_machine_judgements(task_id, "rules", verdicts.get(task_id, []), categorized_key(task, model),
                                         now, final=final)
    return list(tasks)


def _defer(store: TaskStore, model: ValueModel, task_ids: Sequence[int], now: datetime, stats: CategorizeStats,
           ai: AISettings | None) -> None:
    """Claude could not answer these tasks (refused, malformed, rejected): retry each later with
    exponential backoff, in smaller requests; after MAX_ATTEMPTS the offline rules' bands stand."""
    attempts = store.categorize_attempts(task_ids)
    base = timedelta(minutes=ai.categorize_minutes if ai else 5)
    retries, give_up = [], []
    for task_id in task_ids:
        n = attempts.get(task_id, 0)
        if n + 1 >= MAX_ATTEMPTS:
            give_up.append(task_id)
        else:
            retries.append((task_id, now + min(MAX_BACKOFF, base * (2 ** n))))
    if retries:
        store.defer_categorizations(retries)
    if give_up:
        done = _rules_verdicts(store, model, give_up, now, final=True)
        stats.gave_up += len(done)
        log.warning("categorize: gave up on %d task(s) after %d failed attempts (ids %s); the offline rules' bands "
                    "stand until the task changes", len(done), MAX_ATTEMPTS, ", ".join(map(str, sorted(done)[:10])))
        rescore_tasks(store, done, model, now)


def _retry_smaller(store: TaskStore, tasks: list[Task], batch: int) -> list[Task]:
    """Fresh tasks go in full requests; tasks Claude failed to answer go in ever smaller ones
    (half the size per failure), so one task it cannot answer stops dragging its neighbours down."""
    attempts = store.categorize_attempts([t.id for t in tasks])
    fresh = [t for t in tasks if attempts.get(t.id, 0) == 0]
    if fresh:
        return fresh
    ordered = sorted(tasks, key=lambda t: (attempts.get(t.id, 0), t.id))
    fewest = attempts.get(ordered[0].id, 0)
    return ordered[:max(1, min(batch, len(tasks)) >> fewest)]


def _record(store: TaskStore, categorizer: Any, ai: AISettings | None, outcome: CallOutcome, n_tasks: int,
            now: datetime, stats: CategorizeStats, purpose: str, batch: bool = False) -> None:
    if outcome.usage is None:
        return
    cost = outcome.usage.cost(ai, batch=batch) if ai is not None else 0.0
    store.record_ai_usage(at=now, model=categorizer.model_name, purpose=purpose, tasks=n_tasks,
                          input_tokens=outcome.usage.input_tokens, output_tokens=outcome.usage.output_tokens,
                          cache_read_tokens=outcome.usage.cache_read_tokens,
                          cache_write_tokens=outcome.usage.cache_write_tokens, cost_usd=cost, ok=outcome.ok)
    stats.add_usage(outcome.usage, cost)


# --- the daily token budget ----------------------------------------------------------------------


def utc_day(now: datetime) -> str:
    return now.astimezone(timezone.utc).date().isoformat()


def tokens_left(store: TaskStore, ai: AISettings, now: datetime) -> int:
    """Today's budget less what was spent today and what a Message Batch submitted today may spend."""
    day = utc_day(now)
    return max(0, ai.daily_token_budget - store.ai_tokens_on(day) - tokens_reserved(store, day))


def tokens_reserved(store: TaskStore, day: str) -> int:
    """Tokens committed to the Message Batch in flight, if it was submitted on `day` (UTC): counted
    against that day's budget from its submission (an estimate of its requests) until it is collected,
    when its real usage is recorded under the day it was submitted."""
    info = json.loads(store.get_meta(META_BATCH) or "null")
    if not info or utc_day(datetime.fromisoformat(info["submitted_at"])) != day:
        return 0
    return int(info.get("reserved_tokens", 0))


def _over_budget(store, categorizer, model, tasks, examples, ai, now) -> bool:
    return categorizer.estimate([tasks], model, examples).total > tokens_left(store, ai, now)


def _budget_spent(store: TaskStore, model: ValueModel, ai: AISettings, now: datetime, limit: int,
                  stats: CategorizeStats) -> None:
    """No calls until the UTC day turns; new tasks get the offline rules' bands meanwhile."""
    stats.budget_exhausted = True
    waiting = store.pending_categorization(limit, now)
    fresh = _stand_in(store, model, [t.id for t in waiting], now, stats)
    rescore_tasks(store, fresh, model, now)
    day = utc_day(now)
    used = store.ai_tokens_on(day) + tokens_reserved(store, day)
    message = ("categorize: daily token budget reached (%d of %d tokens used or reserved today, UTC); no Claude "
               "calls until 00:00 UTC, %d new task(s) judged by the offline rules meanwhile, %d waiting")
    args = (used, ai.daily_token_budget, len(fresh), len(waiting))
    note = f"{day}:{ai.daily_token_budget}"
    if store.get_meta(META_BUDGET_NOTE) != note:
        store.set_meta(META_BUDGET_NOTE, note)
        log.warning(message, *args)
    elif fresh:
        log.info(message, *args)


# --- Message Batches for large backfills -------------------------------------------------------------


def _submit_batch(store: TaskStore, categorizer: Any, model: ValueModel, now: datetime, ai: AISettings,
                  stats: CategorizeStats) -> None:
    tasks = store.pending_categorization(100_000 * ai.batch_size, now)
    examples = correction_examples(store, model)
    chunks: list[tuple[str, list[Task]]] = []
    left = reserved = tokens_left(store, ai, now)
    for i in range(0, len(tasks), ai.batch_size):
        chunk = tasks[i:i + ai.batch_size]
        cost = categorizer.estimate([chunk], model, examples).total
        if cost > left:
            break  # the rest waits for tomorrow's budget
        left -= cost
        chunks.append((f"hw-{i // ai.batch_size}", chunk))
    if not chunks:
        return
    reserved -= left
    try:
        batch_id = categorizer.submit_batch(chunks, model, examples)
    except CategorizerError as exc:
        reason = exc.outcome.failure
        stats.failed_calls += 1
        stats.batch = f"submit failed: {reason}"
        store.set_meta(META_LAST_FAILURE, json.dumps({"at": iso(now), "reason": f"batch submit: {reason}"}))
        log.warning("categorize: could not submit a Message Batch of %d tasks: %s; judging live meanwhile",
                    sum(len(c) for _, c in chunks), reason)
        return
    ids = [t.id for _, chunk in chunks for t in chunk]
    store.hold_categorization(ids, now + BATCH_HOLD)
    store.set_meta(META_BATCH, json.dumps({
        "id": batch_id, "submitted_at": iso(now), "bands": model.judging_fingerprint, "reserved_tokens": reserved,
        "chunks": {cid: [[t.id, t.content_hash] for t in chunk] for cid, chunk in chunks}}))
    stats.calls += 1
    stats.batch = f"submitted {batch_id}: {len(ids)} tasks in {len(chunks)} requests"
    log.info("categorize: submitted Message Batch %s: %d tasks in %d requests (≈ %d tokens of today's budget)",
             batch_id, len(ids), len(chunks), reserved)


def _collect_batch(store: TaskStore, categorizer: Any, model: ValueModel, now: datetime, ai: AISettings,
                   stats: CategorizeStats) -> None:
    info = json.loads(store.get_meta(META_BATCH))
    batch_id = info["id"]
    try:
        if categorizer.batch_status(batch_id) != "ended":
            stats.batch = f"{batch_id} in progress"
            return
        current = store.get_tasks([tid for pairs in info["chunks"].values() for tid, _ in pairs])
        asked = {cid: [current[tid] for tid, _ in pairs if tid in current] for cid, pairs in info["chunks"].items()}
        results = categorizer.batch_results(batch_id, asked, model)
    except CategorizerError as exc:
        reason = exc.outcome.failure
        if now - datetime.fromisoformat(info["submitted_at"]) > BATCH_HOLD:
            # Past the 24 h a batch may take: stop waiting and let its tasks be judged again.
            ids = [tid for pairs in info["chunks"].values() for tid, _ in pairs]
            store.hold_categorization(ids, None)
            store.delete_meta(META_BATCH)
            stats.batch = f"{batch_id} abandoned: {reason}"
            log.warning("categorize: gave up on Message Batch %s after %s (%s); its %d tasks are queued again",
                        batch_id, BATCH_HOLD, reason, len(ids))
            return
        stats.batch = f"{batch_id} unreadable: {reason}"
        log.warning("categorize: could not read Message Batch %s: %s; trying again next pass", batch_id, reason)
        return
    # a batch sent before the judging fingerprint: the whole model's decides
    same_model = (info["bands"] == model.judging_fingerprint if "bands" in info
                  else info.get("model") == model.fingerprint)
    submitted = datetime.fromisoformat(info["submitted_at"])
    judged_before, release = stats.judged, []
    for cid, pairs in info["chunks"].items():
        tasks = asked[cid]
        outcome = results.get(cid) or CallOutcome(failure="no result for this request", kind="api_error")
        # charged to the day it was submitted, whose budget it was reserved from
        _record(store, categorizer, ai, outcome, len(tasks), submitted, stats, purpose="categorize-batch", batch=True)
        sent_hash = dict(pairs)
        # A verdict counts only for the content it judged, under the model it was judged by.
        fresh = [t for t in tasks if same_model and t.content_hash == sent_hash.get(t.id)]
        release += [t.id for t in tasks if t not in fresh]
        if fresh:
            _apply(store, categorizer, model, fresh, outcome, now, stats, ai, live=False)
    store.hold_categorization(release, None)
    store.delete_meta(META_BATCH)
    judged = stats.judged - judged_before
    stats.batch = f"collected {batch_id}: {judged} tasks judged, {len(release)} changed meanwhile"
    log.info("categorize: collected Message Batch %s: %d tasks judged, %d changed meanwhile (queued again)",
             batch_id, judged, len(release))


# --- what the App Home and `headwork categorize` show ---------------------------------------------------


def status(store: TaskStore, ai: AISettings, now: datetime, categorizer: Categorizer | None = None) -> dict:
    """Which categorizer is in use, what waits, and what today's tokens cost."""
    day = utc_day(now)
    used = store.ai_tokens_on(day)
    reserved = tokens_reserved(store, day)
    start = datetime.combine(now.astimezone(timezone.utc).date(), time(0), timezone.utc)
    usage = store.ai_usage_between(start, start + timedelta(days=1))
    judge = categorizer.judge if categorizer else json.loads(store.get_meta(META_STATE) or "{}").get("judge", "")
    failure = json.loads(store.get_meta(META_LAST_FAILURE) or "null")
    batch = json.loads(store.get_meta(META_BATCH) or "null")
    return {
        "categorizer": categorizer.name if categorizer else judge,
        "judge": judge,
        "model": getattr(categorizer, "model_name", None),
        "pending": store.pending_count(),
        "tokens_today": used,
        "tokens_reserved": reserved,
        "calls_today": usage["calls"],
        "cost_today_usd": round(usage["cost_usd"], 4),
        "daily_token_budget": ai.daily_token_budget,
        "budget_left": max(0, ai.daily_token_budget - used - reserved),
        "budget_exhausted": judge == "ai" and (used + reserved >= ai.daily_token_budget
                                               or store.get_meta(META_BUDGET_NOTE) == f"{day}:{ai.daily_token_budget}"),
        "batch_in_flight": batch["id"] if batch else None,
        "last_failure": failure,
        "last_run": store.get_meta(META_LAST_RUN),
    }


def status_line(info: dict) -> str:
    """One line for people: who judges, what waits, what the budget allows."""
    parts = [f"bands judged by {info['categorizer'] or 'nobody yet'}", f"{info['pending']} task(s) waiting"]
    if info["judge"] == "ai":
        reserved = info.get("tokens_reserved", 0)
        parts.append(f"{info['tokens_today']:,} of {info['daily_token_budget']:,} tokens used today "
                     f"(${info['cost_today_usd']:.2f})"
                     + (f", {reserved:,} more reserved for the Message Batch in flight" if reserved else ""))
        if info["budget_exhausted"]:
            parts.append("budget reached: the offline rules judge new tasks until 00:00 UTC")
        if info["batch_in_flight"]:
            parts.append(f"Message Batch {info['batch_in_flight']} in flight")
    return " · ".join(parts)
