"""What the digest says, on a known ledger and task history (every figure computed by hand),
within Slack's limits for a big organisation; /digest and its permissions; the preview is
exactly what is sent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.devkit.blockkit import message_problems
from bot.devkit.harness import find_button
from bot.digest.figures import build_figures
from bot.digest.service import DigestJob, digest_message
from bot.settings import Env, Settings, parse_config
from bot.store_digest import DigestStore
from bot.store_workslop import WorkslopLedger
from scoring.store import TaskStore
from scoring.tasks import Task

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = "2026-W09"  # Mon 23 Feb - Sun 1 Mar 2026 in Berlin
MON = datetime(2026, 2, 23, 10, 0, tzinfo=BERLIN)
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CEO, TOM = "U0DEMOCEO", "U0DEMOCS2"  # Tom is in Europe/London
SEND = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 09:00 in London


def settings(digest: dict | None = None) -> Settings:
    config = {"org": {"timezone": "Europe/Berlin", "admins": [CEO]},
              "workslop": {"hourly_rate": 60, "k_anonymity": 3}, "digest": digest or {}}
    return Settings(env=Env(), config=parse_config(config, Path("headwork.yml")), config_path=Path("headwork.yml"),
                    config_found=True)


def flag(ledger, who: str, item: str, at: datetime, channel="C0PUBLIC", private=False, minutes=None, reason=None):
    flag_id, _ = ledger.record(flagger=who, item=item, channel=channel, author="U0AUTHOR", source="reaction",
                               now=at, channel_private=private)
    if minutes is not None:
        ledger.rate(flag_id, who, at, minutes=minutes, reason=reason)


def completed(store: TaskStore, n: int, at: datetime, total: float, rank: int | None, bands: list[str]) -> None:
    task_id, _ = store.upsert_task(Task(title=f"done {n}", source="test", external_id=f"done-{n}",
                                        assignee_id="U0OWNER", status="done"), at)
    store.conn.execute("INSERT INTO completions (task_id, assignee_id, completed_at, completed_ts, "
                       "rank_at_completion, total, bands) VALUES (?,?,?,?,?,?,?)",
                       (task_id, "U0OWNER", at.isoformat(), at.timestamp(), rank, total, json.dumps(bands)))


@pytest.fixture
def known(store):
    """W09: five flags from three people (two rated: 30 and 90 min), four of them in public #C0PUBLIC
    by three people, one in a DM; W08: two flags from two people, none rated. Three tasks completed
    in W09 (200 pts ranked 1 in onboarding, 100 pts ranked 7 in risk+revenue, 50 pts unranked)."""
    ledger = WorkslopLedger(store)
    flag(ledger, "U0A", "msg:1", MON, minutes=30, reason="missing_context")
    flag(ledger, "U0B", "msg:2", MON + timedelta(days=1), minutes=90, reason="wrong_facts")
    flag(ledger, "U0C", "msg:3", MON + timedelta(days=2))
    flag(ledger, "U0A", "msg:4", MON + timedelta(days=3))
    flag(ledger, "U0B", "msg:5", MON + timedelta(days=4), channel="D0DM", private=True)
    flag(ledger, "U0A", "msg:6", MON - timedelta(days=7))
    flag(ledger, "U0D", "msg:7", MON - timedelta(days=6))
    flag(ledger, "U0A", "msg:8", MON + timedelta(days=7))  # the next week: not counted
    completed(store, 1, MON, 200.0, 1, ["customer_onboarding"])
    completed(store, 2, MON + timedelta(days=2), 100.0, 7, ["risk", "revenue"])
    completed(store, 3, MON + timedelta(days=4), 50.0, None, [])
    completed(store, 4, MON - timedelta(days=3), 80.0, 2, [])  # W08
    store.record_ai_usage(at=MON, model="m", purpose="categorize", tasks=10, input_tokens=10_000,
                          output_tokens=2_000, cache_read_tokens=3_000, cost_usd=0.35)
    return store


def test_figures_on_a_known_ledger_and_task_history(known, model):
    f = build_figures(known, model, settings(), WEEK, NOW)
    ws = f["workslop"]
    assert (ws["flags"], ws["people"], ws["rated"]) == (5, 3, 2)
    assert ws["rated_hours"] == 2.0  # 30 + 90 min
    assert ws["minutes_per_unrated"] == 60.0 and ws["estimate_basis"] == "median of this week's rated flags"
    assert ws["estimated_hours"] == 3.0 and ws["hours"] == 5.0 and ws["cost"] == 300.0  # 5 h at 60/h
    assert ws["by_reason"] == {"missing_context": 1, "wrong_facts": 1}
    assert ws["by_channel"] == {"C0PUBLIC": 4}  # the DM is never named
    assert [t["hours"] for t in ws["trend"]] == [0.0, 0.0, round(2 * 116 / 60, 2), 5.0]  # W08: research average
    v = f["value"]
    assert (v["points"], v["tasks"]) == (350.0, 3)
    assert {b["band"]: b["points"] for b in v["by_band"]} == {"customer_onboarding": 200.0, "risk": 50.0,
                                                              "revenue": 50.0, "(no band)": 50.0}
    assert v["top5"] == {"in_top5": 1, "completed": 3, "share": 0.3333}
    assert f["ai"]["tokens"] == 15_000 and f["ai"]["cost_usd"] == 0.35
    assert f["ai"]["tokens_per_point"] == round(15_000 / 350, 1) and f["ai"]["cost_per_100_points"] == 0.1
    assert [h["value_points"] for h in f["history"]][-2:] == [80.0, 350.0]
    assert [h["workslop_hours"] for h in f["history"]][-1] == 5.0


def test_the_message_shows_those_figures_and_never_a_person_who_flagged(known, model):
    message = digest_message(build_figures(known, model, settings(), WEEK, NOW))
    assert message_problems(message) == []
    text = json.dumps(message["blocks"], ensure_ascii=False)
    for shown in ("*5 flag(s)* from *3 people*", "*5 h* lost", "≈ $300", "2 h reported on 2 rated flag(s)",
                  "3 h estimated for 3 unrated at 1 h each", "Missing context 1", "<#C0PUBLIC> 4",
                  "350 pts from 3 completed task(s)", "1 of 3 completed task(s) (*33%*)", "15,000 tokens"):
        assert shown in text, shown
    for hidden in ("U0A", "U0B", "U0C", "U0AUTHOR", "D0DM"):
        assert hidden not in text


@pytest.mark.parametrize("answers, shown", [
    # one 15-minute answer, one flag unrated: 15 min estimated (the median), not "0.2 h + 0.2 h = 0.5 h"
    ([15, None], ("*30 min* lost", "15 min reported on 1 rated flag(s) + 15 min estimated for 1 unrated at 15 min each",
                  "2 workslop flag(s), 30 min lost")),
    # 1 h 15 min reported, 37.5 min estimated (half a minute each way): the parts add up to what is lost
    ([15, 60, None], ("*1 h 53 min* lost", "1 h 15 min reported on 2 rated flag(s) + 38 min estimated for 1 "
                      "unrated at 37.5 min each", "3 workslop flag(s), 1 h 53 min lost", "W09 1 h 53 min")),
])
def test_time_lost_is_said_in_hours_and_minutes_and_the_parts_add_up(store, model, answers, shown):
    ledger = WorkslopLedger(store)
    for i, minutes in enumerate(answers):
        flag(ledger, f"U0P{i}", f"msg:{i}", MON + timedelta(hours=i), minutes=minutes,
             reason="padded" if minutes else None)
    message = digest_message(build_figures(store, model, settings(), WEEK, NOW))
    text = message["text"] + json.dumps(message["blocks"], ensure_ascii=False)
    for part in shown:
        assert part in text, part


def test_breakdowns_are_withheld_under_k(store, model):
    ledger = WorkslopLedger(store)
    flag(ledger, "U0A", "msg:1", MON, minutes=30, reason="padded")
    flag(ledger, "U0B", "msg:2", MON, minutes=30, reason="padded")
    text = json.dumps(digest_message(build_figures(store, model, settings(), WEEK, NOW))["blocks"], ensure_ascii=False)
    assert "withheld" in text and "Padded" not in text and "C0PUBLIC" not in text


def test_a_big_organisation_stays_inside_slacks_limits(store, model):
    long = "An extremely long task title that goes on and on " * 6
    tasks = [Task(title=f"{long} {i}", source="big", external_id=str(i), assignee_id=f"U{i:08d}",
                  url=f"https://example.com/tasks/{i}?" + "x" * 200, due=NOW - timedelta(days=3),
                  created_at=NOW - timedelta(days=90), updated_at=NOW - timedelta(days=60)) for i in range(300)]
    store.bulk_insert_tasks(tasks, NOW - timedelta(days=60))
    from scoring.rescore import recompute_all

    recompute_all(store, model, NOW)
    ledger = WorkslopLedger(store)
    for i in range(400):  # 400 people in 150 public channels
        flag(ledger, f"U{i:08d}", f"msg:{i}", MON + timedelta(minutes=i), channel=f"C{i % 150:08d}",
             minutes=20 + i % 50, reason=["padded", "missing_context", "other"][i % 3])
    figures = build_figures(store, model, settings({"high_value_points": 0}), WEEK, NOW)
    message = digest_message(figures)
    assert message_problems(message) == []
    assert len(message["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    assert figures["overdue"]["count"] == 300 and "…and 295 more" in json.dumps(message["blocks"], ensure_ascii=False)


def test_the_digest_lists_the_most_valuable_tasks_nobody_owns(slack, model):
    """Tom hands his best task back (*Not mine*): leaders read it under *Nobody owns*, with its points."""
    [best] = slack.store.top_tasks(TOM, 1, NOW)
    slack.click(TOM, {"type": "button", "action_id": ids.ACTION_NOT_MINE, "block_id": f"top5:{TOM}:5",
                      "value": str(best.task.id)}, tag="tom")
    slack.settle()
    figures = build_figures(slack.store, model, slack.deps.settings, WEEK, NOW)
    assert figures["unowned"]["count"] == slack.store.unowned_open_count() >= 2  # the demo has one already
    assert figures["unowned"]["tasks"][0]["title"] == best.task.title
    message = digest_message(figures)
    assert message_problems(message) == []
    [section] = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"
                 and b["text"]["text"].startswith("*Nobody owns*")]
    assert section.startswith(f"*Nobody owns* — {figures['unowned']['count']}\n• ")
    assert best.task.title in section.splitlines()[1] and "no owner" not in section and TOM not in section
    # a week frozen before the list existed is shown as it was
    del figures["unowned"]
    assert "*Nobody owns*" not in json.dumps(digest_message(figures)["blocks"], ensure_ascii=False)


# --- /digest in Slack -------------------------------------------------------------------------------

def test_only_admins_manage_recipients(slack):
    for text in ("list", f"add <@{TOM}>", f"remove <@{TOM}>"):
        reply = slack.command(TOM, "/digest", text)
        assert reply.status == 200 and "only Headwork admins" in reply.text
    assert DigestStore(slack.store).added_recipients() == []
    assert "will get the weekly digest" in slack.command(CEO, "/digest", f"add <@{TOM}|tom>").text
    assert "already on the list" in slack.command(CEO, "/digest", f"add <@{TOM}>").text
    assert f"<@{TOM}>" in slack.command(CEO, "/digest", "list").text
    assert "was removed" in slack.command(CEO, "/digest", f"remove <@{TOM}>").text
    assert DigestStore(slack.store).added_recipients() == []
    assert "@-mention" in slack.command(CEO, "/digest", "add tom").text


def test_preview_is_for_recipients_and_admins_and_equals_what_is_sent(slack):
    assert "recipients and Headwork admins" in slack.command(TOM, "/digest", "preview").text
    slack.command(CEO, "/digest", f"add <@{TOM}>")
    slack.clock.now = SEND
    reply = slack.command(TOM, "/digest", "preview", tag="preview", channel="D" + TOM)  # in the DM it goes to
    assert reply.body["response_type"] == "ephemeral"
    [preview] = slack.responses("preview")
    [chart] = slack.fake.calls("files.completeUploadExternal")  # as the DM's, it follows the preview
    assert chart.args["channel_id"] == "D" + TOM
    slack.fake.clear()
    DigestJob(slack.deps)(slack.clock.now)
    slack.settle()
    [sent] = slack.fake.calls("chat.postMessage")
    assert sent.args["channel"] == "D" + TOM
    assert preview["blocks"] == sent.json_arg("blocks")
    # and after the send, the preview of that week is the frozen edition: still the same
    slack.store.update_task(slack.store.top_tasks(TOM, 1, NOW)[0].task.id, NOW, title="Renamed after the send")
    assert slack.store.top_tasks(TOM, 1, NOW)[0].task.title == "Renamed after the send"
    slack.command(TOM, "/digest", "preview", tag="again", channel="D" + TOM)
    assert slack.responses("again")[0]["blocks"] == sent.json_arg("blocks")


def test_a_preview_typed_in_a_channel_puts_its_chart_in_the_persons_dm_and_says_so(slack):
    """The DM's line says its chart follows; a preview's chart, like the DM's, is uploaded — into the
    person's DM with Headwork, never into the channel the command was typed in — and its line says where."""
    slack.clock.now = SEND
    slack.command(CEO, "/digest", "preview", tag="preview")  # in #general
    slack.settle()
    [preview] = slack.responses("preview")
    text = json.dumps(preview["blocks"])
    assert "The chart of the last eight weeks (workslop hours and value delivered) is in your DM with Headwork." in text
    assert "follows this message" not in text
    [chart] = slack.fake.calls("files.completeUploadExternal")
    assert chart.args["channel_id"] == "D" + CEO
    assert json.loads(chart.args["files"])[0]["title"].startswith("Preview: workslop hours and value delivered")
    assert slack.fake.calls("chat.postMessage") == []  # a preview sends no digest


