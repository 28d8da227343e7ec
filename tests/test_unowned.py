"""Tasks nobody owns, through signed Slack payloads: the admins' list on App Home and *Give to…*,
and a `user_change` event (a new time zone; a deactivated account whose tasks become unowned)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import ids
from bot.devkit.harness import find_button
from bot.blocks.top5 import list_tag
from bot.devkit.slack_requests import block_actions, button, event_callback

TOM, PRIYA, LUCIA, MEI, CEO = "U0DEMOCS2", "U0DEMOCS1", "U0DEMOCS3", "U0DEMODV1", "U0DEMOCEO"
BOT_USER, GONE = "U0BUILDBOT", "U0LEFTCO"


def unowned_section(home: dict) -> list[dict]:
    """The blocks of the *Tasks nobody owns* part of a Home tab ([] when it has none)."""
    blocks = home["blocks"]
    starts = [i for i, b in enumerate(blocks) if b["type"] == "section"
              and b["text"]["text"].startswith(("*Tasks nobody owns*", "*Tasks your team left*"))]
    return blocks[starts[0]:] if starts else []


def listed(home: dict) -> dict[int, tuple[str, str, dict | None]]:
    """{task id: (card text, the reason under it, its Give to… menu or None)}."""
    blocks = unowned_section(home)
    out = {}
    for i, block in enumerate(blocks):
        if str(block.get("block_id", "")).startswith(ids.BLOCK_UNOWNED_PREFIX):
            task_id = int(block["block_id"].removeprefix(ids.BLOCK_UNOWNED_PREFIX))
            out[task_id] = (block["text"]["text"], blocks[i + 1]["elements"][0]["text"], block.get("accessory"))
    return out


def slack_task_nobody_owns(slack, title: str = "Draft the SSO FAQ for Kestrel", due: str = "") -> int:
    """Tom adds a task for himself (`due`: what he types after the title), then says *Not mine*."""
    slack.command(TOM, "/task", f"{title} {due}".strip())
    [task] = [t for t in slack.store.iter_tasks() if t.title == title]
    slack.click(TOM, button(ids.ACTION_NOT_MINE, str(task.id), block_id=list_tag(TOM, 5)), tag="tom")
    slack.settle()
    assert slack.store.get_task(task.id).assignee_id is None
    return task.id


def give(slack, user: str, task_id: int, to: str):
    action = {"type": "users_select", "action_id": ids.ACTION_GIVE_TASK, "block_id": f"{ids.BLOCK_UNOWNED_PREFIX}{task_id}",
              "selected_user": to, "initial_user": None}
    return slack.send(block_actions(user, [action], view={"id": "VHOME" + user, "type": "home", "blocks": []}))


def notice_on_home(slack, user: str) -> str:
    return slack.home_of(user)["blocks"][3]["elements"][0]["text"]


def notices_on_home(slack, user: str) -> list[str]:
    """The notice line of every Home tab published for `user` (a press's answer), in order."""
    slack.settle(drain=False)
    views = [c.json_arg("view") for c in slack.fake.calls("views.publish") if c.args.get("user_id") == user]
    return [v["blocks"][3]["elements"][0]["text"] for v in views if v["blocks"][3]["type"] == "context"]


def user_change(user: dict, event_id: str | None = None):
    return event_callback({"type": "user_change", "user": user, "cache_ts": 1772438400}, event_id=event_id)


def test_a_handed_back_task_is_on_the_admins_home_with_who_gave_it_back(slack):
    task_id = slack_task_nobody_owns(slack)
    slack.open_home(CEO)
    text, reason, menu = listed(slack.home_of(CEO))[task_id]
    assert "Draft the SSO FAQ for Kestrel" in text and " pts" in text
    assert reason == "handed back by Tom Okafor (Not mine)"
    assert menu["type"] == "users_select" and menu["placeholder"]["text"] == "Give to…"
    slack.open_home(MEI)  # neither an admin nor a lead: no such list
    assert unowned_section(slack.home_of(MEI)) == []


def test_an_admin_gives_it_to_someone_who_is_told_and_finds_it_in_their_list(slack):
    task_id = slack_task_nobody_owns(slack)
    slack.fake.clear()
    assert give(slack, CEO, task_id, MEI).status == 200
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id == MEI
    assert notice_on_home(slack, CEO) == f"Gave *Draft the SSO FAQ for Kestrel* to <@{MEI}>. They are told by DM."
    assert task_id not in listed(slack.home_of(CEO))
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == MEI and f"<@{CEO}> gave you a task" in dm.args["text"]
    assert task_id in [r.task.id for r in slack.store.top_tasks(MEI, 50, slack.clock())]
    reply = slack.command(MEI, "/top5", "10")
    assert "Draft the SSO FAQ for Kestrel" in str(reply.blocks)


def test_only_an_admin_or_the_leavers_manager_can_give_out_a_task_nobody_owns(slack):
    task_id = slack_task_nobody_owns(slack)
    give(slack, MEI, task_id, MEI)  # a forged press: Mei is neither an admin nor Tom's manager
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id is None
    assert notice_on_home(slack, MEI) == ("Only an admin, or the manager of whoever handed it back or left it, "
                                          "gives out this task.")


def test_a_manager_gives_out_what_their_team_left_from_their_own_home(slack):
    task_id = slack_task_nobody_owns(slack)  # Tom, on Priya's team, hands it back
    slack.open_home(PRIYA)
    home = slack.home_of(PRIYA)
    section = unowned_section(home)
    assert section[0]["text"]["text"] == "*Tasks your team left* (1)"
    text, reason, menu = listed(home)[task_id]
    assert reason == "handed back by Tom Okafor (Not mine)" and menu["type"] == "users_select"
    assert not [b for b in section if b["type"] == "actions"]  # closing one is an admin's call
    assert "Translate help centre into German" not in str(section)  # the demo's other unowned task: not theirs
    give(slack, PRIYA, task_id, LUCIA)
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id == LUCIA
    assert notice_on_home(slack, PRIYA) == f"Gave *Draft the SSO FAQ for Kestrel* to <@{LUCIA}>. They are told by DM."
    slack.open_home("U0DEMOENG")  # Engineering's lead: nothing of theirs was left
    assert unowned_section(slack.home_of("U0DEMOENG")) == []


def test_a_task_with_an_owner_again_is_not_given_twice(slack):
    task_id = slack_task_nobody_owns(slack)
    give(slack, CEO, task_id, MEI)
    give(slack, CEO, task_id, LUCIA)  # a second press on a Home tab drawn before the first
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id == MEI
    assert f"*Draft the SSO FAQ for Kestrel* has an owner already: <@{MEI}>." in notices_on_home(slack, CEO)


def test_giving_it_to_a_known_app_is_refused_and_to_an_unseen_one_it_comes_back(slack):
    slack.add_user(BOT_USER, name="buildbot", real_name="Build Bot", is_bot=True)
    slack.deps.directory.refresh(BOT_USER, slack.clock())
    slack.add_user(GONE, name="ola", real_name="Ola Berg", deleted=True)
    task_id = slack_task_nobody_owns(slack)
    give(slack, CEO, task_id, BOT_USER)
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id is None
    assert notice_on_home(slack, CEO) == "Build Bot is an app, not a person: give the task to someone who will do it."
    slack.fake.clear()
    give(slack, CEO, task_id, GONE)  # not seen before: looked up just after the ack
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id is None
    [dm] = slack.fake.calls("chat.postMessage")
    assert dm.args["channel"] == CEO
    assert dm.args["text"] == ("Ola Berg's account is deactivated: give the task to someone still here. So *Draft the "
                               "SSO FAQ for Kestrel* stays in *Tasks nobody owns*: give it to someone else there, on "
                               "your Home tab.")
    slack.open_home(CEO)  # still what it was: Tom's, handed back (never Ola's, who never had it)
    assert listed(slack.home_of(CEO))[task_id][1] == "handed back by Tom Okafor (Not mine)"


def test_a_manager_who_gives_it_to_an_unseen_app_keeps_it_in_their_list_and_can_give_it_again(slack):
    slack.add_user(BOT_USER, name="buildbot", real_name="Build Bot", is_bot=True)  # not met yet
    task_id = slack_task_nobody_owns(slack)  # Tom, on Priya's team, hands it back
    give(slack, PRIYA, task_id, BOT_USER)
    slack.settle()
    [dm] = [c for c in slack.fake.calls("chat.postMessage") if c.args["channel"] == PRIYA]
    assert dm.args["text"].endswith("So *Draft the SSO FAQ for Kestrel* stays in *Tasks your team left*: give it to "
                                    "someone else there, on your Home tab.")
    slack.open_home(PRIYA)
    assert listed(slack.home_of(PRIYA))[task_id][1] == "handed back by Tom Okafor (Not mine)"
    give(slack, PRIYA, task_id, LUCIA)
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id == LUCIA
    assert notice_on_home(slack, PRIYA) == f"Gave *Draft the SSO FAQ for Kestrel* to <@{LUCIA}>. They are told by DM."


def test_an_imported_task_nobody_owns_says_where_to_assign_it(slack):
    [asana] = [t for t in slack.store.iter_tasks() if t.title == "Clean up old Zendesk macros"]
    slack.store.update_task(asana.id, slack.clock(), assignee_id=None, assignee_email="ex-employee@northwind.example")
    from scoring.rescore import rescore_tasks
    rescore_tasks(slack.store, [asana.id], slack.deps.model, slack.clock())
    slack.open_home(CEO)
    text, reason, menu = listed(slack.home_of(CEO))[asana.id]
    assert menu is None
    assert reason == ("Asana gives ex-employee@northwind.example as its owner: no Slack account found for it"
                      " · its owner comes from Asana: assign it there")
    give(slack, CEO, asana.id, MEI)  # a forged press all the same
    slack.settle()
    assert slack.store.get_task(asana.id).assignee_id is None
    assert "gets its owner from where it was imported" in notice_on_home(slack, CEO)


def test_a_new_time_zone_counts_at_once(slack):
    """Tom flies to New York: a task he snoozes until tomorrow comes back at 09:00 there, not London."""
    moved = {"id": TOM, "name": "tom", "real_name": "Tom Okafor", "tz": "America/New_York", "deleted": False,
             "is_bot": False, "profile": {"real_name": "Tom Okafor", "status_text": "in NYC"}}
    assert slack.send(user_change(moved)).status == 200
    reply = slack.command(TOM, "/top5", tag="tom")
    snooze = find_button(reply.blocks, "Snooze until tomorrow")
    slack.click(TOM, snooze, tag="tom")
    slack.settle()
    task_id = int(snooze["selected_option"]["value"].rsplit(":", 1)[1])
    assert slack.store.snoozed_until(task_id) == datetime(2026, 3, 3, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert slack.fake.calls("users.info") == []  # the event said it all


def test_a_deactivated_account_hands_its_tasks_to_the_admins_and_its_manager_once(slack):
    before = [r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())]
    assert len(before) >= 5
    gone = {"id": TOM, "name": "tom", "real_name": "Tom Okafor", "tz": "Europe/London", "deleted": True,
            "is_bot": False, "profile": {"real_name": "Tom Okafor"}}
    assert slack.send(user_change(gone, event_id="Ev0TOMLEFT")).status == 200
    slack.settle()
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []
    assert all(slack.store.get_task(i).assignee_id is None for i in before)
    assert slack.fake.calls("chat.postMessage") == []  # said ten minutes later, unless he is back by then
    slack.clock.advance(minutes=10)
    slack.settle()
    dms = {c.args["channel"]: c.args for c in slack.fake.calls("chat.postMessage")}
    assert set(dms) == {CEO, PRIYA}  # the admin and Tom's manager; nobody else hears of it
    said = dms[PRIYA]
    assert said["text"] == f"Tom Okafor's Slack account was deactivated, so their {len(before)} open tasks have no owner now."
    top = slack.store.get_task(before[0]).title
    assert top in said["blocks"][1]["text"]["text"].splitlines()[0]  # the most valuable first
    assert "A task from Asana, Jira or Linear gets its new owner there." in said["blocks"][2]["elements"][0]["text"]
    slack.open_home(CEO)
    shown = listed(slack.home_of(CEO))
    assert before[0] in shown and shown[before[0]][1].startswith("was Tom Okafor's: their account is deactivated")
    # Slack redelivers, or the next profile edit of the closed account comes: nothing more is said
    slack.fake.clear()
    slack.send(user_change(gone, event_id="Ev0TOMLEFT"))
    slack.send(user_change({**gone, "profile": {"real_name": "Tom Okafor", "title": "(left)"}}))
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []
    # and an email match never gives them back to the closed account
    slack.store.assign_email("tom@northwind.example", TOM)
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []


TOM_GONE = {"id": TOM, "name": "tom", "real_name": "Tom Okafor", "tz": "Europe/London", "deleted": True,
            "is_bot": False, "profile": {"real_name": "Tom Okafor"}}
TOM_BACK = {**TOM_GONE, "deleted": False}


def test_an_account_deactivated_by_mistake_for_minutes_gets_everything_back_and_nobody_hears_of_it(slack):
    """An identity provider's sync deactivates Tom and puts him back two minutes later."""
    before = sorted(r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock()))
    slack.send(user_change(TOM_GONE))
    slack.settle()
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []
    slack.clock.advance(minutes=2)
    assert slack.send(user_change(TOM_BACK)).status == 200
    slack.settle()
    assert sorted(r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())) == before
    slack.clock.advance(hours=1)
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []  # the departure was withdrawn before it was said
    assert "the account was active again first" in str(slack.deps.outbox.db.items("failed"))


