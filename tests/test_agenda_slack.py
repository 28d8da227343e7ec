"""/agenda through signed slash commands, the setup modal and its buttons, as people see them."""

from __future__ import annotations

import pytest

from bot import ids
from bot.devkit.harness import find_button
from tests.agenda_support import (CEO, CHANNEL, CS1, CS2, CS_WEEKLY, DV1, ENG, agenda_slack, berlin, harness,  # noqa: F401
                                  item_titles, posts)


def setup_values(name="Eng sync", days=("tuesday", "thursday"), at="11:00", tz="Europe/Berlin", lead="20",
                 attendees=(ENG, DV1), project="", tags="", most="5") -> dict:
    def v(block, action, **value):
        return {block: {action: value}}

    values = {}
    values |= v(ids.BLOCK_AGENDA_NAME, ids.INPUT_AGENDA_NAME, type="plain_text_input", value=name)
    values |= v(ids.BLOCK_AGENDA_DAYS, ids.INPUT_AGENDA_DAYS, type="checkboxes",
                selected_options=[{"value": d} for d in days])
    values |= v(ids.BLOCK_AGENDA_TIME, ids.INPUT_AGENDA_TIME, type="timepicker", selected_time=at)
    values |= v(ids.BLOCK_AGENDA_TZ, ids.INPUT_AGENDA_TZ, type="plain_text_input", value=tz)
    values |= v(ids.BLOCK_AGENDA_LEAD, ids.INPUT_AGENDA_LEAD, type="number_input", value=lead)
    values |= v(ids.BLOCK_AGENDA_ATTENDEES, ids.INPUT_AGENDA_ATTENDEES, type="multi_users_select",
                selected_users=list(attendees))
    values |= v(ids.BLOCK_AGENDA_PROJECT, ids.INPUT_AGENDA_PROJECT, type="plain_text_input", value=project)
    values |= v(ids.BLOCK_AGENDA_TAGS, ids.INPUT_AGENDA_TAGS, type="plain_text_input", value=tags)
    values |= v(ids.BLOCK_AGENDA_MAX, ids.INPUT_AGENDA_MAX, type="number_input", value=most)
    return values


def test_agenda_previews_the_next_meeting_ephemerally_in_my_time_zone(agenda_slack):
    reply = agenda_slack.command(CS2, "/agenda", channel=CHANNEL)  # Tom is in London
    assert reply.body["response_type"] == "ephemeral"
    assert reply.blocks[0]["text"]["text"] == "Agenda · CS weekly"
    assert "Mon 2 Mar, 09:00 (Europe/London)" in reply.blocks[1]["elements"][0]["text"]
    assert len(item_titles(reply.blocks)) == 5
    assert "preview" in str(reply.blocks[-1])
    with pytest.raises(AssertionError, match="no button"):
        find_button(reply.blocks, "Discussed")  # a preview has no buttons
    assert posts(agenda_slack) == []


def test_agenda_post_posts_now_exactly_once_and_the_schedule_does_not_repeat_it(agenda_slack):
    slack = agenda_slack
    first = slack.command(CS1, "/agenda", "post", channel=CHANNEL)
    assert "Posting the agenda for *CS weekly*" in first.text
    slack.settle()
    again = slack.command(CS2, "/agenda", "post", channel=CHANNEL)
    assert "already posted" in again.text
    slack.deps.agenda.run(berlin(2026, 3, 2, 9, 30))
    slack.settle()
    [post] = posts(slack)
    assert f"Posted ahead of schedule by <@{CS1}>" in str(post.json_arg("blocks"))
    preview = slack.command(CS2, "/agenda", channel=CHANNEL)
    assert "Already posted" in str(preview.blocks)


