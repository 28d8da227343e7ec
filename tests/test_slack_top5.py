"""/top5 through signed slash commands and button presses, as a person sees it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.devkit.harness import find_button
from scoring.ranking import top_for
from scoring.rescore import rescore_tasks

TOM, PRIYA, MEI, CEO = "U0DEMOCS2", "U0DEMOCS1", "U0DEMODV1", "U0DEMOCEO"  # Priya manages Tom; Hanna is admin


def give(slack, task_id: int, owner: str, **fields) -> None:
    """Reassign (and change) a task the way an import would, then rescore it."""
    slack.store.update_task(task_id, slack.clock(), assignee_id=owner, **fields)
    rescore_tasks(slack.store, [task_id], slack.deps.model, slack.clock())


def cards(blocks: list[dict]) -> list[str]:
    """The text of each task card, in order."""
    return [b["text"]["text"] for b in blocks if str(b.get("block_id", "")).startswith("task_")]


def titles(blocks: list[dict]) -> list[str]:
    return [re.search(r"\*\d+\. (?:<[^|]+\|)?([^>*]+)", c).group(1) for c in cards(blocks)]


def test_top5_lists_my_five_best_tasks_with_reasons_links_and_judge(slack, model):
    reply = slack.command(TOM, "/top5")
    assert reply.status == 200 and reply.body["response_type"] == "ephemeral"
    expected = top_for(slack.store, model, TOM, 5, slack.clock())
    shown = cards(reply.blocks)
    assert len(shown) == 5
    for rank, (card, entry) in enumerate(zip(shown, expected), start=1):
        assert card.startswith(f"*{rank}. <{entry.task.url}|")  # title linked to its source
        assert f"{entry.score.total:g} pts" in card
        assert entry.score.top_terms[0].reason in card  # the term that put it there
        assert "bands by offline rules" in card
    # four buttons per task for its owner
    done = find_button(reply.blocks, "Done")
    assert done["value"] == str(expected[0].task.id)
    for label in ("Snooze until tomorrow", "Not mine", "Why?"):
        find_button(reply.blocks, label)


def test_due_dates_are_shown_in_my_own_time_zone_once_slack_tells_us(slack):
    slack.fake.add_user("U0FARAWAY", name="kim", tz="Pacific/Auckland")
    give(slack, slack.store.top_tasks(TOM, 1, slack.clock())[0].task.id, "U0FARAWAY")
    first = slack.command("U0FARAWAY", "/top5", tag="kim")
    assert "(Europe/Berlin)" in first.blocks[0]["text"]["text"]  # the org's zone until users.info answers
    [redraw] = slack.responses("kim")
    assert redraw["replace_original"] is True
    assert "(Pacific/Auckland)" in redraw["blocks"][0]["text"]["text"]
    again = slack.command("U0FARAWAY", "/top5")
    assert "(Pacific/Auckland)" in again.blocks[0]["text"]["text"]
    assert [c.args["user"] for c in slack.fake.calls("users.info")] == ["U0FARAWAY"]  # cached: asked once


@pytest.mark.parametrize("all_day, shown", [(False, "due Wed 04 Mar, 11:59"), (True, "due Tue 03 Mar")],
                         ids=["a time moves to the viewer's clock", "an all-day date stays its day"])
def test_a_due_date_read_far_away(slack, all_day, shown):
    """23:59 Berlin on Tuesday is Wednesday morning in Auckland: a deadline then is Wednesday 11:59
    there, but a task due Tuesday is still due Tuesday."""
    slack.fake.add_user("U0FARAWAY", name="kim", tz="Pacific/Auckland")
    slack.deps.directory.refresh("U0FARAWAY", slack.clock())
    task = slack.store.top_tasks(TOM, 1, slack.clock())[0].task
    give(slack, task.id, "U0FARAWAY", due_all_day=all_day,
         due=datetime(2026, 3, 3, 23, 59, tzinfo=ZoneInfo("Europe/Berlin")))
    card = cards(slack.command("U0FARAWAY", "/top5").blocks)[0]
    assert shown in card


def test_a_manager_east_of_the_owner_sees_the_owners_due_day(slack):
    sam, jonas = "U0DEMODV2", "U0DEMOENG"  # Los Angeles, and his manager in Berlin
    slack.command(sam, "/task", "Fix the pricing page typo by Friday")  # Friday 23:59 in LA: Saturday in Berlin
    card = [c for c in cards(slack.command(jonas, "/top5", f"<@{sam}|sam>").blocks) if "pricing page typo" in c]
    assert card and "due Fri 06 Mar" in card[0]


@pytest.mark.parametrize("status, says", [("waiting", "waiting on someone else (-40)"), ("blocked", "blocked (-40)")])
def test_a_task_held_up_says_so_and_its_line_adds_up(slack, status, says):
    """A waiting task's line used to show only what counts for it: "+200 · +39.44" on a card worth
    199.44 points. What counts against it is shown too."""
    slack.command(TOM, "/task", "Send Brightline the onboarding plan by Thursday")
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Send Brightline the onboarding plan"]
    give(slack, task.id, TOM, status=status)
    [card] = [c for c in cards(slack.command(TOM, "/top5", "10").blocks) if "onboarding plan" in c]
    assert says in card
    total = float(re.search(r"(-?[\d.]+) pts", card).group(1))
    shown = [float(n) for n in re.findall(r"\(([+-][\d.]+)\)", card)]
    assert len(shown) >= 2 and sum(shown) == pytest.approx(total)


@pytest.mark.parametrize("text, count", [("", 5), ("3", 3), ("10", 7)])  # Tom has 7 open tasks
def test_top5_n_shows_up_to_ten(slack, text, count):
    assert len(cards(slack.command(TOM, "/top5", text).blocks)) == count


@pytest.mark.parametrize("text, says", [
    ("11", "between 1 and 10"),
    ("0", "between 1 and 10"),
    ("@tom", "Pick them from the @-mention list"),
    ("banana", "I didn't understand `banana`"),
    ("²", "I didn't understand `²`"),  # a digit to str.isdigit, not a number to int()
    ("<@U0DEMOCS2|tom> <@U0DEMOCS1|priya>", "One person at a time"),  # not silently the last one's list
])
def test_top5_explains_what_it_cannot_do(slack, text, says):
    reply = slack.command(TOM, "/top5", text)
    assert reply.status == 200 and says in reply.text and not cards(reply.blocks)


def test_top5_help_lists_every_form(slack):
    reply = slack.command(TOM, "/top5", "help")
    text = reply.blocks[0]["text"]["text"]
    for form in ("`/top5`", "`/top5 N`", "`/top5 @someone`", "`/task <title>`", "Done", "Snooze", "Not mine", "Why?"):
        assert form in text


def test_a_manager_sees_their_reports_list_without_action_buttons(slack, model):
    reply = slack.command(PRIYA, "/top5", f"<@{TOM}|tom>")
    assert f"Top 5 for <@{TOM}>" in reply.blocks[0]["text"]["text"]
    assert len(cards(reply.blocks)) == 5
    with pytest.raises(AssertionError):
        find_button(reply.blocks, "Done")
    find_button(reply.blocks, "Why?")


def test_an_admin_may_act_on_anyones_list(slack):
    reply = slack.command(CEO, "/top5", f"<@{TOM}>")
    find_button(reply.blocks, "Done")


def test_others_get_a_polite_refusal(slack):
    reply = slack.command(MEI, "/top5", f"<@{TOM}|tom>")
    assert not cards(reply.blocks)
    assert reply.text.startswith("Sorry — only admins and <@U0DEMOCS2>'s manager")


def test_someone_without_tasks_is_told_how_to_add_some(slack):
    slack.add_user("U0NEWBIE", name="nia")
    reply = slack.command("U0NEWBIE", "/top5")
    text = " ".join(b["text"]["text"] for b in reply.blocks if b["type"] == "section")
    assert "no open tasks" in text and "/task" in text and "Make this a task" in text


def test_done_completes_rescores_and_redraws_the_list(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    first = titles(reply.blocks)[0]
    done = find_button(reply.blocks, "Done")
    assert slack.click(TOM, done, tag="tom").status == 200
    task = slack.store.get_task(int(done["value"]))
    assert task.status == "done" and task.completed_at is not None
    redrawn = slack.responses("tom")[-1]
    assert redrawn["replace_original"] is True
    assert first not in titles(redrawn["blocks"]) and len(cards(redrawn["blocks"])) == 5
    assert "Done:" in redrawn["blocks"][0]["elements"][0]["text"]
    assert slack.store.completions_between(slack.clock().replace(hour=0), slack.clock().replace(hour=23))[0][
        "rank_at_completion"] == 1
    assert slack.home_of(TOM)["type"] == "home"  # Home republished after the action


def test_snooze_until_tomorrow_hides_the_task_until_nine_local(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    first = titles(reply.blocks)[0]
    slack.click(TOM, find_button(reply.blocks, "Snooze until tomorrow"), tag="tom")
    redrawn = slack.responses("tom")[-1]
    assert first not in titles(redrawn["blocks"])
    assert "until Tue 03 Mar, 09:00" in redrawn["blocks"][0]["elements"][0]["text"]  # Tom is in London
    slack.clock.now = datetime(2026, 3, 3, 8, 59, tzinfo=ZoneInfo("Europe/London"))
    assert first not in titles(slack.command(TOM, "/top5").blocks)
    slack.clock.now = datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    assert titles(slack.command(TOM, "/top5").blocks)[0] == first


def test_snooze_next_week_wakes_on_monday_across_a_dst_change(slack):
    """Europe/London moves to summer time on Sunday 29 March 2026: 09:00 stays 09:00."""
    slack.clock.now = datetime(2026, 3, 25, 12, 0, tzinfo=ZoneInfo("UTC"))
    reply = slack.command(TOM, "/top5", tag="tom")
    task_id = int(find_button(reply.blocks, "Done")["value"])
    slack.click(TOM, find_button(reply.blocks, "Snooze until next week"), tag="tom")
    slack.settle()
    assert slack.store.snoozed_until(task_id) == datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    assert slack.store.snoozed_until(task_id).hour == 8  # stored in UTC: 09:00 BST, not 09:00 GMT


def test_snooze_until_a_date_opens_a_picker_and_refuses_the_past(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    task_id = int(find_button(reply.blocks, "Done")["value"])
    slack.click(TOM, find_button(reply.blocks, "Snooze until a date"), tag="tom")
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_SNOOZE_DATE
    past = {ids.BLOCK_SNOOZE_DATE: {ids.INPUT_SNOOZE_DATE: {"type": "datepicker", "selected_date": "2026-03-01"}}}
    refused = slack.submit(TOM, view, past)
    assert refused.body["response_action"] == "errors" and ids.BLOCK_SNOOZE_DATE in refused.body["errors"]
    later = {ids.BLOCK_SNOOZE_DATE: {ids.INPUT_SNOOZE_DATE: {"type": "datepicker", "selected_date": "2026-03-10"}}}
    assert slack.submit(TOM, view, later).status == 200
    slack.settle()
    assert slack.store.snoozed_until(task_id) == datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    redrawn = slack.responses("tom")[-1]  # the list the menu was on, redrawn without it
    assert str(task_id) not in [find_button(redrawn["blocks"], "Why?", i)["value"] for i in range(5)]


def test_not_mine_hands_the_task_to_the_admins(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    button = find_button(reply.blocks, "Not mine")
    before = slack.store.unowned_open_count()
    slack.click(TOM, button, tag="tom")
    assert slack.store.get_task(int(button["value"])).assignee_id is None
    assert slack.store.unowned_open_count() == before + 1
    redrawn = slack.responses("tom")[-1]
    assert "Handed back" in redrawn["blocks"][0]["elements"][0]["text"]
    slack.open_home(CEO)
    texts = [b["text"]["text"] for b in slack.home_of(CEO)["blocks"] if b["type"] == "section"]
    assert any(f"Open tasks without an owner: {before + 1}" in t for t in texts)


def test_an_admin_acting_on_someones_list_acts_for_them(slack):
    """Hanna (Berlin, an admin) on Sam's list (Los Angeles): Snooze wakes it at 09:00 Sam's time, and
    Not mine takes it from Sam (his manager sees it as his team's), not from Hanna."""
    sam = "U0DEMODV2"
    slack.clock.now = datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("UTC"))  # Monday: 21:00 Berlin, 12:00 LA
    reply = slack.command(CEO, "/top5", f"<@{sam}>", tag="ceo")
    first = int(find_button(reply.blocks, "Done")["value"])
    slack.click(CEO, find_button(reply.blocks, "Snooze until tomorrow"), tag="ceo")
    slack.settle()
    assert slack.store.snoozed_until(first) == datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    said = slack.responses("ceo")[-1]["blocks"][0]["elements"][0]["text"]
    assert said.endswith(f"until Tue 03 Mar, 09:00 <@{sam}>'s time.")
    reply = slack.command(CEO, "/top5", f"<@{sam}>", tag="ceo")
    button = find_button(reply.blocks, "Not mine")
    slack.click(CEO, button, tag="ceo")
    slack.settle()
    task_id = int(button["value"])
    assert slack.store.disowned_by_many([task_id])[task_id].user_id == sam
    said = slack.responses("ceo")[-1]["blocks"][0]["elements"][0]["text"]
    assert f"It is off <@{sam}>'s list; admins see it as unowned." in said
    [shown] = [e for b in reply.blocks if b["type"] == "actions" for e in b["elements"]
               if e.get("action_id") == ids.ACTION_NOT_MINE and e.get("value") == button["value"]]
    confirm = shown["confirm"]["text"]["text"]  # the dialog Hanna saw said whose list, and that Sam is told
    assert confirm == f"It leaves <@{sam}>'s list and goes to the admins as unowned; they are told."
    reply = slack.command(CEO, "/top5", f"<@{sam}>", tag="ceo")
    slack.click(CEO, find_button(reply.blocks, "Done"), tag="ceo")
    slack.settle()
    told = [c.args["text"] for c in slack.fake.calls("chat.postMessage") if c.args["channel"] == sam]
    assert len(told) == 3 and all(t.startswith(f"<@{CEO}> ") for t in told)  # Sam hears of each, once
    assert "snoozed" in told[0] and "until Tue 03 Mar, 09:00 (your time)" in told[0]
    assert "off your Headwork list" in told[1] and "done in Headwork." in told[2]
    assert not [c for c in slack.fake.calls("chat.postMessage") if c.args["channel"] == CEO]


