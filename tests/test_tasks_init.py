"""`Task`'s faster __init__ (scoring/frozen.py) against the one `dataclass` would have written."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import datetime, timezone

import pytest

from scoring.frozen import fast_init
from scoring.tasks import Task


def _reference():
    """Task as the dataclass decorator alone makes it: the same fields, defaults and factories."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory,
                                                 compare=f.compare, hash=f.hash))
              for f in dataclasses.fields(Task)]
    return dataclasses.make_dataclass("Task", fields, frozen=True, slots=True)


REFERENCE = _reference()
WHEN = datetime(2025, 11, 20, 9, 0, tzinfo=timezone.utc)


def values(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def test_the_signature_is_the_dataclass_one():
    assert str(inspect.signature(Task.__init__)) == str(inspect.signature(REFERENCE.__init__))
    assert Task.__init__.__qualname__ == "Task.__init__"


@pytest.mark.parametrize("args, kwargs", [
    (("Call Acme",), {}),
    (("Call Acme", "asana", "1209"), {"notes": "n", "tags": ("customer",), "due": WHEN, "extra": {"section": "x"}}),
    ((), {"title": "t", "status": "in_progress", "estimate_hours": 1.5, "blocking": 2, "completed_at": WHEN}),
    (tuple(f"v{i}" for i in range(20)), {}),  # every field by position
])
def test_every_way_of_building_one_gives_the_same_task(args, kwargs):
    assert values(Task(*args, **kwargs)) == values(REFERENCE(*args, **kwargs))


def test_each_task_gets_its_own_extra_and_a_given_one_is_kept():
    a, b = Task("a"), Task("b")
    assert a.extra == {} and a.extra is not b.extra
    given = {"k": 1}
    assert Task("c", extra=given).extra is given


@pytest.mark.parametrize("args, kwargs", [((), {}), (("t",), {"nope": 1}), (("t", "s"), {"source": "x"}),
                                          (tuple(range(21)), {})])
def test_wrong_arguments_are_refused_as_before(args, kwargs):
    with pytest.raises(TypeError):
        REFERENCE(*args, **kwargs)
    with pytest.raises(TypeError):
        Task(*args, **kwargs)


def test_a_task_is_still_frozen_equal_and_hashable():
    task = Task("a", tags=("x",), due=WHEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.title = "b"  # type: ignore[misc]
    assert task == Task("a", tags=("x",), due=WHEN, extra={"ignored": "by equality"})
    assert len({task, Task("a", tags=("x",), due=WHEN)}) == 1
    assert task.with_(title="b").title == "b" and task.title == "a"


def test_classes_it_cannot_speed_up_are_refused():
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self):
            pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class KeywordOnly:
        a: int = dataclasses.field(kw_only=True)

    for cls in (NoSlots, NotFrozen, PostInit, KeywordOnly):
        with pytest.raises(TypeError):
            fast_init(cls)
