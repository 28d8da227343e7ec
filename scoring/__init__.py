"""Headwork's scored store: value model, engine, categorizers, sources and the task store.

Imports nothing from slack_*: everything here works without Slack.
"""

from .engine import Score, Term, score_task
from .model import ModelFileError, ValueModel, load_model
from .store import TaskStore
from .tasks import Task

__all__ = ["ModelFileError", "Score", "Task", "TaskStore", "Term", "ValueModel", "load_model", "score_task"]
