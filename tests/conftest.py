"""Fixtures shared by every test file. Keep them small and generic."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands.demo import demo_config as headwork_demo_config
from scoring.model import ValueModel, load_model
from scoring.store import TaskStore

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def now() -> datetime:
    """A fixed, timezone-aware 'now' (a Monday morning in Berlin): logic never reads the clock."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


@pytest.fixture(scope="session")
def model() -> ValueModel:
    """The default value model shipped with Headwork (immutable, so shared)."""
    return load_model(None)


@pytest.fixture
def store(tmp_path):
    """A real SQLite task store in a fresh temporary directory."""
    s = TaskStore(tmp_path / "headwork.db")
    yield s
    s.close()


# --- the Slack app on loopback -------------------------------------------------------------------

DEMO_T0 = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("UTC"))  # a Monday, 09:00 in Berlin


def demo_config(org) -> dict:
    """headwork.yml for the sample organisation: the demo's, without its meeting and digest
    recipient (the agenda and digest tests set up their own)."""
    config = headwork_demo_config(org)
    del config["meetings"], config["digest"]
    return config


@pytest.fixture
def demo(tmp_path, model):
    """The sample organisation in a real store, judged and scored at DEMO_T0."""
    from scoring.demo import seed_demo

    store = TaskStore(tmp_path / "slack.db")
    org = seed_demo(store, model, DEMO_T0)
    yield org, store
    store.close()


@pytest.fixture
def slack(demo, model):
    """The real Bolt app over the demo store, talking to a loopback Slack that knows the demo people.
    Fails the test if anything sent to Slack broke a Block Kit limit."""
    from bot.devkit.harness import SlackHarness

    org, store = demo
    with SlackHarness(store, config=demo_config(org), now=DEMO_T0, model=model) as harness:
        for person in org.people:
            harness.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name, tz=person.tz,
                             email=person.email)
            harness.deps.directory.refresh(person.id, DEMO_T0)  # as after their first contact
        harness.fake.clear()
        harness.org = org
        yield harness
        harness.settle()
        assert harness.fake.block_kit_problems() == []
