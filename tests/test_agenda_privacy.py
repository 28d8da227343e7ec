"""An agenda shows its attendees' tasks to the whole channel: whoever sets one up may add only
people whose tasks they may see anyway (the rule of /top5 @someone)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot import ids
from bot.devkit.harness import find_button
from bot.meetings import Meeting
from tests.agenda_support import CEO, CS1, DV1, ENG, agenda_slack, item_texts, posts  # noqa: F401
from tests.test_agenda_slack import setup_values

MEI_CHANNEL = "C0MEI"


def _owners(slack, blocks) -> set[str]:
    return {t.split("\n")[1].split(" ")[0] for t in item_texts(blocks)}


def test_someone_who_may_not_see_an_attendees_tasks_cannot_add_them(agenda_slack):
    slack = agenda_slack
    refused = slack.command(DV1, "/top5", f"<@{CEO}|hanna>", channel=MEI_CHANNEL)
    assert "only admins and" in refused.text  # Mei may not read Hanna's list ...
    slack.command(DV1, "/agenda", "setup", channel=MEI_CHANNEL)
    reply = slack.submit(DV1, slack.last_view(), setup_values(name="Spy", days=("friday",), attendees=(CEO,)))
    # ... so neither through an agenda: the modal stays open and says who and why
    assert reply.body["response_action"] == "errors"
    said = reply.body["errors"][ids.BLOCK_AGENDA_ATTENDEES]
    assert said.startswith("You can't add hanna") or said.startswith("You can't add Hanna")
    assert "only admins and a person's manager may see their tasks" in said
    assert slack.deps.agenda.meetings(MEI_CHANNEL) == []
    assert "No meeting in this channel" in slack.command(DV1, "/agenda", channel=MEI_CHANNEL).text
    # herself alone is fine; so is a manager with their team, and an admin with anyone
    ok = slack.submit(DV1, slack.last_view(), setup_values(name="Mine", days=("friday",), attendees=(DV1,)))
    assert ok.body["response_action"] == "update"
    slack.command(ENG, "/agenda", "setup", channel="C0ENG")
    assert slack.submit(ENG, slack.last_view(), setup_values(attendees=(ENG, DV1))).body["response_action"] == "update"
    slack.command(CEO, "/agenda", "setup", channel="C0LEAD")
    assert slack.submit(CEO, slack.last_view(), setup_values(attendees=(CS1, DV1))).body["response_action"] == "update"


def _saved_before_the_check(slack) -> Meeting:
    """A meeting Mei saved with Hanna as an attendee before the form refused it."""
    draft = Meeting(id="new", name="Spy", channel=MEI_CHANNEL, timezone="Europe/Berlin", days=(0,),
                    time=datetime(2026, 1, 1, 10, 0).time(), attendees=(CEO, DV1), max_items=20, owner=DV1,
                    from_config=False)
    return slack.deps.agenda.db.save_meeting(draft, slack.clock(), DV1)


def test_a_meeting_saved_earlier_with_someone_its_owner_may_not_see_leaves_their_tasks_out(agenda_slack):
    slack = agenda_slack
    meeting = _saved_before_the_check(slack)
    preview = slack.command(DV1, "/agenda", channel=MEI_CHANNEL)
    assert item_texts(preview.blocks) and _owners(slack, preview.blocks) == {f"<@{DV1}>"}
    assert f"Leaves out the tasks of <@{CEO}>: <@{DV1}>, who set up this meeting, may not see them" \
        in str(preview.blocks)
    slack.clock.now = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)  # 09:30 Berlin: posted
    slack.deps.agenda.run(slack.clock.now)
    slack.settle()
    [post] = posts(slack, MEI_CHANNEL)
    assert _owners(slack, post.json_arg("blocks")) == {f"<@{DV1}>"}
    # editing it, she is asked to take Hanna off before it saves
    listed = slack.command(DV1, "/agenda", "list", channel=MEI_CHANNEL)
    slack.click(DV1, find_button(listed.blocks, "Edit"), channel=MEI_CHANNEL)
    form = slack.last_view()
    kept = setup_values(name="Spy", days=("monday",), attendees=(CEO, DV1))
    assert slack.submit(DV1, form, kept).body["response_action"] == "errors"
    # an admin editing her meeting is held to what its owner may see
    forged = {"callback_id": ids.VIEW_AGENDA_SETUP,
              "private_metadata": f'{{"channel": "{MEI_CHANNEL}", "meeting": "{meeting.id}"}}'}
    by_admin = slack.submit(CEO, forged, kept)
    assert "set up this meeting and may not see" in by_admin.body["errors"][ids.BLOCK_AGENDA_ATTENDEES]
    fixed = slack.submit(DV1, form, setup_values(name="Spy", days=("monday",), attendees=(DV1,)))
    assert fixed.body["response_action"] == "update"
    assert slack.deps.agenda.meetings(MEI_CHANNEL)[0].attendees == (DV1,)


def test_only_unseen_attendees_gives_an_empty_agenda_not_everyones_tasks(agenda_slack):
    slack = agenda_slack
    draft = Meeting(id="new", name="Spy", channel=MEI_CHANNEL, timezone="Europe/Berlin", days=(0,),
                    time=datetime(2026, 1, 1, 10, 0).time(), attendees=(CEO,), owner=DV1, from_config=False)
    slack.deps.agenda.db.save_meeting(draft, slack.clock(), DV1)
    preview = slack.command(DV1, "/agenda", channel=MEI_CHANNEL)
    assert item_texts(preview.blocks) == []
    assert "Nothing open in this meeting's scope" in str(preview.blocks)