def test_a_reactivated_account_gets_back_what_nobody_was_given_and_the_leads_hear_so(slack):
    """Tom is back from a long leave: what he left behind comes back, but not what he handed
    back with *Not mine*, nor what an admin gave someone meanwhile."""
    handed_back = slack_task_nobody_owns(slack)
    before = [r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())]
    slack.send(user_change(TOM_GONE))
    slack.clock.advance(minutes=10)
    slack.settle()
    departure = {c.args["channel"]: c.args for c in slack.fake.calls("chat.postMessage")}
    assert "If the account is reactivated, what nobody was given meanwhile goes back to Tom Okafor." in \
        departure[PRIYA]["blocks"][2]["elements"][0]["text"]
    [given] = [i for i in before if slack.store.get_task(i).source == "slack"][:1]
    give(slack, CEO, given, MEI)
    slack.settle()
    slack.fake.clear()
    slack.clock.advance(days=30)
    assert slack.send(user_change(TOM_BACK, event_id="Ev0TOMBACK")).status == 200
    slack.settle()
    mine = [r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())]
    assert sorted(mine) == sorted(i for i in before if i != given)
    assert slack.store.get_task(given).assignee_id == MEI
    assert slack.store.get_task(handed_back).assignee_id is None
    dms = {c.args["channel"]: c.args for c in slack.fake.calls("chat.postMessage")}
    assert set(dms) == {CEO, PRIYA}
    n = len(before) - 1
    assert dms[PRIYA]["text"] == (f"Tom Okafor's Slack account is active again, so the {n} open tasks it left behind "
                                  "are Tom Okafor's again.")
    assert slack.store.get_task(mine[0]).title in dms[PRIYA]["blocks"][1]["text"]["text"].splitlines()[0]
    slack.open_home(CEO)
    shown = listed(slack.home_of(CEO))
    assert not set(mine) & set(shown)
    assert shown[handed_back][1] == "handed back by Tom Okafor (Not mine)"  # was "...account is deactivated"
    reply = slack.command(TOM, "/top5", tag="tom")
    assert slack.store.get_task(mine[0]).title in str(reply.blocks)
    # redelivered, or a later edit: nothing more moves, nothing more is said
    slack.fake.clear()
    slack.send(user_change(TOM_BACK, event_id="Ev0TOMBACK"))
    slack.send(user_change({**TOM_BACK, "profile": {"real_name": "Tom Okafor", "status_text": "back"}}))
    slack.settle()
    assert slack.fake.calls("chat.postMessage") == []
    # deactivated again later: that is news again, not a repeat of the first message
    slack.clock.advance(days=60)
    slack.send(user_change(TOM_GONE))
    slack.clock.advance(minutes=10)
    slack.settle()
    assert {c.args["channel"] for c in slack.fake.calls("chat.postMessage")} == {CEO, PRIYA}
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []


