"""The weekly leadership digest as one Block Kit message, from its figures (`bot.digest.figures`).

Pure: the same figures give the same blocks, so the preview is what is sent. Aggregates only:
no flagger and no author appears anywhere; tasks are shown with their owners, as on /top5.
Every list is cut to fit Slack's limits (3000 characters a section), saying how many were left out.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scoring.tasks import due_date

from .. import ids
from .common import SECTION_TEXT_MAX, button, clip, context, divider, esc, header, link, section

TITLE_MAX = 80


CHART_FOLLOWS = "follows this message"
CHART_IN_DM = "is in your DM with Headwork"  # a /digest preview typed anywhere else: it is uploaded there


def build_digest_blocks(figures: dict, chart: bool = True, chart_where: str = CHART_FOLLOWS) -> list[dict]:
    """`chart`: whether the chart is uploaded (`digest.chart`), which it then says, and where."""
    ws, value, ai = figures["workslop"], figures["value"], figures["ai"]
    blocks = [
        header(f"Weekly digest · {_week_span(figures)}"),
        context(f"Week {figures['week']} ({esc(figures['timezone'])}) · aggregates only: nobody who flagged "
                "or was flagged is ever named"),
        *_coverage(figures),
        divider(),
        *_workslop(ws),
        divider(),
        section("*Priorities — did effort go where the value is?*\n" + _value_line(value)),
        section(_adherence(value["top5"])),
        section(_task_list("*The organisation's top 10 open tasks*", figures["open_top"], None, numbered=True)),
        section(_task_list(f"*Overdue, worth {_pts(figures['overdue']['min_points'])} or more*",
                           figures["overdue"]["tasks"], figures["overdue"]["count"], extra=_due(figures))),
        section(_task_list(f"*Stuck: not updated for {figures['stuck']['days']} days or more, worth "
                           f"{_pts(figures['stuck']['min_points'])} or more*",
                           figures["stuck"]["tasks"], figures["stuck"]["count"], extra=_idle(figures))),
        *_unowned(figures),
        divider(),
        section(_ai_line(ai, value)),
        context((f"The chart of the last eight weeks (workslop hours and value delivered) {chart_where}. "
                 if chart else "") + f"Figures as of {_stamp(figures['built_at'])} UTC."),
        {"type": "actions", "block_id": ids.BLOCK_DIGEST_TOOLS, "elements": [
            button("Stop sending me this", ids.ACTION_DIGEST_STOP, figures["week"], confirm={
                "title": {"type": "plain_text", "text": "Stop the digest?"},
                "text": {"type": "mrkdwn", "text": "You won't get the weekly digest any more. "
                                                   "`/digest start` brings it back."},
                "confirm": {"type": "plain_text", "text": "Stop it"},
                "deny": {"type": "plain_text", "text": "Keep it"}}),
        ]},
    ]
    return blocks


def fallback_text(figures: dict) -> str:
    """The notification line (and what screen readers and old clients show)."""
    ws, value = figures["workslop"], figures["value"]
    return (f"Weekly digest {figures['week']}: {ws['flags']} workslop flag(s), {_duration(_lost(ws)[2])} lost; "
            f"{_pts(value['points'])} delivered from {value['tasks']} completed task(s).")


# --- workslop -------------------------------------------------------------------------------

def _workslop(ws: dict) -> list[dict]:
    if not ws["flags"]:
        return [section("*Workslop*\nNo AI output was flagged as workslop this week."), section(_trend(ws))]
    rated, estimated, lost = _lost(ws)
    parts = [f"*{ws['flags']} flag(s)* from *{ws['people']} {'person' if ws['people'] == 1 else 'people'}* · "
             f"*{_duration(lost)}* lost · *≈ {_money(ws['cost'], ws['currency'])}* at "
             f"{_money(ws['hourly_rate'], ws['currency'])}/h"]
    detail = f"{_duration(rated)} reported on {ws['rated']} rated flag(s)"
    if ws["unrated"]:
        detail += (f" + {_duration(estimated)} estimated for {ws['unrated']} unrated at "
                   f"{_per_flag(ws['minutes_per_unrated'])} each ({esc(ws['estimate_basis'])})")
    parts.append(detail)
    out = [section("*Workslop*\n" + "\n".join(parts)), section(_trend(ws))]
    if ws["details_withheld"]:
        out.append(section("_Reasons and channels are withheld this week: fewer people flagged than the "
                           "anonymity threshold, and a breakdown could point at someone._"))
        return out
    lines = []
    if ws["by_reason"]:
        labels = ws.get("reason_labels", {})
        lines.append("*Why:* " + " · ".join(f"{esc(labels.get(r, r))} {n}" for r, n in ws["by_reason"].items()))
    if ws["by_channel"]:
        lines.append("*Where:* " + " · ".join(f"<#{c}> {n}" for c, n in ws["by_channel"].items()))
    else:
        lines.append("_Where: no public channel had enough people flagging to be named._")
    out.append(section(_fit(lines)))
    return out


def _coverage(figures: dict) -> list[dict]:
    """Headwork started during this week: say since when, so a short week does not read as a quiet one."""
    coverage = figures.get("coverage")
    if not coverage:
        return []
    since = datetime.fromisoformat(coverage["since"])
    days = coverage["days"]
    when = f"Headwork started here on {since:%a %d %b} at {since:%H:%M}"
    if not days:
        return [context(f"_{when}, after this week: nothing in it was measured as it happened._")]
    span = f"{days} of its 7 days" if days < 7 else "the week from then on"
    return [context(f"_{when}: the figures cover {span}._")]


def _trend(ws: dict) -> str:
    trend, lost = ws["trend"], _lost(ws)[2]  # this week's cell: the total said above, to the minute
    # a week before Headwork started was not measured: a dash, not a zero (frozen weeks without the flag: measured)
    cells = [f"{t['week'][-3:]} " + (_duration(lost if t["week"] == ws["week"] else _whole(t["hours"] * 60))
                                     if t.get("measured", True) else "–") for t in trend]
    line = "*Four-week trend:* " + " → ".join(cells)
    if len(trend) >= 2 and not trend[-2].get("measured", True):
        line += " (Headwork started this week: nothing before it to compare with)"
    elif len(trend) >= 2:
        before, now = trend[-2]["hours"], trend[-1]["hours"]
        if before and now != before:
            line += f" ({'up' if now > before else 'down'} {abs(now - before) / before:.0%} on the week before)"
        elif not before and now:
            line += " (none the week before)"
        else:
            line += " (no change)"
    return line


# --- priorities -------------------------------------------------------------------------------

def _value_line(value: dict) -> str:
    if not value["tasks"]:
        return "*Value delivered:* no tasks were completed this week."
    lines = [f"*Value delivered:* {_pts(value['points'])} from {value['tasks']} completed task(s)"]
    lines += [f"• {esc(b['name'])}: {_pts(b['points'])} ({b['tasks']} task(s))" for b in value["by_band"]]
    if any(b["tasks"] for b in value["by_band"]) and sum(b["tasks"] for b in value["by_band"]) > value["tasks"]:
        lines.append("_A task in several bands is split evenly between them._")
    return _fit(lines)


def _adherence(top5: dict) -> str:
    if not top5["completed"]:
        return "*Top-5 adherence:* nothing was completed, so there is nothing to measure."
    return (f"*Top-5 adherence:* {top5['in_top5']} of {top5['completed']} completed task(s) "
            f"(*{top5['share']:.0%}*) were in their owner's top 5 when they were finished.")


def _task_list(title: str, tasks: list[dict], count: int | None, numbered: bool = False, extra=None,
               owners: bool = True) -> str:
    if not tasks:
        return f"{title}\nNone."
    lines = []
    for i, t in enumerate(tasks, start=1):
        owner = (f"<@{t['owner']}>" if t["owner"] else "_no owner_") + " · " if owners else ""
        line = (f"{f'{i}. ' if numbered else '• '}{link(t['url'], clip(t['title'], TITLE_MAX))} — {owner}"
                f"{_pts(t['score'])}")
        if extra:
            line += extra(t)
        if t["reason"]:
            line += f" · _{esc(clip(t['reason'], 80))}_"
        lines.append(line)
    more = (count or len(tasks)) - len(tasks)
    head = title if count is None else f"{title} — {count}"
    return _fit([head, *lines], more=more)


def _unowned(figures: dict) -> list[dict]:
    """Open tasks nobody owns: admins give Slack tasks out from Home. (A week frozen before this list
    existed has none.)"""
    unowned = figures.get("unowned")
    if unowned is None:
        return []
    blocks = [section(_task_list("*Nobody owns*", unowned["tasks"], unowned["count"], owners=False))]
    if unowned["count"]:
        blocks.append(context("Admins give these to someone from *Tasks nobody owns* on Headwork's Home tab."))
    return blocks


def _due(figures: dict):
    tz = ZoneInfo(figures["timezone"])

    def due(t: dict) -> str:
        if not t.get("due"):
            return ""
        at = datetime.fromisoformat(t["due"])
        # an all-day due is its owner's calendar day (weeks frozen before the flag was kept: as then)
        return f" · due {due_date(at, bool(t.get('due_all_day')), tz):%d %b}"

    return due


def _idle(figures: dict):
    built = datetime.fromisoformat(figures["built_at"])

    def idle(t: dict) -> str:
        if not t.get("updated_at"):
            return ""
        return f" · untouched {(built - datetime.fromisoformat(t['updated_at'])).days} days"
    return idle


# --- AI spend --------------------------------------------------------------------------------------

def _ai_line(ai: dict, value: dict) -> str:
    line = (f"*Headwork's own AI this week:* {ai['tokens']:,} tokens in {ai['calls']} call(s), "
            f"{_money(ai['cost_usd'], 'USD', cents=True)}")
    if value["points"]:
        line += (f" — next to {_pts(value['points'])} delivered: {ai['tokens_per_point']:,} tokens and "
                 f"{_money(ai['cost_per_100_points'], 'USD', cents=True)} per 100 points.")
    else:
        line += " — and no value was delivered to set it against."
    return line


# --- formatting ------------------------------------------------------------------------------------

def _fit(lines: list[str], more: int = 0, limit: int = SECTION_TEXT_MAX) -> str:
    """Whole lines up to Slack's limit (a cut link would break the mrkdwn), then how many were left."""
    kept, size = [], 0
    for i, line in enumerate(lines):
        left = len(lines) - i + more
        tail = len(f"\n…and {left} more") if left else 0
        if size + len(line) + 1 + tail > limit and kept:
            more = left
            break
        kept.append(line)
        size += len(line) + 1
    if more:
        kept.append(f"…and {more} more")
    return "\n".join(kept)


