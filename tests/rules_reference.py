# The offline rules as they were before the fast path (scoring/rules.py at RULES_VERSION 2,
# commit e340e60), kept verbatim as the oracle for tests/test_rules_fast.py: the fast path must
# give exactly these verdicts. Change both together (and bump RULES_VERSION) when the rules change.
# flake8: noqa
"""The offline categorizer: deterministic band judgements from each band's hints and words.

Used when no ANTHROPIC_API_KEY is set, and as the stand-in for new tasks while Claude has
not judged them yet (or is unavailable). It reads the same things Claude reads (title,
notes, project, tags, status) and nothing else, so switching between the two never depends
on hidden fields.

How a band is judged, in order:

1. **Evidence.** Each of the band's hint phrases found counts by *where* it was found: in
   the title or a tag (what the task *is*) 3, in the notes 1.5, in the project 1. A hint
   shared by several bands ("pipeline": CI or sales?) counts half. Words from the band's
   description add a little when they appear in the title. Evidence of 3 or more applies
   the band: one clear cue in the title is enough, a single mention in the notes is not.
2. **Customer bands need a customer.** For a band about customers (its name or
   description says customer/client), the bare word "customer" is the topic, not
   evidence of the band's kind — "collect customer quotes for the website" is no promise
   to anyone. Such a band also needs a reference to an actual customer (a named
   organisation, "their", a customer tag or the word itself) and is vetoed by cues that the
   work is internal: hiring ("hire a second onboarding manager") or a reusable artifact
   with no particular customer ("a reusable onboarding checklist template" is internal
   efficiency, not a customer waiting). A reply owed to a named customer ("reply to
   Kestrel's question") counts as evidence for the band about promises to customers.
3. **"Nearly done"** (a band whose hints speak of finishing) needs the task to be in
   progress, or two distinct finishing words in the title ("finish and ship").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from scoring.model import Band, ValueModel
from scoring.store import Judgement
from scoring.tasks import Task

JUDGE = "rules"
RULES_VERSION = 2  # bump when the judgement changes: tasks judged by the rules are judged again

TITLE, TAG, NOTES, PROJECT = 3.0, 3.0, 1.5, 1.0
THRESHOLD = 3.0
DESCRIPTION_WORD, DESCRIPTION_CAP = 1.0, 2.0
IN_PROGRESS_BONUS = 2.0

_STOP = frozenset("""a an and any are as at be between by close for from has in into is it its of on or
right that the this to under up what who with work already anything someone now real could
again make makes more than team time saves costs directly affects reduces happen""".split())
_AUDIENCE = frozenset({"customer", "customers", "client", "clients"})
# Work about the team itself, never a customer's, whatever else the title mentions.
_INTERNAL_PEOPLE = ("hire", "hires", "hiring", "recruit", "recruiting", "recruiter", "candidate", "candidates",
                    "shortlist", "interview", "interviews", "job description", "job posting", "headcount",
                    "payroll", "offsite", "performance review")
# Something made once and reused for every customer: an internal improvement.
_REUSABLE = ("template", "templates", "checklist", "playbook", "runbook", "reusable", "boilerplate",
             "standard operating procedure", "sop", "wiki", "macro", "macros")
# A reply owed to a named customer is a commitment to them, whatever the band hints say.
_OWED_REPLY = ("reply", "respond", "answer", "get back to", "follow up", "follow-up", "question", "asked")
_FINISHING = ("finish", "final", "ship", "release", "wrap up", "merge", "done", "complete")
# Capitalised words that are not names of organisations.
_NOT_NAMES = frozenset("""i monday tuesday wednesday thursday friday saturday sunday january february march
april may june july august september october november december q1 q2 q3 q4 eod eow okr okrs""".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'\u2019.-]*")


@lru_cache(maxsize=512)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern | None:
    if not phrases:
        return None
    alts = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(alts) + r")(?![a-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=512)
def _plural_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """Description words match singular or plural ('templates' finds 'template')."""
    if not words:
        return None
    stems = sorted({re.escape(w[:-1] if w.endswith("s") and len(w) > 4 else w) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![a-z0-9])(" + "|".join(stems) + r")(?:s|es)?(?![a-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=64)
def _band_profile(band: Band, shared: frozenset[str]) -> tuple:
    customer_facing = bool(_AUDIENCE & set(re.findall(r"[a-z]+", (band.name + " " + band.description).lower())))
    hints = tuple(h for h in band.hints if not (customer_facing and h in _AUDIENCE))
    words = tuple(w for w in re.findall(r"[a-z][a-z\-]{3,}", band.description.lower())
                  if w not in _STOP and not (customer_facing and w in _AUDIENCE))
    finishing = sum(1 for h in band.hints if h in _FINISHING) >= 2
    promise = customer_facing and bool(re.search(r"request|promis", band.description.lower()))
    return customer_facing, hints, words, finishing, frozenset(h for h in hints if h in shared), promise


@lru_cache(maxsize=16)
def _shared_hints(model: ValueModel) -> frozenset[str]:
    seen: dict[str, int] = {}
    for band in model.bands:
        for h in set(band.hints):
            seen[h] = seen.get(h, 0) + 1
    return frozenset(h for h, n in seen.items() if n > 1)


def _hits(pattern: re.Pattern | None, text: str) -> set[str]:
    return {m.group(1).lower() for m in pattern.finditer(text)} if pattern and text else set()


def names_a_customer(task: Task) -> bool:
    """A particular customer is named: a capitalised name inside the title (not its first
    word, which is capitalised anyway), a possessive name ("Brightline's"), or "their"."""
    words = _WORD.findall(task.title)
    for i, word in enumerate(words):
        bare = word.rstrip(".").replace("\u2019", "'")
        possessive = bare.lower().endswith("'s")
        core = bare[:-2] if possessive else bare
        if not core or core.lower() in _NOT_NAMES or not core[0].isupper():
            continue
        if core[1:].islower() and (i > 0 or possessive):
            return True
    lowered = task.title.lower()
    return bool(re.search(r"(?<![a-z])(their|them)(?![a-z])", lowered))


def _mentions_customers(task: Task) -> bool:
    text = " ".join((task.title, task.notes, task.project, " ".join(task.tags))).lower()
    return bool(_hits(_pattern(tuple(_AUDIENCE)), text))


def judge_task(task: Task, model: ValueModel) -> list[Judgement]:
    """Which bands apply, with a confidence and a one-line reason naming what matched."""
    title, notes, project = task.title.lower(), task.notes.lower(), task.project.lower()
    tags = " | ".join(t.lower() for t in task.tags)
    in_progress = task.status == "in_progress"
    shared = _shared_hints(model)
    named = names_a_customer(task)
    internal_people = bool(_hits(_pattern(_INTERNAL_PEOPLE), title))
    reusable = bool(_hits(_pattern(_REUSABLE), title))
    customer_ref = named or _mentions_customers(task)
    found: list[Judgement] = []
    for band in model.bands:
        customer_facing, hints, words, finishing, shared_here, promise = _band_profile(band, shared)
        pattern = _pattern(hints)
        where: dict[str, float] = {}
        field_of: dict[str, str] = {}
        for field, text, weight in (("title", title, TITLE), ("tag", tags, TAG), ("notes", notes, NOTES),
                                    ("project", project, PROJECT)):
            for hit in _hits(pattern, text):
                w = weight / 2 if hit in shared_here else weight
                if w > where.get(hit, 0.0):
                    where[hit], field_of[hit] = w, field
        if customer_facing and band.hints and tags:
            for audience in _AUDIENCE & set(band.hints) & {t.lower() for t in task.tags}:
                where[audience], field_of[audience] = TAG, "tag"  # a person tagged it as customer work
        if promise and named:
            for hit in _hits(_pattern(_OWED_REPLY), title):
                where.setdefault(hit, TITLE)
                field_of.setdefault(hit, "title")
        evidence = sum(where.values())
        described = _hits(_plural_pattern(words), title) - set(where)
        evidence += min(DESCRIPTION_CAP, DESCRIPTION_WORD * len(described))
        if finishing:
            title_hits = _hits(pattern, title) & set(_FINISHING)
            if not in_progress and len(title_hits) < 2:
                continue  # "nearly done" needs work actually under way, or strong words for it
            if in_progress:
                evidence += IN_PROGRESS_BONUS
        if evidence < THRESHOLD or not (where or (finishing and in_progress and described)):
            continue
        if customer_facing and (not customer_ref or internal_people or (reusable and not named)):
            continue
        matched = sorted(where, key=lambda h: (-where[h], h))
        why = ", ".join(f"'{m}' ({field_of[m]})" for m in matched[:3]) or "described work"
        if finishing and in_progress:
            why += "; already in progress"
        if customer_facing and named:
            why += "; names a customer"
        found.append(Judgement(band.id, JUDGE, True, round(min(0.9, 0.3 + 0.1 * evidence), 2), why))
    return found


class RulesCategorizer:
    """Deterministic, free and offline."""

    judge = JUDGE
    name = "offline rules"
    version = f"rules-{RULES_VERSION}"

    def categorize(self, tasks: Sequence[Task], model: ValueModel, examples=()) -> dict[int, list[Judgement]]:
        return {task.id: judge_task(task, model) for task in tasks}