def test_agenda_help_and_a_channel_without_meetings(agenda_slack):
    text = agenda_slack.command(CS1, "/agenda", "help", channel=CHANNEL).blocks[0]["text"]["text"]
    for form in ("`/agenda`", "`/agenda post`", "`/agenda list`", "`/agenda setup`", "Discussed"):
        assert form in text
    empty = agenda_slack.command(CS1, "/agenda", channel="C0RANDOM")
    assert "`/agenda setup`" in empty.text
    unknown = agenda_slack.command(CS1, "/agenda", "post Board meeting", channel=CHANNEL)
    assert "couldn't find a meeting called “Board meeting”" in unknown.text and "*CS weekly*" in unknown.text


def test_setup_opens_a_modal_and_the_meeting_is_posted_on_schedule(agenda_slack):
    slack = agenda_slack
    assert slack.command(ENG, "/agenda", "setup", channel="C0ENG").status == 200
    view = slack.last_view()
    assert view["callback_id"] == ids.VIEW_AGENDA_SETUP
    saved = slack.submit(ENG, view, setup_values())
    assert saved.body["response_action"] == "update"
    confirmation = saved.body["view"]["blocks"][0]["text"]["text"]
    assert "Set up *Eng sync* in <#C0ENG>: every Tue, Thu at 11:00 (Europe/Berlin)" in confirmation
    assert "Tue 3 Mar, 11:00" in confirmation
    listed = slack.command(DV1, "/agenda", "list", channel="C0ENG")
    assert "*Eng sync*" in str(listed.blocks) and f"set up in Slack by <@{ENG}>" in str(listed.blocks)
    slack.deps.agenda.run(berlin(2026, 3, 3, 10, 39))
    slack.deps.agenda.run(berlin(2026, 3, 3, 10, 40))  # 20 minutes before 11:00
    slack.settle()
    [post] = posts(slack, "C0ENG")
    assert post.json_arg("blocks")[0]["text"]["text"] == "Agenda · Eng sync"