def _week_span(figures: dict) -> str:
    start = date.fromisoformat(figures["start"][:10])
    end = start + timedelta(days=6)
    return f"{start:%a %d %b} – {end:%a %d %b %Y}"


def _stamp(value: str) -> str:
    return f"{datetime.fromisoformat(value):%a %d %b %H:%M}"


def _pts(points: float) -> str:
    return f"{points:,.1f} pts" if points != int(points) else f"{int(points):,} pts"


def _whole(minutes: float) -> int:
    """To the nearest minute, halves up (the hours come rounded to 1/100 h: 36 s either way)."""
    return math.floor(minutes + 0.5)


def _lost(ws: dict) -> tuple[int, int, int]:
    """(reported, estimated, lost) minutes: the total is the sum of the two parts as shown. The
    estimate is worked out again from its two exact terms (the hours are rounded to 1/100 h)."""
    rated = _whole(ws["rated_hours"] * 60)
    estimated = _whole(ws["unrated"] * ws["minutes_per_unrated"]) if ws.get("unrated") is not None \
        else _whole(ws["estimated_hours"] * 60)
    return rated, estimated, rated + estimated


def _duration(minutes: int) -> str:
    """Hours and minutes, as the workslop DMs say them: "45 min", "2 h", "1 h 15 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours:,} h" + (f" {rest} min" if rest else "")


def _per_flag(minutes: float) -> str:
    """The estimate for one unrated flag: a median may fall on a half minute, said as it is."""
    if minutes == int(minutes):
        return _duration(int(minutes))
    hours, rest = divmod(minutes, 60)
    return (f"{int(hours)} h " if hours else "") + f"{rest:g} min"


def _money(amount: float | None, currency: str, cents: bool = False) -> str:
    amount = amount or 0.0
    text = f"{amount:,.2f}" if cents or amount < 100 else f"{amount:,.0f}"
    return f"${text}" if currency == "USD" else f"{text} {esc(currency)}"
