"""The digest's figures for one ISO week, as plain JSON-ready data: what the message, the
chart, `headwork digest --preview --json` and the frozen edition are all made from.

Weeks are the organisation's (Monday 00:00 to Monday 00:00 in `org.timezone`), so leaders in
Tokyo and New York read the same numbers. Only aggregates leave this module: workslop comes
from `bot.workslop.tally` (k-anonymous, private channels never named), tasks are named with
their owners, no flag is ever tied to a person.

- *value delivered*: the points tasks had when they were completed in the week
  (`completions.total`), by band; a task in several bands is split evenly between them, so
  the bands add up to the total. A completion is recorded by *Done* in Slack and by an import
  or sync that closes a task open here (`TaskStore._upsert`), never for a row first seen done;
- *top-5 adherence*: completed tasks whose rank in their owner's list was 1-5 at completion,
  over all tasks completed (an unowned task had no rank, so it counts as outside);
- *the organisation's top 10*, *overdue high-value*, *stuck*, *nobody owns*: open tasks as of `now`;
- *coverage*: when Headwork started during the week (`DigestStore.running_since`), since when and
  on how many of its days; weeks of the trend and the chart that ended before it are `measured: false`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from scoring.engine import score_task
from scoring.model import ValueModel
from scoring.store import TaskStore

from ..store_digest import DigestStore, OpenTask
from ..store_workslop import WorkslopLedger
from ..workslop.tally import previous_weeks, tally_ledger, week_bounds

HISTORY_WEEKS = 8  # the chart
TREND_WEEKS = 4
TOP_OPEN = 10
LIST_MAX = 5  # overdue and stuck: the worst few, and how many in all
NO_BAND = "(no band)"
TOKEN_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def build_figures(store: TaskStore, model: ValueModel, settings, week: str, now: datetime) -> dict:
    """Everything the digest for `week` says, computed from the stores at `now`."""
    config = settings.config
    tz = ZoneInfo(config.org.timezone)
    weeks = previous_weeks(week, HISTORY_WEEKS)
    start, end = week_bounds(week, tz)
    ws = config.workslop
    # grouped in SQLite (the same figures as `tally_weeks` over the rows; tests hold the two equal),
    # past weeks served from the ledger's cache until one of their flags changes
    tallies = tally_ledger(WorkslopLedger(store), weeks, tz, now=now, hourly_rate=ws.hourly_rate,
                           currency=ws.currency, k=ws.k_anonymity)
    this = tallies[-1]
    since = DigestStore(store).running_since()

    def seen(w: str) -> bool:  # a week that ended before Headwork started was not measured: no zeros
        return since is None or week_bounds(w, tz)[1] > since

    workslop = this.to_dict() | {
        "reason_labels": _reason_labels(this.by_reason),
        "trend": [{"week": t.week, "flags": t.flags, "hours": round(t.hours, 2), "cost": t.cost,
                   "measured": seen(t.week)} for t in tallies[-TREND_WEEKS:]],
    }
    values = [_value_delivered(store.completions_between(*week_bounds(w, tz)), model) for w in weeks]
    value = values[-1]
    ai = store.ai_usage_between(start, end)
    tokens = sum(ai[f] for f in TOKEN_FIELDS)
    digest_store = DigestStore(store)
    dconf = config.digest
    overdue_count, overdue = digest_store.overdue_high_value(dconf.high_value_points, LIST_MAX, now)
    stuck_count, stuck = digest_store.stuck_high_value(dconf.high_value_points, dconf.stuck_days, LIST_MAX, now)
    unowned_count, unowned = digest_store.unowned_open(LIST_MAX, now)
    top = digest_store.org_top_open(TOP_OPEN, now)
    reasons = _top_reasons(store, model, top + overdue + stuck + unowned, now)
    return {
        "week": week, "start": start.isoformat(), "end": end.isoformat(), "timezone": config.org.timezone,
        "built_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "workslop": workslop,
        "value": value,
        "ai": {"calls": ai["calls"], "tasks": ai["tasks"], "tokens": tokens,
               **{f: ai[f] for f in TOKEN_FIELDS}, "cost_usd": round(ai["cost_usd"], 4),
               "tokens_per_point": round(tokens / value["points"], 1) if value["points"] else None,
               "cost_per_100_points": round(100 * ai["cost_usd"] / value["points"], 4) if value["points"] else None},
        "open_top": [_task_row(t, reasons) for t in top],
        "overdue": {"count": overdue_count, "min_points": dconf.high_value_points,
                    "tasks": [_task_row(t, reasons) for t in overdue]},
        "stuck": {"count": stuck_count, "min_points": dconf.high_value_points, "days": dconf.stuck_days,
                  "tasks": [_task_row(t, reasons) for t in stuck]},
        "unowned": {"count": unowned_count, "tasks": [_task_row(t, reasons) for t in unowned]},
        "history": [{"week": w, "workslop_hours": round(t.hours, 2), "value_points": v["points"], "measured": seen(w)}
                    for w, t, v in zip(weeks, tallies, values)],
        "coverage": _coverage(since, start, end, tz),
    }


def _coverage(since: datetime | None, start: datetime, end: datetime, tz: ZoneInfo) -> dict | None:
    """When Headwork started during (or after) the week: since when, and on how many of its days
    (the day it started counts). None when it saw the whole week, or nobody knows."""
    if since is None or since <= start:
        return None
    first = since.astimezone(tz).date()
    days = max(0, min(7, (end.astimezone(tz).date() - first).days))
    return {"since": since.astimezone(tz).isoformat(), "days": days}


def _value_delivered(completions: list[dict], model: ValueModel) -> dict:
    names = {b.id: b.name for b in model.bands}
    by_band: dict[str, float] = defaultdict(float)
    tasks_in: dict[str, int] = defaultdict(int)
    points = 0.0
    in_top5 = 0
    for c in completions:
        points += c["total"]
        bands = c["bands"] or [NO_BAND]
        for band in bands:
            by_band[band] += c["total"] / len(bands)
            tasks_in[band] += 1
        if c["rank_at_completion"] is not None and c["rank_at_completion"] <= 5:
            in_top5 += 1
    done = len(completions)
    order = sorted(by_band, key=lambda b: (-by_band[b], b))
    return {
        "points": round(points, 2), "tasks": done,
        "by_band": [{"band": b, "name": names.get(b, b), "points": round(by_band[b], 2), "tasks": tasks_in[b]}
                    for b in order],
        "top5": {"in_top5": in_top5, "completed": done, "share": round(in_top5 / done, 4) if done else None},
    }


def _reason_labels(by_reason: dict[str, int]) -> dict[str, str]:
    from ..workslop.tally import REASONS

    return {r: REASONS.get(r, r.replace("_", " ").capitalize()) for r in by_reason}


def _top_reasons(store: TaskStore, model: ValueModel, tasks: list[OpenTask], now: datetime) -> dict[int, str]:
    """The term that put each task where it is, explained at `now` (as the Why? view does)."""
    ids = sorted({t.task_id for t in tasks})
    full = store.get_tasks(ids)
    bands = store.effective_bands_many(ids, model.band_ids)
    out = {}
    for task_id in ids:
        task = full.get(task_id)
        if task is None:
            continue
        terms = score_task(task, bands[task_id][0], model, now).top_terms
        out[task_id] = terms[0].reason if terms else ""
    return out


def _task_row(t: OpenTask, reasons: dict[int, str]) -> dict:
    return {"task_id": t.task_id, "title": t.title, "url": t.url, "owner": t.assignee_id, "score": t.total,
            "reason": reasons.get(t.task_id, ""), "due": t.due.isoformat() if t.due else None,
            "due_all_day": t.due_all_day,
            "updated_at": t.updated_at.isoformat() if t.updated_at else None}