def test_setup_refuses_what_it_cannot_use_and_keeps_the_modal_open(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    view = slack.last_view()
    reply = slack.submit(ENG, view, setup_values(name=" ", days=(), tz="Moon/Base", attendees=(), lead="2"))
    assert reply.body["response_action"] == "errors"
    assert set(reply.body["errors"]) == {ids.BLOCK_AGENDA_NAME, ids.BLOCK_AGENDA_DAYS, ids.BLOCK_AGENDA_TZ,
                                         ids.BLOCK_AGENDA_ATTENDEES, ids.BLOCK_AGENDA_LEAD}
    assert slack.deps.agenda.meetings("C0ENG") == []
    dm = slack.command(ENG, "/agenda", "setup", channel="D0SOMEDM")
    assert "Run `/agenda setup` in the channel" in dm.text


def _set_up(slack, user=ENG, channel="C0ENG"):
    slack.command(user, "/agenda", "setup", channel=channel)
    slack.submit(user, slack.last_view(), setup_values())
    return slack.deps.agenda.meetings(channel)[0]


def test_the_owner_edits_their_meeting(agenda_slack):
    slack = agenda_slack
    meeting = _set_up(slack)
    listed = slack.command(ENG, "/agenda", "list", channel="C0ENG", tag="eng")
    slack.click(ENG, find_button(listed.blocks, "Edit"), tag="eng", channel="C0ENG")
    view = slack.last_view()
    assert view["blocks"][0]["element"]["initial_value"] == "Eng sync"
    slack.submit(ENG, view, setup_values(name="Eng weekly", days=("friday",), at="15:00"))
    [edited] = slack.deps.agenda.meetings("C0ENG")
    assert (edited.id, edited.name, edited.days, f"{edited.time:%H:%M}") == (meeting.id, "Eng weekly", (4,), "15:00")


def test_others_may_not_edit_or_remove_and_get_a_polite_refusal(agenda_slack):
    slack = agenda_slack
    meeting = _set_up(slack)
    listed = slack.command(DV1, "/agenda", "list", channel="C0ENG")
    assert "Edit" not in str(listed.blocks)  # no buttons for someone who may not use them
    owners = slack.command(ENG, "/agenda", "list", channel="C0ENG").blocks
    for label in ("Edit", "Remove"):
        slack.click(DV1, find_button(owners, label), tag=f"mei-{label}", channel="C0ENG")
        said = slack.responses(f"mei-{label}")[-1]["text"]
        assert said == f"Sorry — only admins and <@{ENG}>, who set it up, can change *Eng sync*."
    assert slack.deps.agenda.meetings("C0ENG") == [meeting]
    # a forged submission of the edit modal is refused too
    view = {"callback_id": ids.VIEW_AGENDA_SETUP,
            "private_metadata": f'{{"channel": "C0ENG", "meeting": "{meeting.id}"}}'}
    refused = slack.submit(DV1, view, setup_values(name="Mine now"))
    assert refused.body["response_action"] == "errors"
    assert slack.deps.agenda.meetings("C0ENG")[0].name == "Eng sync"


def test_an_admin_removes_a_meeting_and_its_agendas_stop(agenda_slack):
    slack = agenda_slack
    _set_up(slack)
    listed = slack.command(CEO, "/agenda", "list", channel="C0ENG", tag="ceo")
    slack.click(CEO, find_button(listed.blocks, "Remove"), tag="ceo", channel="C0ENG")
    redrawn = slack.responses("ceo")[-1]
    assert redrawn["replace_original"] is True and "Removed *Eng sync*" in str(redrawn["blocks"])
    assert slack.deps.agenda.meetings("C0ENG") == []
    slack.deps.agenda.run(berlin(2026, 3, 3, 10, 40))
    slack.settle()
    assert posts(slack, "C0ENG") == []


def test_a_config_meeting_is_read_only_from_slack_even_for_admins(agenda_slack):
    slack = agenda_slack
    listed = slack.command(CEO, "/agenda", "list", channel=CHANNEL)
    assert "from headwork.yml (read-only here" in str(listed.blocks)
    assert "Edit" not in str(listed.blocks)
    forged = {"type": "button", "action_id": ids.ACTION_AGENDA_REMOVE, "block_id": "agenda_tools:cs-weekly",
              "value": "cs-weekly"}
    slack.click(CEO, forged, tag="ceo", channel=CHANNEL)
    assert "defined in headwork.yml, so it can't be changed from Slack" in slack.responses("ceo")[-1]["text"]
    assert [m.id for m in slack.deps.agenda.meetings(CHANNEL)] == [CS_WEEKLY["id"]]


def test_a_project_scoped_meeting_lists_only_that_projects_tasks(demo, model):
    meeting = {"id": "onboarding", "name": "Onboarding review", "channel": CHANNEL, "days": ["monday"],
               "time": "10:00", "project": "Onboarding"}
    with harness(demo, model, [meeting]) as slack:
        reply = slack.command(CS1, "/agenda", channel=CHANNEL)
        shown = item_titles(reply.blocks)
        expected = [t.title for t in slack.store.iter_tasks(open_only=True) if t.project == "Onboarding"]
        assert shown and set(shown) == set(expected)


def test_a_tag_scoped_meeting_with_attendees_needs_both(demo, model):
    meeting = {"id": "renewals", "name": "Renewals", "channel": CHANNEL, "days": ["monday"], "time": "10:00",
               "attendees": [CS1, "U0DEMOCS3"], "tags": ["renewal"]}
    with harness(demo, model, [meeting]) as slack:
        shown = item_titles(slack.command(CS1, "/agenda", channel=CHANNEL).blocks)
        assert sorted(shown) == ["Quarterly business review deck for Acme Retail renewal",
                                 "Send renewal quote to Acme Retail"]


def test_an_ics_meeting_is_read_after_the_ack_then_previewed_from_the_cache(demo, model, tmp_path):
    from tests.test_agenda_recurrence import ICS

    (tmp_path / "standup.ics").write_text(ICS)
    meeting = {"id": "standup", "name": "Standup", "channel": CHANNEL, "ics": str(tmp_path / "standup.ics"),
               "attendees": [CS1, CS2]}
    with harness(demo, model, [meeting]) as slack:
        first = slack.command(CS1, "/agenda", channel=CHANNEL, tag="first")
        assert "Reading the calendar of *Standup*" in first.text
        [later] = slack.responses("first")
        assert "Mon 2 Mar, 08:30 (Europe/London)" in str(later["blocks"][1])  # 09:30 Berlin, in Priya's zone
        assert later["blocks"][0]["text"]["text"] == "Agenda · Standup"
        second = slack.command(CS1, "/agenda", channel=CHANNEL)
        assert second.blocks[0]["text"]["text"] == "Agenda · Standup"  # from the cache, inside the ack


def test_a_tags_only_meeting_is_built_after_the_ack(demo, model):
    meeting = {"id": "renewals", "name": "Renewals", "channel": CHANNEL, "days": ["monday"], "time": "10:00",
               "tags": ["renewal"]}
    with harness(demo, model, [meeting]) as slack:
        reply = slack.command(CS1, "/agenda", channel=CHANNEL, tag="tags")
        assert reply.text == "Gathering the tasks tagged renewal for *Renewals*…" and not reply.blocks
        [later] = slack.responses("tags")
        assert later["replace_original"] is True
        assert sorted(item_titles(later["blocks"])) == ["Quarterly business review deck for Acme Retail renewal",
                                                        "Send renewal quote to Acme Retail"]


def test_a_meeting_every_other_week_posts_on_its_weeks_only(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    values = setup_values(name="Sprint planning", days=("tuesday",))
    values[ids.BLOCK_AGENDA_REPEAT] = {ids.INPUT_AGENDA_REPEAT: {"type": "static_select",
                                                                 "selected_option": {"value": "2"}}}
    values[ids.BLOCK_AGENDA_STARTS] = {ids.INPUT_AGENDA_STARTS: {"type": "datepicker",
                                                                 "selected_date": "2026-03-10"}}
    saved = slack.submit(ENG, slack.last_view(), values)
    confirmation = saved.body["view"]["blocks"][0]["text"]["text"]
    assert "every other week on Tue at 11:00, from the week of 10 Mar 2026" in confirmation
    assert "Tue 10 Mar, 11:00" in confirmation  # not 3 March: before the first meeting
    for day in (berlin(2026, 3, d, 10, 40) for d in (3, 10, 17, 24, 31)):
        slack.deps.agenda.run(day)
    slack.deps.agenda.run(berlin(2026, 4, 7, 10, 40))  # after the clocks went forward: still 11:00 local
    slack.settle()
    posted = [p.json_arg("blocks")[1]["elements"][0]["text"] for p in posts(slack, "C0ENG")]
    assert [t.split(",")[0] for t in posted] == ["*Tue 10 Mar", "*Tue 24 Mar", "*Tue 7 Apr"]
    # editing it keeps the rhythm: the form comes back with it
    slack.click(ENG, find_button(slack.command(ENG, "/agenda", "list", channel="C0ENG").blocks, "Edit"))
    form = slack.last_view()
    blocks = {b.get("block_id"): b for b in form["blocks"]}
    assert blocks[ids.BLOCK_AGENDA_REPEAT]["element"]["initial_option"]["value"] == "2"
    assert blocks[ids.BLOCK_AGENDA_STARTS]["element"]["initial_date"] == "2026-03-10"


def test_the_first_meeting_must_be_on_one_of_its_days(agenda_slack):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    values = setup_values(days=("tuesday",))
    values[ids.BLOCK_AGENDA_STARTS] = {ids.INPUT_AGENDA_STARTS: {"type": "datepicker",
                                                                 "selected_date": "2026-03-11"}}
    reply = slack.submit(ENG, slack.last_view(), values)
    assert reply.body["response_action"] == "errors"
    assert "Wed 11 Mar is not one of the days picked above" in reply.body["errors"][ids.BLOCK_AGENDA_STARTS]


def test_every_other_week_without_a_first_date_starts_with_the_next_meeting_day(agenda_slack):
    slack = agenda_slack  # Monday 2 March
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    values = setup_values(name="Retro", days=("tuesday",))
    values[ids.BLOCK_AGENDA_REPEAT] = {ids.INPUT_AGENDA_REPEAT: {"type": "static_select",
                                                                 "selected_option": {"value": "2"}}}
    saved = slack.submit(ENG, slack.last_view(), values)
    assert "from the week of 03 Mar 2026" in saved.body["view"]["blocks"][0]["text"]["text"]
    for d in (3, 10, 17):
        slack.deps.agenda.run(berlin(2026, 3, d, 10, 40))
    slack.settle()
    assert [p.json_arg("blocks")[1]["elements"][0]["text"].split(",")[0] for p in posts(slack, "C0ENG")] == [
        "*Tue 3 Mar", "*Tue 17 Mar"]


def test_an_admin_skips_the_next_agenda_and_it_can_still_be_posted(agenda_slack):
    slack = agenda_slack  # CS weekly: Mondays 10:00 Berlin, from headwork.yml
    assert "Only admins can skip" in slack.command(CS1, "/agenda", "skip", channel=CHANNEL).body["text"]
    reply = slack.command(CEO, "/agenda", "skip CS weekly", channel=CHANNEL)
    assert "Skipped: no agenda for *CS weekly* on Mon 2 Mar, 10:00 (Europe/Berlin)" in reply.body["text"]
    assert "already posted or skipped" in slack.command(CEO, "/agenda", "skip", channel=CHANNEL).body["text"]
    slack.deps.agenda.run(berlin(2026, 3, 2, 9, 30))
    slack.settle()
    assert posts(slack) == []  # skipped: the scheduler leaves it
    refused = slack.command(CS1, "/agenda", "post", channel=CHANNEL).body["text"]
    assert refused == (f"Skipped by <@{CEO}>: no agenda for *CS weekly* on Mon 2 Mar, 09:00 (Europe/London). "
                       "Admins can post it after all.")  # whoever may skip it, may undo that
    slack.settle()
    assert posts(slack) == []
    assert "Posting the agenda" in slack.command(CEO, "/agenda", "post", channel=CHANNEL).body["text"]
    slack.settle()
    assert len(posts(slack)) == 1  # posted after all, once
    slack.deps.agenda.run(berlin(2026, 3, 9, 9, 30))  # the next week as usual
    slack.settle()
    assert len(posts(slack)) == 2


@pytest.mark.parametrize("typed, stored", [("europe/berlin", "Europe/Berlin"), ("AMERICA/NEW_YORK", "America/New_York"),
                                           ("utc", "UTC"), (" Asia/Kolkata ", "Asia/Kolkata")])
def test_the_time_zone_is_matched_to_its_iana_name_whatever_its_case(agenda_slack, typed, stored):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    saved = slack.submit(ENG, slack.last_view(), setup_values(tz=typed))
    assert saved.body["response_action"] == "update"
    assert f"({stored})" in saved.body["view"]["blocks"][0]["text"]["text"]
    assert slack.deps.agenda.meetings("C0ENG")[0].timezone == stored


@pytest.mark.parametrize("typed", ["localtime", "Factory", "EST", "CET", "US/Pacific", "Etc/GMT+5", "UTC+2", ""])
def test_a_time_zone_that_is_no_region_and_city_is_refused(agenda_slack, typed):
    slack = agenda_slack
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    reply = slack.submit(ENG, slack.last_view(), setup_values(tz=typed))
    assert reply.body["response_action"] == "errors"
    assert "use a region/city name like Europe/Berlin" in reply.body["errors"][ids.BLOCK_AGENDA_TZ]
    assert slack.deps.agenda.meetings("C0ENG") == []