def test_a_malformed_user_change_changes_nothing(slack):
    known = slack.deps.directory.person(TOM)
    for user in ("U0DEMOCS2", None, {}, {"id": 7, "deleted": True}, {"name": "tom", "deleted": True}):
        assert slack.send(user_change(user)).status == 200
    slack.settle()
    assert slack.deps.directory.person(TOM) == known
    assert len(slack.store.top_tasks(TOM, 100, slack.clock())) >= 5
    assert slack.fake.calls("chat.postMessage") == []


def test_a_given_task_keeps_its_due_day_on_the_new_owners_calendar(slack):
    """Tom (London) made it due Friday; Hanna (Berlin) gives it to Lucía (New York): still Friday, hers."""
    task_id = slack_task_nobody_owns(slack, "Send Kestrel the SSO runbook", due="by Friday")
    give(slack, CEO, task_id, LUCIA)
    slack.settle()
    task = slack.store.get_task(task_id)
    assert task.assignee_id == LUCIA and task.due_all_day
    assert task.due == datetime(2026, 3, 6, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    assert "due Fri 06 Mar" in str(slack.command(LUCIA, "/top5", "10").blocks)


def test_an_admin_closes_a_task_nobody_owns_from_home(slack):
    task_id = slack_task_nobody_owns(slack)
    slack.open_home(CEO)
    home = slack.home_of(CEO)
    assert task_id in listed(home)
    done = next(b for b in buttons_of(unowned_section(home)) if b["action_id"] == ids.ACTION_DONE
                and b["value"] == str(task_id))
    slack.click(CEO, done, home=True)
    slack.settle()
    assert not slack.store.get_task(task_id).is_open
    assert task_id not in listed(slack.home_of(CEO))
    assert notice_on_home(slack, CEO) == "✓ Done: *Draft the SSO FAQ for Kestrel*. Nice work."


def buttons_of(blocks: list[dict]) -> list[dict]:
    return [{"type": "button", "action_id": e["action_id"], "block_id": b["block_id"], "value": e["value"]}
            for b in blocks if b["type"] == "actions" for e in b["elements"]]


def _imported_for(slack, email: str, title: str) -> int:
    """A task an import gave to this email, which no Slack user has yet."""
    from scoring.rescore import rescore_tasks
    from scoring.tasks import Task

    task_id, _ = slack.store.upsert_task(Task(title, source="csv", external_id=title, assignee_email=email,
                                              created_at=slack.clock(), updated_at=slack.clock()), slack.clock())
    rescore_tasks(slack.store, [task_id], slack.deps.model, slack.clock())
    return task_id


def test_a_new_hire_gets_the_tasks_imported_for_their_email_the_moment_they_join(slack):
    task_id = _imported_for(slack, "kai@northwind.example", "Set up the Kestrel sandbox")
    slack.open_home(CEO)
    assert listed(slack.home_of(CEO))[task_id][1].startswith("the file it was imported from gives kai@northwind.example")
    kai = {"id": "U0KAI", "name": "kai", "real_name": "Kai Lund", "tz": "Europe/Oslo", "deleted": False,
           "is_bot": False, "profile": {"real_name": "Kai Lund", "email": "Kai@Northwind.example"}}
    assert slack.send(event_callback({"type": "team_join", "user": kai})).status == 200
    slack.settle()
    assert slack.store.get_task(task_id).assignee_id == "U0KAI"
    assert slack.fake.calls("users.lookupByEmail") == [] and slack.fake.calls("users.info") == []  # the event said it
    reply = slack.command("U0KAI", "/top5")
    assert "Set up the Kestrel sandbox" in str(reply.blocks)
    slack.open_home(CEO)
    assert task_id not in listed(slack.home_of(CEO))


def test_a_changed_email_brings_the_tasks_owned_by_it_and_an_app_or_a_bad_one_brings_none(slack):
    mine = _imported_for(slack, "mei.chen@northwind.example", "Review the Kestrel data model")
    other = _imported_for(slack, "build@northwind.example", "Rotate the CI token")
    edited = {"id": MEI, "name": "mei", "real_name": "Mei Chen", "tz": "Europe/Berlin", "deleted": False,
              "is_bot": False, "profile": {"real_name": "Mei Chen", "email": "mei.chen@northwind.example"}}
    slack.send(user_change(edited))
    robot = {"id": BOT_USER, "name": "build", "real_name": "Build bot", "deleted": False, "is_bot": True,
             "profile": {"email": "build@northwind.example"}}
    slack.send(event_callback({"type": "team_join", "user": robot}))
    for profile in ({"email": "not an email"}, {"email": 7}, {"email": None}):
        slack.send(event_callback({"type": "team_join", "user": {"id": "U0ODD", "profile": profile}}))
    slack.settle()
    assert slack.store.get_task(mine).assignee_id == MEI
    assert slack.store.get_task(other).assignee_id is None  # an app owns no task
    # a later edit of the same profile asks nothing more of the store than whether it is known
    slack.send(user_change({**edited, "profile": {**edited["profile"], "status_text": "focus"}}))
    slack.settle()
    assert slack.store.get_task(mine).assignee_id == MEI


def test_a_task_an_import_brings_for_someone_who_left_waits_in_the_list_until_they_are_back(slack, tmp_path):
    """Asana still names Tom weeks after he left: the new task must not vanish into his closed account."""
    from scoring.sources.csv_import import import_csv
    from bot.scheduler import match_identities_job

    slack.store.remember_identity("tom@northwind.example", TOM, slack.clock())  # matched long ago
    slack.send(user_change(TOM_GONE))
    slack.clock.advance(days=3)
    slack.settle()
    path = tmp_path / "asana.csv"
    path.write_text("title,external_id,assignee_email\nRenew the Kestrel SSO certificate,k1,tom@northwind.example\n")
    report = import_csv(path, "csv", slack.store, slack.deps.model, slack.clock(), ZoneInfo("Europe/Berlin"))
    task = slack.store.find_task("csv", "k1")
    assert task.assignee_id is None and report.assigned == 0 and report.unowned == 1
    from bot.screens import unowned_items  # the Home's list, past its first five (Tom's own fill those)

    [item] = [i for i in unowned_items(slack.deps, slack.clock(), n=100) if i.entry.task.id == task.id]
    assert item.reason == ("the file it was imported from gives tom@northwind.example as its owner: "
                           "Tom Okafor's Slack account is deactivated")
    # the identity job, a week on, asks Slack again: still deactivated, still not given
    slack.add_user(TOM, name="tom", tz="Europe/London", email="tom@northwind.example", deleted=True)
    slack.clock.advance(days=8)
    match_identities_job(slack.deps, slack.clock())
    assert slack.store.get_task(task.id).assignee_id is None
    # Tom is back: what he left and what came for him meanwhile is his
    slack.send(user_change(TOM_BACK))
    slack.settle()
    assert slack.store.get_task(task.id).assignee_id == TOM


def _import_one(slack, tmp_path, name: str, external_id: str, title: str, email: str):
    """The source tool's export, now naming `email` as the task's owner (imported as `headwork import` does)."""
    from scoring.sources.csv_import import import_csv

    path = tmp_path / name
    path.write_text(f"title,external_id,assignee_email\n{title},{external_id},{email}\n")
    import_csv(path, "csv", slack.store, slack.deps.model, slack.clock(), ZoneInfo("Europe/Berlin"))
    return slack.store.find_task("csv", external_id)


def test_a_reactivated_account_does_not_get_back_a_task_its_tool_gave_someone_else_meanwhile(slack, tmp_path):
    """Tom leaves; the tool gives his task to Nora (no Slack account yet); Tom is back: it stays Nora's."""
    from bot.screens import unowned_items

    slack.store.remember_identity("tom@northwind.example", TOM, slack.clock())
    task = _import_one(slack, tmp_path, "1.csv", "k1", "Renew the Kestrel SSO certificate", "tom@northwind.example")
    assert task.assignee_id == TOM
    slack.send(user_change(TOM_GONE))
    slack.clock.advance(days=1)
    slack.settle()
    task = _import_one(slack, tmp_path, "2.csv", "k1", "Renew the Kestrel SSO certificate", "nora@northwind.example")
    [item] = [i for i in unowned_items(slack.deps, slack.clock(), n=100) if i.entry.task.id == task.id]
    assert item.reason == ("the file it was imported from gives nora@northwind.example as its owner: "
                           "no Slack account found for it")  # was "was Tom Okafor's: their account is deactivated"
    slack.clock.advance(days=20)
    slack.fake.clear()
    slack.send(user_change(TOM_BACK))
    slack.settle()
    assert slack.store.get_task(task.id).assignee_id is None  # was Tom's again
    assert "Renew the Kestrel SSO certificate" not in str(slack.command(TOM, "/top5", "10").blocks)
    said = " ".join(str(c.args.get("blocks")) for c in slack.fake.calls("chat.postMessage"))
    assert "Renew the Kestrel SSO certificate" not in said


def test_a_task_the_tool_moved_to_another_team_is_not_on_the_managers_list_as_handed_back(slack, tmp_path):
    """Tom hands back an imported task; the tool gives it to Mei (Engineering), then to nobody: it is no
    longer what Priya's team left, and the admins see the tool's own reason."""
    slack.store.remember_identity("tom@northwind.example", TOM, slack.clock())
    slack.store.remember_identity("mei@northwind.example", MEI, slack.clock())
    title = "Migrate the Engineering build servers"
    task = _import_one(slack, tmp_path, "1.csv", "eng-1", title, "tom@northwind.example")
    slack.click(TOM, button(ids.ACTION_NOT_MINE, str(task.id), block_id=list_tag(TOM, 5)), tag="tom")
    slack.settle()
    assert slack.store.get_task(task.id).assignee_id is None
    assert _import_one(slack, tmp_path, "2.csv", "eng-1", title, "mei@northwind.example").assignee_id == MEI
    assert _import_one(slack, tmp_path, "3.csv", "eng-1", title, "").assignee_id is None
    slack.open_home(PRIYA)
    assert task.id not in listed(slack.home_of(PRIYA))  # was "handed back by Tom Okafor (Not mine)"
    from bot.screens import unowned_items

    [item] = [i for i in unowned_items(slack.deps, slack.clock(), n=100) if i.entry.task.id == task.id]
    assert item.reason == "no assignee in the file it was imported from"


def test_a_deactivation_redelivered_after_the_reactivation_changes_nothing(slack):
    """08:00 the identity provider deactivates Tom (Slack's delivery times out), 08:01 it puts him back
    (delivered), 08:02 Slack retries the 08:00 event: Tom keeps his tasks and nobody is told he left."""
    t0 = int(slack.clock().timestamp())
    before = sorted(r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock()))
    slack.clock.advance(minutes=1)
    back = event_callback({"type": "user_change", "user": TOM_BACK, "event_ts": f"{t0 + 60}.000100"},
                          event_id="Ev0BACK", event_time=t0 + 60)
    assert slack.send(back).status == 200
    slack.settle()
    slack.clock.advance(minutes=1)
    gone = event_callback({"type": "user_change", "user": TOM_GONE, "event_ts": f"{t0}.000100"},
                          event_id="Ev0GONE", event_time=t0, retry_num=1)
    assert slack.send(gone).status == 200
    slack.clock.advance(minutes=10)
    slack.settle()
    assert sorted(r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())) == before
    assert slack.fake.calls("chat.postMessage") == []
    slack.open_home(CEO)
    assert "Tom Okafor" not in str(unowned_section(slack.home_of(CEO)))
    # a deactivation that really is newer still takes effect
    later = event_callback({"type": "user_change", "user": TOM_GONE, "event_ts": f"{t0 + 900}.000100"},
                           event_id="Ev0GONE2", event_time=t0 + 900)
    slack.send(later)
    slack.clock.advance(minutes=10)
    slack.settle()
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []
    assert {c.args["channel"] for c in slack.fake.calls("chat.postMessage")} == {CEO, PRIYA}


