"""Slack redelivering every event one to three times, and out of order: every flag and every
tally figure comes out exactly as if each reaction had arrived once, in order."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.workslop.tally import iso_week, tally_ledger
from tests.conftest import DEMO_T0
from tests.workslop_helpers import CEO, GENERAL, LUCIA, MEI, SALES, SAM, TOM, reaction, workslop_slack

FLAGGERS = [TOM, LUCIA, MEI, SAM, CEO]
ITEMS = [(GENERAL if i % 2 else SALES, f"1772438400.{i:06d}") for i in range(8)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_event_redelivered_and_shuffled_every_tally_exact(demo, model, seed):
    rnd = random.Random(seed)
    deliveries, expected = [], set()
    event_ts = 1772438400.0
    n = 0
    for person in FLAGGERS:
        for channel, ts in ITEMS:
            if rnd.random() < 0.3:
                continue  # this person never touched this message
            steps = rnd.randint(1, 4)  # add, remove, add, remove ... as Slack allows it
            for step in range(steps):
                event_ts += rnd.uniform(1, 60)
                n += 1
                kind = "reaction_added" if step % 2 == 0 else "reaction_removed"
                event = reaction(kind, person, channel=channel, ts=ts, event_ts=f"{event_ts:.6f}")
                for retry in range(rnd.randint(1, 3)):  # the first delivery, then Slack's retries
                    deliveries.append((event, {"event_id": f"Ev{seed}{n:08d}", "retry_num": retry or None}))
            if steps % 2 == 1:
                expected.add((person, f"msg:{channel}:{ts}"))
    rnd.shuffle(deliveries)
    with workslop_slack(demo, model, daily_cap=1000) as slack:
        for event, envelope in deliveries:
            envelope = {k: v for k, v in envelope.items() if v is not None}
            assert slack.event(event, **envelope).status == 200
        slack.settle()
        flags = {(person, f"msg:{channel}:{ts}") for person in FLAGGERS for channel, ts in ITEMS
                 if slack.ledger.find(person, f"msg:{channel}:{ts}") is not None}
        assert flags == expected
        start, end = DEMO_T0 - timedelta(days=400), DEMO_T0 + timedelta(days=400)
        assert len(list(slack.ledger.rows_between(start, end))) == len(expected)  # nothing else, nothing twice
        week = iso_week(DEMO_T0.date())
        [tally] = tally_ledger(slack.ledger, [week], ZoneInfo("UTC"), hourly_rate=100.0, k=3)
        assert tally.flags == len(expected)
        assert tally.people == len({person for person, _ in expected})
        prompted = {c.args["channel"] for c in slack.fake.calls("chat.postMessage")}
        assert prompted <= {person for person in FLAGGERS}  # prompts only ever to flaggers themselves
    assert len(deliveries) > 2 * len(expected) > 20  # the shuffle had plenty to get wrong
