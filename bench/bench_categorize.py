"""Categorizing 10,000 new tasks with Claude, then an hour in which 1% of them change.

    python -m bench.bench_categorize [--tasks N] [--changed-share F]

Everything goes through the real anthropic SDK; only the transport is fake
(`bot.devkit.fakeanthropic.FakeClaude`), answering valid structured output for every task.
Counted on the requests the fake receives:

- `calls`, `tasks_per_call`;
- `suffix_tokens_per_task`: the non-cached part of each request (corrections + task lines,
  ≈ 4 characters per token) divided by the tasks in it — the target is ≤ 120;
- `billed_*`: the usage the fake returns, computed from each request the way the API bills
  it (the rubric is a cache write then cache reads *if* it reaches the model's minimum
  cacheable length — 4,096 tokens for Haiku 4.5 — and plain input otherwise);
- `cost_usd` at the default prices (Claude Haiku 4.5 list prices).

Phases: a live backfill (Messages API, 40 tasks per call), the same backfill through the
Message Batches API (what `run_categorization` does for ≥ ai.batch_api_threshold tasks),
an hour with nothing changed, and an hour with `--changed-share` of the tasks edited.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.devkit.fakeanthropic import FakeClaude, task_lines
from bot.settings import AIConfig
from scoring.categorize import categorize_pending, run_categorization
from scoring.claude import ClaudeCategorizer, estimate_tokens, system_prompt
from scoring.model import load_model
from scoring.store import TaskStore
from scoring.tasks import Task

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
CUSTOMERS = ["Brightline Logistics", "Kestrel Health", "Harbor Bank", "Acme Retail", "Polaris Media", "Orion Freight",
             "Meridian Foods", "Northwind Traders", "Blue Fjord", "Sable Energy"]
TEMPLATES = [
    "Run kickoff call with {c} (new customer onboarding)", "Migrate {c}'s historical data into their workspace",
    "Prepare training session for {c} admins", "Fix export rounding bug reported by {c}",
    "Reply to {c}'s SSO question", "Send renewal quote to {c}", "Contract redlines for {c} expansion",
    "Churn risk: {c} usage down, schedule call", "Automate the weekly {w} report", "Speed up CI pipeline: {w} cache",
    "Patch CVE in the {w} base image", "Write postmortem for the {w} outage", "Refactor the {w} module",
    "Write a reusable {w} checklist template", "Investigate flaky {w} test", "Update the team wiki page on {w}",
    "Ship the new {w} filters (final QA pass)", "Hire a second {w} engineer: review shortlist",
]
WORDS = ["billing", "search", "dashboard", "export", "import", "reporting", "login", "audit", "sync", "alerts"]
NOTE_SENTENCES = [
    "Customer asked during setup whether this works on day one.", "Manual copy-paste every Monday.",
    "Blocked until legal signs off.", "Root cause is float summing in the exporter.",
    "They go live on Friday; the CSV arrived this morning with 40k rows.", "Saves two hours a week for everyone.",
    "See the thread in #support for the full history and the screenshots the customer sent.",
    "Escalated by the account team after the QBR.", "Needs a review from security before release.",
]


def make_tasks(n: int, rng: random.Random) -> list[Task]:
    tasks = []
    for i in range(n):
        title = rng.choice(TEMPLATES).format(c=rng.choice(CUSTOMERS), w=rng.choice(WORDS)) + f" #{i}"
        notes = " ".join(rng.choice(NOTE_SENTENCES) for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 6])))
        tags = tuple(rng.sample(["onboarding", "customer", "security", "renewal", "bug", "tooling", "ops"],
                                rng.choice([0, 0, 1, 2])))
        tasks.append(Task(title=title, external_id=f"B{i}", assignee_id=f"U{i % 50:03d}", notes=notes, tags=tags,
                          project=rng.choice(["", "Onboarding", "Platform", "Accounts", "Support"]),
                          status=rng.choice(["open", "open", "open", "in_progress", "waiting"]),
                          created_at=NOW - timedelta(days=rng.randint(0, 300))))
    return tasks


def measure(fake: FakeClaude, since: int, prefix: str) -> dict:
    """Numbers over the message requests the fake received after the first `since` requests."""
    seen = [r for r in fake.requests[since:] if r.method == "POST"]
    bodies = []
    for r in seen:
        if r.path == "/v1/messages":
            bodies.append(r.body)
        elif r.path == "/v1/messages/batches":
            bodies += [req["params"] for req in r.body["requests"]]
    tasks = sum(len(task_lines(b["messages"][0]["content"])) for b in bodies)
    suffix = sum(estimate_tokens(b["messages"][0]["content"]) for b in bodies)
    largest = max((estimate_tokens(line) for b in bodies for line in task_lines(b["messages"][0]["content"])),
                  default=0)
    return {
        f"{prefix}calls": len(bodies),
        f"{prefix}tasks_sent": tasks,
        f"{prefix}tasks_per_call": round(tasks / len(bodies), 1) if bodies else 0,
        f"{prefix}suffix_tokens_per_task": round(suffix / tasks, 1) if tasks else 0,
        f"{prefix}largest_task_line_tokens": largest,
        f"{prefix}prefix_tokens_per_call": estimate_tokens(bodies[0]["system"][0]["text"]) if bodies else 0,
    }


def billed(store: TaskStore, since_id: int, tasks: int, prefix: str) -> dict:
    row = store.conn.execute(
        "SELECT count(*), coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), "
        "coalesce(sum(cache_read_tokens),0), coalesce(sum(cache_write_tokens),0), coalesce(sum(cost_usd),0) "
        "FROM ai_usage WHERE id > ?", (since_id,)).fetchone()
    _, inp, out, read, write, cost = row
    per = max(1, tasks)
    return {f"{prefix}billed_input_tokens_per_task": round(inp / per, 1),
            f"{prefix}billed_output_tokens_per_task": round(out / per, 1),
            f"{prefix}billed_cache_read_tokens": read, f"{prefix}billed_cache_write_tokens": write,
            f"{prefix}cost_usd": round(cost, 4)}


def last_usage_id(store: TaskStore) -> int:
    return store.conn.execute("SELECT coalesce(max(id), 0) FROM ai_usage").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--changed-share", type=float, default=0.01)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    model = load_model()
    tasks = make_tasks(args.tasks, rng)
    result: dict = {"tasks": args.tasks, "model": "claude-haiku-4-5",
                    "rubric_tokens": estimate_tokens(system_prompt(model))}

    with tempfile.TemporaryDirectory() as tmp:
        # 1. live backfill: Messages API, batch_size tasks per call
        ai = AIConfig(batch_api_threshold=10 ** 9)
        store = TaskStore(Path(tmp) / "live.db")
        list(store.upsert_tasks(tasks, NOW))
        fake = FakeClaude(model)
        claude = ClaudeCategorizer(fake.client(), ai.model)
        started = time.perf_counter()
        stats = categorize_pending(store, claude, model, NOW, limit=args.tasks, batch=ai.batch_size, ai=ai)
        result["backfill_seconds"] = round(time.perf_counter() - started, 2)
        result["backfill_judged"] = stats.judged
        result.update(measure(fake, 0, "backfill_"))
        result.update(billed(store, 0, stats.judged, "backfill_"))

        # 2. an hour later, nothing changed: the scheduler's passes send nothing
        before = len(fake.requests)
        for minutes in range(5, 65, 5):
            run_categorization(store, claude, model, NOW + timedelta(minutes=minutes), ai)
        result["unchanged_hour_calls"] = len([r for r in fake.requests[before:] if r.method == "POST"])

        # 3. an hour in which a share of the tasks changed
        changed = rng.sample(range(1, args.tasks + 1), max(1, math.ceil(args.tasks * args.changed_share)))
        later = NOW + timedelta(hours=2)
        for task_id in changed:
            store.update_task(task_id, later, notes=store.get_task(task_id).notes + " Update: scope changed.")
        before, usage_before = len(fake.requests), last_usage_id(store)
        stats = categorize_pending(store, claude, model, later, limit=args.tasks, batch=ai.batch_size, ai=ai)
        result["hourly_changed_tasks"] = len(changed)
        result["hourly_judged"] = stats.judged
        result.update(measure(fake, before, "hourly_"))
        result.update(billed(store, usage_before, stats.judged, "hourly_"))
        result["hourly_sent_only_changed"] = sorted(
            tid for r in fake.requests[before:] if r.path == "/v1/messages" for tid in r.task_ids) == sorted(changed)
        store.close()

        # 4. the same backfill through the Message Batches API (half price)
        ai = AIConfig()
        store = TaskStore(Path(tmp) / "batch.db")
        list(store.upsert_tasks(tasks, NOW))
        fake = FakeClaude(model)
        claude = ClaudeCategorizer(fake.client(), ai.model)
        submitted = run_categorization(store, claude, model, NOW, ai)
        collected = run_categorization(store, claude, model, NOW + timedelta(minutes=5), ai)
        result["batch_submitted"] = submitted.batch
        result["batch_collected"] = collected.batch
        result["batch_judged"] = collected.judged
        result["batch_pending_left"] = store.pending_count()
        result.update(measure(fake, 0, "batch_"))
        result.update(billed(store, 0, collected.judged, "batch_"))
        store.close()

    result["targets"] = {
        "tasks_per_call_at_least_25": result["backfill_tasks_per_call"] >= 25,
        "zero_calls_for_unchanged_tasks": result["unchanged_hour_calls"] == 0 and result["hourly_sent_only_changed"],
        "suffix_tokens_per_task_at_most_120": result["backfill_suffix_tokens_per_task"] <= 120
        and result["backfill_largest_task_line_tokens"] <= 120,
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