def test_someone_elses_buttons_change_nothing(slack):
    reply = slack.command(TOM, "/top5")
    done = find_button(reply.blocks, "Done")
    slack.click(MEI, done, tag="mei")
    assert slack.store.get_task(int(done["value"])).is_open
    answer = slack.responses("mei")[-1]
    assert "Only the task's owner or an admin" in answer["blocks"][0]["elements"][0]["text"]


def test_why_shows_every_term_adding_up_to_the_total(slack, model):
    reply = slack.command(TOM, "/top5")
    slack.click(TOM, find_button(reply.blocks, "Why?"))
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_WHY
    entry = top_for(slack.store, model, TOM, 1, slack.clock())[0]
    lines = view["blocks"][2]["text"]["text"].splitlines()
    points = [float(re.match(r"`\s*([+-][\d.]+)`", line).group(1)) for line in lines]
    assert len(lines) == len(entry.score.terms)
    assert round(sum(points), 2) == round(entry.score.total, 2)
    assert f"*{entry.score.total:g} points*" in view["blocks"][1]["text"]["text"]


def test_correcting_bands_in_why_is_kept_and_rescored_at_once(slack, model):
    reply = slack.command(TOM, "/top5", tag="tom")
    slack.click(TOM, find_button(reply.blocks, "Why?"), tag="tom")
    view = slack.last_view()
    task_id = int(find_button(reply.blocks, "Why?")["value"])
    bands, _ = slack.store.effective_bands(task_id)
    before = slack.store.score_of(task_id)["total"]
    wanted = sorted(bands | {"internal_efficiency"})
    values = {ids.BLOCK_BANDS: {ids.INPUT_BANDS: {"type": "checkboxes",
                                                  "selected_options": [{"value": b} for b in wanted]}}}
    assert slack.submit(TOM, view, values).status == 200
    after_bands, judged_by = slack.store.effective_bands(task_id)
    assert after_bands == frozenset(wanted) and "human" in judged_by
    assert slack.store.score_of(task_id)["total"] > before
    redrawn = slack.responses("tom")[-1]
    assert "corrected" in redrawn["blocks"][0]["elements"][0]["text"]


