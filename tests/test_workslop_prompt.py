"""The flagger's private prompt and its answers, the Flag as workslop shortcut, and /workslop —
through signed payloads, as the flagger sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import ids
from bot.devkit.harness import find_button
from tests.workslop_helpers import (GENERAL, PRIYA, SAM, TOM, click_dm, dms_to, element, next_ts, prompt_of, react,
                                    text_of, time_values, workslop_slack)


@pytest.fixture
def ws(demo, model):
    with workslop_slack(demo, model) as slack:
        yield slack


def flagged(ws, user=TOM, author=PRIYA):
    ts = next_ts()
    react(ws, user, ts=ts, author=author)
    return ws.ledger.find(user, f"msg:{GENERAL}:{ts}"), prompt_of(ws, user)


@pytest.mark.parametrize("label, minutes", [("15 min", 15), ("30 min", 30), ("1 h", 60), ("2 h", 120),
                                            ("Half a day", 240)])
def test_each_time_button_records_its_minutes_and_redraws_the_same_dm(ws, label, minutes):
    flag, prompt = flagged(ws)
    assert click_dm(ws, TOM, prompt, label).status == 200
    assert ws.ledger.get(flag.id).minutes == minutes
    now = prompt_of(ws, TOM)
    [update] = ws.fake.calls("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (prompt["channel"], prompt["ts"])  # in place
    assert find_button(now["blocks"], label)  # still there, marked, while the reason is open
    chosen = [e for b in now["blocks"] if b["type"] == "actions" for e in b["elements"] if e.get("style")]
    assert [e["text"]["text"] for e in chosen] == [label]


def test_answering_both_questions_shows_what_was_recorded_with_change_and_undo(ws):
    flag, prompt = flagged(ws)
    click_dm(ws, TOM, prompt, "2 h")
    click_dm(ws, TOM, prompt_of(ws, TOM), reason="missing_context")
    stored = ws.ledger.get(flag.id)
    assert (stored.minutes, stored.reason) == (120, "missing_context")
    done = prompt_of(ws, TOM)
    assert "Recorded" in text_of(done["blocks"]) and "*2 h*" in text_of(done["blocks"])
    assert "Missing context" in text_of(done["blocks"])
    find_button(done["blocks"], "Undo")
    click_dm(ws, TOM, done, "Change")
    again = prompt_of(ws, TOM)
    find_button(again["blocks"], "Half a day")  # the questions are back, answers pre-selected
    click_dm(ws, TOM, again, "Half a day")
    assert ws.ledger.get(flag.id).minutes == 240 and ws.ledger.get(flag.id).reason == "missing_context"
    assert len(dms_to(ws, TOM)) == 1  # one DM, updated in place, never a second one


def test_other_opens_a_modal_for_the_hours(ws):
    flag, prompt = flagged(ws)
    click_dm(ws, TOM, prompt, "Other…")
    view = ws.last_view()
    assert view["callback_id"] == ids.VIEW_WS_OTHER_TIME
    bad = ws.submit(TOM, view, time_values(hours="0"))
    assert bad.body["response_action"] == "errors" and ids.BLOCK_WS_HOURS in bad.body["errors"]
    empty = ws.submit(TOM, view, time_values())
    assert ids.BLOCK_WS_HOURS in empty.body["errors"]
    assert ws.ledger.get(flag.id).minutes is None
    ok = ws.submit(TOM, view, time_values(hours="1.5"))
    assert ok.status == 200 and not ok.body
    assert ws.ledger.get(flag.id).minutes == 90
    now = prompt_of(ws, TOM)
    assert now["ts"] == prompt["ts"] and "1 h 30 min" in str(now["blocks"])


def test_undo_removes_the_flag_and_the_prompt_says_so(ws):
    flag, prompt = flagged(ws)
    click_dm(ws, TOM, prompt, "Undo")
    assert ws.ledger.get(flag.id) is None
    now = prompt_of(ws, TOM)
    assert "Undone" in text_of(now["blocks"]) and [b for b in now["blocks"] if b["type"] == "actions"] == []
    # a stale button on the old prompt changes nothing and breaks nothing
    assert click_dm(ws, TOM, prompt, "1 h").status == 200
    assert ws.ledger.get(flag.id) is None


def test_nobody_else_can_answer_or_undo_someone_elses_flag(ws):
    flag, prompt = flagged(ws)
    before = len(ws.fake.calls("chat.update"))
    click_dm(ws, SAM, prompt, "2 h")  # a forged click carrying Tom's flag id
    click_dm(ws, SAM, prompt, "Undo")
    ws.settle()
    assert ws.ledger.get(flag.id) is not None and ws.ledger.get(flag.id).minutes is None
    assert len(ws.fake.calls("chat.update")) == before


def test_unanswered_flags_stay_unrated(ws):
    flag, _ = flagged(ws)
    ws.clock.advance(days=3)
    ws.settle()
    assert ws.ledger.get(flag.id).minutes is None and ws.ledger.get(flag.id).reason is None
    assert len(dms_to(ws, TOM)) == 1  # no nagging


# --- the shortcut --------------------------------------------------------------------------------


def message_from(author, ts=None, text="Here is the summary you asked for (drafted with AI)."):
    return {"type": "message", "user": author, "ts": ts or next_ts(), "text": text}


def test_the_shortcut_flags_and_rates_at_once(ws):
    message = message_from(PRIYA)
    assert ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, message).status == 200
    view = ws.last_view()
    assert view["callback_id"] == ids.VIEW_WS_FLAG
    missing = ws.submit(TOM, view, time_values(note="x"))
    assert set(missing.body["errors"]) == {ids.BLOCK_WS_TIME, ids.BLOCK_WS_REASON}
    other = ws.submit(TOM, view, time_values(preset="other", reason="padded"))
    assert set(other.body["errors"]) == {ids.BLOCK_WS_HOURS}
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{message['ts']}") is None  # nothing until it is valid
    reply = ws.submit(TOM, view, time_values(preset="30", reason="padded", note="three pages for a yes/no"))
    assert reply.body["response_action"] == "update" and "30 min" in text_of(reply.body["view"]["blocks"])
    flag = ws.ledger.find(TOM, f"msg:{GENERAL}:{message['ts']}")
    assert (flag.source, flag.minutes, flag.reason, flag.note, flag.author) == (
        "shortcut", 30, "padded", "three pages for a yes/no", PRIYA)
    ws.settle()
    assert ws.fake.calls("chat.postMessage") == []  # answered already: no prompt; and nothing public


def test_the_shortcut_on_your_own_message_says_why_not(ws):
    ws.shortcut(PRIYA, ids.SHORTCUT_FLAG_WORKSLOP, message_from(PRIYA))
    view = ws.last_view()
    assert view.get("submit") is None and "your own message" in text_of(view["blocks"])


def test_the_shortcut_respects_the_cap_in_the_modal(demo, model):
    with workslop_slack(demo, model, daily_cap=1) as ws:
        first, second = message_from(PRIYA), message_from(PRIYA)
        ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, first)
        view_one = ws.last_view()
        ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, second)
        view_two = ws.last_view()
        saved = ws.submit(TOM, view_one, time_values(preset="60", reason="wrong_facts"))
        assert saved.body["response_action"] == "update"
        capped = ws.submit(TOM, view_two, time_values(preset="60", reason="wrong_facts"))
        assert "today's limit of 1" in capped.body["errors"][ids.BLOCK_WS_TIME]
        ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, message_from(PRIYA))
        assert "today's limit" in text_of(ws.last_view()["blocks"])


def test_the_shortcut_on_an_item_already_flagged_by_reaction_rates_that_flag(ws):
    flag, prompt = flagged(ws)
    _, channel, ts = flag.item.split(":", 2)
    ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, message_from(PRIYA, ts=ts))
    view = ws.last_view()
    assert "already flagged" in text_of(view["blocks"])
    ws.submit(TOM, view, time_values(hours="3", reason="missed_ask"))
    assert ws.ledger.get(flag.id).minutes == 180
    assert "Recorded" in text_of(prompt_of(ws, TOM)["blocks"])  # its DM prompt caught up


# --- /workslop -------------------------------------------------------------------------------------


def test_slash_workslop_lists_your_own_week_with_rate_and_undo(ws):
    rated, prompt = flagged(ws)
    click_dm(ws, TOM, prompt, "1 h")
    click_dm(ws, TOM, prompt_of(ws, TOM), reason="wrong_facts")
    unrated, _ = flagged(ws)
    others, _ = flagged(ws, user=SAM)  # someone else's flag: never in Tom's list
    reply = ws.command(TOM, "/workslop", tag="ws-tom")
    text = text_of(reply.blocks)
    assert reply.body["response_type"] == "ephemeral"
    assert "*2* flags" in text and "*1 h* reported" in text and "*1* not rated yet" in text
    assert f"ws_flag_{others.id}" not in str(reply.blocks)
    rate = find_button(reply.blocks, "Rate")
    assert rate["value"] == str(unrated.id)
    ws.click(TOM, rate, tag="ws-tom")
    view = ws.last_view()
    assert view["callback_id"] == ids.VIEW_WS_RATE
    ws.submit(TOM, view, time_values(preset="240", reason="missing_context"))
    assert ws.ledger.get(unrated.id).minutes == 240
    [redrawn] = ws.responses("ws-tom")
    assert redrawn["replace_original"] is True and "*5 h* reported" in text_of(redrawn["blocks"])
    ws.click(TOM, find_button(redrawn["blocks"], "Undo", 0), tag="ws-tom")
    ws.settle()
    assert ws.ledger.get(unrated.id) is None  # newest first: the first Undo is the newest flag
    assert "*1* flag" in text_of(ws.responses("ws-tom")[-1]["blocks"])



def test_change_on_a_flag_rated_in_exact_hours_takes_the_new_pick(ws):
    flag, prompt = flagged(ws)
    click_dm(ws, TOM, prompt, "Other…")
    ws.submit(TOM, ws.last_view(), time_values(hours="1.5"))
    click_dm(ws, TOM, prompt_of(ws, TOM), reason="padded")
    reply = ws.command(TOM, "/workslop", tag="ws-tom")
    ws.click(TOM, find_button(reply.blocks, "Change"), tag="ws-tom")
    view = ws.last_view()
    # Slack sends back every input as it stands: the pre-filled 1.5 h comes back with the new pick
    ok = ws.submit(TOM, view, time_values(preset="15", hours="1.5", reason="padded"))
    assert ok.status == 200 and not ok.body
    assert ws.ledger.get(flag.id).minutes == 15
    assert "*15 min*" in text_of(prompt_of(ws, TOM)["blocks"])
    assert "15 min" in text_of(ws.responses("ws-tom")[-1]["blocks"])
    # typing other hours (the menu left as it was) still wins
    ws.click(TOM, find_button(ws.responses("ws-tom")[-1]["blocks"], "Change"), tag="ws-tom")
    ws.submit(TOM, ws.last_view(), time_values(preset="15", hours="2.5", reason="padded"))
    assert ws.ledger.get(flag.id).minutes == 150
    # both changed: they are asked which, and nothing changes
    ws.click(TOM, find_button(ws.responses("ws-tom")[-1]["blocks"], "Change"), tag="ws-tom")
    both = ws.submit(TOM, ws.last_view(), time_values(preset="30", hours="3", reason="padded"))
    assert both.body["response_action"] == "errors" and "30 min" in both.body["errors"][ids.BLOCK_WS_HOURS]
    assert ws.ledger.get(flag.id).minutes == 150



def test_undo_in_the_list_asks_first_like_the_dms_undo(ws):
    flag, prompt = flagged(ws)
    reply = ws.command(TOM, "/workslop", tag="ws-tom")
    (listed, _), (in_dm, _) = element(reply.blocks, "Undo"), element(prompt["blocks"], "Undo")
    assert listed["confirm"] == in_dm["confirm"]
    assert listed["confirm"]["title"]["text"] == "Remove this flag?"
    assert listed["confirm"]["confirm"]["text"] == "Remove" and listed["confirm"]["deny"]["text"] == "Keep it"
    assert ws.ledger.get(flag.id) is not None


def test_slash_workslop_about_someone_else_is_refused_politely(ws):
    flagged(ws, user=SAM)
    reply = ws.command(TOM, "/workslop", f"<@{SAM}|sam>")
    assert "nobody can see anyone else's" in reply.text
    assert SAM not in str(reply.body).replace(f"<@{SAM}|sam>", "")


def test_slash_workslop_help_and_an_empty_week(ws):
    help_text = text_of(ws.command(TOM, "/workslop", "help").blocks)
    assert ":workslop:" in help_text and "nobody" in help_text and "Authors are never notified" in help_text
    # honest about Slack: a reaction shows who added it; only the shortcut leaves nothing to see
    assert "like any reaction, that one shows your name to whoever hovers over it" in help_text
    assert "haven't flagged anything" in text_of(ws.command(TOM, "/workslop").blocks)


def test_a_flag_left_without_a_prompt_by_a_crash_gets_one_from_the_job(ws):
    from bot.workslop.author_notes import workslop_jobs

    # as if the process stopped right after the flag's commit, before the sweep queued its prompt
    fresh, _ = ws.ledger.record(flagger=TOM, item=f"msg:{GENERAL}:{next_ts()}", channel=GENERAL, author=PRIYA,
                                source="reaction", now=ws.clock(), channel_private=False)
    stale, _ = ws.ledger.record(flagger=SAM, item=f"msg:{GENERAL}:{next_ts()}", channel=GENERAL, author=PRIYA,
                                source="reaction", now=ws.clock() - timedelta(days=3), channel_private=False)
    [job] = [j for j in workslop_jobs(ws.deps) if j.id == "workslop_prompts"]
    assert job.run(ws.clock()) == 1
    assert job.run(ws.clock()) == 0  # the mark moved on: never queued twice
    ws.settle()
    assert len(dms_to(ws, TOM)) == 1 and dms_to(ws, SAM) == []  # three days late is too late to ask
    assert ws.outbox.db.get(f"workslop-prompt:{fresh}").state == "sent"
