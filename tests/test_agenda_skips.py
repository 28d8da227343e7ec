"""/agenda skip: who may skip may also undo it with /agenda post (others are told who skipped and
who may post it), a skip is visible in /agenda and /agenda list, and a date skips a later one."""

from __future__ import annotations

from datetime import timezone

from tests.agenda_support import CHANNEL, CS1, CS2, CS_WEEKLY, berlin, harness, posts

OWNED = dict(CS_WEEKLY, owner=CS1)  # Mondays 10:00 Berlin; Priya (London) owns it


def test_a_skipped_agenda_is_shown_as_skipped_and_only_who_may_skip_may_post_it(demo, model):
    with harness(demo, model, [OWNED], now=berlin(2026, 3, 2, 11, 0)) as slack:  # today's is over: next 9 Mar
        assert "Skipped: no agenda for *CS weekly* on Mon 9 Mar" in slack.command(CS1, "/agenda", "skip",
                                                                                 channel=CHANNEL).text
        listed = str(slack.command(CS2, "/agenda", "list", channel=CHANNEL).blocks)
        assert f"Next: Mon 9 Mar, 09:00 (Europe/London): skipped by <@{CS1}>, no agenda" in listed
        preview = str(slack.command(CS2, "/agenda", channel=CHANNEL).blocks)
        assert f"Skipped by <@{CS1}>: no agenda will be posted for it" in preview
        refused = slack.command(CS2, "/agenda", "post", channel=CHANNEL).text
        assert refused == (f"Skipped by <@{CS1}>: no agenda for *CS weekly* on Mon 9 Mar, 09:00 (Europe/London). "
                           f"Admins and <@{CS1}> can post it after all.")
        slack.settle()
        assert posts(slack) == []
        assert "Posting the agenda" in slack.command(CS1, "/agenda", "post", channel=CHANNEL).text
        slack.settle()
        assert len(posts(slack)) == 1


def test_a_date_skips_that_days_agenda_for_a_holiday(demo, model):
    with harness(demo, model, [OWNED], now=berlin(2026, 3, 2, 11, 0)) as slack:
        for when in ("16 Mar", "CS weekly 2026-03-23"):
            said = slack.command(CS1, "/agenda", f"skip {when}", channel=CHANNEL).text
            assert said.startswith("Skipped: no agenda for *CS weekly* on Mon ")
        assert "doesn't meet on Tue 17 Mar" in slack.command(CS1, "/agenda", "skip Tue 17 Mar", channel=CHANNEL).text
        assert "is not a date I know" in slack.command(CS1, "/agenda", "skip 31 Feb", channel=CHANNEL).text
        assert "Only admins and" in slack.command(CS2, "/agenda", "skip 30 Mar", channel=CHANNEL).text
        listed = str(slack.command(CS2, "/agenda", "list", channel=CHANNEL).blocks)
        assert "Next: Mon 9 Mar, 09:00 (Europe/London) ·" in listed
        assert f"Skipped later, no agenda: Mon 16 Mar by <@{CS1}> · Mon 23 Mar by <@{CS1}>" in listed
        for day in (9, 16, 23, 30):
            slack.clock.now = berlin(2026, 3, day, 9, 30).astimezone(timezone.utc)
            slack.deps.agenda.run(slack.clock.now)
            slack.settle()
        starts = [p.json_arg("blocks")[1]["elements"][0]["text"].split(",")[0] for p in posts(slack)]
        assert starts == ["*Mon 9 Mar", "*Mon 30 Mar"]
