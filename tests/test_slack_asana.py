"""Done in Slack completes the task in Asana: the button, through the app, to the Asana API."""

from __future__ import annotations

from datetime import timedelta

from bot.devkit.harness import SlackHarness, find_button
from bot.settings import AsanaConfig
from scoring.sources.asana_sync import complete_upstream, make_client, sync_asana
from tests.fakeasana import FakeAsana
from tests.test_asana_sync import T0, TOKEN


def test_done_on_an_asana_task_completes_it_upstream_and_the_next_sync_agrees(store, model):
    with FakeAsana(token=TOKEN, now=T0 - timedelta(days=1)) as asana:
        asana.add_project("111", "Customer Onboarding")
        asana.add_task("7", "Kick-off call with Brightline", ["111"], assignee="maya@northwind.example",
                       due_on="2025-11-25")
        client = make_client(asana.base_url, TOKEN, retries=0)
        config = AsanaConfig(projects=["111"], base_url=asana.base_url)
        sync_asana(store, client, config, model, T0)
        with SlackHarness(store, now=T0, model=model) as slack:
            slack.add_user("U0MAYA", name="maya", tz="Europe/Berlin", email="maya@northwind.example")
            slack.deps.complete_upstream = lambda task, now: complete_upstream(store, client, task, now)
            slack.deps.directory.match_emails(T0)  # maya@ -> U0MAYA
            reply = slack.command("U0MAYA", "/top5")
            slack.click("U0MAYA", find_button(reply.blocks, "Done"))
            slack.settle()
        put = asana.requests("PUT")[-1]
        assert put.path == "/tasks/7" and put.body == {"data": {"completed": True}}
        sync_asana(store, client, config, model, T0 + timedelta(minutes=10))
        assert store.find_task("asana", "7").status == "done"
