"""The due date a `/task` line ends with (bot.quick_add): what is read, and what stays the title."""

from __future__ import annotations

from datetime import date

import pytest

from bot.quick_add import read_quick_add

TUESDAY = date(2026, 12, 1)


@pytest.mark.parametrize("line, title, due", [
    ("Send Brightline the contract by Friday", "Send Brightline the contract", date(2026, 12, 4)),
    ("Ship the fix tomorrow.", "Ship the fix", date(2026, 12, 2)),
    ("Ship the fix TMRW", "Ship the fix", date(2026, 12, 2)),
    ("Can you send the deck by Friday?", "Can you send the deck", date(2026, 12, 4)),
    ("Reply to Kestrel today!", "Reply to Kestrel", date(2026, 12, 1)),
    ("Pay the invoice - due tomorrow", "Pay the invoice", date(2026, 12, 2)),
    ("Review the SOW on tue", "Review the SOW", TUESDAY),  # said on a Tuesday: today
    ("Review the SOW on Monday", "Review the SOW", date(2026, 12, 7)),
    ("Follow up in 2 weeks", "Follow up", date(2026, 12, 15)),
    ("Decide in 1 day", "Decide", date(2026, 12, 2)),
    ("Renewal deck due by 4 Dec", "Renewal deck", date(2026, 12, 4)),
    ("Renewal deck by December 4th", "Renewal deck", date(2026, 12, 4)),
    ("Renewal deck on Dec 4, 2027", "Renewal deck", date(2027, 12, 4)),
    ("Q1 plan by 4 Jan", "Q1 plan", date(2027, 1, 4)),  # no year: the next 4 January
    ("Q1 plan by 30 Nov", "Q1 plan", date(2027, 11, 30)),  # yesterday's date: next year's
    ("Budget by 5.1.", "Budget", date(2027, 1, 5)),
    ("Budget by 5.1.2027", "Budget", date(2027, 1, 5)),
    ("Launch by 2026-12-24", "Launch", date(2026, 12, 24)),
    ("Leap-day party by 29 Feb", "Leap-day party", date(2028, 2, 29)),
    ("Prepare the slides for tomorrow", "Prepare the slides for tomorrow", date(2026, 12, 2)),
    ("Send the numbers by EOD", "Send the numbers", TUESDAY),
    ("Send the numbers by end of day", "Send the numbers", TUESDAY),
    ("Close the quarter by EOW", "Close the quarter", date(2026, 12, 4)),
    ("Close the quarter by end of the week", "Close the quarter", date(2026, 12, 4)),
    ("Plan the offsite next week", "Plan the offsite", date(2026, 12, 7)),
    # a time of day after a day: the end of *that* day, not today's
    ("Send Brightline the contract by Friday EOD", "Send Brightline the contract", date(2026, 12, 4)),
    ("Send Brightline the contract by Friday end of day.", "Send Brightline the contract", date(2026, 12, 4)),
    ("Send the numbers tomorrow EOD", "Send the numbers", date(2026, 12, 2)),
    ("Send the numbers on 4 Dec tonight", "Send the numbers", date(2026, 12, 4)),
    ("Send the numbers EOD", "Send the numbers", TUESDAY),
])
def test_a_line_ending_in_a_due_date_gives_the_date_and_a_title_without_it(line, title, due):
    read = read_quick_add(line, TUESDAY)
    assert (read.title, read.due) == (title, due)


@pytest.mark.parametrize("line", [
    "Plan tomorrow's standup",
    "Notes for Friday",  # a weekday needs by/on/due
    "Wait until tomorrow",
    "Plan the day after tomorrow",
    "Review the Q3 plan",
    "Call them by 31 Feb",  # no such day: kept as typed, not guessed
    "Launch by 2026-13-24",
    "tomorrow",  # nothing left for a title
    "by Friday",
    "Lead the team by example",
])
def test_anything_else_stays_the_title_with_no_due_date(line):
    read = read_quick_add(line, TUESDAY)
    assert (read.title, read.due) == (line, None)


def test_spaces_are_tidied_as_before():
    assert read_quick_add("  Write   the launch email ", TUESDAY).title == "Write the launch email"


def test_a_line_starting_with_a_mention_names_the_owner():
    read = read_quick_add("<@U0PRIYA|priya> Review the deck by Friday", TUESDAY)
    assert (read.owner, read.title, read.due) == ("U0PRIYA", "Review the deck", date(2026, 12, 4))
    assert read_quick_add("<@U0PRIYA>, review the deck", TUESDAY).title == "review the deck"


def test_a_mention_elsewhere_and_slack_markup_read_as_a_person_reads_them():
    read = read_quick_add("Ask <@U0PRIYA> about R&amp;D at <https://x.example|the offsite>", TUESDAY,
                          name_for=lambda user_id: "Priya")
    assert (read.owner, read.title) == (None, "Ask @Priya about R&D at the offsite")


def test_a_line_that_is_only_a_mention_is_its_own_title():
    read = read_quick_add("<@U0PRIYA|priya>", TUESDAY)
    assert (read.owner, read.title) == (None, "@priya")


@pytest.mark.parametrize("line, title, due, hours", [
    ("Reply to Kestrel (30m)", "Reply to Kestrel", None, 0.5),
    ("Reply to Kestrel (30m) by Friday", "Reply to Kestrel", date(2026, 12, 4), 0.5),
    ("Reply to Kestrel by Friday (30 min)", "Reply to Kestrel", date(2026, 12, 4), 0.5),
    ("Fix the export ~2h", "Fix the export", None, 2.0),
    ("Fix the export ~ 1,5 h tomorrow", "Fix the export", date(2026, 12, 2), 1.5),
    ("Call the venue (2 hours).", "Call the venue", None, 2.0),
    ("Book a 30m slot", "Book a 30m slot", None, None),  # not at the end, not marked
    ("Plan the offsite (500h)", "Plan the offsite (500h)", None, None),  # beyond what the form takes
    ("Plan the offsite (10 min)", "Plan the offsite (10 min)", None, None),
    ("(30m)", "(30m)", None, None),
])
def test_an_estimate_at_the_end_is_the_persons_own(line, title, due, hours):
    read = read_quick_add(line, TUESDAY)
    assert (read.title, read.due, read.estimate_hours) == (title, due, hours)


def test_end_of_week_said_on_a_saturday_is_the_next_friday():
    assert read_quick_add("Close the quarter by EOW", date(2026, 12, 5)).due == date(2026, 12, 11)
    assert read_quick_add("Close the quarter by EOW", date(2026, 12, 4)).due == date(2026, 12, 4)  # a Friday
