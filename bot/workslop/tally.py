"""What workslop cost, per week: pure functions over the ledger's rows (`WorkslopLedger.rows_between`).

Every figure can be recomputed from the ledger by hand:
- *flags*: live flags flagged in the week; *people affected*: distinct flaggers;
- *rated hours*: the sum of the minutes people reported;
- *estimated hours*: each unrated flag counted at the median of that week's rated flags, or —
  when none was rated — at the research average of 1 h 56 min per incident (BetterUp Labs and
  Stanford's Social Media Lab, HBR, Sept 2025);
- *cost*: all hours at the configured loaded hourly rate;
- *by reason*: flags per reason given, whether or not a time was given too (a flag with no reason
  is in no reason's count: "Other" is only what people picked as Other);
- *by channel*: only channels where at least k distinct people flagged that week, and never a
  private channel, DM or one whose privacy is not known yet.
When fewer than k people flagged at all that week, the breakdowns are withheld entirely
(`details_withheld`): with two flaggers, "missing context in #sales" would point at someone.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

RESEARCH_MINUTES = 116  # 1 h 56 min per incident
REASONS = {
    "missing_context": "Missing context",
    "wrong_facts": "Wrong or unchecked facts",
    "padded": "Padded or too long",
    "missed_ask": "Did not answer the ask",
    "other": "Other",
}

Row = tuple  # (flagged_ts, flagger, channel, channel_private, minutes, reason)


@dataclass(frozen=True)
class WeekTally:
    week: str  # ISO week, '2026-W10'
    start: datetime
    end: datetime
    flags: int = 0
    people: int = 0
    rated: int = 0
    rated_hours: float = 0.0
    estimated_hours: float = 0.0
    minutes_per_unrated: float = RESEARCH_MINUTES
    estimate_basis: str = "research average (1 h 56 min)"
    hourly_rate: float = 0.0
    currency: str = "USD"
    by_reason: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    details_withheld: bool = False

    @property
    def unrated(self) -> int:
        return self.flags - self.rated

    @property
    def hours(self) -> float:
        return self.rated_hours + self.estimated_hours

    @property
    def cost(self) -> float:
        return round(self.hours * self.hourly_rate, 2)

    def to_dict(self) -> dict:
        return {"week": self.week, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "flags": self.flags, "people": self.people, "rated": self.rated, "unrated": self.unrated,
                "rated_hours": round(self.rated_hours, 2), "estimated_hours": round(self.estimated_hours, 2),
                "hours": round(self.hours, 2), "minutes_per_unrated": self.minutes_per_unrated,
                "estimate_basis": self.estimate_basis, "cost": self.cost, "currency": self.currency,
                "hourly_rate": self.hourly_rate, "by_reason": dict(self.by_reason),
                "by_channel": dict(self.by_channel), "details_withheld": self.details_withheld}


def is_private(channel: str | None, channel_private: int | bool | None) -> bool:
    """Never name what might be private: DMs and group DMs, private channels, and channels whose
    privacy Slack has not told us yet."""
    if not channel or channel[0] in ("D", "G"):
        return True
    return channel_private is None or bool(channel_private)


def tally_rows(rows: Iterable[Row], week: str, start: datetime, end: datetime, *, hourly_rate: float,
               currency: str = "USD", k: int = 3) -> WeekTally:
    """The tally of one period from its rows (all of them inside [start, end))."""
    flags = 0
    flaggers: set[str] = set()
    rated_minutes: list[int] = []
    reasons: Counter = Counter()
    channel_people: dict[str, set[str]] = defaultdict(set)
    channel_flags: Counter = Counter()
    for _ts, flagger, channel, channel_private, minutes, reason in rows:
        flags += 1
        flaggers.add(flagger)
        if minutes is not None:
            rated_minutes.append(minutes)
        if reason:
            reasons[reason] += 1
        if not is_private(channel, channel_private):
            channel_people[channel].add(flagger)
            channel_flags[channel] += 1
    if rated_minutes:
        per_unrated, basis = float(statistics.median(rated_minutes)), "median of this week's rated flags"
    else:
        per_unrated, basis = float(RESEARCH_MINUTES), "research average (1 h 56 min)"
    withheld = len(flaggers) < k
    channels = {} if withheld else {c: channel_flags[c] for c, people in channel_people.items() if len(people) >= k}
    return WeekTally(
        week=week, start=start, end=end, flags=flags, people=len(flaggers), rated=len(rated_minutes),
        rated_hours=sum(rated_minutes) / 60, estimated_hours=(flags - len(rated_minutes)) * per_unrated / 60,
        minutes_per_unrated=per_unrated, estimate_basis=basis, hourly_rate=hourly_rate, currency=currency,
        by_reason={} if withheld else dict(reasons.most_common()),
        by_channel=dict(sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))), details_withheld=withheld)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in `tz` (DST-correct: a week may be 167 or 169 hours)."""
    monday = date.fromisoformat(f"{week}-1")
    return datetime.combine(monday, time(0), tz), datetime.combine(monday + timedelta(days=7), time(0), tz)


