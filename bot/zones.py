"""Which time zone names Headwork takes from a person (headwork.yml, the agenda form).

IANA's region/city names and UTC, matched whatever their case ('europe/berlin' is Europe/Berlin).
Not the rest of the database: `localtime` and `Factory` are no places, and EST, CET, US/Pacific or
Etc/GMT+5 are fixed offsets or old aliases (EST is UTC-5 all summer, so a New York team's 10:00
meeting would come an hour late from March to November). Zones Slack gives for a person are not
checked here: Slack sends region/city names.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
           "Pacific")

HINT = ("use a region/city name like Europe/Berlin or America/New_York, or UTC (EST, CET and the like don't "
        "follow a place's daylight saving)")


@cache
def _zones() -> dict[str, str]:
    return {"utc": "UTC"} | {z.lower(): z for z in available_timezones() if z.split("/", 1)[0] in REGIONS
                             and "/" in z}


def canonical_zone(text: str) -> str | None:
    """'europe/berlin' -> 'Europe/Berlin'; None for anything but a region/city name or UTC."""
    return _zones().get(text.strip().lower())
