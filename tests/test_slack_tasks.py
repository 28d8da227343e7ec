"""App Home, /task, the task modal, "Make this a task", editing from Home, and owners found by
email — through signed payloads, as a person sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import ids
from bot.devkit.harness import find_button
from bot.scheduler import match_identities_job
from scoring.tasks import Task

TOM, PRIYA, CEO = "U0DEMOCS2", "U0DEMOCS1", "U0DEMOCEO"


def form_values(title: str | None = None, owner: str | None = None, due: str | None = None,
                estimate: str | None = None) -> dict:
    values = {}
    if title is not None:
        values[ids.BLOCK_TASK_TITLE] = {ids.INPUT_TASK_TITLE: {"type": "plain_text_input", "value": title}}
    if owner is not None:
        values[ids.BLOCK_TASK_OWNER] = {ids.INPUT_TASK_OWNER: {"type": "users_select", "selected_user": owner}}
    values[ids.BLOCK_TASK_DUE] = {ids.INPUT_TASK_DUE: {"type": "datepicker", "selected_date": due}}
    values[ids.BLOCK_TASK_ESTIMATE] = {ids.INPUT_TASK_ESTIMATE: {"type": "number_input", "value": estimate}}
    return values


def section_texts(view: dict) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] in ("section", "header"))


# --- App Home ------------------------------------------------------------------------------------


def test_home_shows_the_live_top_5_and_what_comes_next(slack):
    assert slack.open_home(TOM).status == 200
    home = slack.home_of(TOM)
    assert home["type"] == "home"
    cards = [b for b in home["blocks"] if str(b.get("block_id", "")).startswith("task_")]
    assert len(cards) == 5
    assert "*What comes next*" in section_texts(home)  # Tom's 6th and 7th task
    for label in ("Done", "Snooze until tomorrow", "Not mine", "Why?", "Edit", "Add a task", "Refresh"):
        find_button(home["blocks"], label)
    assert "Admin status" not in section_texts(home)


def test_home_for_an_admin_adds_a_short_status(slack):
    slack.store.set_meta("scores.last_rescore_at", datetime(2026, 3, 2, 7, 0, tzinfo=ZoneInfo("UTC")).isoformat())
    slack.open_home(CEO)
    status = section_texts(slack.home_of(CEO))
    assert "*Admin status*" in status
    assert "Last rescore: Mon 02 Mar, 08:00" in status  # in Hanna's own zone, Berlin
    assert "Categorizer: offline rules" in status
    assert "Open tasks without an owner:" in status


def test_done_on_home_republishes_home_without_the_task(slack):
    slack.open_home(TOM)
    home = slack.home_of(TOM)
    done = find_button(home["blocks"], "Done")
    slack.click(TOM, done, home=True)
    slack.settle()
    again = slack.home_of(TOM)
    assert f"task_{done['value']}" not in [b.get("block_id") for b in again["blocks"]]
    assert "Done:" in section_texts(again) or any("Done:" in e.get("text", "") for b in again["blocks"]
                                                  if b["type"] == "context" for e in b["elements"])
    assert slack.fake.responses() == []  # nothing went to a response_url: Home is not a message


def test_home_messages_tab_is_left_alone(slack):
    slack.send(__import__("bot.devkit.slack_requests", fromlist=["x"]).app_home_opened(TOM, tab="messages"))
    slack.settle()
    assert slack.fake.calls("views.publish") == []


# --- /task and the task modal ------------------------------------------------------------------


def test_slash_task_adds_a_scored_task_at_once(slack):
    reply = slack.command(TOM, "/task", "Send Brightline the onboarding checklist before kickoff")
    assert reply.status == 200 and reply.body["response_type"] == "ephemeral"
    [task] = [t for t in slack.store.iter_tasks() if t.title.startswith("Send Brightline")]
    assert task.assignee_id == TOM and task.source == "slack"
    score = slack.store.score_of(task.id)
    assert score["total"] > 0 and score["judged_by"] == "rules"
    rank = slack.store.rank_of(task.id, slack.clock())
    assert f"*{score['total']:g} pts*, #{rank} in your list" in reply.blocks[0]["text"]["text"]


SAM = "U0DEMODV2"  # Los Angeles


def test_slash_task_reads_the_due_date_the_line_ends_with(slack):
    reply = slack.command(TOM, "/task", "Send Kestrel the SSO notes by Friday")  # Monday 2 March
    [task] = [t for t in slack.store.iter_tasks() if t.title.startswith("Send Kestrel")]
    assert task.title == "Send Kestrel the SSO notes"
    assert task.due == datetime(2026, 3, 6, 23, 59, tzinfo=ZoneInfo("Europe/London")) and task.due_all_day
    assert [term["id"] for term in slack.store.score_of(task.id)["terms"]] == ["due"]  # scored as due Friday
    assert reply.blocks[0]["text"]["text"].startswith("Added Send Kestrel the SSO notes, due Fri 06 Mar — *")
    # a date read wrongly is put right from the answer itself
    slack.click(TOM, find_button(reply.blocks, "Edit"))
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_TASK_EDIT
    due = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TASK_DUE][0]
    assert due["element"]["initial_date"] == "2026-03-06"


def test_slash_task_today_is_the_persons_own_day_and_dst_correct(slack):
    slack.clock.now = datetime(2026, 3, 2, 5, 0, tzinfo=ZoneInfo("UTC"))  # Sunday 21:00 in Los Angeles
    slack.command(SAM, "/task", "Fix the pricing page typo today")
    slack.command(TOM, "/task", "Call the venue today")
    tasks = {t.title: t for t in slack.store.iter_tasks()}
    assert tasks["Fix the pricing page typo"].due == datetime(2026, 3, 1, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert tasks["Call the venue"].due == datetime(2026, 3, 2, 23, 59, tzinfo=ZoneInfo("Europe/London"))
    # Saturday evening in Los Angeles; the clocks go forward on Sunday 8 March
    slack.clock.now = datetime(2026, 3, 8, 4, 0, tzinfo=ZoneInfo("UTC"))
    slack.command(SAM, "/task", "Write the release notes tomorrow")
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Write the release notes"]
    assert task.due == datetime(2026, 3, 9, 6, 59, tzinfo=ZoneInfo("UTC"))  # 23:59 PDT (UTC-7), not PST


def test_slash_task_starting_with_a_mention_gives_the_task_to_that_person_and_tells_them(slack):
    # as Slack sends the line of a command with should_escape: the mention and "&" escaped
    reply = slack.command(TOM, "/task", f"<@{PRIYA}|priya> Review the R&amp;D renewal deck by Friday")
    [task] = [t for t in slack.store.iter_tasks() if t.title.startswith("Review the R&D")]
    assert task.title == "Review the R&D renewal deck" and task.assignee_id == PRIYA
    assert task.due == datetime(2026, 3, 6, 23, 59, tzinfo=ZoneInfo("Europe/London"))
    assert task.extra["created_by"] == TOM
    text = reply.blocks[0]["text"]["text"]
    assert ", due Fri 06 Mar — *" in text and f"in <@{PRIYA}>'s list. They get a message from me." in text
    slack.settle()
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == PRIYA and f"<@{TOM}> gave you a task" in dm.args["text"]
    assert dm.args["text"].endswith(", due Fri 06 Mar")
    assert "Review the R&amp;D renewal deck" in dm.args["text"]  # escaped again for Slack
    assert any(call.args["user_id"] == PRIYA for call in slack.fake.calls("views.publish"))


def test_slash_task_with_a_mention_inside_stays_yours_and_reads_as_typed(slack):
    slack.command(TOM, "/task", f"Ask <@{PRIYA}> about the <https://kestrel.example/sso|SSO setup>")
    [task] = [t for t in slack.store.iter_tasks() if t.title.startswith("Ask ")]
    assert task.title == "Ask @Priya Raman about the SSO setup" and task.assignee_id == TOM
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []


def test_slash_task_longer_than_a_title_keeps_every_word_in_the_notes(slack):
    line = "Write up what Kestrel asked " + "and what we promised " * 30 + "by Friday"
    reply = slack.command(TOM, "/task", line)
    assert reply.status == 200
    [task] = [t for t in slack.store.iter_tasks() if t.title.startswith("Write up what Kestrel asked")]
    assert len(task.title) <= 300 and task.title.endswith("…") and task.title[:-1] in task.notes
    assert task.notes == line[:-len(" by Friday")] and task.due is not None


def test_slash_task_with_an_estimate_is_a_quick_win(slack):
    reply = slack.command(TOM, "/task", "Reply to Harbor Bank's export question (30m) tomorrow")
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Reply to Harbor Bank's export question"]
    assert (task.estimate_hours, task.estimate_source) == (0.5, "human")
    assert "quick_win" in [term["id"] for term in slack.store.score_of(task.id)["terms"]]
    assert ", due Tue 03 Mar, about 0.5 h — *" in reply.blocks[0]["text"]["text"]


def test_slash_task_keeps_a_title_that_only_mentions_a_day(slack):
    reply = slack.command(TOM, "/task", "Plan tomorrow's standup")
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Plan tomorrow's standup"]
    assert task.due is None and ", due " not in reply.blocks[0]["text"]["text"]


def test_slash_task_alone_opens_the_form_and_help_explains(slack):
    slack.command(TOM, "/task")
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_MAKE_TASK
    owner = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TASK_OWNER][0]
    assert owner["element"]["initial_user"] == TOM
    assert "/task Write the launch email" in slack.command(TOM, "/task", "help").text


def test_the_form_creates_a_task_for_someone_else_and_tells_them(slack):
    slack.command(PRIYA, "/task")
    view = slack.last_view()
    reply = slack.submit(PRIYA, view, form_values("Prepare the Harbor Bank post-mortem", owner=TOM,
                                                  due="2026-03-04", estimate="1.5"))
    assert reply.body["response_action"] == "update"
    assert "Added" in section_texts(reply.body["view"]) and f"<@{TOM}>'s list" in section_texts(reply.body["view"])
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Prepare the Harbor Bank post-mortem"]
    assert task.assignee_id == TOM and task.estimate_hours == 1.5 and task.estimate_source == "human"
    # due at the end of that day in the owner's zone (London), not the creator's
    assert task.due == datetime(2026, 3, 4, 23, 59, tzinfo=ZoneInfo("Europe/London"))
    slack.settle()
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == TOM and f"<@{PRIYA}> gave you a task" in dm.args["text"]
    # a second delivery attempt of the same notice is impossible: claimed once
    assert slack.outbox.send(f"task-assigned:{task.id}:{TOM}", "chat.postMessage", {"channel": TOM}) is False


BOT_USER, GONE = "U0BUILDBOT", "U0LEFTCO"


def someone_who_cannot_take_tasks(slack, known: bool) -> None:
    """An app and a deactivated account in the workspace; `known`: the app has asked Slack about them."""
    slack.add_user(BOT_USER, name="buildbot", real_name="Build Bot", is_bot=True)
    slack.add_user(GONE, name="ola", real_name="Ola Berg", deleted=True)
    if known:
        for user in (BOT_USER, GONE):
            slack.deps.directory.refresh(user, slack.clock())
        slack.fake.clear()


def test_slash_task_for_a_known_app_or_deactivated_account_is_refused_at_once(slack):
    someone_who_cannot_take_tasks(slack, known=True)
    before = slack.store.count_tasks()
    bot = slack.command(TOM, "/task", f"<@{BOT_USER}|buildbot> Deploy the SSO fix by Friday")
    assert bot.text.startswith("Not added: Build Bot is an app, not a person")
    assert "What you typed: `/task @buildbot Deploy the SSO fix by Friday`" in bot.text
    gone = slack.command(TOM, "/task", f"<@{GONE}> Hand over the Kestrel notes")
    assert gone.text.startswith("Not added: Ola Berg's account is deactivated")
    assert slack.store.count_tasks() == before
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == [] and slack.fake.calls("users.info") == []


def test_slash_task_for_an_app_not_seen_before_comes_back_to_you_after_the_ack(slack):
    """Slack is never asked before the ack: the app is found out just after, and the task is yours."""
    someone_who_cannot_take_tasks(slack, known=False)
    reply = slack.command(TOM, "/task", f"<@{BOT_USER}|buildbot> Deploy the SSO fix by Friday", tag="bot")
    assert reply.status == 200 and reply.blocks  # added, as far as the ack knew
    slack.settle()
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Deploy the SSO fix"]
    assert task.assignee_id == TOM and task.due == datetime(2026, 3, 6, 23, 59, tzinfo=ZoneInfo("Europe/London"))
    [said] = slack.fake.responses("bot")
    assert said["text"].startswith("Build Bot is an app, not a person") and said["replace_original"] is False
    assert "*Deploy the SSO fix* stays in your list" in said["text"]
    assert slack.fake.calls("chat.postMessage") == []  # no DM to the app
    assert task.id in [r.task.id for r in slack.store.top_tasks(TOM, 50, slack.clock())]


def test_slash_task_for_a_person_not_seen_before_asks_slack_once_and_tells_them(slack):
    slack.add_user("U0NEWHIRE", name="noor", real_name="Noor Haddad")
    slack.command(TOM, "/task", "<@U0NEWHIRE|noor> Read the onboarding guide")
    slack.settle()
    slack.command(TOM, "/task", "<@U0NEWHIRE|noor> Shadow a kickoff call")  # known now: not asked again
    slack.settle()
    assert [c.args["user"] for c in slack.fake.calls("users.info")].count("U0NEWHIRE") == 1
    assert [c.args["channel"] for c in slack.fake.calls("chat.postMessage")] == ["U0NEWHIRE", "U0NEWHIRE"]
    assert {t.title for t in slack.store.iter_tasks() if t.assignee_id == "U0NEWHIRE"} == {
        "Read the onboarding guide", "Shadow a kickoff call"}


def test_the_form_refuses_a_known_app_next_to_the_owner_field(slack):
    someone_who_cannot_take_tasks(slack, known=True)
    slack.command(PRIYA, "/task")
    reply = slack.submit(PRIYA, slack.last_view(), form_values("Rotate the deploy keys", owner=BOT_USER))
    assert reply.body["response_action"] == "errors"
    assert reply.body["errors"] == {ids.BLOCK_TASK_OWNER: "Build Bot is an app, not a person: give the task to "
                                                          "someone who will do it."}
    assert not [t for t in slack.store.iter_tasks() if t.title == "Rotate the deploy keys"]


def test_edit_handing_a_task_to_an_unseen_deactivated_account_gives_it_back_and_says_so(slack):
    someone_who_cannot_take_tasks(slack, known=False)
    added = slack.command(TOM, "/task", "Draft the SSO FAQ for Kestrel")
    slack.click(TOM, find_button(added.blocks, "Edit"))
    saved = slack.submit(TOM, slack.last_view(), form_values("Draft the SSO FAQ for Kestrel", owner=GONE))
    assert saved.body["response_action"] == "update"
    slack.settle()
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Draft the SSO FAQ for Kestrel"]
    assert task.assignee_id == TOM
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == TOM
    assert dm.args["text"].startswith("Ola Berg's account is deactivated: give the task to someone still here.")


def test_the_form_says_what_is_wrong_next_to_the_field(slack):
    slack.command(TOM, "/task")
    view = slack.last_view()
    reply = slack.submit(TOM, view, form_values("   ", owner=TOM, estimate="-2"))
    assert reply.body["response_action"] == "errors"
    assert set(reply.body["errors"]) == {ids.BLOCK_TASK_TITLE, ids.BLOCK_TASK_ESTIMATE}
    assert not [t for t in slack.store.iter_tasks() if t.title.strip() == ""]


def test_make_this_a_task_from_a_message(slack):
    message = {"type": "message", "user": PRIYA, "ts": "1772438400.001200",
               "text": "<@U0DEMOCS2|tom> can you chase <https://kestrel.example/sso|Kestrel's SSO setup>?\n"
                       "They go live on Friday."}
    assert slack.shortcut(TOM, ids.SHORTCUT_MAKE_TASK, message, channel="C0ONBOARD").status == 200
    view = slack.last_view()
    title = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TASK_TITLE][0]["element"]["initial_value"]
    assert title == "@tom can you chase Kestrel's SSO setup?"
    assert "archives/C0ONBOARD/p1772438400001200" in view["blocks"][-1]["elements"][0]["text"]
    slack.submit(TOM, view, form_values(title, owner=TOM))
    [task] = [t for t in slack.store.iter_tasks() if t.title == title]
    assert task.url == "https://headwork.slack.com/archives/C0ONBOARD/p1772438400001200"
    assert "They go live on Friday." in task.notes
    assert slack.store.score_of(task.id) is not None


def test_make_this_a_task_sets_the_due_date_a_message_asks_for(slack):
    message = {"type": "message", "user": PRIYA, "ts": "1772438400.001250",
               "text": "Can you send Kestrel the SSO checklist by Thursday?\nThey asked twice."}
    slack.shortcut(TOM, ids.SHORTCUT_MAKE_TASK, message)  # Monday 2 March
    view = slack.last_view()
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[ids.BLOCK_TASK_TITLE]["element"]["initial_value"] == "Can you send Kestrel the SSO checklist"
    assert blocks[ids.BLOCK_TASK_DUE]["element"]["initial_date"] == "2026-03-05"


def test_a_very_long_message_still_fits_the_modal_and_its_notes_say_they_were_cut(slack):
    message = {"type": "message", "user": PRIYA, "ts": "1772438400.001300", "text": "Ünïcödé " * 2000}
    slack.shortcut(TOM, ids.SHORTCUT_MAKE_TASK, message)
    view = slack.last_view()  # the fake answers invalid_blocks for an oversized modal; the fixture checks
    assert len(view["private_metadata"]) <= 3000
    slack.submit(TOM, view, form_values("Read Priya's long note", owner=TOM))
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Read Priya's long note"]
    assert task.notes.startswith("Ünïcödé Ünïcödé") and task.notes.endswith(
        " … (cut here: the whole message is at its link)")


def test_make_this_a_task_reads_a_bold_first_line_and_names_a_file_shared_alone(slack):
    bold = {"type": "message", "user": PRIYA, "ts": "1772438400.001400",
            "text": "*Can you send Kestrel the SSO checklist by Thursday?*\nThey asked twice."}
    slack.shortcut(TOM, ids.SHORTCUT_MAKE_TASK, bold)  # Monday 2 March
    blocks = {b.get("block_id"): b for b in slack.last_view()["blocks"]}
    assert blocks[ids.BLOCK_TASK_TITLE]["element"]["initial_value"] == "Can you send Kestrel the SSO checklist"
    assert blocks[ids.BLOCK_TASK_DUE]["element"]["initial_date"] == "2026-03-05"
    shared = {"type": "message", "user": PRIYA, "ts": "1772438400.001500", "text": "",
              "files": [{"id": "F0DECK", "name": "q3-board-deck.pdf", "title": "Q3 board deck"}]}
    slack.shortcut(TOM, ids.SHORTCUT_MAKE_TASK, shared)
    blocks = {b.get("block_id"): b for b in slack.last_view()["blocks"]}
    assert blocks[ids.BLOCK_TASK_TITLE]["element"]["initial_value"] == "Look at Q3 board deck"


def test_edit_from_home_changes_the_task_and_its_score(slack):
    slack.open_home(TOM)
    home = slack.home_of(TOM)
    edit = find_button(home["blocks"], "Edit", 4)
    slack.click(TOM, edit, home=True)
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_TASK_EDIT
    task_id = int(edit["value"])
    before = slack.store.score_of(task_id)["total"]
    tomorrow = (slack.clock() + timedelta(days=1)).date().isoformat()
    reply = slack.submit(TOM, view, form_values("Renamed and due tomorrow", due=tomorrow))
    assert reply.body["response_action"] == "update"
    task = slack.store.get_task(task_id)
    assert task.title == "Renamed and due tomorrow" and task.due.date().isoformat() == tomorrow
    assert slack.store.score_of(task_id)["total"] > before  # due tomorrow is more urgent


def test_a_first_task_is_dated_on_the_persons_own_calendar_once_slack_says_where_they_are(slack):
    """Thursday 22:30 in Los Angeles (Friday morning in Berlin, the organisation's zone): Nia's first
    /task "… EOD" is read on Berlin's calendar, Friday, until Slack gives her zone; then it is put
    right (Thursday, 23:59 her time) and the answer redrawn."""
    la = ZoneInfo("America/Los_Angeles")
    slack.add_user("U0NIA0001", name="nia", real_name="Nia Cole", tz="America/Los_Angeles")
    slack.clock.now = datetime(2026, 3, 5, 22, 30, tzinfo=la)
    reply = slack.command("U0NIA0001", "/task", "Write the release notes EOD", tag="nia")
    assert "due Fri 06 Mar" in reply.blocks[0]["text"]["text"]  # the guess, before Slack is asked
    slack.settle()
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Write the release notes"]
    assert (task.due, task.due_all_day) == (datetime(2026, 3, 5, 23, 59, tzinfo=la), True)
    [redrawn] = slack.responses("nia")
    assert redrawn["replace_original"] is True and "due Thu 05 Mar" in redrawn["blocks"][0]["text"]["text"]
    slack.command("U0NIA0001", "/task", "Book the venue tomorrow", tag="nia2")  # known now: read right at once
    slack.settle()
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Book the venue"]
    assert task.due == datetime(2026, 3, 6, 23, 59, tzinfo=la) and slack.responses("nia2") == []


def _imported_for_tom(slack, **fields) -> int:
    now = slack.clock()
    task_id, _ = slack.store.upsert_task(Task(title="Migrate the billing exports", source="jira", external_id="OPS-7",
                                              assignee_id=TOM, created_at=now, updated_at=now, **fields), now)
    from scoring.rescore import rescore_tasks
    rescore_tasks(slack.store, [task_id], slack.deps.model, now)
    return task_id


def _edit_form(slack, task_id: int) -> dict:
    slack.click(TOM, {"type": "button", "action_id": ids.ACTION_EDIT, "block_id": f"home:{task_id}",
                      "value": str(task_id)}, home=True)
    return slack.last_view()


def test_editing_a_task_due_at_a_time_keeps_its_time(slack):
    """A Jira task due Tue 3 Mar at 14:00 London: the form has a date only, so a title change keeps the
    instant, and a new date keeps 14:00 (never silently 'end of day')."""
    london = ZoneInfo("Europe/London")  # Tom's zone in the demo
    task_id = _imported_for_tom(slack, due=datetime(2026, 3, 3, 14, 0, tzinfo=london))
    view = _edit_form(slack, task_id)
    assert {b.get("block_id"): b for b in view["blocks"]}[ids.BLOCK_TASK_DUE]["element"]["initial_date"] == "2026-03-03"
    slack.submit(TOM, view, form_values("Migrate the billing exports (v2)", due="2026-03-03"))
    task = slack.store.get_task(task_id)
    assert task.title == "Migrate the billing exports (v2)"
    assert (task.due, task.due_all_day) == (datetime(2026, 3, 3, 14, 0, tzinfo=london), False)
    slack.submit(TOM, _edit_form(slack, task_id), form_values("Migrate the billing exports (v2)", due="2026-03-31"))
    task = slack.store.get_task(task_id)  # after the clocks went forward: still 14:00 there
    assert (task.due.astimezone(london), task.due_all_day) == (datetime(2026, 3, 31, 14, 0, tzinfo=london), False)


def test_an_imported_estimate_beyond_the_forms_range_opens_and_is_kept(slack):
    task_id = _imported_for_tom(slack, estimate_hours=600.0, estimate_source="human")
    view = _edit_form(slack, task_id)
    element = {b.get("block_id"): b for b in view["blocks"]}[ids.BLOCK_TASK_ESTIMATE]["element"]
    assert element["initial_value"] == "600" and "max_value" not in element  # Slack would refuse to open it
    reply = slack.submit(TOM, view, form_values("Migrate the billing exports, all regions", estimate="600"))
    assert reply.body["response_action"] == "update"
    task = slack.store.get_task(task_id)
    assert task.title == "Migrate the billing exports, all regions" and task.estimate_hours == 600.0
    refused = slack.submit(TOM, _edit_form(slack, task_id), form_values("Migrate the billing exports", estimate="700"))
    assert refused.body == {"response_action": "errors",
                            "errors": {ids.BLOCK_TASK_ESTIMATE: "An estimate is between 0.25 and 400 hours."}}


def test_edit_hands_a_slack_task_to_someone_else_who_is_told(slack):
    reply = slack.command(TOM, "/task", "Draft the SSO FAQ for Kestrel by Friday")
    slack.settle()
    slack.fake.clear()
    slack.click(TOM, find_button(reply.blocks, "Edit"))
    view = slack.last_view()
    owner = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TASK_OWNER]
    assert owner and owner[0]["element"]["initial_user"] == TOM
    saved = slack.submit(TOM, view, form_values("Draft the SSO FAQ for Kestrel", owner=PRIYA, due="2026-03-06"))
    assert f"<@{PRIYA}>'s list" in section_texts(saved.body["view"])
    [task] = [t for t in slack.store.iter_tasks() if t.title == "Draft the SSO FAQ for Kestrel"]
    assert task.assignee_id == PRIYA and slack.store.score_of(task.id) is not None
    assert task.id in [r.task.id for r in slack.store.top_tasks(PRIYA, 50, slack.clock())]
    assert task.id not in [r.task.id for r in slack.store.top_tasks(TOM, 50, slack.clock())]
    slack.settle()
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == PRIYA and f"<@{TOM}> gave you a task" in dm.args["text"]
    assert {c.args["user_id"] for c in slack.fake.calls("views.publish")} >= {TOM, PRIYA}


def test_a_synced_tasks_owner_is_not_changed_from_slack(slack):
    task = [r.task for r in slack.store.top_tasks(TOM, 10, slack.clock()) if r.task.source == "asana"][0]
    slack.click(TOM, {"type": "button", "action_id": ids.ACTION_EDIT, "block_id": f"home:{task.id}",
                      "value": str(task.id)}, home=True)
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_TASK_EDIT
    assert ids.BLOCK_TASK_OWNER not in [b.get("block_id") for b in view["blocks"]]  # Asana assigns it


def test_nobody_else_can_edit(slack):
    task_id = slack.store.top_tasks(TOM, 1, slack.clock())[0].task.id
    slack.click(PRIYA, {"type": "button", "action_id": ids.ACTION_EDIT, "block_id": f"home:{task_id}",
                        "value": str(task_id)}, home=True)
    assert slack.last_view()["callback_id"] == ids.VIEW_NOTICE


# --- owners by email -----------------------------------------------------------------------------


def test_tasks_owned_by_email_find_their_slack_owner_and_unknown_emails_are_listed(slack):
    now = slack.clock()
    for n, email in enumerate(["tom@northwind.example", "ghost@elsewhere.example"]):
        slack.store.upsert_task(Task(title=f"Imported task {n}", source="csv", external_id=f"x{n}",
                                     assignee_email=email, created_at=now, updated_at=now), now)
    unknown_before = set(slack.store.emails_without_owner()) - {"tom@northwind.example"}
    result = match_identities_job(slack.deps, now)
    assert result["matched"] == 1 and result["unknown"] == len(unknown_before)
    assert "ghost@elsewhere.example" in slack.store.unknown_emails()
    assert slack.store.find_task("csv", "x0").assignee_id == TOM
    assert slack.store.find_task("csv", "x1").assignee_id is None  # never guessed
    slack.open_home(CEO)
    assert "ghost@elsewhere.example" in section_texts(slack.home_of(CEO))
    asked = len(slack.fake.calls("users.lookupByEmail"))
    assert match_identities_job(slack.deps, now + timedelta(hours=1))["cached"] == len(unknown_before)
    assert len(slack.fake.calls("users.lookupByEmail")) == asked  # not asked again within hours
    match_identities_job(slack.deps, now + timedelta(hours=7))
    assert len(slack.fake.calls("users.lookupByEmail")) == asked + len(unknown_before)  # then refreshed


def test_an_email_a_spreadsheet_capitalised_still_finds_its_slack_owner(slack, tmp_path):
    """Exports write emails as people typed them: "Tom@Northwind.EXAMPLE" is Tom's."""
    from scoring.sources.csv_import import import_csv

    path = tmp_path / "t.csv"
    path.write_text("title,external_id,assignee_email\nChase the Kestrel invoice,m1,Tom@Northwind.EXAMPLE\n")
    now = slack.clock()
    import_csv(path, "csv", slack.store, slack.deps.model, now, ZoneInfo("Europe/Berlin"))
    assert "tom@northwind.example" in slack.store.emails_without_owner()
    match_identities_job(slack.deps, now)
    assert slack.store.find_task("csv", "m1").assignee_id == TOM
    assert "Chase the Kestrel invoice" in [r.task.title for r in slack.store.top_tasks(TOM, 100, now)]


def test_every_email_gets_its_turn_however_many_have_no_slack_account(slack):
    """250 contractors an old export names have no Slack account; Zoe's address sorts after theirs.
    The half-hourly job asks Slack about 200 emails a run: she has her task by its second run, and
    nobody is asked again before their answer is stale."""
    from scoring.rescore import rescore_tasks

    now = slack.clock()
    emails = [f"contractor{i:03d}@agency.example" for i in range(250)] + ["zoe@northwind.example"]
    with slack.store.transaction():
        task_ids = [slack.store.upsert_task(Task(f"Old task {n}", source="csv", external_id=f"o{n}",
                                                 assignee_email=email, created_at=now, updated_at=now), now)[0]
                    for n, email in enumerate(emails)]
    rescore_tasks(slack.store, task_ids, slack.deps.model, now)
    slack.add_user("U0ZOE", name="zoe", real_name="Zoe Park", tz="Europe/Berlin", email="zoe@northwind.example")
    slack.fake.clear()

    def asked() -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in slack.fake.calls("users.lookupByEmail"):
            counts[call.args["email"]] = counts.get(call.args["email"], 0) + 1
        return counts

    first = match_identities_job(slack.deps, now)
    assert first["matched"] + first["unknown"] == 200
    match_identities_job(slack.deps, now + timedelta(minutes=30))
    assert slack.store.find_task("csv", "o250").assignee_id == "U0ZOE"  # was never looked up, run after run
    assert "Old task 250" in str(slack.command("U0ZOE", "/top5").blocks)
    for minutes in range(60, 6 * 60, 30):  # the unknown answers are fresh for six hours: nobody is asked again
        match_identities_job(slack.deps, now + timedelta(minutes=minutes))
    assert set(asked().values()) == {1} and set(asked()) >= set(emails[:250])
    for minutes in (7 * 60, 7 * 60 + 30):  # then each is asked once more, the longest unasked first
        match_identities_job(slack.deps, now + timedelta(minutes=minutes))
    assert {asked()[email] for email in emails[:250]} == {2}
    assert "zoe@northwind.example" not in slack.store.emails_without_owner()


def test_an_email_whose_tasks_are_all_closed_leaves_the_admins_list_of_owners_with_no_slack_account(slack, tmp_path):
    from scoring.sources.csv_import import import_csv

    def export(status: str) -> None:
        path = tmp_path / f"{status}.csv"
        path.write_text(f"title,external_id,assignee_email,status\nShip the Q1 report,q1,temp.contractor@agency.example,"
                        f"{status}\n")
        import_csv(path, "csv", slack.store, slack.deps.model, slack.clock(), ZoneInfo("Europe/Berlin"))

    export("open")
    match_identities_job(slack.deps, slack.clock())
    slack.open_home(CEO)
    assert "temp.contractor@agency.example" in section_texts(slack.home_of(CEO))
    slack.clock.advance(days=1)
    export("done")  # the next export finds it finished
    slack.clock.advance(days=30)
    match_identities_job(slack.deps, slack.clock())
    slack.open_home(CEO)
    status = section_texts(slack.home_of(CEO))
    assert "Task owners with no Slack account found" in status  # the demo's kai@, whose task is open
    assert "temp.contractor@agency.example" not in status  # was listed for good
