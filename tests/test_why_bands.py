"""The Why? modal's value bands as a person meets them: what it shows, and what "Save bands" keeps
(signed Slack payloads through the real Bolt app, on the demo organisation)."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot import ids
from bot.devkit.harness import SlackHarness, find_button
from scoring.categorize import categorized_key
from scoring.corrections import correct_band
from scoring.model import parse_model
from scoring.store import NO_BAND, Judgement
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


def human_words(store, task_id: int = TASK) -> dict[str, bool]:
    return {j.band_id: bool(j.applies) for j in store.judgements(task_id) if j.judge == "human"}


def notice(slack) -> str:
    return slack.responses("tom")[-1]["blocks"][0]["elements"][0]["text"]


def test_a_correction_for_a_band_the_model_dropped_never_blocks_a_save(demo, harness, model):
    _, store = demo
    correct_band(store, model, TASK, "risk", True, TOM, DEMO_T0 - timedelta(days=1))  # Tom's earlier word
    slack = harness(model_with(drop_band="risk"))  # then the admin retires the risk band
    view = open_why(slack)
    assert ticked(view) == ["customer_onboarding"]
    reply = save(slack, view, ticked(view) + ["revenue"])  # Tom ticks 'Revenue at stake'
    assert reply.status == 200 and not reply.body  # the modal closes: no "could not be saved"
    slack.settle()
    assert notice(slack) == ("Bands of *Migrate Brightline's historical data into their workspace* corrected "
                             "(+Revenue at stake; still ticked: Customer in onboarding); "
                             "your word is kept from now on.")
    assert human_words(store) == {"risk": True, "revenue": True, "customer_onboarding": True}
    again = open_why(slack)
    assert ticked(again) == ["customer_onboarding", "revenue"]


def test_a_word_about_a_retired_band_only_says_nobody_judged_by_hand(demo, harness, model):
    _, store = demo
    correct_band(store, model, TASK, "risk", True, TOM, DEMO_T0 - timedelta(days=1))  # Tom's only word
    before = harness(model)
    assert "bands by offline rules + a person_" in str(before.command(TOM, "/top5", tag="tom").blocks)
    assert "Bands judged by offline rules + a person;" in str(open_why(before)["blocks"])
    slack = harness(model_with(drop_band="risk"))  # then the admin retires the risk band
    top5 = str(slack.command(TOM, "/top5", tag="tom").blocks)
    assert "bands by offline rules + a person" not in top5  # his word changes nothing shown
    assert "bands by offline rules_" in top5
    view = open_why(slack)
    assert "Bands judged by offline rules;" in str(view["blocks"])
    assert human_words(store) == {"risk": True}  # kept, to withdraw or to count if the band comes back


def test_the_why_view_gives_claudes_reason_when_no_band_applies(demo, harness, model):
    _, store = demo
    task = store.get_task(TASK)
    store.replace_machine_judgements(TASK, "ai", [Judgement(NO_BAND, "ai", False, 0.7, "an internal data chore")],
                                     categorized_key(task, model), DEMO_T0)  # Claude: no band applies
    slack = harness(model)
    text = str(open_why(slack)["blocks"])
    assert "Bands judged by Claude;" in text
    assert "Claude found no value band (70% sure): “an internal data chore”" in text
    save(slack, slack.last_view(), ["revenue"])  # Tom says revenue is at stake
    slack.settle()
    again = str(open_why(slack)["blocks"])
    assert "found no value band" not in again and "Bands judged by Claude + a person;" in again


def test_a_save_stores_what_the_person_changed_from_what_they_saw(demo, harness, model):
    _, store = demo
    slack = harness(model)
    view = open_why(slack)
    assert ticked(view) == ["customer_onboarding"]
    claude_says(store, model, ["customer_onboarding", "nearly_done"])  # a pass lands while the modal is open
    save(slack, view, ticked(view) + ["revenue"])  # Tom only ticks 'Revenue at stake'
    slack.settle()
    # nearly_done, which Tom never saw ticked, is not recorded as his "does not apply"
    assert human_words(store) == {"revenue": True, "customer_onboarding": True}
    assert "nearly done" not in notice(slack)
    assert store.effective_bands(TASK)[0] == {"customer_onboarding", "nearly_done", "revenue"}
    # what Tom saved stays: a later verdict that drops customer onboarding does not remove it
    claude_says(store, model, ["nearly_done"])
    assert store.effective_bands(TASK)[0] == {"customer_onboarding", "nearly_done", "revenue"}


def test_unticking_what_was_shown_is_a_does_not_apply(demo, harness, model):
    _, store = demo
    slack = harness(model)
    view = open_why(slack)
    claude_says(store, model, ["nearly_done"])  # meanwhile: customer onboarding dropped, nearly done added
    save(slack, view, [])  # Tom unticks customer onboarding
    slack.settle()
    assert human_words(store) == {"customer_onboarding": False}
    assert notice(slack).endswith("corrected (−Customer in onboarding); your word is kept from now on.")
    assert store.effective_bands(TASK)[0] == {"nearly_done"}


def claude_says(store, model, bands) -> None:
    """What a scheduled Claude pass stores for the task (scoring.categorize._apply)."""
    task = store.get_task(TASK)
    store.replace_machine_judgements(TASK, "ai", [Judgement(b, "ai", True, 0.9, "cue") for b in bands],
                                     categorized_key(task, model), DEMO_T0)


def test_a_modal_opened_before_an_upgrade_compares_with_the_bands_at_saving(demo, harness, model):
    import json

    _, store = demo
    slack = harness(model)
    view = open_why(slack)
    metadata = json.loads(view["private_metadata"])
    assert metadata.pop("bands_shown") == ["customer_onboarding"]
    older = {**view, "private_metadata": json.dumps(metadata)}
    save(slack, older, ["customer_onboarding", "revenue"])
    slack.settle()
    assert human_words(store) == {"revenue": True, "customer_onboarding": True}