def week_of(moment: datetime, tz: tzinfo) -> str:
    return iso_week(moment.astimezone(tz).date())


def previous_weeks(week: str, count: int) -> list[str]:
    """`count` ISO weeks ending with `week`, oldest first."""
    monday = date.fromisoformat(f"{week}-1")
    return [iso_week(monday - timedelta(weeks=i)) for i in range(count - 1, -1, -1)]


def tally_weeks(rows: Iterable[Row], weeks: list[str], tz: tzinfo, *, hourly_rate: float, currency: str = "USD",
                k: int = 3) -> list[WeekTally]:
    """One tally per ISO week in `weeks` (consecutive, oldest first) from rows covering them all,
    in one pass over the rows."""
    bounds = [week_bounds(w, tz) for w in weeks]
    edges = [b[0].timestamp() for b in bounds] + [bounds[-1][1].timestamp()]
    buckets: list[list[Row]] = [[] for _ in weeks]
    i = 0
    for row in rows:  # rows come oldest first
        ts = row[0]
        while i < len(weeks) and ts >= edges[i + 1]:
            i += 1
        if i == len(weeks):
            break
        if ts >= edges[i]:
            buckets[i].append(row)
    return [tally_rows(bucket, week, start, end, hourly_rate=hourly_rate, currency=currency, k=k)
            for bucket, week, (start, end) in zip(buckets, weeks, bounds)]


# --- the same tallies, aggregated in SQLite (closed weeks kept until one of their flags changes) ---


def _median(histogram: list[tuple[int, int]]) -> float:
    """statistics.median over a (value, count) histogram."""
    histogram = sorted(histogram)
    total = sum(n for _, n in histogram)
    wanted = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value, n in histogram:
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return (found[0] + found[1]) / 2


def tally_aggregate(counts: list[tuple], people: int, channels: list[tuple], week: str, start: datetime,
                    end: datetime, *, hourly_rate: float, currency: str = "USD", k: int = 3) -> WeekTally:
    """`tally_rows` from a period's grouped figures (`WorkslopLedger.week_aggregate`): counts
    [(minutes, reason, flags)], distinct flaggers, public channels [(channel, distinct flaggers, flags)]."""
    flags = sum(n for _, _, n in counts)
    histogram = [(m, n) for m, _, n in counts if m is not None]
    rated = sum(n for _, n in histogram)
    reasons: Counter = Counter()
    for _minutes, reason, n in counts:
        if reason:
            reasons[reason] += n
    if rated:
        per_unrated, basis = float(_median(histogram)), "median of this week's rated flags"
    else:
        per_unrated, basis = float(RESEARCH_MINUTES), "research average (1 h 56 min)"
    withheld = people < k
    order = {rid: i for i, rid in enumerate(REASONS)}
    shown = {c: n for c, distinct, n in channels if distinct >= k}
    return WeekTally(
        week=week, start=start, end=end, flags=flags, people=people, rated=rated,
        rated_hours=sum(m * n for m, n in histogram) / 60, estimated_hours=(flags - rated) * per_unrated / 60,
        minutes_per_unrated=per_unrated, estimate_basis=basis, hourly_rate=hourly_rate, currency=currency,
        by_reason={} if withheld else dict(sorted(reasons.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99)))),
        by_channel={} if withheld else dict(sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))),
        details_withheld=withheld)


def tally_ledger(ledger, weeks: list[str], tz: tzinfo, *, now: datetime | None = None, hourly_rate: float,
                 currency: str = "USD", k: int = 3) -> list[WeekTally]:
    """`tally_weeks` for `weeks`, grouped in SQLite instead of in Python — the same figures (the
    tests check them against `tally_weeks` over `rows_between`), still recomputable by hand.
    Weeks that ended before `now` are cached by the ledger until one of their flags changes."""
    bounds = [week_bounds(week, tz) for week in weeks]
    periods = [(f"{tz}:{week}", start, end, now is not None and end <= now) for week, (start, end) in zip(weeks, bounds)]
    return [tally_aggregate(counts, people, channels, week, start, end, hourly_rate=hourly_rate, currency=currency, k=k)
            for week, (start, end), (counts, people, channels) in zip(weeks, bounds, ledger.week_aggregates(periods))]