def _snooze_until_next_week(slack, user: str, task_id: int) -> None:
    """`user` presses *Snooze → until next week* on this task of their /top5 10."""
    reply = slack.command(user, "/top5", "10", tag=user)
    for index in range(10):
        press = find_button(reply.blocks, "Snooze until next week", index)
        if press["selected_option"]["value"].rsplit(":", 1)[1] == str(task_id):
            slack.click(user, press, tag=user)
            slack.settle()
            return
    raise AssertionError(f"task {task_id} is not in {user}'s top 10")


def test_a_leavers_snoozed_tasks_are_on_the_lists_the_leads_are_told_to_give_them_out_from(slack):
    """Tom snoozes everything until next week before his leave; then his account is deactivated."""
    mine = [r.task.id for r in slack.store.top_tasks(TOM, 100, slack.clock())]
    for task_id in mine:
        _snooze_until_next_week(slack, TOM, task_id)
    assert slack.store.top_tasks(TOM, 100, slack.clock()) == []
    slack.send(user_change(TOM_GONE))
    slack.clock.advance(minutes=10)
    slack.settle()
    told = {c.args["channel"]: c.args["text"] for c in slack.fake.calls("chat.postMessage")}
    assert f"their {len(mine)} open tasks have no owner now" in told[PRIYA]
    slack.open_home(PRIYA)
    section = unowned_section(slack.home_of(PRIYA))
    assert section and section[0]["text"]["text"] == f"*Tasks your team left* ({len(mine)}) · the 5 most valuable shown"
    assert len(listed(slack.home_of(PRIYA))) == 5  # was: no such section at all
    slack.open_home(CEO)
    assert set(mine[:5]) <= set(listed(slack.home_of(CEO)))
    # his snoozes ended with his account: whoever is given one has it in their list at once
    [slack_task] = [i for i in mine if slack.store.get_task(i).source == "slack"][:1]
    give(slack, PRIYA, slack_task, LUCIA)
    slack.settle()
    assert slack.store.get_task(slack_task).title in str(slack.command(LUCIA, "/top5", "10").blocks)


