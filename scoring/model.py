"""The value model: what Headwork believes a task is worth, in one readable YAML file.

*Bands* are subjective ("is this for a customer in onboarding?") and judged by a
categorizer; *signals* are computed from task fields. The engine adds them up.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

SIGNAL_KINDS = ("due", "age", "blocking", "in_progress", "waiting", "quick_win")
# Signals whose weight must not be negative: an earlier due date, a task blocking more
# people or one already started must never rank lower.
_NON_NEGATIVE = {"due", "age", "blocking", "in_progress", "quick_win"}

BandId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class _Located(ValueError):
    """A whole-model check that knows which field is at fault (pydantic only knows the model)."""

    def __init__(self, loc: tuple, message: str):
        super().__init__(message)
        self.loc = loc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """A subjective value criterion, judged by a categorizer (or a person)."""

    id: BandId
    name: str = Field(min_length=1, max_length=60)
    points: float = Field(gt=0, le=10_000)
    description: str = Field(min_length=10, max_length=600)
    hints: tuple[str, ...] = ()

    @field_validator("hints")
    @classmethod
    def _lower_hints(cls, hints: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in hints if h.strip())


class DueCurve(_Strict):
    """Taskwarrior's due ramp: `floor` at `ramp_days` out, 1.0 at `overdue_days` late."""

    ramp_days: float = Field(default=14, gt=0)
    overdue_days: float = Field(default=7, ge=0)
    floor: float = Field(default=0.2, ge=0, le=1)


class Signal(_Strict):
    """A deterministic criterion computed from task fields."""

    id: BandId
    kind: Literal["due", "age", "blocking", "in_progress", "waiting", "quick_win"]
    name: str = Field(min_length=1, max_length=60)
    weight: float = Field(ge=-10_000, le=10_000)
    description: str = Field(default="", max_length=600)
    # kind-specific knobs, each with the default a reader would guess
    curve: DueCurve | None = None  # due
    full_after_days: float = Field(default=365, gt=0)  # age
    per_task_cap: int = Field(default=3, ge=1)  # blocking: count up to this many blocked tasks
    max_hours: float = Field(default=2, gt=0)  # quick_win: human estimate at most this

    @field_validator("weight")
    @classmethod
    def _sign(cls, weight: float, info: ValidationInfo) -> float:
        kind = info.data.get("kind")  # validated before `weight` (declared first)
        if kind in _NON_NEGATIVE and weight < 0:
            raise ValueError(f"the weight of a '{kind}' signal must be >= 0 (got {weight:g})")
        if kind == "waiting" and weight > 0:
            raise ValueError(f"the weight of a 'waiting' signal must be <= 0 (got {weight:g})")
        return weight


