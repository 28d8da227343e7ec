"""`headwork categorize [--dry-run] [--limit N]`: judge the waiting tasks' value bands now,
or say what that would send and cost."""

from __future__ import annotations

import json
import sys

from scoring.categorize import (LIVE_CALLS_PER_PASS, correction_examples, preview_queue, run_categorization, status,
                                status_line)

EPILOG = ("Only tasks that are new or changed (or all of them after the value model's bands changed) wait to be "
          "judged; unchanged tasks are never sent. With ANTHROPIC_API_KEY set Claude judges them "
          "(a backlog of at least ai.batch_api_threshold tasks goes through the Message Batches API at half "
          "price); without it, the offline rules do, for free. Tokens are estimated at about 4 characters "
          "each; prices come from the ai: section of headwork.yml.")


def register(sub) -> None:
    p = sub.add_parser("categorize", help="judge the value bands of new and changed tasks now (--dry-run: cost only)",
                       description="Run one categorization pass now: the job the scheduler runs every "
                                   "ai.categorize_minutes.", epilog=EPILOG)
    p.add_argument("--dry-run", action="store_true",
                   help="send nothing: print how many tasks, calls and tokens, and the estimated cost")
    p.add_argument("--limit", type=int, metavar="N", help="judge at most N tasks (default: one scheduler pass)")
    p.add_argument("--show", action="store_true", help="with --dry-run: print the first request in full")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.set_defaults(handler=run)


def run(args, runtime) -> int:
    if args.limit is not None and args.limit < 1:
        print("headwork: --limit must be at least 1", file=sys.stderr)
        return 2
    if args.dry_run:
        return dry_run(args, runtime)
    now = runtime.now()
    stats = run_categorization(runtime.store, runtime.categorizer, runtime.model, now, runtime.settings.config.ai,
                               limit=args.limit)
    info = runtime.categorizer_status()
    if args.json:
        print(json.dumps({"pass": stats.to_dict(), "status": info}, indent=2, default=str))
        return 0
    tokens = stats.input_tokens + stats.output_tokens + stats.cache_read_tokens + stats.cache_write_tokens
    print(f"Judged {stats.judged} task(s) with {runtime.categorizer.name}"
          + (f" in {stats.calls} call(s): {tokens:,} tokens, ${stats.cost_usd:.4f}" if stats.calls else "") + ".")
    if stats.batch:
        print(f"Message Batch: {stats.batch}.")
    if stats.failed_calls or stats.rejected:
        print(f"{stats.failed_calls} call(s) failed, {stats.rejected} answer(s) rejected: those tasks keep their last "
              "good bands and are retried later (details in the log).")
    if stats.stand_in:
        print(f"{stats.stand_in} new task(s) got the offline rules' bands meanwhile.")
    if stats.budget_exhausted:
        print("The daily token budget is spent: no Claude calls until 00:00 UTC.")
    print(status_line(info) + ".")
    return 0


