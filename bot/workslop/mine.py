"""`/workslop`: a person's own flags this week, in their own time zone. Nobody else's."""

from __future__ import annotations

from datetime import timedelta

from ..blocks.workslop import build_my_week
from ..deps import Deps
from .flagging import ledger_of
from .tally import week_bounds, week_of


def my_week_reply(deps: Deps, user: str) -> dict:
    tz = deps.directory.tz_for(user)
    start, end = week_bounds(week_of(deps.now(), tz), tz)
    flags = ledger_of(deps).flags_of(user, start, end)
    return build_my_week(flags, start, end - timedelta(days=1))