def test_a_manager_may_read_why_but_not_correct(slack):
    reply = slack.command(PRIYA, "/top5", f"<@{TOM}>")
    slack.click(PRIYA, find_button(reply.blocks, "Why?"))
    view = slack.last_view()
    assert "submit" not in view and not [b for b in view["blocks"] if b["type"] == "input"]


def test_refresh_and_show_top_10(slack):
    reply = slack.command(TOM, "/top5", tag="tom")
    slack.click(TOM, find_button(reply.blocks, "Show top 10"), tag="tom")
    longer = slack.responses("tom")[-1]
    assert longer["blocks"][0]["text"]["text"].startswith("*Your top 10*")
    assert len(cards(longer["blocks"])) == 7  # all of Tom's open tasks


def test_top5_team_shows_a_manager_each_persons_top_tasks(slack, model):
    reply = slack.command(PRIYA, "/top5", "team")
    assert reply.status == 200 and reply.body["response_type"] == "ephemeral"
    texts = [b["text"]["text"] for b in reply.blocks if b["type"] == "section"][1:]
    assert [re.match(r"\*<@(\w+)>\*", t).group(1) for t in texts] == [TOM, "U0DEMOCS3"]  # her team, not herself
    tom = texts[0]
    expected = top_for(slack.store, model, TOM, 3, slack.clock())
    assert tom.startswith(f"*<@{TOM}>* · {len(slack.store.top_tasks(TOM, 100, slack.clock()))} open tasks")
    for line, entry in zip(tom.splitlines()[1:], expected):
        assert entry.task.title in line and f"· {entry.score.total:g} pts · due" in line
    assert len(tom.splitlines()) == 4
    assert "Customer Success" in reply.blocks[1]["elements"][0]["text"]


