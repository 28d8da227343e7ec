"""The Why? modal's value bands as a person meets them: what it shows, and what "Save bands" keeps
(signed Slack payloads through the real Bolt app, on the demo organisation)."""

from __future__ import annotations

import copy

from pathlib import Path

import pytest
import yaml

from bot import ids
from bot.devkit.harness import SlackHarness, find_button
from scoring.model import parse_model
from tests.conftest import DEMO_T0, demo_config

TOM = "U0DEMOCS2"  # Tom (Customer Success) owns task 2, "Migrate Brightline's historical data"
TASK = 2
DEFAULT_MODEL_TEXT = (Path(__file__).parents[1] / "scoring" / "data" / "value_model.yml").read_text("utf-8")


def model_with(**changes):
    data = yaml.safe_load(DEFAULT_MODEL_TEXT)
    drop = changes.pop("drop_band", None)
    data["bands"] = [b for b in data["bands"] if b["id"] != drop]
    data.update(changes)
    return parse_model(copy.deepcopy(data))


@pytest.fixture
def harness(demo):
    """Opens the app over the demo store with a given value model (the admin's file may change)."""
    org, store = demo
    opened = []

    def open_with(model):
        slack = SlackHarness(store, config=demo_config(org), now=DEMO_T0, model=model).__enter__()
        opened.append(slack)
        for person in org.people:
            slack.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name, tz=person.tz,
                           email=person.email)
            slack.deps.directory.refresh(person.id, DEMO_T0)
        return slack

    yield open_with
    for slack in opened:
        slack.settle()
        assert slack.fake.block_kit_problems() == []
        slack.__exit__(None, None, None)


def open_why(slack, task_id: int = TASK) -> dict:
    reply = slack.command(TOM, "/top5", tag="tom")
    button = next(b for b in (find_button(reply.blocks, "Why?", i) for i in range(5)) if int(b["value"]) == task_id)
    slack.click(TOM, button, tag="tom")
    return slack.last_view()


def ticked(view: dict) -> list[str]:
    [block] = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_BANDS]
    return [o["value"] for o in block["element"].get("initial_options", [])]


def save(slack, view: dict, bands) -> object:
    values = {ids.BLOCK_BANDS: {ids.INPUT_BANDS: {"type": "checkboxes",
                                                  "selected_options": [{"value": b} for b in bands]}}}
    return slack.submit(TOM, view, values)


def test_a_share_that_is_not_a_whole_percent_is_shown_exactly(harness):
    slack = harness(model_with(compound_share=0.125))
    slack.store.set_human_band(TASK, "revenue", True, TOM, DEMO_T0)  # a second band: a bump term
    view = open_why(slack)
    text = "\n".join(str(b) for b in view["blocks"])
    assert "each further band adds 12.5% of its points" in text
    assert "also revenue at stake (+12.5% of 70)" in text
    assert "12%" not in text and "13%" not in text