class ValueModel(_Strict):
    """The whole value model. `compound_share` is the proportional bump for extra bands."""

    version: int = 1
    name: str = "Headwork value model"
    compound_share: float = Field(default=0.25, ge=0, le=1)
    bands: tuple[Band, ...] = Field(min_length=1)
    signals: tuple[Signal, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> "ValueModel":
        seen: dict[str, str] = {}
        places = [("bands", i, b) for i, b in enumerate(self.bands)]
        places += [("signals", i, s) for i, s in enumerate(self.signals)]
        for section, i, item in places:
            if item.id in seen:
                raise _Located((section, i, "id"), f"id '{item.id}' is already used by {seen[item.id]}; "
                                                   "band and signal ids must be unique")
            seen[item.id] = f"{section}[{i}]"
        kinds: dict[str, int] = {}
        for i, s in enumerate(self.signals):
            if s.kind in kinds:
                raise _Located(("signals", i, "kind"), f"signal kind '{s.kind}' is already used by "
                                                       f"signals[{kinds[s.kind]}]; use one signal per kind")
            kinds[s.kind] = i
        return self

    @property
    def band_ids(self) -> frozenset[str]:
        return frozenset(b.id for b in self.bands)

    def band(self, band_id: str) -> Band:
        for b in self.bands:
            if b.id == band_id:
                return b
        raise KeyError(band_id)

    def signal(self, kind: str) -> Signal | None:
        for s in self.signals:
            if s.kind == kind:
                return s
        return None

    @property
    def criteria_count(self) -> int:
        return len(self.bands) + len(self.signals)

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that affects a score or a band judgement changes.

        Computed once per instance (re-serialising and hashing the model costs ~50-90 us, and
        imports and passes read it per batch or per task). The cache lives outside the instance,
        keyed by its id and checked through a weak reference, so that it can never be copied
        along with the object (`model_copy(update=...)` copies `__dict__` but gets a new id) and
        a recycled id never finds a dead model's fingerprint; `__eq__` and pickling see nothing.
        Correct because a ValueModel is frozen all the way down (bands, signals, curves, tuples)."""
        entry = _FINGERPRINTS.get(id(self))
        if entry is not None and entry[0]() is self:
            return entry[1]
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        fingerprint = hashlib.sha256(blob.encode()).hexdigest()[:16]
        key = id(self)
        _FINGERPRINTS[key] = (weakref.ref(self, lambda _, key=key: _forget_fingerprint(key)), fingerprint)
        return fingerprint

    @property
    def judging_fingerprint(self) -> str:
        """Changes whenever what a categorizer reads changes: the model's name and each band's id,
        name, description and cues, in order (Claude's rubric is built from them, the offline
        rules too). Points, signals and compound_share only move scores: no band is judged again."""
        blob = json.dumps([self.name, [[b.id, b.name, b.description, list(b.hints)] for b in self.bands]])
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def share_text(share: float) -> str:
    """A share as people read it, exactly as the file gives it: 0.25 -> '25%', 0.125 -> '12.5%'."""
    return f"{round(share * 100, 4):g}%"


# id(model) -> (weak reference to that model, its fingerprint); see ValueModel.fingerprint
_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}


def _forget_fingerprint(key: int) -> None:
    entry = _FINGERPRINTS.get(key)
    if entry is not None and entry[0]() is None:  # not a newer model that got the same id
        del _FINGERPRINTS[key]


class ModelFileError(Exception):
    """An invalid value model file: names the file, the field and the problem."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}: {field}: {msg}" if field else f"{path}: {msg}" for field, msg in problems]
        super().__init__("\n".join(lines))


def _loc(loc: tuple, data: object) -> str:
    """Turn pydantic's location into 'bands[2].points (id: nearly_done)'."""
    out = ""
    node = data
    label = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "id" in node:
                    label = f" (id: {node['id']})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out + label


def parse_model(data: object, path: str = "<model>") -> ValueModel:
    if not isinstance(data, dict):
        raise ModelFileError(path, [("", "the file must be a YAML mapping with 'bands' and 'signals'")])
    try:
        return ValueModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            error = (e.get("ctx") or {}).get("error")
            loc = e["loc"] + tuple(getattr(error, "loc", ()))
            # our own checks read better without pydantic's "Value error, " prefix
            message = str(error) if isinstance(error, ValueError) else e["msg"]
            problems.append((_loc(loc, data), message))
        raise ModelFileError(path, problems) from None


def load_model(path: str | Path | None = None) -> ValueModel:
    """Load and validate a value model file; `None` means the packaged default."""
    if path is None:
        text = resources.files("scoring").joinpath("data/value_model.yml").read_text("utf-8")
        shown = "scoring/data/value_model.yml"
    else:
        shown = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ModelFileError(shown, [("", f"cannot read the file ({exc.strerror})")]) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise ModelFileError(shown, [("", f"line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                                              "save the file as UTF-8")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ModelFileError(shown, [("", f"{where}not valid YAML ({getattr(exc, 'problem', exc)})")]) from None
    return parse_model(data, shown)
