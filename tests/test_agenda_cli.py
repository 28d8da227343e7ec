"""`headwork agenda list|preview` over the demo organisation and a headwork.yml with a meeting."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from bot.cli import main

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # Monday 09:00 Berlin

CONFIG = """org: {timezone: Europe/Berlin}
meetings:
  - id: cs-weekly
    name: CS weekly
    channel: C0CSTEAM
    days: [monday]
    time: "10:00"
    attendees: [U0DEMOCS1, U0DEMOCS2, U0DEMOCS3]
    max_items: 3
"""


def _env(tmp_path, config=CONFIG):
    (tmp_path / "headwork.yml").write_text(config)
    env = {"HEADWORK_DB": str(tmp_path / "demo.db"), "HEADWORK_CONFIG": str(tmp_path / "headwork.yml")}
    assert main(["demo", "--db", env["HEADWORK_DB"]], environ=env, clock=lambda: T0) == 0
    return env


def test_agenda_list_and_preview(tmp_path, capsys):
    env = _env(tmp_path)
    capsys.readouterr()
    assert main(["agenda", "list"], environ=env, clock=lambda: T0) == 0
    out = capsys.readouterr().out
    assert "cs-weekly  CS weekly · #C0CSTEAM · every Mon at 10:00" in out
    assert "next Mon 02 Mar 10:00 Europe/Berlin, posted at 09:30 · headwork.yml" in out
    assert main(["agenda", "preview", "cs-weekly", "--json"], environ=env, clock=lambda: T0) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["start"] == "2026-03-02T10:00:00+01:00" and len(data["items"]) == 3
    totals = [i["total"] for i in data["items"]]
    assert totals == sorted(totals, reverse=True) and all(i["reasons"] for i in data["items"])
    assert main(["agenda", "preview", "cs-weekly"], environ=env, clock=lambda: T0) == 0
    first = capsys.readouterr().out.splitlines()[1]
    names = {"U0DEMOCS1": "Priya Raman", "U0DEMOCS2": "Tom Okafor", "U0DEMOCS3": "Lucía Fernández"}
    owner = names[data["items"][0]["owner"]]
    assert first.startswith(f"  1. {data['items'][0]['title']}  ·  ") and first.endswith(f"  ·  {owner}")


def test_an_unknown_meeting_and_an_invalid_config(tmp_path, capsys):
    env = _env(tmp_path)
    assert main(["agenda", "preview", "nope"], environ=env, clock=lambda: T0) == 1
    assert "no meeting 'nope'" in capsys.readouterr().err
    (tmp_path / "headwork.yml").write_text("meetings:\n  - {id: x, name: X, channel: C0X1, days: [monday]}\n")
    assert main(["agenda", "list"], environ=env, clock=lambda: T0) == 2
    err = capsys.readouterr().err
    assert "headwork.yml: meetings[0]" in err and "need a `time`" in err


def test_agenda_list_says_how_the_last_agenda_went(tmp_path, capsys):
    from bot.agenda import AgendaService
    from bot.devkit.fakeslack import FakeSlack
    from bot.outbox import Outbox
    from bot.settings import load_settings
    from bot.slack_client import make_web_client
    from scoring.model import load_model
    from scoring.store import TaskStore

    env = _env(tmp_path)
    store = TaskStore(env["HEADWORK_DB"])
    with FakeSlack() as fake:
        outbox = Outbox(store, make_web_client("xoxb-test", fake.api_url), lambda: T0, sleep=lambda s: None,
                        pace_seconds=0)
        service = AgendaService(load_settings(env), store, load_model(None), outbox)
        [meeting] = service.meetings()
        fake.fail("chat.postMessage", "not_in_channel")
        service.post(meeting, service.next_occurrence(meeting, T0), T0)
        outbox.drain(T0)
    store.close()
    capsys.readouterr()
    assert main(["agenda", "list"], environ=env, clock=lambda: T0) == 0
    assert ("· last agenda (Mon 02 Mar) refused by Slack: not_in_channel (nobody was told: no org.admins in "
            "headwork.yml)") in capsys.readouterr().out
