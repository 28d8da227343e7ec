"""What leaders and authors get from workslop — the tally over real flows, k-anonymity, the
optional author note — and the promise behind it: nothing a flagger does is visible to anyone
else. Plus `headwork forget`, through the command line's entry point."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.cli import main
from bot.workslop.author_notes import author_notes_job
from bot.workslop.tally import tally_rows, tally_weeks, week_bounds
from tests.workslop_helpers import (CEO, GENERAL, LUCIA, MEI, PRIYA, SALES, SAM, SECRET, TOM, click_dm, dms_to,
                                    next_ts, prompt_of, react, text_of, time_values, unreact, workslop_slack)

BERLIN = ZoneInfo("Europe/Berlin")


def rate(ws, user, label=None, reason=None):
    if label:
        click_dm(ws, user, prompt_of(ws, user), label)
    if reason:
        click_dm(ws, user, prompt_of(ws, user), reason=reason)


def week_tally(ws, k=3):
    start, end = week_bounds("2026-W10", BERLIN)
    config = ws.settings.config.workslop
    return tally_rows(ws.ledger.rows_between(start, end), "2026-W10", start, end, hourly_rate=config.hourly_rate,
                      currency=config.currency, k=k)


def test_the_tally_of_a_week_of_real_flows_matches_the_hand_computed_figures(demo, model):
    with workslop_slack(demo, model, hourly_rate=90) as ws:
        shared = next_ts()
        react(ws, TOM, ts=shared)
        rate(ws, TOM, "30 min", "missing_context")
        react(ws, MEI, ts=shared)
        rate(ws, MEI, "1 h", "missing_context")
        react(ws, SAM, ts=next_ts())
        rate(ws, SAM, "2 h", "wrong_facts")
        react(ws, LUCIA, channel=SALES, ts=next_ts())
        rate(ws, LUCIA, "Half a day", "padded")
        react(ws, CEO, channel=SALES, ts=next_ts())  # never rated
        react(ws, TOM, channel=SECRET, ts=next_ts())  # never rated, private channel
        gone = next_ts()
        react(ws, PRIYA, author=TOM, ts=gone)
        unreact(ws, PRIYA, author=TOM, ts=gone)  # withdrawn: not counted
        ws.settle()
        week = week_tally(ws)
        # six live flags by five people; rated 30 + 60 + 120 + 240 = 450 min; median of rated = 90 min
        assert (week.flags, week.people, week.rated, week.unrated) == (6, 5, 4, 2)
        assert week.rated_hours == pytest.approx(7.5)
        assert week.minutes_per_unrated == 90 and week.estimated_hours == pytest.approx(3.0)
        assert week.cost == pytest.approx(10.5 * 90)
        assert week.by_reason == {"missing_context": 2, "wrong_facts": 1, "padded": 1}
        # general: Tom, Mei, Sam = 3 people -> named; sales: 2 people -> not; the private channel never
        assert week.by_channel == {GENERAL: 3}
        assert tally_weeks(ws.ledger.rows_between(*week_bounds("2026-W10", BERLIN)), ["2026-W10"], BERLIN,
                           hourly_rate=90)[0].flags == 6


def test_k_anonymity_holds_back_details_below_k_people(demo, model):
    with workslop_slack(demo, model) as ws:
        react(ws, TOM, ts=next_ts())
        rate(ws, TOM, "1 h", "padded")
        react(ws, SAM, ts=next_ts())
        ws.settle()
        week = week_tally(ws)
        assert week.flags == 2 and week.details_withheld and week.by_channel == {} and week.by_reason == {}
        react(ws, MEI, channel=SECRET, ts=next_ts())
        react(ws, LUCIA, channel=SECRET, ts=next_ts())
        react(ws, CEO, channel=SECRET, ts=next_ts())
        ws.settle()
        week = week_tally(ws)
        assert not week.details_withheld and week.people == 5
        assert SECRET not in week.by_channel and week.by_channel == {}  # three people, but private



def test_the_digests_why_counts_the_reasons_people_gave_with_or_without_a_time(demo, model):
    from bot.digest.figures import build_figures
    from bot.digest.service import digest_message

    with workslop_slack(demo, model) as ws:
        react(ws, TOM, ts=next_ts())
        rate(ws, TOM, "1 h")  # a time, no reason: not "Other"
        react(ws, MEI, ts=next_ts())
        rate(ws, MEI, reason="wrong_facts")  # a reason, no time: still a reason
        react(ws, SAM, ts=next_ts())
        rate(ws, SAM, "30 min", "padded")
        ws.settle()
        assert week_tally(ws).by_reason == {"wrong_facts": 1, "padded": 1}
        digest = digest_message(build_figures(ws.store, model, ws.settings, "2026-W10", ws.clock() + timedelta(days=7)))
        why = next(line for line in text_of(digest["blocks"]).splitlines() if line.startswith("*Why:*"))
        assert "Wrong or unchecked facts 1" in why and "Padded or too long 1" in why and "Other" not in why


# --- the author note -------------------------------------------------------------------------------


def end_of_day(ws, person):
    """17:45 in the person's zone, on the day of the morning's flags."""
    tz = ZoneInfo(next(p.tz for p in ws.org.people if p.id == person))
    day = ws.clock().astimezone(tz).date()
    return datetime.combine(day, datetime.min.time().replace(hour=17, minute=45), tz)


def flags_on_priyas_output(ws):
    react(ws, TOM, ts=next_ts())
    rate(ws, TOM, "1 h", "missing_context")
    react(ws, SAM, ts=next_ts())
    rate(ws, SAM, "2 h", "missing_context")
    react(ws, MEI, channel="D0MEIPRIYA", ts=next_ts())  # a DM: the author would know who
    ws.settle()


def test_with_the_author_note_off_nothing_ever_goes_to_the_author(demo, model):
    with workslop_slack(demo, model) as ws:
        flags_on_priyas_output(ws)
        for hours in (0, 12, 30, 60):
            ws.clock.now = end_of_day(ws, PRIYA) + timedelta(hours=hours)
            assert author_notes_job(ws.deps, ws.clock()) == 0
        ws.settle()
        assert dms_to(ws, PRIYA) == []


def test_the_author_note_is_kind_private_batched_and_never_says_who(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        flags_on_priyas_output(ws)
        assert author_notes_job(ws.deps, ws.clock()) == 0  # not at the moment of flagging
        ws.clock.now = end_of_day(ws, PRIYA)
        assert author_notes_job(ws.deps, ws.clock()) == 1
        assert author_notes_job(ws.deps, ws.clock() + timedelta(minutes=15)) == 0  # once a day
        ws.settle()
        [note] = dms_to(ws, PRIYA)
        sent = json.dumps(note.args)
        assert "missing context (2)" in note.args["text"] and "2 things" in note.args["text"]
        for flagger in (TOM, SAM, MEI):
            person = next(p for p in ws.org.people if p.id == flagger)
            assert flagger not in sent and person.name not in sent and person.name.split()[0] not in sent
        assert GENERAL not in sent and "D0MEIPRIYA" not in sent



def note_text(ws, person=PRIYA):
    ws.settle()
    return [c.args["text"] for c in dms_to(ws, person)]


def test_the_author_note_leaves_out_group_dms_private_and_small_channels_and_files(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        ws.fake.add_channel("C0PAIR", "priya-tom", is_private=True, num_members=2)
        ws.fake.add_channel("C0MPIM", "mpdm-priya--tom--mei-1", is_private=False, is_mpim=True, num_members=3)
        ws.fake.add_channel("C0BIGPRIV", "leadership", is_private=True, num_members=60)
        ws.fake.add_channel("C0SMALL", "proj-x", is_private=False, num_members=4)  # Priya, Headwork, 2 others; k = 3
        react(ws, TOM, channel="C0PAIR", ts=next_ts())
        react(ws, SAM, channel="C0BIGPRIV", ts=next_ts())
        react(ws, LUCIA, channel="C0SMALL", ts=next_ts())
        react(ws, MEI, file="F0DRAFT", ts=None)
        ws.shortcut(TOM, ids.SHORTCUT_FLAG_WORKSLOP, {"type": "message", "user": PRIYA, "ts": next_ts(),
                                                      "text": "AI summary"}, channel="C0MPIM")
        ws.submit(TOM, ws.last_view(), time_values(preset="60", reason="missing_context"))
        ws.settle()
        ws.clock.now = end_of_day(ws, PRIYA)
        assert author_notes_job(ws.deps, ws.clock()) == 0
        assert note_text(ws) == []
        ws.clock.now = end_of_day(ws, PRIYA) + timedelta(hours=16)  # Tuesday 09:45: a flag in #general (40 people)
        react(ws, TOM, ts=next_ts())
        ws.settle()
        ws.clock.now = end_of_day(ws, PRIYA) + timedelta(days=1)
        assert author_notes_job(ws.deps, ws.clock()) == 1
        assert "A recipient said something you shared recently was hard to use" in note_text(ws)[0]


def test_the_author_note_counts_things_not_flags(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        shared = next_ts()
        for who in (TOM, SAM, MEI):
            react(ws, who, ts=shared)
            rate(ws, who, "1 h", "missing_context")
        ws.clock.now = end_of_day(ws, PRIYA)
        assert author_notes_job(ws.deps, ws.clock()) == 1
        [text] = note_text(ws)
        assert "Some recipients said something you shared recently was hard to use" in text
        assert "What made it hard: missing context." in text  # one thing, however many said so


def test_a_missed_afternoon_note_waits_for_the_next_afternoon(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        react(ws, TOM, ts=next_ts())  # Monday 08:00 in London
        ws.settle()
        monday_evening = end_of_day(ws, PRIYA)
        # Headwork was down from 17:30 on: back at 21:00, at 02:00, at 07:00 and at noon — nothing
        for later in (timedelta(hours=3, minutes=15), timedelta(hours=8, minutes=15), timedelta(hours=13),
                      timedelta(hours=18)):
            ws.clock.now = monday_evening + later
            assert author_notes_job(ws.deps, ws.clock()) == 0, ws.clock()
        assert note_text(ws) == []
        ws.clock.now = monday_evening + timedelta(days=1)  # Tuesday 17:45: Monday's flag, a day late
        assert author_notes_job(ws.deps, ws.clock()) == 1
        assert "something you shared recently" in note_text(ws)[0]
        ws.clock.now = monday_evening + timedelta(days=2)
        assert author_notes_job(ws.deps, ws.clock()) == 0  # and only once


def test_no_author_note_ever_goes_to_an_app(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        ws.add_user("U0HELPBOT", name="helpbot", real_name="Help Bot", is_bot=True)
        react(ws, TOM, ts=next_ts(), author="U0HELPBOT")  # an app's bot user, not looked up yet
        react(ws, SAM, ts=next_ts(), author="U0UNKNOWN")  # Slack can't say who that is
        ws.shortcut(MEI, ids.SHORTCUT_FLAG_WORKSLOP, {"type": "message", "subtype": "bot_message", "bot_id": "B0AI",
                                                      "user": "U0AIBOT", "ts": next_ts(), "text": "summary"})
        ws.submit(MEI, ws.last_view(), time_values(preset="30", reason="padded"))
        ws.settle()
        org_tz = ZoneInfo(ws.settings.config.org.timezone)  # the zone of an author Slack can't tell us about
        ws.clock.now = datetime.combine(ws.clock().astimezone(org_tz).date(), time(17, 45), org_tz)
        assert author_notes_job(ws.deps, ws.clock()) == 0
        for user in ("U0HELPBOT", "U0UNKNOWN", "U0AIBOT"):
            assert note_text(ws, user) == []


# --- nothing a flagger does is visible to anyone else ----------------------------------------------


def test_a_flaggers_id_and_name_only_ever_reach_the_flagger(demo, model):
    with workslop_slack(demo, model, author_note=True) as ws:
        acks = []
        trigger_owner = {}  # views.open is addressed through the trigger of someone's own request
        send = ws.send

        def remember_triggers(request):
            fields = dict(parse_qsl(request.body))
            payload = json.loads(fields["payload"]) if "payload" in fields else fields
            user = payload.get("user_id") or (payload.get("user") or {}).get("id")
            if payload.get("trigger_id"):
                trigger_owner[payload["trigger_id"]] = user
            return send(request)

        ws.send = remember_triggers
        flaggers = {TOM: "Tom Okafor", SAM: "Sam Taylor", MEI: "Mei Chen"}
        # every path: reaction + prompt answers, Other…, Undo, shortcut, /workslop with Rate and Undo
        for user in flaggers:
            acks.append((user, react(ws, user, ts=next_ts())))
            acks.append((user, click_dm(ws, user, prompt_of(ws, user), "2 h")))
            acks.append((user, click_dm(ws, user, prompt_of(ws, user), reason="padded")))
        acks.append((TOM, react(ws, TOM, ts=next_ts())))
        acks.append((TOM, click_dm(ws, TOM, prompt_of(ws, TOM), "Other…")))
        acks.append((TOM, ws.submit(TOM, ws.last_view(), time_values(hours="0.5"))))
        acks.append((SAM, react(ws, SAM, ts=next_ts())))
        acks.append((SAM, click_dm(ws, SAM, prompt_of(ws, SAM), "Undo")))
        acks.append((MEI, ws.shortcut(MEI, ids.SHORTCUT_FLAG_WORKSLOP,
                                      {"type": "message", "user": PRIYA, "ts": next_ts(), "text": "draft"})))
        acks.append((MEI, ws.submit(MEI, ws.last_view(), time_values(preset="15", reason="missed_ask", note="n"))))
        react(ws, MEI, ts=next_ts())
        acks.append((MEI, ws.command(MEI, "/workslop", tag="list-" + MEI)))
        ws.settle()
        rate_button = next(e for b in acks[-1][1].blocks if b["type"] == "actions" for e in b["elements"]
                           if e["text"]["text"] == "Rate")
        acks.append((MEI, ws.click(MEI, {"type": "button", **{k: rate_button[k] for k in ("action_id", "value")},
                                         "block_id": "x", "text": rate_button["text"]}, tag="list-" + MEI)))
        acks.append((MEI, ws.submit(MEI, ws.last_view(), time_values(preset="30", reason="other"))))
        # the others look: the author, a leader, a bystander
        for viewer in (PRIYA, CEO, LUCIA):
            acks.append((viewer, ws.command(viewer, "/workslop", tag=f"list-{viewer}")))
            acks.append((viewer, ws.command(viewer, "/workslop", f"<@{TOM}>", tag=f"list-{viewer}")))
            acks.append((viewer, ws.command(viewer, "/top5", tag=f"top5-{viewer}")))
        ws.clock.now = end_of_day(ws, PRIYA)
        author_notes_job(ws.deps, ws.clock())
        ws.settle()

        def leaks(payload: str, reader: str) -> list[str]:
            return [f"{who} ({name})" for who, name in flaggers.items()
                    if who != reader and (who in payload or name in payload)]

        problems = []
        for call in ws.fake.calls():
            recipient = str(call.args.get("channel") or call.args.get("user") or call.args.get("user_id")
                            or trigger_owner.get(call.args.get("trigger_id")) or "")
            recipient = recipient[1:] if recipient.startswith("D") else recipient
            found = leaks(json.dumps(call.args), recipient)
            if found:
                problems.append(f"{call.method} to {recipient or '?'}: {found}")
        tags = [(f"{kind}-{v}", v) for kind in ("list", "top5", "dm") for v in (PRIYA, CEO, LUCIA, *flaggers)]
        assert ws.fake.responses("list-" + MEI), "the /workslop list was redrawn through its response_url"
        for tag, reader in tags:
            for body in ws.fake.responses(tag):
                if leaks(json.dumps(body), reader):
                    problems.append(f"response_url {tag}: {leaks(json.dumps(body), reader)}")
        for reader, reply in acks:
            found = leaks(json.dumps(reply.body), reader)
            if found:
                problems.append(f"ack to {reader}: {found}")
            if reader not in flaggers and "ws_flag_" in json.dumps(reply.body):
                problems.append(f"ack to {reader} lists flags, and they made none")  # e.g. /workslop @tom
        assert problems == []
        assert [c for c in ws.fake.calls() if c.method.startswith("chat.")
                and not str(c.args.get("channel", "")).startswith(("U", "D"))] == []  # nothing in any channel
        assert len(dms_to(ws, PRIYA)) == 1  # the author's one kind note



def test_outbox_keys_and_log_lines_about_the_cap_and_the_note_name_nobody(demo, model, caplog):
    with workslop_slack(demo, model, daily_cap=1, author_note=True) as ws:
        react(ws, TOM, ts=next_ts())  # on Priya's output, in #general
        ws.settle()
        ws.fake.on("chat.postMessage", {"ok": False, "error": "messages_tab_disabled"})
        with caplog.at_level(logging.WARNING):
            react(ws, TOM, ts=next_ts())  # over the cap: the private notice is refused
            react(ws, TOM, ts=next_ts())  # and is not tried twice the same day
            ws.settle()
            ws.clock.now = end_of_day(ws, PRIYA)
            assert author_notes_job(ws.deps, ws.clock()) == 1  # refused too
            assert author_notes_job(ws.deps, ws.clock()) == 0
            ws.settle()
        refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refused) == 2 and any("workslop-cap:" in line for line in refused) \
            and any("workslop-note:" in line for line in refused)
        where_keys_show = refused + [i.key for i in ws.outbox.db.items()] + \
            [json.dumps(c.args.get("metadata")) for c in ws.fake.calls("chat.postMessage")]
        assert [line for line in where_keys_show if TOM in line or PRIYA in line] == []


def test_a_cap_notice_or_note_queued_by_the_previous_version_is_not_sent_again(demo, model):
    from bot.blocks.workslop import build_author_note, build_cap_notice

    with workslop_slack(demo, model, daily_cap=1, author_note=True) as ws:
        # queued before the upgrade, under the keys that named the person
        ws.outbox.send(f"workslop-cap:{TOM}:2026-03-02", "chat.postMessage", {"channel": TOM, **build_cap_notice(1)})
        ws.outbox.send(f"workslop-note:{PRIYA}:2026-03-02", "chat.postMessage",
                       {"channel": PRIYA, **build_author_note(1, 1, {})})
        react(ws, TOM, ts=next_ts())
        react(ws, TOM, ts=next_ts())  # over the cap
        ws.settle()
        ws.clock.now = end_of_day(ws, PRIYA)
        assert author_notes_job(ws.deps, ws.clock()) == 0
        ws.settle()
        assert len([c for c in dms_to(ws, TOM) if "today's limit" in c.args["text"]]) == 1
        assert len(dms_to(ws, PRIYA)) == 1


# --- headwork forget ------------------------------------------------------------------------------


def test_headwork_forget_deletes_a_persons_flags_and_answers(demo, model, tmp_path, capsys):
    with workslop_slack(demo, model) as ws:
        react(ws, TOM, ts=next_ts())
        rate(ws, TOM, "1 h", "padded")
        react(ws, TOM, ts=next_ts())
        react(ws, SAM, author=TOM, ts=next_ts())  # about Tom's output: stays, unnamed
        ws.settle()
        env = {"HEADWORK_DB": ws.store.path, "HEADWORK_CONFIG": str(tmp_path / "absent.yml")}
        clock = lambda: ws.clock()  # noqa: E731

        assert main(["forget", "tom@northwind.example", "--dry-run"], environ=env, clock=clock) == 0
        assert "Would forget U0DEMOCS2: 2 flag(s) they made (1 with answers)" in capsys.readouterr().out
        assert len(ws.ledger.flags_of(TOM, ws.clock() - timedelta(1), ws.clock() + timedelta(1))) == 2  # untouched

        assert main(["forget", TOM], environ=env, clock=clock) == 0
        out = capsys.readouterr().out
        assert "Forgot U0DEMOCS2: 2 flag(s) they made deleted, with 1 answer(s); 1 flag(s) about output" in out
        assert ws.ledger.flags_of(TOM, ws.clock() - timedelta(1), ws.clock() + timedelta(1)) == []
        [sams] = ws.ledger.flags_of(SAM, ws.clock() - timedelta(1), ws.clock() + timedelta(1))
        assert sams.author is None
        assert [i.key for i in ws.outbox.db.items() if i.channel == TOM] == []

        assert main(["forget", "U0NOBODY99"], environ=env, clock=clock) == 2
        assert "nobody called 'U0NOBODY99' is known" in capsys.readouterr().err
        assert main(["forget", "ghost@nowhere.example"], environ=env, clock=clock) == 2


def test_headwork_forget_help_says_what_it_erases(capsys):
    with pytest.raises(SystemExit):
        main(["forget", "--help"], environ={}, clock=lambda: datetime(2026, 3, 2, tzinfo=BERLIN))
    out = " ".join(capsys.readouterr().out.split())
    assert "records of the private workslop messages it sent them" in out
    assert "the messages themselves stay in their own DM" in out
