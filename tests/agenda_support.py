"""Shared pieces of the agenda tests: the demo organisation with meetings configured."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.devkit.harness import SlackHarness
from tests.conftest import DEMO_T0, demo_config

BERLIN = ZoneInfo("Europe/Berlin")
CS1, CS2, CS3, CEO, ENG, DV1 = "U0DEMOCS1", "U0DEMOCS2", "U0DEMOCS3", "U0DEMOCEO", "U0DEMOENG", "U0DEMODV1"
CHANNEL = "C0CSTEAM"
CS_WEEKLY = {"id": "cs-weekly", "name": "CS weekly", "channel": CHANNEL, "days": ["monday"], "time": "10:00",
             "attendees": [CS1, CS2, CS3], "max_items": 5}


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def harness(demo, model, meetings: list[dict], now: datetime = DEMO_T0, **kwargs) -> SlackHarness:
    org, store = demo
    config = {**demo_config(org), "meetings": meetings}
    h = SlackHarness(store, config=config, now=now, model=model, **kwargs)
    for person in org.people:
        h.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name, tz=person.tz)
        h.deps.directory.refresh(person.id, now)
    h.fake.add_channel(CHANNEL, "cs-team")
    h.fake.clear()
    return h


@pytest.fixture
def agenda_slack(demo, model):
    """The demo organisation with one configured meeting: CS weekly, Mondays 10:00 Berlin, 30 min lead."""
    with harness(demo, model, [CS_WEEKLY]) as h:
        yield h
        h.settle()
        assert h.fake.block_kit_problems() == []


def posts(slack, channel: str = CHANNEL) -> list:
    return [c for c in slack.fake.calls("chat.postMessage") if c.args.get("channel") == channel]


def item_titles(blocks: list[dict]) -> list[str]:
    """The titles of an agenda's items, in order."""
    import re

    out = []
    for b in blocks:
        if str(b.get("block_id", "")).startswith("agenda_item_"):
            out.append(re.search(r"\*\d+\. (?:~)?(?:<[^|]+\|)?([^>*~]+)", b["text"]["text"]).group(1))
    return out


def item_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if str(b.get("block_id", "")).startswith("agenda_item_")]
