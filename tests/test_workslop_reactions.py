"""Flagging workslop with a reaction, through signed Events API payloads: messages and files,
redeliveries, removal (in and out of order), self-flags, bots, other emoji, aliases, the cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.workslop_helpers import (GENERAL, LUCIA, PRIYA, SECRET, TOM, dms_to, next_ts, prompt_of, react, text_of,
                                    unreact, workslop_slack)


@pytest.fixture
def ws(demo, model):
    with workslop_slack(demo, model) as slack:
        yield slack


def public_posts(slack):
    """Anything that would show in a channel: posts, ephemerals, reactions — none is allowed."""
    return [c for c in slack.fake.calls() if c.method in ("chat.postMessage", "chat.postEphemeral", "reactions.add",
                                                          "chat.scheduleMessage")
            and not str(c.args.get("channel", "")).startswith(("U", "D"))]


def test_a_reaction_on_a_message_records_a_flag_and_asks_only_the_flagger(ws):
    ts = next_ts()
    assert react(ws, TOM, ts=ts).status == 200
    flag = ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}")
    assert flag is not None and flag.author == PRIYA and flag.channel == GENERAL and flag.source == "reaction"
    assert flag.minutes is None  # unrated until they answer
    prompt = prompt_of(ws, TOM)
    assert prompt["channel"] == "D" + TOM
    assert f"You flagged a message in <#{GENERAL}>" in text_of(prompt["blocks"])
    assert "Only you can see this" in text_of(prompt["blocks"])
    assert [c.args["channel"] for c in ws.fake.calls("chat.postMessage")] == [TOM]
    assert public_posts(ws) == []
    assert ws.ledger.get(flag.id).channel_private is False  # learned from conversations.info, after the ack
    assert ws.outbox.db.get(f"workslop-prompt:{flag.id}").state == "sent"


def test_a_reaction_on_a_file_flags_the_file(ws):
    react(ws, TOM, file="F0SPECDOC", author=PRIYA)
    flag = ws.ledger.find(TOM, "file:F0SPECDOC")
    assert flag is not None and flag.author == PRIYA and flag.channel is None
    assert "You flagged a file" in text_of(prompt_of(ws, TOM)["blocks"])


def test_redeliveries_never_count_twice(ws):
    ts = next_ts()
    first = react(ws, TOM, ts=ts, event_id="Ev0WS000001")
    again = [react(ws, TOM, ts=ts, event_id="Ev0WS000001", retry_num=n) for n in (1, 2, 3)]
    # Slack can also send the same reaction under a new event id (another alias, a second client)
    other = react(ws, TOM, ts=ts, event_id="Ev0WS000002")
    assert {r.status for r in [first, *again, other]} == {200}
    ws.settle()
    start, end = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")), datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC"))
    assert len(list(ws.ledger.rows_between(start, end))) == 1
    assert len(dms_to(ws, TOM)) == 1


def test_taking_the_reaction_off_withdraws_the_flag_and_says_so_in_the_prompt(ws):
    ts = next_ts()
    react(ws, TOM, ts=ts)
    prompt = prompt_of(ws, TOM)
    unreact(ws, TOM, ts=ts)
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is None
    now = prompt_of(ws, TOM)
    assert now["ts"] == prompt["ts"] and "withdrawn" in text_of(now["blocks"])
    assert [b for b in now["blocks"] if b["type"] == "actions"] == []  # nothing left to answer


def test_a_removal_that_arrives_before_its_reaction_wins(ws):
    ts = next_ts()
    unreact(ws, TOM, ts=ts, event_ts="1772438500.000200")
    react(ws, TOM, ts=ts, event_ts="1772438490.000100")  # older: Slack delivered it late
    ws.settle()
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is None
    assert dms_to(ws, TOM) == []
    react(ws, TOM, ts=ts, event_ts="1772438600.000300")  # a genuine new reaction later counts again
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is not None


def test_removed_before_the_prompt_went_out_no_prompt_is_sent(ws):
    ts = next_ts()
    react(ws, TOM, ts=ts)
    ws.settle(drain=False)  # the prompt is queued, not yet delivered
    unreact(ws, TOM, ts=ts)
    ws.settle()
    assert dms_to(ws, TOM) == []


def test_no_self_flags(ws):
    react(ws, PRIYA, author=PRIYA, ts=next_ts())
    ws.settle()
    assert ws.ledger.flags_of(PRIYA, ws.clock() - timedelta(days=1), ws.clock() + timedelta(days=1)) == []
    assert ws.fake.calls("chat.postMessage") == []


def test_reactions_by_bots_are_ignored(ws):
    ws.add_user("U0ZAPBOT", name="zapier", is_bot=True)
    ws.deps.directory.refresh("U0ZAPBOT", ws.clock())
    ws.fake.clear()
    ts = next_ts()
    react(ws, "U0ZAPBOT", ts=ts)  # known to be a bot: dropped before anything is stored
    ws.add_user("U0NEWBOT", name="newbot", is_bot=True)
    react(ws, "U0NEWBOT", ts=ts)  # not known yet: users.info after the ack, then discarded
    ws.settle()
    assert ws.ledger.find("U0ZAPBOT", f"msg:{GENERAL}:{ts}") is None
    assert ws.ledger.find("U0NEWBOT", f"msg:{GENERAL}:{ts}") is None
    assert ws.fake.calls("chat.postMessage") == []
    assert [c.args["user"] for c in ws.fake.calls("users.info")] == ["U0NEWBOT"]


@pytest.mark.parametrize("name, counts", [("thumbsup", False), ("eyes", False), ("workslop", True),
                                          ("workslop::skin-tone-3", True), ("WORKSLOP", True)])
def test_only_the_configured_emoji_counts(ws, name, counts):
    ts = next_ts()
    react(ws, TOM, ts=ts, name=name)
    assert (ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is not None) is counts


def test_aliases_one_flag_and_it_stays_while_another_alias_remains(demo, model):
    with workslop_slack(demo, model, reactions=["workslop", "ai-slop"]) as ws:
        ts = next_ts()
        react(ws, TOM, ts=ts, name="workslop")
        react(ws, TOM, ts=ts, name="ai-slop")
        item = f"msg:{GENERAL}:{ts}"
        remaining = {"names": ["ai-slop"]}
        ws.fake.on("reactions.get", lambda call: {"type": "message", "channel": GENERAL, "message": {
            "ts": ts, "reactions": [{"name": n, "users": [TOM], "count": 1} for n in remaining["names"]]}})
        unreact(ws, TOM, ts=ts, name="workslop")
        ws.settle()
        assert ws.ledger.find(TOM, item) is not None
        assert ws.fake.last("reactions.get").args["timestamp"] == ts
        remaining["names"] = []
        unreact(ws, TOM, ts=ts, name="ai-slop")
        ws.settle()
        assert ws.ledger.find(TOM, item) is None
        assert len(dms_to(ws, TOM)) == 1


def test_the_daily_cap_counts_from_midnight_in_the_flaggers_zone(demo, model):
    with workslop_slack(demo, model, daily_cap=2) as ws:
        # 08:00 UTC on Monday is 03:00 in New York, Lucía's zone
        items = [next_ts() for _ in range(4)]
        for ts in items:
            react(ws, LUCIA, ts=ts)
        ws.settle()
        flags = [ws.ledger.find(LUCIA, f"msg:{GENERAL}:{ts}") for ts in items]
        assert [f is not None for f in flags] == [True, True, False, False]
        dms = dms_to(ws, LUCIA)
        caps = [d for d in dms if "today's limit" in d.args["text"]]
        assert len(caps) == 1 and len(dms) == 3  # two prompts and one kind notice, once
        assert "2 flags" in caps[0].args["text"]
        ws.clock.advance(hours=19)  # 03:00 UTC Tuesday: a new day in UTC, still Monday 22:00 in New York
        react(ws, LUCIA, ts=next_ts())
        assert len(ws.ledger.flags_of(LUCIA, ws.clock() - timedelta(days=2), ws.clock() + timedelta(hours=1))) == 2
        ws.clock.advance(hours=3)  # 01:00 Tuesday in New York
        ts = next_ts()
        react(ws, LUCIA, ts=ts)
        assert ws.ledger.find(LUCIA, f"msg:{GENERAL}:{ts}") is not None


def test_a_private_channel_is_learned_and_unknown_ones_count_as_private(ws):
    react(ws, TOM, channel=SECRET, ts=next_ts())
    react(ws, TOM, channel="C0NOTJOINED", ts=next_ts())  # conversations.info: channel_not_found
    ws.settle()
    assert ws.ledger.channel_privacy(SECRET)[0] is True
    assert ws.ledger.channel_privacy("C0NOTJOINED")[0] is True
    # asked once per channel, then cached
    react(ws, PRIYA, author=TOM, channel=SECRET, ts=next_ts())
    ws.settle()
    assert [c.args["channel"] for c in ws.fake.calls("conversations.info")].count(SECRET) == 1


def test_a_malformed_reaction_event_is_acknowledged_and_changes_nothing(ws):
    for event in ({"type": "reaction_added", "reaction": "workslop"},
                  {"type": "reaction_added", "user": TOM, "reaction": "workslop", "item": "nonsense"},
                  {"type": "reaction_added", "user": TOM, "reaction": "workslop", "item": {"type": "file_comment"}},
                  {"type": "reaction_removed", "user": TOM, "reaction": "workslop", "item": {"type": "message"}}):
        assert ws.event(event).status == 200
    ws.settle()
    assert ws.fake.calls("chat.postMessage") == []


def test_a_late_removal_older_than_a_new_reaction_changes_nothing(ws):
    ts = next_ts()
    react(ws, TOM, ts=ts, event_ts="1772438400.000100")
    react(ws, TOM, ts=ts, event_ts="1772438700.000300")  # off and on again; the "off" comes last
    unreact(ws, TOM, ts=ts, event_ts="1772438500.000200")
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is not None
    unreact(ws, TOM, ts=ts, event_ts="1772438800.000400")  # and a real removal still works
    assert ws.ledger.find(TOM, f"msg:{GENERAL}:{ts}") is None


@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "America/Goose_Bay", "Asia/Beirut", "Europe/London"])
def test_the_remembered_day_start_is_midnight_in_the_zone_across_dst_changes(zone):
    """The cap's day start is remembered per zone for the day. Walked hour by hour through a year,
    and every 30 s through the two days around each clock change, it is always 00:00 of the local
    date, including days whose midnight is skipped or repeated: Sao Paulo's clocks went back from
    00:00 to 23:00 until 2019, Goose Bay's from 00:01 to 23:01 until 2010 (for one minute the
    date is the next day's, then the previous day's again: such a day is not remembered)."""
    from datetime import time, timezone

    from bot.workslop.flagging import local_day_start

    tz = ZoneInfo(zone)
    year = 2010 if zone == "America/Goose_Bay" else 2018
    start = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
    hours = range(start, int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp()), 3600)
    changes = [ts for ts in hours if datetime.fromtimestamp(ts, tz).utcoffset()
               != datetime.fromtimestamp(ts + 3600, tz).utcoffset()]
    assert len(changes) == 2
    walk = list(hours) + [t for change in changes for t in range(change - 86400, change + 86400, 30)]
    for ts in walk:
        now = datetime.fromtimestamp(ts, timezone.utc)
        want = datetime.combine(now.astimezone(tz).date(), time(0), tz)
        got = local_day_start(now, tz)
        assert (got, got.replace(tzinfo=None), got.fold) == (want, want.replace(tzinfo=None), want.fold), now
