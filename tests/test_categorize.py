"""The categorization pass as people meet it: which categorizer the composition root picks,
`headwork categorize [--dry-run]`, `headwork bands show|set`, and the status for the App Home."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx2
import pytest

from bot.cli import main
from bot.devkit.fakeanthropic import FakeClaude
from bot.runtime import Runtime
from bot.settings import AIConfig
from scoring.categorize import categorize_pending, status, status_line
from scoring.claude import ClaudeCategorizer
from scoring.model import load_model
from scoring.rules import RulesCategorizer
from scoring.store import TaskStore
from scoring.tasks import Task

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
MODEL = load_model()
TASKS = [
    Task(title="Run kickoff call with Brightline Logistics", external_id="T1", assignee_id="U1", tags=("onboarding",)),
    Task(title="Patch OpenSSL CVE in base image", external_id="T2", assignee_id="U1"),
    Task(title="Automate invoice reminders", external_id="T3", assignee_id="U2"),
]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    db = tmp_path / "hw.db"
    store = TaskStore(db)
    list(store.upsert_tasks(TASKS, NOW))
    store.close()
    return {"HEADWORK_DB": str(db), "HEADWORK_CONFIG": str(tmp_path / "headwork.yml")}


def run_cli(argv, env, fake: FakeClaude | None = None):
    http = httpx2.Client(transport=httpx2.MockTransport(fake.handler)) if fake else None
    runtime = Runtime(env, clock=lambda: NOW, anthropic_http_client=http)
    import bot.cli as cli

    original = cli.Runtime
    cli.Runtime = lambda environ: runtime  # the CLI's composition root, with our clock and transport
    try:
        return main(argv, environ=env), runtime
    finally:
        cli.Runtime = original


# --- which categorizer ---------------------------------------------------------------------------


def test_without_a_key_the_offline_rules_judge(env):
    assert isinstance(Runtime(env).categorizer, RulesCategorizer)
    assert isinstance(Runtime({**env, "ANTHROPIC_API_KEY": "  "}).categorizer, RulesCategorizer)


def test_with_a_key_claude_judges_through_the_configured_base_url(env, tmp_path):
    Path(env["HEADWORK_CONFIG"]).write_text(
        "ai:\n  model: claude-sonnet-4-5\n  timeout_seconds: 12\n  max_retries: 4\n")
    fake = FakeClaude(MODEL, base_url="http://claude.internal:8080")
    runtime = Runtime({**env, "ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": "http://claude.internal:8080"},
                      anthropic_http_client=httpx2.Client(transport=httpx2.MockTransport(fake.handler)))
    categorizer = runtime.categorizer
    assert isinstance(categorizer, ClaudeCategorizer) and categorizer.model_name == "claude-sonnet-4-5"
    assert str(categorizer.client.base_url).startswith("http://claude.internal:8080")
    assert categorizer.client.max_retries == 4 and categorizer.client.timeout == 12
    assert "sk-test" not in repr(runtime.settings)


# --- headwork categorize -------------------------------------------------------------------------


def test_categorize_with_claude_judges_and_reports(env, capsys):
    fake = FakeClaude(MODEL)
    code, runtime = run_cli(["categorize"], {**env, "ANTHROPIC_API_KEY": "sk-test"}, fake)
    out = capsys.readouterr().out
    assert code == 0 and len(fake.message_calls) == 1
    assert "Judged 3 task(s) with Claude (claude-haiku-4-5) in 1 call(s)" in out
    assert "0 task(s) waiting" in out and "tokens used today" in out
    assert runtime.store.effective_bands(2) == (frozenset({"risk"}), "ai")


def test_categorize_without_a_key_uses_the_rules_and_sends_nothing(env, capsys):
    code, runtime = run_cli(["categorize"], env)
    assert code == 0
    assert "Judged 3 task(s) with offline rules." in capsys.readouterr().out
    assert runtime.store.effective_bands(2) == (frozenset({"risk"}), "rules")


def test_dry_run_says_what_would_be_sent_and_sends_nothing(env, capsys):
    fake = FakeClaude(MODEL)
    code, runtime = run_cli(["categorize", "--dry-run"], {**env, "ANTHROPIC_API_KEY": "sk-test"}, fake)
    out = capsys.readouterr().out
    assert code == 0 and fake.requests == []
    assert "Waiting: 3 task(s), 3 of them due now." in out
    assert "1 request(s) of up to 40 tasks." in out
    assert re.search(r"cost ≈ \$0\.00\d\d at \$1 in / \$5 out per million tokens", out)
    assert "too short to cache" in out  # Haiku 4.5 caches from 4,096 tokens; the rubric is shorter
    assert "2|Patch OpenSSL CVE in base image||" in out  # the task lines as they would be sent
    assert runtime.store.pending_count() == 3  # nothing judged, nothing deferred


def test_dry_run_json_numbers_match_a_real_run(env, capsys):
    fake = FakeClaude(MODEL)
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    run_cli(["categorize", "--dry-run", "--json"], keyed, fake)
    import json

    estimate = json.loads(capsys.readouterr().out)
    run_cli(["categorize"], keyed, fake)
    [call] = fake.message_calls
    sent_input = call.body and fake.usage(call.body, "")["input_tokens"]
    assert estimate["calls"] == 1 and estimate["sends"] is True
    assert abs(estimate["input_tokens"] - sent_input) <= 0.1 * sent_input  # same request, same estimate


def test_dry_run_without_a_key_prices_what_claude_would_cost(env, capsys):
    code, _ = run_cli(["categorize", "--dry-run"], env)
    out = capsys.readouterr().out
    assert code == 0 and "The offline rules judge them: no calls, no cost." in out and "cost ≈ $" in out


def test_dry_run_says_when_the_budget_would_run_out(env, capsys, tmp_path):
    Path(env["HEADWORK_CONFIG"]).write_text("ai:\n  daily_token_budget: 500\n")
    run_cli(["categorize", "--dry-run"], {**env, "ANTHROPIC_API_KEY": "sk-test"}, FakeClaude(MODEL))
    assert "not enough" in capsys.readouterr().out


def test_limit_must_be_positive(env, capsys):
    code, _ = run_cli(["categorize", "--limit", "0"], env)
    assert code == 2 and "--limit must be at least 1" in capsys.readouterr().err


# --- headwork bands ------------------------------------------------------------------------------


def test_bands_set_stores_a_human_correction_and_rescores(env, capsys):
    run_cli(["categorize"], env)
    capsys.readouterr()
    code, runtime = run_cli(["bands", "set", "3", "risk", "on", "--by", "U9"], env)
    out = capsys.readouterr().out
    assert code == 0 and "Task 3: risk applies." in out and "judged by offline rules + a person" in out
    assert "risk" in runtime.store.effective_bands(3)[0]
    assert runtime.store.score_of(3)["judged_by"] == "rules+human"
    code, runtime = run_cli(["bands", "set", "3", "revenue", "off", "--by", "U9"], env)
    assert "revenue" not in runtime.store.effective_bands(3)[0]

    runtime.store.update_task(3, NOW, notes="Manual reminders for every unpaid invoice.")
    run_cli(["categorize"], env)  # judged again after a change: the person's word still stands
    capsys.readouterr()
    code, _ = run_cli(["bands", "show", "3"], env)
    out = capsys.readouterr().out
    assert re.search(r"risk\s+yes\s+a person U9", out) and re.search(r"revenue\s+no\s+a person U9", out)
    assert re.search(r"revenue\s+yes\s+offline rules\s+0\.\d+", out)  # the rules still think so
    assert "Bands that apply: internal_efficiency (An hour today saves two tomorrow), risk" in out

    code, runtime = run_cli(["bands", "set", "3", "risk", "clear"], env)
    assert code == 0 and runtime.store.effective_bands(3)[0] == {"internal_efficiency"}


@pytest.mark.parametrize("argv, code, message", [
    (["bands", "set", "99", "risk", "on"], 1, "no task with id 99"),
    (["bands", "set", "1", "world_peace", "on"], 2, "'world_peace' is not a band of the value model"),
    (["bands", "show", "99"], 1, "no task with id 99"),
])
def test_bands_refuses_unknown_tasks_and_bands(env, capsys, argv, code, message):
    result, _ = run_cli(argv, env)
    assert result == code and message in capsys.readouterr().err


# --- status for the App Home ---------------------------------------------------------------------


def test_status_says_who_judges_what_waits_and_what_it_cost(env):
    store = TaskStore(env["HEADWORK_DB"])
    ai = AIConfig(daily_token_budget=1_000_000)
    info = status(store, ai, NOW, RulesCategorizer())
    assert info["categorizer"] == "offline rules" and info["pending"] == 3 and info["tokens_today"] == 0
    assert status_line(info) == "bands judged by offline rules · 3 task(s) waiting"

    fake = FakeClaude(MODEL)
    claude = ClaudeCategorizer(fake.client(), "claude-haiku-4-5")
    categorize_pending(store, claude, MODEL, NOW, ai=ai)
    info = status(store, ai, NOW + timedelta(hours=1), claude)
    assert info["pending"] == 0 and info["calls_today"] == 1 and info["tokens_today"] > 0
    assert info["budget_left"] == 1_000_000 - info["tokens_today"] and not info["budget_exhausted"]
    assert info["last_failure"] is None
    line = status_line(info)
    assert line.startswith("bands judged by Claude (claude-haiku-4-5) · 0 task(s) waiting · ")
    assert "of 1,000,000 tokens used today" in line
    store.close()


def test_every_categorization_command_is_documented():
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    for command in ("headwork categorize", "headwork bands show", "headwork bands set"):
        assert f"`{command}" in readme


def _model_without(tmp_path, env, band_id: str) -> None:
    """headwork.yml now points at a value model without `band_id` (an admin retired it)."""
    import yaml

    data = yaml.safe_load(Path(__file__).resolve().parents[1].joinpath("scoring/data/value_model.yml").read_text())
    data["bands"] = [b for b in data["bands"] if b["id"] != band_id]
    path = tmp_path / f"without_{band_id}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    Path(env["HEADWORK_CONFIG"]).write_text(f"scoring:\n  value_model: {path}\n")


def test_a_correction_for_a_band_the_model_dropped_is_not_counted_and_can_be_withdrawn(env, capsys, tmp_path):
    run_cli(["categorize"], env)
    run_cli(["bands", "set", "3", "risk", "on", "--by", "U9"], env)
    _model_without(tmp_path, env, "risk")
    run_cli(["categorize"], env)
    capsys.readouterr()
    code, _ = run_cli(["bands", "show", "3"], env)
    out = capsys.readouterr().out
    assert code == 0
    assert ("Bands that apply: internal_efficiency (An hour today saves two tomorrow), revenue (Revenue at stake) "
            "— judged by offline rules\n") in out  # no 'risk (not in the model)', no 'a person'
    assert "Score: 117.5 pts" in out  # as without the correction
    assert "Not counted (no longer in the value model): risk — `headwork bands set 3 risk clear` withdraws" in out
    assert re.search(r"risk\s+yes\s+a person U9 .*\(not in the value model: not counted\)", out)

    code, runtime = run_cli(["bands", "set", "3", "risk", "clear"], env)
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "Task 3: risk is no longer in the value model: the correction is withdrawn." in out
    assert [j for j in runtime.store.judgements(3) if j.judge == "human"] == []
    code, _ = run_cli(["bands", "set", "3", "risk", "on"], env)  # but no new word about it
    assert code == 2 and "'risk' is not a band of the value model" in capsys.readouterr().err


def test_bands_show_says_claude_judged_that_no_band_applies(env, capsys):
    store = TaskStore(env["HEADWORK_DB"])
    [(dark, _)] = list(store.upsert_tasks([Task(title="Dark mode", external_id="T4", assignee_id="U1")], NOW))
    store.close()
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    code, _ = run_cli(["bands", "show", str(dark)], keyed, fake)
    assert code == 0 and "Bands that apply: none yet — no categorizer has judged this task (queued for the " \
                          "categorizer)" in capsys.readouterr().out
    run_cli(["categorize"], keyed, fake)
    store = TaskStore(env["HEADWORK_DB"])
    list(store.upsert_tasks([Task(title="Write the onboarding runbook", external_id="T5", assignee_id="U1")], NOW))
    store.close()  # another task waits: not this one
    capsys.readouterr()
    code, _ = run_cli(["bands", "show", str(dark)], keyed, fake)
    out = capsys.readouterr().out
    assert code == 0
    assert "Bands that apply: none — Claude judged that no band applies (confidence 0.80: no band's cues in the " \
           "title)\n" in out
    assert "Judgements:" not in out  # the verdict is said once, in words
    assert "No band judgements yet" not in out and "queued" not in out


# --- the daily budget and Message Batches ---------------------------------------------------------


def test_a_message_batch_counts_against_the_budget_from_its_submission(env, capsys):
    store = TaskStore(env["HEADWORK_DB"])
    list(store.upsert_tasks([Task(title=f"Patch the CVE in service {n}", external_id=f"CVE{n}", assignee_id="U1")
                             for n in range(97)], NOW))  # 100 tasks waiting
    one = ClaudeCategorizer(None, "claude-haiku-4-5").estimate([store.pending_categorization(20, NOW)], MODEL).total
    store.close()
    budget = one * 3 + 10  # room for three requests of 20 tasks today
    Path(env["HEADWORK_CONFIG"]).write_text(
        f"ai:\n  batch_size: 20\n  batch_api_threshold: 50\n  daily_token_budget: {budget}\n")
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    fake.finish_batches = False
    run_cli(["categorize", "--dry-run"], keyed, fake)
    out = capsys.readouterr().out
    assert "This pass: one Message Batch, 100 task(s) (half price, answered within 24 hours)." in out
    assert "not enough: 60 task(s) would be sent (whole requests only)" in out
    code, runtime = run_cli(["categorize"], keyed, fake)
    out = capsys.readouterr().out
    assert code == 0 and "Message Batch: submitted msgbatch_000001: 60 tasks in 3 requests." in out
    assert fake.message_calls == []  # no live call judges the rest on top of the batch's tokens
    assert "The daily token budget is spent" in out
    reserved = re.search(r"0 of [\d,]+ tokens used today \(\$0\.00\), ([\d,]+) more reserved for the Message Batch "
                         r"in flight", out)
    assert reserved and int(reserved.group(1).replace(",", "")) <= budget

    fake.finish_batches = True
    code, runtime = run_cli(["categorize"], keyed, fake)
    out = capsys.readouterr().out
    assert "Message Batch: collected msgbatch_000001: 60 tasks judged" in out and fake.message_calls == []
    info = runtime.categorizer_status()
    assert 0 < info["tokens_today"] <= budget and info["tokens_reserved"] == 0  # reconciled to what it cost


def test_a_batch_collected_the_next_day_is_charged_to_the_day_it_was_sent(tmp_path):
    from bot.settings import AIConfig
    from scoring.categorize import run_categorization

    store = TaskStore(tmp_path / "hw.db")
    list(store.upsert_tasks([Task(title=f"Task {n}", external_id=f"N{n}", assignee_id="U1") for n in range(60)], NOW))
    ai = AIConfig(batch_size=20, batch_api_threshold=50, daily_token_budget=1_000_000)
    fake = FakeClaude(MODEL)
    fake.finish_batches = False
    claude = ClaudeCategorizer(fake.client(), "claude-haiku-4-5")
    run_categorization(store, claude, MODEL, NOW, ai)
    submitted_day = status(store, ai, NOW, claude)
    assert submitted_day["tokens_reserved"] > 0 and submitted_day["tokens_today"] == 0
    fake.finish_batches = True
    tomorrow = NOW + timedelta(days=1)
    run_categorization(store, claude, MODEL, tomorrow, ai)
    assert status(store, ai, tomorrow, claude)["tokens_today"] == 0  # tomorrow's budget is whole
    assert 0 < status(store, ai, NOW, claude)["tokens_today"]
    store.close()


# --- what makes tasks be judged again, and what the dry run promises ---------------------------------


def _edited_model(tmp_path, env, name: str, change) -> None:
    """headwork.yml now points at the default value model with `change` applied."""
    import yaml

    data = yaml.safe_load(Path(__file__).resolve().parents[1].joinpath("scoring/data/value_model.yml").read_text())
    change(data)
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    Path(env["HEADWORK_CONFIG"]).write_text(f"scoring:\n  value_model: {path}\n")


def _scoring_only(data) -> None:
    data["bands"][0]["points"] = 250
    data["signals"][0]["weight"] = 70
    data["compound_share"] = 0.3


def test_a_model_edit_claude_cannot_see_sends_nothing_again(env, capsys, tmp_path):
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    run_cli(["categorize"], keyed, fake)
    assert len(fake.message_calls) == 1
    _edited_model(tmp_path, env, "points", _scoring_only)  # points, a weight, compound_share
    capsys.readouterr()
    code, runtime = run_cli(["categorize", "--dry-run"], keyed, fake)
    assert "Nothing to send" in capsys.readouterr().out
    code, runtime = run_cli(["categorize"], keyed, fake)
    assert "Judged 0 task(s)" in capsys.readouterr().out and len(fake.message_calls) == 1

    def reworded(data):
        _scoring_only(data)
        data["bands"][5]["description"] = "Reduces a real risk: security, privacy, compliance or data loss."

    _edited_model(tmp_path, env, "reworded", reworded)  # what Claude reads changed: judged again
    code, runtime = run_cli(["categorize", "--dry-run"], keyed, fake)
    out = capsys.readouterr().out
    assert ("The pass first queues 3 task(s) again: the value model's bands changed (an id, name, description or "
            "cue).") in out and "This pass: 1 call(s), 3 task(s)." in out
    run_cli(["categorize"], keyed, fake)
    assert "Judged 3 task(s)" in capsys.readouterr().out and len(fake.message_calls) == 2


def test_an_upgrade_judges_nothing_again_for_an_unchanged_model(env, capsys):
    import json

    from scoring.categorize import META_STATE

    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    run_cli(["categorize"], keyed, fake)
    store = TaskStore(env["HEADWORK_DB"])  # the state as Headwork stored it before the judging fingerprint
    store.set_meta(META_STATE, json.dumps({"judge": "ai", "model": MODEL.fingerprint, "version": "claude-1"}))
    store.close()
    capsys.readouterr()
    run_cli(["categorize", "--dry-run"], keyed, fake)
    assert "Nothing to send" in capsys.readouterr().out
    run_cli(["categorize"], keyed, fake)
    assert "Judged 0 task(s)" in capsys.readouterr().out and len(fake.message_calls) == 1


def test_the_dry_run_counts_what_the_pass_queues_when_claude_takes_over(env, capsys):
    from scoring.categorize import META_STATE

    run_cli(["categorize"], env)  # the offline rules judge the three tasks
    store = TaskStore(env["HEADWORK_DB"])
    state = store.get_meta(META_STATE)
    store.close()
    capsys.readouterr()
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    code, runtime = run_cli(["categorize", "--dry-run"], keyed, fake)
    out = capsys.readouterr().out
    assert code == 0 and fake.requests == []
    assert "The pass first queues 3 task(s) again: Claude takes over from the offline rules, which judged them." in out
    assert "Waiting: 3 task(s), 3 of them due now." in out and "This pass: 1 call(s), 3 task(s)." in out
    assert "Nothing to send" not in out and "· 3 task(s) waiting ·" in out
    assert runtime.store.pending_count() == 0 and runtime.store.get_meta(META_STATE) == state  # nothing written
    run_cli(["categorize"], keyed, fake)
    assert "Judged 3 task(s) with Claude (claude-haiku-4-5) in 1 call(s)" in capsys.readouterr().out


def test_the_dry_run_promises_one_pass_and_says_what_is_left_for_the_next(env, capsys):
    store = TaskStore(env["HEADWORK_DB"])
    list(store.upsert_tasks([Task(title=f"Follow up with customer {n}", external_id=f"F{n}", assignee_id="U1")
                             for n in range(497)], NOW))  # 500 waiting, under the Message Batch threshold
    store.close()
    keyed = {**env, "ANTHROPIC_API_KEY": "sk-test"}
    fake = FakeClaude(MODEL)
    run_cli(["categorize", "--dry-run"], keyed, fake)
    out = capsys.readouterr().out
    assert "Waiting: 500 task(s), 500 of them due now." in out
    assert "This pass: 10 call(s), 400 task(s); 100 left for the next pass in 5 minutes." in out
    assert "  10 request(s) of up to 40 tasks." in out
    code, runtime = run_cli(["categorize"], keyed, fake)
    out = capsys.readouterr().out
    assert "Judged 400 task(s) with Claude (claude-haiku-4-5) in 10 call(s)" in out
    assert "· 100 task(s) waiting ·" in out