def dry_run(args, runtime) -> int:
    from scoring.claude import ClaudeCategorizer

    ai = runtime.settings.config.ai
    store, model, now = runtime.store, runtime.model, runtime.now()
    categorizer = runtime.categorizer
    claude = categorizer if isinstance(categorizer, ClaudeCategorizer) else ClaudeCategorizer(None, ai.model)
    sends = categorizer.judge == "ai"
    queue = preview_queue(store, categorizer, model, now)  # with what the pass itself would queue
    waiting, due = queue.waiting, queue.due
    # what one pass takes, as run_categorization does
    if args.limit is not None:
        this_pass, as_batch = due[:args.limit], False
    elif sends and queue.batch_in_flight is None and waiting >= ai.batch_api_threshold:
        this_pass, as_batch = due, True
    elif sends:
        this_pass, as_batch = due[:ai.batch_size * LIVE_CALLS_PER_PASS], False
    else:  # the offline rules judge them all; priced as Claude would send them
        this_pass, as_batch = due, len(due) >= ai.batch_api_threshold
    left_for_next = len(due) - len(this_pass) if args.limit is None else 0
    examples = correction_examples(store, model)
    chunks = [this_pass[i:i + ai.batch_size] for i in range(0, len(this_pass), ai.batch_size)]
    estimate = claude.estimate(chunks, model, examples)
    cached = claude.prefix_is_cached(model)
    usage = estimate.usage(cached)
    cost = usage.cost(ai, batch=as_batch)
    info = {**status(store, ai, now, categorizer), "pending": waiting}  # as the pass will find it
    report = {
        "categorizer": categorizer.name, "sends": sends,
        "requeued": queue.requeued, "requeued_because": queue.reason or None,
        "waiting": waiting, "due_now": len(due), "deferred": waiting - len(due) if args.limit is None else None,
        "this_pass": len(this_pass), "left_for_next_pass": left_for_next,
        "next_pass_in_minutes": ai.categorize_minutes if left_for_next else None,
        "calls": estimate.calls, "tasks_per_call": ai.batch_size, "message_batch": as_batch,
        "batch_in_flight": queue.batch_in_flight,
        "prefix_tokens_per_call": estimate.prefix_tokens, "prefix_cached": cached,
        "min_cacheable_tokens": claude.min_cacheable_tokens,
        "input_tokens": estimate.input_tokens, "output_tokens": estimate.output_tokens,
        "input_tokens_per_task": round(estimate.suffix_tokens / estimate.tasks, 1) if estimate.tasks else 0,
        "cost_usd": cost, "budget": info,
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(f"Dry run — nothing is sent. Categorizer in use: {categorizer.name}.")
    if queue.requeued:
        print(f"The pass first queues {queue.requeued} task(s) again: {queue.reason}.")
    held = ("in the Message Batch in flight or waiting for a retry after a failure" if queue.batch_in_flight
            else "waiting for a retry after a failure")
    print(f"Waiting: {waiting} task(s), {len(due)} of them due now"
          + (f" (the rest {held})" if len(due) < waiting and args.limit is None else "")
          + (f", limited to {args.limit}" if args.limit else "") + ".")
    if queue.batch_in_flight and sends:
        print(f"Message Batch {queue.batch_in_flight} is in flight: its tasks are collected when it ends, "
              "never sent again.")
    if not this_pass:
        print("Nothing to send: every task's bands match its content and the value model.")
        print(status_line(info) + ".")
        return 0
    if not sends:
        print("The offline rules judge them: no calls, no cost. With ANTHROPIC_API_KEY set, Claude would need:")
    elif as_batch:
        print(f"This pass: one Message Batch, {len(this_pass)} task(s) (half price, answered within 24 hours).")
    else:
        print(f"This pass: {estimate.calls} call(s), {len(this_pass)} task(s)"
              + (f"; {left_for_next} left for the next pass in {ai.categorize_minutes} minutes"
                 if left_for_next else "") + ".")
    if as_batch:
        print(f"  one Message Batch of {estimate.calls} request(s) of up to {ai.batch_size} tasks (half price).")
    else:
        print(f"  {estimate.calls} request(s) of up to {ai.batch_size} tasks.")
    caching = ("cached after the first call" if cached else
               f"too short to cache (under {claude.min_cacheable_tokens:,} tokens): billed as input")
    print(f"  input ≈ {estimate.input_tokens:,} tokens: {estimate.prefix_tokens:,} per call for the rubric, "
          f"{caching}; ≈ {report['input_tokens_per_task']:g} per task")
    print(f"  output ≈ {estimate.output_tokens:,} tokens")
    print(f"  cost ≈ ${cost:.4f} at ${ai.price_input:g} in / ${ai.price_output:g} out per million tokens"
          + (f", ${ai.price_cache_read:g} cache read, ${ai.price_cache_write:g} cache write" if cached else "") + ".")
    if sends:
        left = info["budget_left"]
        print(f"  today's budget: {info['tokens_today'] + info['tokens_reserved']:,} of {ai.daily_token_budget:,} "
              f"tokens used or reserved, {left:,} left"
              + ("" if estimate.total <= left else
                 f" — not enough: {_within(claude, chunks, model, examples, left)} task(s) would be sent (whole "
                 "requests only), the rest get the offline rules' bands until 00:00 UTC") + ".")
    first = claude.request(chunks[0], model, examples)
    if args.show:
        print("\nFirst request (system prompt, then the user message):\n")
        print(first["system"][0]["text"])
        print("\n" + first["messages"][0]["content"])
    else:
        lines = first["messages"][0]["content"].splitlines()
        print("\nFirst request's task lines (--show prints the whole request):")
        for line in [ln for ln in lines if ln[:1].isdigit()][:5]:
            print(f"  {line}")
    print("\n" + status_line(info) + ".")
    return 0


def _within(claude, chunks, model, examples, tokens: int) -> int:
    """How many tasks the pass sends before the next request would pass `tokens` (it stops there)."""
    sent = 0
    for chunk in chunks:
        tokens -= claude.estimate([chunk], model, examples).total
        if tokens < 0:
            break
        sent += len(chunk)
    return sent
