"""The offline rules answer their scans from the text's words instead of ~34 regexes a task:
the verdicts must be exactly those of the original implementation (tests/rules_reference.py),
for any task and any value model -- including the texts and hints where the shortcut must
give way to the regex (phrases with spaces or hyphens, hints starting with punctuation,
non-ASCII hints, and the two characters IGNORECASE pairs with ASCII letters: "ı" and "ſ")."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.model import load_model, parse_model
from scoring.rules import judge_task
from scoring.tasks import STATUSES, Task
from tests import rules_reference as reference

MODEL = load_model()

WORDS = sorted({h for b in MODEL.bands for h in b.hints}
               | {w for b in MODEL.bands for w in b.description.lower().replace(",", " ").replace(".", " ").split()}
               | set(reference._INTERNAL_PEOPLE) | set(reference._REUSABLE) | set(reference._OWED_REPLY)
               | set(reference._FINISHING) | set(reference._AUDIENCE)
               | {"templates", "boxes", "box", "boxe", "go", "live", "go-live", "wrap", "up", "setup", "call",
                  "new", "their", "them", "theirs", "Brightline", "Brightline's", "Kestrel\u2019s", "SSO", "Q4",
                  "Tuesday", "I", "Acme", "c++", ".net", "a/b", "soc", "2", "soc2", "ci/cd", "CI", "re-review",
                  "e-mail", "x", "12", "#3"})
ODD = ["\u0131", "\u017f", "\u0130", "\u212a", "\u00df", "\u03a3", "\u00e9", "\u2019", "\u0301", "-", "/", ".",
       "'", ",", ";", ":", "!", "(", ")", "#", "|", "_", "&", "\n", "\t", "  ", "\U0001f680", "\udc80"]


def text(rnd, max_words: int = 12) -> str:
    """Words from the vocabulary in every casing, glued or split by punctuation, odd characters between."""
    parts = []
    for _ in range(rnd.randint(0, max_words)):
        if rnd.randint(0, 9) == 0:
            parts.append(rnd.choice(ODD))
        else:
            word = rnd.choice(WORDS)
            word = rnd.choice([word.lower(), word.lower(), word.upper(), word.title(), word])
            if rnd.randint(0, 7) == 0:  # glued to a suffix or a neighbour: "templatess", "ci2"
                word += rnd.choice(["s", "es", "2", "x", "\u017f", "-", "'s"])
            parts.append(word)
        parts.append(rnd.choice([" ", " ", " ", "", "-", ", ", ". ", "/"]))
    return "".join(parts)


def task(rnd) -> Task:
    return Task(title=text(rnd, 8), notes=text(rnd, 20), project=text(rnd, 3),
                tags=tuple(text(rnd, 2) for _ in range(rnd.randint(0, 3))), status=rnd.choice(STATUSES))


HINTS = WORDS + ["go live", "go  live", "wrap up", "new customer", "c++", ".net", "-dash", "a/b", "caf\u00e9",
                 "\u017fecurity", "s\u0131la", "SLA", "Review", "box", "boxe", "boxes", "soc 2", "up", "live",
                 "x-", "'quote'", "2fa", "q4"]
DESCRIPTION_WORDS = WORDS + ["self-serve", "well-known", "boxes", "boxe", "templates", "classes", "class", "re--do",
                             "last-", "customers", "client", "promised", "requested", "finishing"]


def model(rnd):
    data = MODEL.model_dump(mode="json")
    bands = []
    for i in range(rnd.randint(1, 5)):
        name = rnd.choice(["Customer work", "Client promise", "Speed", "Risk", "Nearly done", "Sales"])
        words = [rnd.choice(DESCRIPTION_WORDS) for _ in range(rnd.randint(3, 12))]
        description = " ".join(words) + rnd.choice(["", " a customer request", " promised to a client"])
        hints = [rnd.choice(HINTS) for _ in range(rnd.randint(0, 10))]
        bands.append({"id": f"band_{i}", "name": name, "points": rnd.choice([10, 55.5, 200]),
                      "description": (description + " padding words")[:600], "hints": hints})
    data["bands"] = bands
    return parse_model(data)


def _same(task: Task, model) -> None:
    assert judge_task(task, model) == reference.judge_task(task, model), task


# A seed, not hypothesis' own random source: hundreds of draws per example would overrun its buffer.
@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32))
def test_the_default_model_gives_the_original_verdicts(seed):
    rnd = random.Random(seed)
    for _ in range(50):
        _same(task(rnd), MODEL)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32))
def test_any_model_gives_the_original_verdicts(seed):
    rnd = random.Random(seed)
    some = model(rnd)
    for _ in range(20):
        _same(task(rnd), some)


def test_the_cases_where_the_words_alone_would_be_wrong():
    data = MODEL.model_dump(mode="json")
    data["bands"][2]["hints"] += ["go live", "go", "live", "c++", ".net", "\u017fecurity", "box", "boxe"]
    data["bands"][2]["description"] += " Templates, boxes and self-serve tooling."
    odd = parse_model(data)
    for title in ["Go live with Acme", "go-live for Brightline", "go live live", "Port to c++ and .net",
                  "\u017fecurity review", "Security review (\u0131)", "BOXES of templates", "boxe boxes box",
                  "Wrap up and ship the final release", "wrap-up: final merge", "New customer kickoff with Kestrel",
                  "Reply to Kestrel\u2019s question", "Hire a recruiter for their onboarding",
                  "SOC 2 audit", "soc2 audit", "The \u03a3 customer\u2019s setup call"]:
        for model in (MODEL, odd):
            for status in ("open", "in_progress"):
                _same(Task(title=title, notes=title, project=title, tags=tuple(title.split()[:2]), status=status),
                      model)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_tasks_sharing_projects_and_tag_lists_get_the_original_verdicts(seed):
    """A project's and a tag list's scans are remembered by their text: tasks that share them (as
    an export's rows do) with other titles, notes and statuses -- and a model of their own -- must
    still get exactly the original verdicts."""
    rnd = random.Random(seed)
    projects = [text(rnd, 3) for _ in range(4)] + [""]
    tag_lists = [tuple(text(rnd, 2) for _ in range(rnd.randint(0, 3))) for _ in range(4)] + [()]
    for some in (MODEL, model(rnd)):
        for _ in range(40):
            _same(Task(title=text(rnd, 8), notes=text(rnd, 20), project=rnd.choice(projects),
                       tags=rnd.choice(tag_lists), status=rnd.choice(STATUSES)), some)


def test_the_remembered_scans_are_bounded():
    from scoring.rules import _compiled

    rnd = random.Random(5)
    for i in range(4200):
        project = f"project {i} " + text(rnd, 2)
        if i % 500 == 0:
            _same(Task(title=text(rnd, 8), notes=text(rnd, 5), project=project, status="open"), MODEL)
        else:
            judge_task(Task(title="t", project=project), MODEL)
    assert len(_compiled(MODEL).field_memo) <= 4096


def test_verdicts_remembered_by_their_evidence_still_fit_each_task():
    """A band's verdict is remembered by what was found for it: tasks with the same hints in the
    same fields but different titles otherwise -- naming a customer or not, hiring, a template, a
    reply owed, in progress or not, tagged as customer work or not -- each still get exactly the
    original verdicts, in whatever order they come."""
    titles = ["Onboarding call with Kestrel", "onboarding call for the new hire", "Onboarding call template",
              "Reply to Kestrel's onboarding question", "reply to the onboarding question",
              "Finish and ship the onboarding release", "finish the onboarding release", "onboarding call"]
    tag_lists = [(), ("customer",), ("onboarding",), ("customer", "risk")]
    tasks = [Task(title=title, notes=notes, project=project, tags=tags, status=status)
             for title in titles for tags in tag_lists for status in ("open", "in_progress")
             for notes, project in (("", ""), ("renewal proposal for their team", "Customer Onboarding"))]
    rnd = random.Random(11)
    for _ in range(3):
        rnd.shuffle(tasks)
        for some in (MODEL, model(random.Random(3))):
            for t in tasks:
                _same(t, some)


def test_the_remembered_verdicts_are_bounded():
    from scoring.rules import _compiled

    rnd = random.Random(9)
    for i in range(3000):
        judge_task(Task(title=text(rnd, 8), notes=text(rnd, 20), tags=(text(rnd, 2),), status="in_progress"), MODEL)
    assert 0 < len(_compiled(MODEL).verdict_memo) <= 4096
    for _ in range(50):
        _same(task(rnd), MODEL)
