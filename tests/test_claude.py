"""Claude as the categorizer, through the real anthropic SDK and a mock transport that answers
real Messages API shapes (bot.devkit.fakeanthropic): what is sent, what is stored, what
every kind of failure leaves behind."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import httpx2
import pytest

from bot.devkit.fakeanthropic import FakeClaude
from bot.settings import AIConfig
from scoring.categorize import (
    MAX_ATTEMPTS,
    META_BATCH,
    categorize_pending,
    run_categorization,
    status,
)
from scoring.claude import LINE_CHARS, ClaudeCategorizer, estimate_tokens, task_line
from scoring.corrections import correct_band
from scoring.model import load_model, parse_model
from scoring.rules import RulesCategorizer
from scoring.store import TaskStore
from scoring.tasks import Task

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
SECRET_KEY = "sk-ant-api03-very-secret-key"
MODEL = load_model()


def make_task(n: int, title: str, **fields) -> Task:
    return Task(title=title, external_id=f"T{n}", assignee_id="U1", created_at=NOW - timedelta(days=3), **fields)


TASKS = [
    make_task(1, "Run kickoff call with Brightline Logistics (new customer onboarding)", tags=("onboarding",)),
    make_task(2, "Patch OpenSSL CVE in base image", tags=("security",)),
    make_task(3, "Automate invoice reminders", notes="Manual reminders take half a day each month."),
    make_task(4, "Dark mode"),
]


@pytest.fixture
def store(tmp_path):
    s = TaskStore(tmp_path / "hw.db")
    yield s
    s.close()


@pytest.fixture
def ai():
    return AIConfig(batch_size=40, daily_token_budget=1_000_000)


def load(store, tasks=TASKS) -> list[int]:
    return [tid for tid, _ in store.upsert_tasks(tasks, NOW)]


def claude(fake: FakeClaude, **kwargs) -> ClaudeCategorizer:
    return ClaudeCategorizer(fake.client(api_key=SECRET_KEY, **kwargs), "claude-haiku-4-5")


def usage_rows(store) -> list[dict]:
    cols = ("purpose", "tasks", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
            "cost_usd", "ok")
    return [dict(zip(cols, r)) for r in store.conn.execute(f"SELECT {', '.join(cols)} FROM ai_usage ORDER BY id")]


# --- the happy path -------------------------------------------------------------------------------


def test_bands_come_from_claude_in_one_structured_request(store, ai):
    ids = load(store)
    fake = FakeClaude(MODEL)
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)

    assert stats.judged == 4 and stats.calls == 1
    [call] = fake.message_calls
    body = call.body
    assert body["model"] == "claude-haiku-4-5"
    assert "temperature" not in body
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "customer_onboarding" in body["system"][0]["text"]  # the rubric is the (cached) prefix
    assert "Brightline" not in body["system"][0]["text"]  # tasks are the variable suffix
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert call.task_ids == ids
    assert SECRET_KEY in (call.headers.get("x-api-key", "") + call.headers.get("authorization", ""))

    bands, judged_by = store.effective_bands(ids[0])
    assert bands == {"customer_onboarding"} and judged_by == "ai"
    assert store.effective_bands(ids[3]) == (frozenset(), "ai")  # judged: no band applies
    [none] = store.judgements(ids[3])  # and how sure Claude was of that, and why
    assert (none.band_id, none.applies, none.confidence, none.rationale) == ("", False, 0.8,
                                                                             "no band's cues in the title")
    assert store.score_of(ids[0])["judged_by"] == "ai"
    [j] = store.judgements(ids[0])
    assert (j.judge, j.confidence, j.rationale) == ("ai", 0.8, "matches the band's cues")
    assert store.pending_count() == 0


def test_usage_with_cache_fields_is_recorded_with_its_cost(store, ai):
    load(store, [make_task(n, f"Automate report {n}") for n in range(60)])
    fake = FakeClaude(MODEL, min_cacheable_tokens=100)  # this rubric is long enough to cache here
    categorize_pending(store, claude(fake), MODEL, NOW, batch=30, ai=ai)

    first, second = usage_rows(store)
    assert first["cache_write_tokens"] > 0 and first["cache_read_tokens"] == 0
    assert second["cache_read_tokens"] == first["cache_write_tokens"] and second["cache_write_tokens"] == 0
    assert second["input_tokens"] < first["cache_write_tokens"]  # the suffix is what's left
    expected = (second["input_tokens"] * 1.00 + second["output_tokens"] * 5.00
                + second["cache_read_tokens"] * 0.10) / 1e6
    assert second["cost_usd"] == pytest.approx(expected, rel=1e-4)
    assert (first["purpose"], first["tasks"], first["ok"]) == ("categorize", 30, 1)
    assert store.ai_tokens_on("2025-01-06") == sum(r["input_tokens"] + r["output_tokens"] + r["cache_read_tokens"]
                                                   + r["cache_write_tokens"] for r in usage_rows(store))


def test_a_rubric_too_short_to_cache_is_billed_as_input(store, ai):
    load(store)
    fake = FakeClaude(MODEL)  # Haiku 4.5 caches from 4,096 tokens; this rubric is shorter
    categorize_pending(store, claude(fake), MODEL, NOW, ai=ai)
    [row] = usage_rows(store)
    assert row["cache_write_tokens"] == row["cache_read_tokens"] == 0
    assert row["input_tokens"] > estimate_tokens(fake.message_calls[0].body["system"][0]["text"])


def test_unchanged_tasks_cost_nothing_and_a_change_costs_one_task(store, ai):
    ids = load(store)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert len(fake.message_calls) == 1

    for hour in range(1, 4):  # later passes: nothing changed, nothing sent
        run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=hour), ai)
    assert len(fake.message_calls) == 1

    store.update_task(ids[1], NOW, due=NOW + timedelta(days=2))  # a due date is not content
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=5), ai)
    assert len(fake.message_calls) == 1

    store.update_task(ids[2], NOW, title="Automate invoice reminders and dunning")
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=6), ai)
    assert len(fake.message_calls) == 2 and fake.message_calls[-1].task_ids == [ids[2]]


def test_a_changed_value_model_queues_every_task_once(store, ai):
    load(store)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    data = MODEL.model_dump(mode="json")
    data["bands"][0]["points"] = 250  # only moves scores: nothing is sent for it
    run_categorization(store, claude(fake), parse_model(data), NOW + timedelta(minutes=30), ai)
    data["bands"][0]["hints"].append("handover")  # what Claude reads: every task again, once
    changed = parse_model(data)
    run_categorization(store, claude(fake), changed, NOW + timedelta(hours=1), ai)
    run_categorization(store, claude(fake), changed, NOW + timedelta(hours=2), ai)
    assert [len(c.task_ids) for c in fake.message_calls] == [4, 4]


def test_claude_takes_over_what_the_offline_rules_judged(store, ai):
    ids = load(store)
    categorize_pending(store, RulesCategorizer(), MODEL, NOW)
    assert store.effective_bands(ids[1])[1] == "rules"
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=1), ai)
    assert fake.message_calls[0].task_ids == ids
    assert store.effective_bands(ids[1])[1] == "ai"


def test_many_tasks_per_request(store, ai):
    load(store, [make_task(n, f"Write the security audit report part {n}") for n in range(100)])
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert [len(c.task_ids) for c in fake.message_calls] == [40, 40, 20]


def test_a_task_line_stays_compact_however_long_the_task(store):
    task = make_task(1, "Quarterly " * 60, notes="Long notes. " * 500, project="P" * 200,
                     tags=tuple(f"tag{n}" for n in range(30))).with_(id=123456)
    line = task_line(task)
    assert len(line) <= LINE_CHARS and estimate_tokens(line) <= 120
    assert line.startswith("123456|Quarterly") and line.count("|") == 5
    assert "|" not in task_line(make_task(2, "a | b", notes="x|y").with_(id=1)).split("|", 5)[5]


# --- failures leave the last good bands in place -----------------------------------------------


@pytest.mark.parametrize("failure, kind_in_log", [
    ("529", "overloaded"),
    ("500", "HTTP 500"),
    ("429", "rate limited"),
    ("timeout", "timed out"),
    ("refusal", "refused"),
    ("malformed", "malformed answer"),
    ("cut_off", "cut off"),
])
def test_a_failed_call_changes_no_score_and_logs_one_line(store, ai, caplog, failure, kind_in_log):
    ids = load(store)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    store.update_task(ids[0], NOW, notes="Customer kickoff moved; agenda attached.")
    store.update_task(ids[1], NOW, notes="CVE-2025-1234, base image only.")
    before = {tid: store.score_of(tid)["total"] for tid in ids}
    bands_before = {tid: store.effective_bands(tid) for tid in ids}

    fake.queue(failure)
    later = NOW + timedelta(hours=1)
    with caplog.at_level(logging.INFO, logger="headwork"):
        stats = run_categorization(store, claude(fake), MODEL, later, ai)

    assert stats.judged == 0 and stats.failed_calls == 1
    assert {tid: store.score_of(tid)["total"] for tid in ids} == before
    assert {tid: store.effective_bands(tid) for tid in ids} == bands_before
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and kind_in_log in lines[0] and "2 tasks" in lines[0]
    assert SECRET_KEY not in caplog.text
    # deferred with backoff: the next pass a minute later sends nothing, a later one retries
    assert store.pending_count() == 2
    run_categorization(store, claude(fake), MODEL, later + timedelta(minutes=1), ai)
    assert len(fake.message_calls) == 2
    run_categorization(store, claude(fake), MODEL, later + timedelta(hours=1), ai)
    assert len(fake.message_calls) >= 3 and store.pending_count() == 0
    assert {tid: store.effective_bands(tid)[1] for tid in ids} == dict.fromkeys(ids, "ai")


def test_a_rate_limit_defers_at_least_as_long_as_retry_after(store, ai):
    ids = load(store)
    fake = FakeClaude(MODEL)
    fake.queue(lambda seen: httpx2.Response(429, headers={"retry-after": "900"}, json={
        "type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}))
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)  # backoff would be 5 min; the API says 15
    assert stats.paused_until == "2025-01-06T09:15:00+00:00"
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=14), ai)
    assert len(fake.message_calls) == 1 and store.pending_count() == len(ids)
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=15), ai)
    assert len(fake.message_calls) == 2 and store.pending_count() == 0


def test_the_sdk_retries_a_brief_overload_before_anything_counts_as_failed(store, ai):
    load(store)
    fake = FakeClaude(MODEL)
    fake.queue(lambda seen: httpx2.Response(529, headers={"retry-after-ms": "10"}, json={
        "type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
    stats = run_categorization(store, claude(fake, max_retries=1), MODEL, NOW, ai)
    assert len(fake.message_calls) == 2 and stats.failed_calls == 0 and stats.judged == 4


def test_an_outage_backs_off_exponentially_and_resets_when_it_ends(store, ai):
    load(store)
    fake = FakeClaude(MODEL)
    now, gaps = NOW, []
    for _ in range(4):
        fake.queue("529")
        stats = run_categorization(store, claude(fake), MODEL, now, ai)
        resume = datetime.fromisoformat(stats.paused_until)
        gaps.append(resume - now)
        for minute in range(1, 4):  # passes while paused send nothing
            run_categorization(store, claude(fake), MODEL, now + timedelta(minutes=minute), ai)
        now = resume
    assert gaps == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert len(fake.message_calls) == 4
    run_categorization(store, claude(fake), MODEL, now, ai)  # the API is back
    assert store.pending_count() == 0
    store.upsert_task(make_task(9, "Patch the kernel CVE"), now)
    fake.queue("529")
    stats = run_categorization(store, claude(fake), MODEL, now + timedelta(minutes=1), ai)
    assert datetime.fromisoformat(stats.paused_until) - (now + timedelta(minutes=1)) == timedelta(minutes=5)


def test_an_outage_gives_never_judged_tasks_the_offline_rules_bands(store, ai):
    ids = load(store)
    fake = FakeClaude(MODEL)
    fake.queue("529")
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert stats.stand_in == 4
    bands, judged_by = store.effective_bands(ids[1])
    assert bands == {"risk"} and judged_by == "rules"
    assert store.pending_count() == 4  # still waiting for Claude
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=1), ai)
    assert store.effective_bands(ids[1])[1] == "ai"


def test_unknown_band_ids_are_rejected_and_never_stored(store, ai, caplog):
    ids = load(store)
    fake = FakeClaude(MODEL)
    fake.queue("unknown_band")
    with caplog.at_level(logging.WARNING, logger="headwork"):
        stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert stats.judged == 3 and stats.rejected == 1
    assert "world_peace" not in {j.band_id for tid in ids for j in store.judgements(tid)}
    assert store.effective_bands(ids[0])[1] == "rules"  # stand-in until Claude answers properly
    assert "unknown band 'world_peace'" in caplog.text


def test_a_verdict_out_of_range_is_rejected_alone(store, ai):
    ids = load(store)

    def odd_confidence(seen):
        answer = FakeClaude(MODEL).answer(seen.body)
        verdicts = json.loads(answer["content"][0]["text"])["tasks"]
        verdicts[1]["confidence"] = 7
        answer["content"][0]["text"] = json.dumps({"tasks": verdicts})
        return httpx2.Response(200, json=answer)

    fake = FakeClaude(MODEL)
    fake.queue(odd_confidence)
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert stats.judged == 3 and stats.rejected == 1
    assert store.effective_bands(ids[1])[1] == "rules" and store.effective_bands(ids[0])[1] == "ai"


def test_answers_about_tasks_not_asked_are_ignored(store, ai):
    ids = load(store)

    def extra(seen):
        answer = FakeClaude(MODEL).answer(seen.body)
        verdicts = json.loads(answer["content"][0]["text"])["tasks"]
        verdicts.append({"id": 99999, "bands": ["risk"], "confidence": 1, "why": "not asked"})
        answer["content"][0]["text"] = json.dumps({"tasks": verdicts})
        return httpx2.Response(200, json=answer)

    fake = FakeClaude(MODEL)
    fake.queue(extra)
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert stats.judged == len(ids) and store.get_task(99999) is None


def test_usage_of_a_failed_answer_still_counts(store, ai):
    load(store)
    fake = FakeClaude(MODEL)
    fake.queue("malformed")
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    [row] = usage_rows(store)
    assert row["ok"] == 0 and row["input_tokens"] > 0


def test_a_task_claude_keeps_refusing_is_isolated_then_left_to_the_rules(store, ai):
    ids = load(store, [make_task(n, f"Automate the weekly report {n}") for n in range(8)])
    poison = ids[3]

    def refuse_poison(seen):
        variant = "refusal" if poison in seen.task_ids else "ok"
        return httpx2.Response(200, json=FakeClaude(MODEL).answer(seen.body, variant))

    fake = FakeClaude(MODEL)
    fake.default = refuse_poison
    now = NOW
    for _ in range(40):
        run_categorization(store, claude(fake), MODEL, now, ai)
        now += timedelta(hours=7)
        if store.pending_count() == 0:
            break
    assert store.pending_count() == 0
    assert all(store.effective_bands(t)[1] == "ai" for t in ids if t != poison)
    assert store.effective_bands(poison)[1] == "rules"
    sizes = [len(c.task_ids) for c in fake.message_calls]
    assert sizes[0] == 8 and sizes[-1] == 1  # retried in ever smaller requests
    assert sum(1 for c in fake.message_calls if poison in c.task_ids) == MAX_ATTEMPTS


# --- the daily budget ---------------------------------------------------------------------------


def test_the_daily_budget_stops_calls_and_says_so(store, caplog):
    ids = load(store)
    ai = AIConfig(daily_token_budget=100)
    fake = FakeClaude(MODEL)
    with caplog.at_level(logging.WARNING, logger="headwork"):
        stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
        run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=5), ai)
    assert fake.message_calls == []
    assert stats.budget_exhausted and stats.stand_in == 4
    assert store.effective_bands(ids[1]) == (frozenset({"risk"}), "rules")
    assert len([r for r in caplog.records if "budget" in r.getMessage()]) == 1  # said once a day, not every pass
    info = status(store, ai, NOW, claude(fake))
    assert info["budget_exhausted"] and info["pending"] == 4 and info["categorizer"] == "Claude (claude-haiku-4-5)"


def test_the_budget_counts_what_was_spent_today(store):
    load(store, [make_task(n, f"Automate report {n}") for n in range(80)])
    fake = FakeClaude(MODEL)
    forty = [store.get_task(i) for i in range(1, 41)]
    one_call = claude(fake).estimate([forty], MODEL).total
    ai = AIConfig(batch_size=40, daily_token_budget=int(one_call * 1.5))  # room for one call of 40, not two
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert len(fake.message_calls) == 1
    info = status(store, ai, NOW, claude(fake))
    budget = ai.daily_token_budget
    assert 0 < info["tokens_today"] <= budget and info["budget_left"] == budget - info["tokens_today"]
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(days=1), ai)  # a new UTC day
    assert len(fake.message_calls) == 2


# --- corrections --------------------------------------------------------------------------------


def test_a_correction_survives_every_later_run_and_teaches_claude(store, ai):
    ids = load(store)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert "customer_onboarding" in store.effective_bands(ids[0])[0]

    result = correct_band(store, MODEL, ids[0], "customer_onboarding", False, "U2", NOW)
    assert result.bands == frozenset() and result.total_after < result.total_before
    assert store.score_of(ids[0])["total"] == result.total_after

    for hour in (1, 2, 3):  # re-judged after every change: Claude still says yes, the person's no stands
        store.update_task(ids[0], NOW, notes=f"revision {hour}")
        run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=hour), ai)
        assert "customer_onboarding" not in store.effective_bands(ids[0])[0]
        assert store.effective_bands(ids[0])[1] == "ai+human"
    sent = fake.message_calls[-1].body
    assert '→ customer_onboarding: no' in sent["messages"][0]["content"]  # an example, in the suffix
    assert "→ customer_onboarding" not in sent["system"][0]["text"]  # the cached prefix stays stable

    correct_band(store, MODEL, ids[0], "customer_onboarding", None, "U2", NOW)  # withdrawn
    assert "customer_onboarding" in store.effective_bands(ids[0])[0]


# --- Message Batches ----------------------------------------------------------------------------


def test_a_large_backlog_goes_through_a_message_batch(store):
    ids = load(store, [make_task(n, f"Patch the CVE in service {n}") for n in range(90)])
    ai = AIConfig(batch_size=40, batch_api_threshold=50)
    fake = FakeClaude(MODEL)
    fake.finish_batches = False
    stats = run_categorization(store, claude(fake), MODEL, NOW, ai)
    assert stats.batch.startswith("submitted msgbatch_") and fake.message_calls == []
    [create] = [r for r in fake.requests if r.path == "/v1/messages/batches"]
    sizes = [len(r["params"]["messages"][0]["content"].splitlines()) - 1 for r in create.body["requests"]]
    assert sizes == [40, 40, 10]
    assert json.loads(store.get_meta(META_BATCH))["id"] in fake.batches

    store.update_task(ids[0], NOW, title="Patch the CVE in service 0 and rotate keys")  # changed meanwhile
    stats = run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=5), ai)
    assert "in progress" in stats.batch and stats.judged == 0 and fake.message_calls == []

    fake.finish_batches = True
    stats = run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=10), ai)
    assert stats.batch.startswith("collected") and store.get_meta(META_BATCH) is None
    assert all(store.effective_bands(t) == (frozenset({"risk"}), "ai") for t in ids[1:])
    # the changed task was not stored from the stale answer: it was judged live in the same pass
    assert fake.message_calls[-1].task_ids == [ids[0]]
    batch_rows = [r for r in usage_rows(store) if r["purpose"] == "categorize-batch"]
    assert len(batch_rows) == 3
    full = batch_rows[0]["input_tokens"] * 1.0 + batch_rows[0]["output_tokens"] * 5.0
    assert batch_rows[0]["cost_usd"] == pytest.approx(full / 2 / 1e6, rel=1e-4)  # half price


def test_a_batch_answer_counts_after_an_edit_of_points_but_not_of_what_claude_read(store):
    ids = load(store, [make_task(n, f"Patch the CVE in service {n}") for n in range(60)])
    ai = AIConfig(batch_size=30, batch_api_threshold=50)
    fake = FakeClaude(MODEL)
    fake.finish_batches = False
    run_categorization(store, claude(fake), MODEL, NOW, ai)  # submitted
    data = MODEL.model_dump(mode="json")
    data["bands"][5]["points"] = 90
    fake.finish_batches = True
    stats = run_categorization(store, claude(fake), parse_model(data), NOW + timedelta(minutes=5), ai)
    assert stats.judged == 60 and fake.message_calls == []
    assert all(store.effective_bands(t) == (frozenset({"risk"}), "ai") for t in ids)

    fake.finish_batches = False
    data["bands"][5]["hints"] = ["security"]
    for n in range(60):
        store.update_task(ids[n], NOW, notes="rotate the keys")
    run_categorization(store, claude(fake), parse_model(data), NOW + timedelta(minutes=10), ai)  # submitted
    data["bands"][5]["description"] = "Reduces a real risk: security, privacy or compliance."
    fake.finish_batches = True
    stats = run_categorization(store, claude(fake), parse_model(data), NOW + timedelta(minutes=15), ai)
    assert "0 tasks judged, 60 changed meanwhile" in stats.batch  # judged by another rubric: asked again


def test_a_batch_request_that_errored_is_retried_later(store):
    ids = load(store, [make_task(n, f"Patch the CVE in service {n}") for n in range(60)])
    ai = AIConfig(batch_size=30, batch_api_threshold=50)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)  # submit
    fake.queue("529", "ok")  # the first request of the batch errors
    stats = run_categorization(store, claude(fake), MODEL, NOW + timedelta(minutes=5), ai)
    assert stats.judged == 30 and stats.failed_calls == 1
    assert store.pending_count() == 30
    run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=2), ai)
    assert store.pending_count() == 0 and all(store.effective_bands(t)[1] == "ai" for t in ids)


def test_a_batch_that_cannot_be_read_for_a_day_is_abandoned_and_its_tasks_judged_again(store, caplog):
    load(store, [make_task(n, f"Patch the CVE in service {n}") for n in range(60)])
    ai = AIConfig(batch_size=30, batch_api_threshold=50)
    fake = FakeClaude(MODEL)
    run_categorization(store, claude(fake), MODEL, NOW, ai)
    fake.batches.clear()  # the API no longer knows it: 404
    stats = run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=1), ai)
    assert "unreadable" in stats.batch and stats.judged == 0
    with caplog.at_level(logging.WARNING, logger="headwork"):
        stats = run_categorization(store, claude(fake), MODEL, NOW + timedelta(hours=26), ai)
    assert "abandoned" in stats.batch and "gave up on Message Batch" in caplog.text
    assert store.get_meta(META_BATCH) is None and stats.judged == 60  # judged live in the same pass