def test_stop_button_and_commands_opt_out_and_back_in(slack):
    slack.command(CEO, "/digest", f"add <@{TOM}>")
    slack.clock.now = SEND
    DigestJob(slack.deps)(slack.clock.now)
    slack.settle()
    [sent] = slack.fake.calls("chat.postMessage")
    stop = find_button(sent.json_arg("blocks"), "Stop sending me this")
    assert stop["action_id"] == ids.ACTION_DIGEST_STOP
    assert slack.click(TOM, stop, tag="stop", message={"ts": "1.2", "blocks": []}, channel="D" + TOM).status == 200
    assert "won't get the weekly digest" in slack.responses("stop")[0]["text"]
    assert TOM in DigestStore(slack.store).opted_out()
    assert "opted out" in slack.command(CEO, "/digest", "list").text
    assert "again" in slack.command(TOM, "/digest", "start").text
    assert "won't get" in slack.command(TOM, "/digest", "stop").text
    assert "not on the digest list" in slack.command("U0DEMOCS1", "/digest", "start").text


def test_cli_preview_prints_the_same_digest(known, tmp_path, capsys):
    from bot.cli import main

    config = tmp_path / "headwork.yml"
    config.write_text("org: {timezone: Europe/Berlin}\nworkslop: {hourly_rate: 60}\n")
    env = {"HEADWORK_DB": known.path, "HEADWORK_CONFIG": str(config)}
    assert main(["digest", "--preview", "--week", WEEK, "--json"], environ=env, clock=lambda: NOW) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["workslop"]["hours"] == 5.0 and figures["value"]["points"] == 350.0
    assert main(["digest", "--preview", "--week", WEEK], environ=env, clock=lambda: NOW) == 0
    out = capsys.readouterr().out
    assert "5 flag(s) from 3 people" in out and "350 pts from 3 completed task(s)" in out
    assert main(["digest", "--preview", "--week", "2026-W99"], environ=env, clock=lambda: NOW) == 2
