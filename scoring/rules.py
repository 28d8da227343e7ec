"""The offline categorizer: deterministic band judgements from each band's hints and words.

Used when no ANTHROPIC_API_KEY is set, and as the fallback for new tasks when the AI is
unavailable. It reads the same things Claude reads (title, notes, project, tags, status)
and nothing else, so switching between the two never depends on hidden fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .model import Band, ValueModel
from .store import Judgement
from .tasks import Task

JUDGE = "rules"
_STOP = frozenset("""a an and any are as at be between by close for from has in into is it its of on or
right that the this to under up what who with work already anything someone now real could
again make makes more than team time saves costs""".split())


@lru_cache(maxsize=256)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    if not phrases:
        return None
    alts = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(alts) + r")(?![a-z0-9])", re.IGNORECASE)


def _description_words(band: Band) -> tuple[str, ...]:
    words = re.findall(r"[a-z][a-z\-]{3,}", band.description.lower())
    return tuple(w for w in words if w not in _STOP)


def judge_task(task: Task, model: ValueModel) -> list[Judgement]:
    """Which bands apply, with a confidence and a one-line reason naming what matched."""
    text = " ".join((task.title, task.notes, task.project, " ".join(task.tags))).lower()
    found: list[Judgement] = []
    for band in model.bands:
        hint_hits = _hits(_pattern(band.hints), text)
        word_hits = _hits(_pattern(_description_words(band)), task.title.lower())
        in_flight_bonus = band.id == "nearly_done" and task.status == "in_progress"
        score = 2 * len(hint_hits) + len(word_hits) + (1 if in_flight_bonus else 0)
        if band.id == "nearly_done" and task.status != "in_progress" and len(hint_hits) < 2:
            continue  # "nearly done" needs work actually under way, or strong words for it
        if score >= 2:
            matched = sorted(hint_hits | word_hits)
            why = f"mentions {', '.join(repr(m) for m in matched[:3])}" if matched else "in progress"
            if in_flight_bonus:
                why += "; already in progress"
            found.append(Judgement(band.id, JUDGE, True, round(min(0.9, 0.4 + 0.1 * score), 2), why))
    return found


def _hits(pattern: re.Pattern | None, text: str) -> set[str]:
    return {m.group(1).lower() for m in pattern.finditer(text)} if pattern else set()


class RulesCategorizer:
    """Deterministic, free and offline."""

    judge = JUDGE
    name = "offline rules"

    def categorize(self, tasks: Sequence[Task], model: ValueModel, examples=()) -> dict[int, list[Judgement]]:
        return {task.id: judge_task(task, model) for task in tasks}
