"""What admins and managers read on App Home about who judges tasks and about their teams: the
categorizer line (Claude, or the offline rules standing in, and why), and the team views' hints."""

from __future__ import annotations

import re

import httpx2
import pytest

from bot.devkit.fakeanthropic import FakeClaude
from bot.devkit.harness import SlackHarness, find_button
from bot.devkit.slack_requests import event_callback
from bot.settings import AIConfig
from scoring.categorize import run_categorization, status
from scoring.claude import ClaudeCategorizer
from tests.conftest import DEMO_T0, demo_config

CEO, PRIYA, TOM = "U0DEMOCEO", "U0DEMOCS1", "U0DEMOCS2"


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


def test_the_budget_line_counts_what_a_message_batch_in_flight_has_reserved():
    from datetime import datetime, timezone

    from bot.blocks.home import categorizer_text
    status = {"categorizer": "Claude (claude-haiku-4-5)", "judge": "ai", "budget_exhausted": True,
              "tokens_today": 1_200, "daily_token_budget": 6_000, "tokens_reserved": 4_800}
    assert categorizer_text(status, datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)) == (
        "the offline rules until 00:00 UTC: the daily token budget for Claude (claude-haiku-4-5) is reached "
        "(1,200 of 6,000 tokens used, 4,800 more reserved for a Message Batch in flight)")


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


# --- a manager's team views ------------------------------------------------------------------------

SUPPORT = [f"U0BIG{i:03d}" for i in range(300)]


@pytest.fixture
def big_team_slack(demo, model):
    """The demo organisation, where Priya also manages a Support team of 300."""
    org, store = demo
    config = demo_config(org)
    config["org"]["teams"].append({"name": "Support", "manager": PRIYA, "members": SUPPORT})
    with SlackHarness(store, config=config, now=DEMO_T0, model=model) as harness:
        for person in org.people:
            harness.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name, tz=person.tz,
                             email=person.email)
            harness.deps.directory.refresh(person.id, DEMO_T0)
        harness.fake.clear()
        yield harness
        harness.settle()
        assert harness.fake.block_kit_problems() == []


def member_lines(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*<@")]


def test_top5_team_pages_through_a_big_team_and_the_home_says_it_lists_everyone(big_team_slack):
    """302 people (Priya's Customer Success and her Support team of 300): more than a message holds."""
    slack = big_team_slack
    slack.open_home(PRIYA)
    blocks = slack.home_of(PRIYA)["blocks"]
    hint = blocks[-1]["elements"][0]["text"]
    assert hint == f"…and {302 - len(member_lines(blocks))} more: `/top5 team` lists everyone."
    reply = slack.command(PRIYA, "/top5", "team", tag="team")
    pages, page = [], reply.body
    while True:
        assert len(page["blocks"]) <= 50 and page["response_type"] == "ephemeral"
        pages.append(page)
        nav = next(b for b in page["blocks"] if b["type"] == "actions")
        following = [e["text"]["text"] for e in nav["elements"] if e["text"]["text"].startswith("Next")]
        if not following:
            break
        slack.click(PRIYA, find_button(page["blocks"], following[0]), tag="team")
        page = slack.responses("team")[-1]
        assert page["replace_original"] is True
    seen = [re.match(r"\*<@(\w+)>\*", t).group(1) for p in pages for t in member_lines(p["blocks"])]
    assert sorted(seen) == sorted([TOM, "U0DEMOCS3", *SUPPORT])  # everyone once, Priya not at all
    sizes = [len(member_lines(p["blocks"])) for p in pages]
    assert sizes == [44, 45, 45, 45, 45, 45, 33]  # two team headings on the first page, one on the others
    closing = [p["blocks"][-1]["elements"][0]["text"] for p in pages]
    assert closing[0].startswith("People 1–44 of 302 · page 1 of 7")
    assert closing[-1].startswith("People 270–302 of 302 · page 7 of 7")
    buttons = [[e["text"]["text"] for e in next(b for b in p["blocks"] if b["type"] == "actions")["elements"]]
               for p in pages]
    assert buttons[0] == ["Next 45 →"] and buttons[3] == ["← Previous", "Next 45 →"] and buttons[-1] == ["← Previous"]
    support = [b["elements"][0]["text"] for b in pages[1]["blocks"] if b["type"] == "context"][0]
    assert support == "*Support* · 300 people (continued)"
    slack.click(PRIYA, find_button(pages[-1]["blocks"], "← Previous"), tag="team")
    back = slack.responses("team")[-1]
    assert member_lines(back["blocks"]) == member_lines(pages[-2]["blocks"])
    assert slack.fake.block_kit_problems() == []


def test_a_small_teams_home_still_says_top5_team_lists_everyone(slack):
    slack.open_home(PRIYA)
    heading = next(b["text"]["text"] for b in slack.home_of(PRIYA)["blocks"] if b["type"] == "section"
                   and b["text"]["text"].startswith("*Your team*"))
    assert heading.endswith("`/top5 team` for their top 3")


def test_a_deactivated_team_member_is_not_shown_as_free_to_take_work(slack):
    gone = {"id": TOM, "name": "tom", "real_name": "Tom Okafor", "tz": "Europe/London", "deleted": True,
            "is_bot": False, "profile": {"real_name": "Tom Okafor"}}
    slack.send(event_callback({"type": "user_change", "user": gone}))
    slack.settle()
    reply = slack.command(PRIYA, "/top5", "team")
    assert f"*<@{TOM}>* · account deactivated" in member_lines(reply.blocks)  # was "· no open tasks"
    slack.open_home(PRIYA)
    assert f"*<@{TOM}>* · account deactivated" in member_lines(slack.home_of(PRIYA)["blocks"])
    assert not any(line.startswith(f"*<@{TOM}>* · no open tasks") for line in member_lines(reply.blocks))
