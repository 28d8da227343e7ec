"""The task record every part of Headwork shares, and the content hash that says it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime

OPEN_STATUSES = ("open", "in_progress", "waiting", "blocked")
CLOSED_STATUSES = ("done", "cancelled")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES
ESTIMATE_SOURCES = ("human", "ai")


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work. Times are timezone-aware; `due_all_day` means only the date matters."""

    title: str
    source: str = "slack"
    external_id: str = ""
    id: int | None = None
    notes: str = ""
    url: str = ""
    assignee_id: str | None = None
    assignee_email: str | None = None
    project: str = ""
    tags: tuple[str, ...] = ()
    status: str = "open"
    due: datetime | None = None
    due_all_day: bool = False
    estimate_hours: float | None = None
    estimate_source: str | None = None  # "human" or "ai": only a human estimate makes a quick win
    blocking: int = 0  # how many other tasks wait on this one
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def with_(self, **changes) -> "Task":
        return replace(self, **changes)

    @property
    def content_hash(self) -> str:
        """What a categorizer reads. Owner and dates are left out on purpose: moving a
        due date must not cost tokens; rewording the task or starting it must."""
        parts = [self.title.strip(), self.notes.strip(), self.project.strip(), ",".join(sorted(self.tags)), self.status]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
