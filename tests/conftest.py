"""Fixtures shared by every test file. Keep them small and generic."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

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