def test_the_list_of_tasks_nobody_owns_says_how_many_are_snoozed_and_never_vanishes_while_it_counts_some(slack, tmp_path):
    """Tom snoozed an imported task; the tool then names an owner with no Slack account, so nobody owns
    it, snoozed. The admin closes the only other task nobody owns: the section stays, saying why."""
    slack.store.remember_identity("tom@northwind.example", TOM, slack.clock())
    task = _import_one(slack, tmp_path, "1.csv", "k1", "Renew the Kestrel SSO certificate", "tom@northwind.example")
    from scoring.rescore import rescore_tasks

    rescore_tasks(slack.store, [task.id], slack.deps.model, slack.clock())
    _snooze_until_next_week(slack, TOM, task.id)
    _import_one(slack, tmp_path, "2.csv", "k1", "Renew the Kestrel SSO certificate", "temp@agency.example")
    slack.open_home(CEO)
    home = slack.home_of(CEO)
    others = listed(home)
    assert task.id not in others and others  # the demo's own task nobody owns (Asana's kai@)
    section = unowned_section(home)
    count = 1 + len(others)
    assert section[0]["text"]["text"] == f"*Tasks nobody owns* ({count})"
    # Tom's 09:00 in London, on the admin's clock in Berlin
    assert section[-1]["elements"][0]["text"] == "1 snoozed, not listed until it is back: on Mon 09 Mar, 10:00"
    for other in others:  # the admin closes the others from Home
        done = next(b for b in buttons_of(unowned_section(slack.home_of(CEO))) if b["action_id"] == ids.ACTION_DONE
                    and b["value"] == str(other))
        slack.click(CEO, done, home=True)
        slack.settle()
    section = unowned_section(slack.home_of(CEO))
    assert section[0]["text"]["text"] == "*Tasks nobody owns* (1)"  # was: the section vanished
    assert section[-1]["elements"][0]["text"] == "1 snoozed, not listed until it is back: on Mon 09 Mar, 10:00"
