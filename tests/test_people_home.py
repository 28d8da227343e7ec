"""What admins and managers read on App Home about who judges tasks and about their teams: the
categorizer line (Claude, or the offline rules standing in, and why), and the team views' hints."""

from __future__ import annotations

import httpx2

from bot.devkit.fakeanthropic import FakeClaude
from bot.settings import AIConfig
from scoring.categorize import run_categorization, status
from scoring.claude import ClaudeCategorizer

CEO = "U0DEMOCEO"


def categorizer_line(slack, user: str = CEO) -> str:
    slack.open_home(user)
    [admin] = [b["text"]["text"] for b in slack.home_of(user)["blocks"]
               if b["type"] == "section" and b["text"]["text"].startswith("*Admin status*")]
    return next(line for line in admin.splitlines() if line.startswith("• Categorizer:"))


def with_claude(slack, model, ai: AIConfig, answer=None) -> ClaudeCategorizer:
    """Claude configured (a fake one), every task changed and waiting for it, and one categorize run."""
    fake = FakeClaude(model)
    if answer is not None:
        fake.default = answer
    categorizer = ClaudeCategorizer(fake.client(), ai.model)
    slack.deps.status = lambda: status(slack.store, ai, slack.clock(), categorizer)
    slack.store.mark_all_pending()
    run_categorization(slack.store, categorizer, model, slack.clock(), ai)
    return categorizer


def test_the_admins_home_says_the_offline_rules_judge_while_claudes_budget_is_spent(slack, model):
    with_claude(slack, model, AIConfig(daily_token_budget=10))
    # 09:00 in Berlin: the UTC day turns at 01:00 there
    assert categorizer_line(slack).startswith(
        "• Categorizer: the offline rules until 01:00 (00:00 UTC): the daily token budget for "
        "Claude (claude-haiku-4-5) is reached (0 of 10 tokens used)")  # was "Claude (claude-haiku-4-5)"


def test_the_admins_home_says_claude_is_paused_while_its_calls_fail(slack, model):
    def overloaded(fake, seen):
        return httpx2.Response(529, json={"type": "error", "error": {"type": "overloaded_error",
                                                                     "message": "Overloaded"}})

    with_claude(slack, model, AIConfig(categorize_minutes=5), overloaded)
    line = categorizer_line(slack)
    assert line.startswith("• Categorizer: Claude (claude-haiku-4-5), paused: its calls are failing (")
    assert "new tasks get the offline rules' bands meanwhile · next try at 09:05" in line
    slack.clock.advance(minutes=6)  # the pause is over: Claude again (its next call decides)
    assert categorizer_line(slack).startswith("• Categorizer: Claude (claude-haiku-4-5) ·")


def test_the_admins_home_names_claude_when_it_judges(slack, model):
    with_claude(slack, model, AIConfig())
    assert categorizer_line(slack) == "• Categorizer: Claude (claude-haiku-4-5)"
