"""What a `/task` line says besides its title: "/task @priya Send Brightline the contract by Friday".

**The owner** is the person the line starts by mentioning ("@priya ..."), else whoever typed it;
a mention anywhere else is part of the title, as it reads ("Ask @priya about the renewal").
Slack's markup is turned into what a person reads (`bot.slack_text`).

**An estimate** in hours or minutes at the end, in brackets or after a tilde ("(30m)", "(1.5 h)",
"~2h"), is the person's own: two hours or less makes a quick win, as in the form.

**The due date** is read from the end of the line, and only these forms (any case, a final ".", "!"
or "?" allowed):

- ``today``, ``tonight``, ``tomorrow`` (``tmrw``), ``EOD`` (today), ``EOW`` or ``end of week`` (the
  coming Friday), ``next week`` (its Monday), alone at the end: "Ship the fix tomorrow";
- ``in N days`` / ``in N weeks`` ("Follow up in 2 weeks");
- a day followed by ``EOD``, ``end of day`` or ``tonight``: "by Friday EOD" is due Friday, as "by Friday" is;
- ``by``, ``on``, ``due`` or ``due by``/``due on`` before one of: those words, a weekday
  ("by Friday", "on thu"), a date ("by 2026-12-04", "due 4 Dec", "on Dec 4", "by 4.12.",
  "by 4 December 2026").

A weekday is the next one, today included (said on a Friday, "by Friday" is today). A date
without a year is the next one (in December, "by 4 Jan" is next January). Everything else is
left in the title: "Plan tomorrow's standup", "Notes for Friday", "Wait until tomorrow" and
"Review the Q3 plan" get no due date, and a line that is nothing but a date stays the title.
"Prepare the slides for tomorrow" is due tomorrow and keeps its whole title. Pure: the person's own
"today" is passed in, so the day is theirs, in their time zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from .slack_text import leading_mention, plain_text

_WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"))) for name in names}
_MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}

_RELATIVE = r"today|tonight|tomorrow|tmrw|eod|end of (?:the )?day|eow|end of (?:the )?week|next week"
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_PHRASE = (rf"(?P<rel>{_RELATIVE})|(?P<wd>{_WEEKDAY})"
               r"|(?P<iso>\d{4}-\d{2}-\d{2})"
               rf"|(?P<dm_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dm_m>{_MONTH})\.?(?:,?\s+(?P<dm_y>\d{{4}}))?"
               rf"|(?P<md_m>{_MONTH})\.?\s+(?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<md_y>\d{{4}}))?"
               r"|(?P<dot_d>\d{1,2})\.(?P<dot_m>\d{1,2})\.(?P<dot_y>\d{4}|\d{2})?")
_TRAILING = re.compile(
    rf"(?:^|\s)(?:(?:due\s+(?:by|on)|by|on|due)\s+(?:{_DAY_PHRASE})"
    rf"|(?P<bare>{_RELATIVE})"
    r"|in\s+(?P<n>\d{1,3})\s+(?P<unit>days?|weeks?))[.!?]?$",
    re.IGNORECASE)
# "Wait until tomorrow", "Plan the day after tomorrow": the day is not when the task is due
_NOT_A_DUE_DATE = frozenset(("until", "till", "after", "since", "from", "of", "than", "the", "before"))
_END_OF_DAY = frozenset(("eod", "end of day", "end of the day", "tonight"))  # a time of day, today unless a day precedes it
_DANGLING = re.compile(r"[\s,;:\u2013\u2014-]+$")


@dataclass(frozen=True)
class QuickAdd:
    title: str
    due: date | None = None
    owner: str | None = None  # the Slack user the line gives the task to (None: the person typing)
    estimate_hours: float | None = None  # the person's own estimate: "(30m)", "~2h"


def read_quick_add(text: str, today: date, name_for: Callable[[str], str] = lambda user_id: user_id) -> QuickAdd:
    """The owner, title, estimate and due date of a `/task` line (Slack's markup, as the command sends it);
    the line itself as the title when it ends in no due date (or in an impossible one: "by 31 Feb"
    stays in the title). `name_for` names a mentioned user whose mention carries no name."""
    owner, rest = leading_mention(text)
    line = " ".join(plain_text(rest, name_for).split())
    hours, line = _estimate(line)
    read = read_due_date(line, today)
    if hours is None and read.due is not None:  # "… by Friday (30m)" and "… (30m) by Friday" alike
        hours, title = _estimate(read.title)
        read = QuickAdd(title, read.due) if title else read
    if not read.title:
        return QuickAdd(" ".join(plain_text(text, name_for).split()))  # nothing but a mention: the title
    return QuickAdd(read.title, read.due, owner, hours)


# "(30m)", "(1.5 h)", "(90 min)", "~2h", "~ 45 minutes" at the end of a line
_ESTIMATE = re.compile(r"\s*(?:\(\s*~?\s*(?P<a>\d{1,3}(?:[.,]\d{1,2})?)\s*(?P<au>h|hrs?|hours?|m|mins?|minutes?)\s*\)"
                       r"|~\s*(?P<b>\d{1,3}(?:[.,]\d{1,2})?)\s*(?P<bu>h|hrs?|hours?|m|mins?|minutes?))[.!?]?$",
                       re.IGNORECASE)
ESTIMATE_HOURS = (0.25, 400.0)  # what the task form accepts


def _estimate(line: str) -> tuple[float | None, str]:
    """(hours, the line without them) when the line ends in an estimate the form would accept."""
    m = _ESTIMATE.search(line)
    if m is None:
        return None, line
    value = float((m["a"] or m["b"]).replace(",", "."))
    hours = value if (m["au"] or m["bu"]).lower().startswith("h") else value / 60
    if not ESTIMATE_HOURS[0] <= hours <= ESTIMATE_HOURS[1] or not line[:m.start()].strip():
        return None, line
    return round(hours, 2), _DANGLING.sub("", line[:m.start()])


def read_due_date(line: str, today: date) -> QuickAdd:
    """The title and due date of plain text (a message's first line, for "Make this a task")."""
    m = _TRAILING.search(line)
    if m is None:
        return QuickAdd(line)
    title = _DANGLING.sub("", line[:m.start()])
    due = _day(m, today)
    if not title or due is None:
        return QuickAdd(line)
    if m["bare"]:
        if " ".join(m["bare"].lower().split()) in _END_OF_DAY:  # "by Friday EOD": the end of *that* day
            earlier = read_due_date(title, today)
            if earlier.due is not None:
                return earlier
        before = title.rsplit(" ", 1)[-1].lower()
        if before == "for":  # "Prepare the slides for tomorrow": due then, and the title reads as typed
            return QuickAdd(line, due)
        if before in _NOT_A_DUE_DATE:
            return QuickAdd(line)
    return QuickAdd(title, due)


def _day(m: re.Match, today: date) -> date | None:
    g = m.groupdict()
    relative = g["rel"] or g["bare"]
    if relative:
        word = " ".join(relative.lower().split())
        if word in ("tomorrow", "tmrw"):
            return today + timedelta(days=1)
        if word == "next week":  # its Monday
            return today + timedelta(days=7 - today.weekday())
        if word in ("eow", "end of week", "end of the week"):  # the coming Friday (said at the weekend: next one)
            return today + timedelta(days=(4 - today.weekday()) % 7)
        return today
    if g["n"]:
        n = int(g["n"])
        return today + timedelta(days=n * (7 if g["unit"].lower().startswith("week") else 1))
    if g["wd"]:
        return today + timedelta(days=(_WEEKDAYS[g["wd"].lower()] - today.weekday()) % 7)
    try:
        if g["iso"]:
            return date.fromisoformat(g["iso"])
        if g["dm_d"]:
            return _dated(today, int(g["dm_d"]), _MONTHS[g["dm_m"].lower()], g["dm_y"])
        if g["md_d"]:
            return _dated(today, int(g["md_d"]), _MONTHS[g["md_m"].lower()], g["md_y"])
        return _dated(today, int(g["dot_d"]), int(g["dot_m"]), g["dot_y"])
    except ValueError:  # 31 Feb, month 13
        return None


def _dated(today: date, day: int, month: int, year: str | None) -> date | None:
    """The date; without a year the next one from today (29 Feb: the next leap year's). None when
    there is no such day."""
    if year:
        return date(int(year) + (2000 if len(year) == 2 else 0), month, day)  # ValueError: no such day
    for candidate in range(today.year, today.year + 9):
        try:
            due = date(candidate, month, day)
        except ValueError:
            continue  # 29 Feb in a common year (31 Feb in every year: None)
        if due >= today:
            return due
    return None