def test_top5_team_for_an_admin_is_every_team_and_for_others_a_polite_no(slack):
    admin = slack.command(CEO, "/top5", "team")
    teams = [b["elements"][0]["text"] for b in admin.blocks if b["type"] == "context" and "people" in
             b["elements"][0]["text"]]
    assert teams == ["*Customer Success* · 3 people", "*Engineering* · 3 people"]
    no = slack.command(TOM, "/top5", "team")
    assert no.text.startswith("You don't lead a team in Headwork") and "`org.teams` in headwork.yml" in no.text
    assert MEI in str(admin.blocks) and TOM in str(admin.blocks)


def test_a_leads_home_shows_what_each_person_on_the_team_is_on(slack, model):
    slack.open_home(PRIYA)
    blocks = slack.home_of(PRIYA)["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["type"] == "section"
                 and b["text"]["text"].startswith("*Your team*"))
    people = [b["text"]["text"] for b in blocks[start + 1:] if b["type"] == "section"]
    assert [re.match(r"\*<@(\w+)>\*", t).group(1) for t in people] == [TOM, "U0DEMOCS3"]
    [best] = top_for(slack.store, model, TOM, 1, slack.clock())
    assert people[0].splitlines()[1].startswith("1. ") and best.task.title in people[0]
    assert len(people[0].splitlines()) == 2  # their #1 only; `/top5 team` has the top 3
    slack.open_home(TOM)  # not a lead: no such section
    assert not any(b["type"] == "section" and b["text"]["text"].startswith("*Your team*")
                   for b in slack.home_of(TOM)["blocks"])
