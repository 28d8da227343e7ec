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
from dataclasses import dataclass
from functools import lru_cache

from .model import Band, ValueModel
from .store import Judgement
from .tasks import Task

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
_AUDIENCE_RUNS = frozenset(w.encode() for w in _AUDIENCE)
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
    return bool(_THEIR.search(lowered))


_ASCII_UPPER = re.compile(r"[A-Z]")
_THEIR = re.compile(r"(?<![a-z])(their|them)(?![a-z])")


def _names_a_customer(task: Task) -> bool:
    """`names_a_customer`, without its word loop when it cannot succeed: every word it accepts
    starts with an upper-case letter, and an ASCII title with no A-Z has none."""
    title = task.title
    if title.isascii() and _ASCII_UPPER.search(title) is None:
        return _THEIR.search(title.lower()) is not None
    return names_a_customer(task)


def _mentions_customers(task: Task) -> bool:
    text = " ".join((task.title, task.notes, task.project, " ".join(task.tags))).lower()
    return bool(_hits(_pattern(tuple(_AUDIENCE)), text))


# --- the same scans, answered from the text's words ---------------------------------------------
#
# Every scan above is `_hits(pattern, text)` with a pattern `(?<![a-z0-9])(alt|alt|...)(?![a-z0-9])`
# (IGNORECASE) on lowered text, ~34 of them per task. When an alternative is letters and digits
# only ("onboarding", "soc2"), a match can only be one whole run
# of letters and digits of the text: it starts where the run starts (the look-behind) and ends
# where it ends (the look-ahead). So the scan's result is a dictionary lookup of the text's runs,
# computed once per field for all bands together. The plural scan's `stem(?:s|es)?` is a lookup
# of stem, stem+"s" and stem+"es"; when several stems fit one run the regex takes the longest
# (its alternatives are sorted longest first) and so does the table.
#
# An alternative with other characters ("go live", "wrap-up") can only match where the text has
# a run equal to its first run ("go", "wrap"): then, and only then, that one scan is the regex
# itself. An alternative that starts with another character, or is not lowercase ASCII, makes
# its scan always the regex. And the runs are exact only where IGNORECASE cannot pair a
# character of the text with an ASCII letter or digit: after str.lower() the only such
# characters are "ı" (U+0131, with i) and "ſ" (U+017F, with s); text holding one is scanned by
# the regexes. tests/test_rules_fast.py checks the verdicts against the original implementation.

_RUN = re.compile(r"[a-z0-9]+")
_CASE_TWINS = ("\u0131", "\u017f")
# UTF-8 bytes -> the same bytes for a-z and 0-9, a space for every other byte: splitting that
# gives the runs (every byte of a non-ASCII character is >= 0x80, so it separates runs, as the
# character does for the regex). ~3x faster than _RUN.findall.
_SEPARATE = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256))


def _runs(text: str) -> frozenset[bytes] | None:
    """The runs of letters and digits of lowered text (as bytes), or None when they do not decide a scan."""
    if text.isascii():
        return frozenset(text.encode().translate(_SEPARATE).split())
    if any(c in text for c in _CASE_TWINS):
        return None
    return frozenset(text.encode("utf-8", "surrogatepass").translate(_SEPARATE).split())


def _plain(alt: str) -> bool:
    return alt.isascii() and _RUN.fullmatch(alt) is not None


class _Scan:
    """One `_hits(pattern, text)`: `table` maps a run to what the regex's group would be there,
    `first_runs` are the runs where an alternative with other characters could start, and
    `always_regex` says the runs can never decide it."""

    __slots__ = ("pattern", "table", "first_runs", "always_regex")

    def __init__(self, phrases: tuple[str, ...], plural: bool = False):
        self.pattern = _plural_pattern(phrases) if plural else _pattern(phrases)
        alts = {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in phrases} if plural else set(phrases)
        self.table: dict[bytes, str] = {}
        first_runs: set[bytes] = set()
        self.always_regex = False
        for alt in sorted(alts, key=len):  # shortest first: a longer stem that fits the same run wins
            if _plain(alt):
                for run in ((alt, alt + "s", alt + "es") if plural else (alt,)):
                    self.table[run.encode()] = alt
            elif alt.isascii() and alt == alt.lower() and (first := _RUN.match(alt)) is not None:
                first_runs.add(first.group().encode())
            else:
                self.always_regex = True
        self.first_runs = frozenset(first_runs)

    def decided(self, runs: frozenset[bytes] | None) -> bool:
        """Whether these runs answer the scan without the regex."""
        return runs is not None and not self.always_regex and self.first_runs.isdisjoint(runs)

    def hits(self, text: str, runs: frozenset[bytes] | None) -> set[str]:
        if not self.decided(runs):
            return _hits(self.pattern, text)
        table = self.table
        return {table[r] for r in runs if r in table}


_NONE: frozenset[str] = frozenset()


class _Scans:
    """Several scans of one text at once (each band's hints, or each band's description words):
    one set intersection and a few lookups for all of them, each scan's result exactly its own."""

    __slots__ = ("scans", "index", "runs", "first_runs", "always_regex")

    def __init__(self, scans: list[_Scan]):
        self.scans = scans
        index: dict[bytes, list[tuple[int, str]]] = {}
        for i, scan in enumerate(scans):
            for run, group in scan.table.items():
                index.setdefault(run, []).append((i, group))
        self.index = {run: tuple(entries) for run, entries in index.items()}
        self.runs = frozenset(index)
        self.first_runs = frozenset().union(*(scan.first_runs for scan in scans))
        self.always_regex = any(scan.always_regex for scan in scans)

    def hits_each(self, texts: tuple[str, ...], runs: tuple) -> list[dict[int, set[str]]]:
        """`hits` of each text with its runs (one call for a task's four fields)."""
        known, first_runs, index = self.runs, self.first_runs, self.index
        out = []
        for text, these in zip(texts, runs):
            if these is None or self.always_regex or not first_runs.isdisjoint(these):
                out.append(self.hits(text, these))
                continue
            found: dict[int, set[str]] = {}
            for run in these & known:
                for i, group in index[run]:
                    if i in found:
                        found[i].add(group)
                    else:
                        found[i] = {group}
            out.append(found)
        return out

    def hits(self, text: str, runs: frozenset[bytes] | None) -> dict[int, set[str]]:
        """{scan's position: its `_hits(pattern, text)`} for the scans that found something."""
        if runs is None or self.always_regex or not self.first_runs.isdisjoint(runs):
            return {i: found for i, scan in enumerate(self.scans) if (found := scan.hits(text, runs))}
        out: dict[int, set[str]] = {}
        for run in runs & self.runs:
            for i, group in self.index[run]:
                if i in out:
                    out[i].add(group)
                else:
                    out[i] = {group}
        return out


@dataclass(frozen=True, slots=True)
class _Profile:
    band: Band
    customer_facing: bool
    finishing: bool
    shared_here: frozenset[str]
    promise: bool
    audience_hints: frozenset[str]  # _AUDIENCE & set(band.hints)


class _Compiled:
    """Everything `judge_task` derives from one value model, derived once."""

    def __init__(self, model: ValueModel):
        shared = _shared_hints(model)
        self.profiles: list[_Profile] = []
        hint_scans, word_scans = [], []
        for band in model.bands:
            customer_facing, hints, words, finishing, shared_here, promise = _band_profile(band, shared)
            self.profiles.append(_Profile(band, customer_facing, finishing, shared_here, promise,
                                          frozenset(_AUDIENCE & set(band.hints))))
            hint_scans.append(_Scan(hints))
            word_scans.append(_Scan(words, plural=True))
        self.hints = _Scans(hint_scans)
        self.words = _Scans(word_scans)
        self.audience_bands = tuple(i for i, p in enumerate(self.profiles)
                                    if p.customer_facing and p.band.hints and p.audience_hints)
        self.promise_bands = tuple(i for i, p in enumerate(self.profiles) if p.promise)
        # A project's and a tag list's runs and hints found, by text: an export names the same few
        # projects and tag lists on every row (a task's own title and notes are never memoised).
        self.field_memo: dict[str, tuple] = {}
        # {what was found for a band: its verdict} (`judge_task`)
        self.verdict_memo: dict[tuple, tuple | None] = {}
        self.internal_people = _Scan(_INTERNAL_PEOPLE)
        self.reusable = _Scan(_REUSABLE)
        self.owed_reply = _Scan(_OWED_REPLY)


_COMPILED: dict[str, _Compiled] = {}


def _compiled(model: ValueModel) -> _Compiled:
    key = model.fingerprint  # cached on the model: cheap, and equal models share one entry
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        compiled = _COMPILED[key] = _Compiled(model)
    return compiled


def _mentions(task: Task, runs: tuple) -> bool:
    """`_mentions_customers(task)`. Its text is the four fields joined by spaces, lowered; for ASCII
    fields that is the fields lowered and joined, so its runs are theirs together (the `_AUDIENCE`
    words are plain runs)."""
    if (None not in runs and task.title.isascii() and task.notes.isascii() and task.project.isascii()
            and all(t.isascii() for t in task.tags)):
        return any(not _AUDIENCE_RUNS.isdisjoint(r) for r in runs)
    return _mentions_customers(task)


_FIELDS = (("title", TITLE), ("tag", TAG), ("notes", NOTES), ("project", PROJECT))
_NO_HITS: dict[int, set[str]] = {}


def _field(compiled: _Compiled, text: str) -> tuple:
    """(runs, {band: hints found}) of a lowered project or tag list, through the memo (read-only results)."""
    if not text:
        return _NONE, _NO_HITS
    memo = compiled.field_memo
    found = memo.get(text)
    if found is None:
        if len(memo) >= 4096:
            memo.clear()
        runs = _runs(text)
        found = memo[text] = (runs, compiled.hints.hits(text, runs))
    return found


_FINISHING_SET = frozenset(_FINISHING)


def judge_task(task: Task, model: ValueModel) -> list[Judgement]:
    """Which bands apply, with a confidence and a one-line reason naming what matched."""
    compiled = _compiled(model)
    title, notes, project = task.title.lower(), task.notes.lower(), task.project.lower()
    tags = " | ".join(t.lower() for t in task.tags)
    title_runs = _runs(title)
    notes_runs = _runs(notes) if notes else _NONE
    tags_runs, tags_found = _field(compiled, tags)
    project_runs, project_found = _field(compiled, project)
    runs = (title_runs, tags_runs, notes_runs, project_runs)
    # per field: {band: the band's hints found there}, only for bands that found some
    title_found, notes_found = compiled.hints.hits_each((title, notes), (title_runs, notes_runs))
    found_in = (title_found, tags_found, notes_found, project_found)
    described_in_title = compiled.words.hits(title, title_runs)
    # A band with no hint and no description word found has no evidence, so it cannot apply,
    # unless evidence comes another way: a customer tag, or a reply owed to a named customer.
    candidates = set(described_in_title).union(*found_in)
    tagged = {t.lower() for t in task.tags}
    if tags:
        candidates.update(b for b in compiled.audience_bands if compiled.profiles[b].audience_hints & tagged)
    owed = compiled.owed_reply.hits(title, title_runs) if compiled.promise_bands else _NONE
    if owed:
        candidates.update(compiled.promise_bands)
    in_progress = task.status == "in_progress"
    # What only customer-facing bands ask is worked out the first time one asks (most tasks never do).
    named = customer_ref = vetoed = None
    owed_key: frozenset[str] | None = None
    memo = compiled.verdict_memo
    found: list[Judgement] = []
    for b in sorted(candidates):  # the model's order
        profile = compiled.profiles[b]
        title_hits, tag_hits = title_found.get(b, _NONE), tags_found.get(b, _NONE)
        notes_hits, project_hits = notes_found.get(b, _NONE), project_found.get(b, _NONE)
        described = described_in_title.get(b, _NONE)
        # The most evidence this band could reach: every hit at its field's full weight, every
        # customer tag and owed reply counted, the description words' cap and the bonus. Below the
        # threshold it cannot apply, whatever the rest says (the weights are exact binary
        # fractions: the sums are exact); about half the candidates of a task apply.
        bound = (TITLE * len(title_hits) + TAG * len(tag_hits) + NOTES * len(notes_hits)
                 + PROJECT * len(project_hits) + min(DESCRIPTION_CAP, DESCRIPTION_WORD * len(described)))
        if bound < THRESHOLD:
            if profile.customer_facing and profile.band.hints and tags:
                bound += TAG * len(profile.audience_hints & tagged)
            if profile.promise and owed:
                bound += TITLE * len(owed)
            if profile.finishing and in_progress:
                bound += IN_PROGRESS_BONUS
            if bound < THRESHOLD:
                continue
        # Whether the band's evidence is enough, and what the verdict says, depend on nothing but
        # what was found for it where: remembered by that (few combinations recur across tasks).
        audience = (frozenset(profile.audience_hints & tagged)
                    if profile.customer_facing and profile.band.hints and tags else _NONE)
        if profile.promise and owed:
            if named is None:
                named = _names_a_customer(task)
            if owed_key is None:
                owed_key = frozenset(owed)
            owed_here = owed_key if named else _NONE
        else:
            owed_here = _NONE
        under_way = profile.finishing and in_progress  # all a verdict reads of the status
        key = (b, frozenset(title_hits), frozenset(tag_hits), frozenset(notes_hits), frozenset(project_hits),
               frozenset(described), under_way, audience, owed_here)
        verdict = memo.get(key, _UNKNOWN)
        if verdict is _UNKNOWN:
            if len(memo) >= 4096:
                memo.clear()
            verdict = memo[key] = _band_verdict(profile, (title_hits, tag_hits, notes_hits, project_hits),
                                                described, under_way, audience, owed_here)
        if verdict is None:
            continue
        if profile.customer_facing:
            if named is None:
                named = _names_a_customer(task)
            if customer_ref is None:
                customer_ref = named or _mentions(task, runs)
            if vetoed is None:
                vetoed = (not customer_ref or bool(compiled.internal_people.hits(title, title_runs))
                          or (bool(compiled.reusable.hits(title, title_runs)) and not named))
            if vetoed:
                continue
            found.append(verdict[1] if named else verdict[0])
        else:
            found.append(verdict[0])
    return found


_UNKNOWN = object()


def _band_verdict(profile: _Profile, found_in: tuple, described_in_title: frozenset[str] | set[str],
                  in_progress: bool, audience: frozenset[str], owed: frozenset[str]) -> tuple | None:
    """Whether the band's evidence applies it, from the hints found in each field (`_FIELDS`'
    order), the description words in the title, whether a finishing band's work is in progress,
    the customer tags (`audience`) and the owed replies to a named customer: None when not, else
    its Judgement as (for a task that names no customer, for one that does). Reads nothing else,
    so the caller remembers it by exactly these; a customer-facing band's veto is the caller's."""
    band, finishing, shared_here = profile.band, profile.finishing, profile.shared_here
    where: dict[str, float] = {}
    field_of: dict[str, str] = {}
    for (field, weight), hits in zip(_FIELDS, found_in):
        for hit in hits:
            w = weight / 2 if hit in shared_here else weight
            if w > where.get(hit, 0.0):
                where[hit], field_of[hit] = w, field
    for hit in audience:
        where[hit], field_of[hit] = TAG, "tag"  # a person tagged it as customer work
    for hit in owed:
        where.setdefault(hit, TITLE)
        field_of.setdefault(hit, "title")
    evidence = sum(where.values())
    described = described_in_title - set(where)
    evidence += min(DESCRIPTION_CAP, DESCRIPTION_WORD * len(described))
    if finishing:
        if not in_progress and len(found_in[0] & _FINISHING_SET) < 2:
            return None  # "nearly done" needs work actually under way, or strong words for it
        if in_progress:
            evidence += IN_PROGRESS_BONUS
    if evidence < THRESHOLD or not (where or (finishing and in_progress and described)):
        return None
    matched = sorted(where, key=lambda h: (-where[h], h))
    why = ", ".join(f"'{m}' ({field_of[m]})" for m in matched[:3]) or "described work"
    if finishing and in_progress:
        why += "; already in progress"
    confidence = round(min(0.9, 0.3 + 0.1 * evidence), 2)
    plain = shared_judgement(band.id, confidence, why)
    return plain, (shared_judgement(band.id, confidence, why + "; names a customer")
                   if profile.customer_facing else plain)


_JUDGEMENTS: dict[tuple[str, float, str], Judgement] = {}


def shared_judgement(band_id: str, confidence: float, rationale: str) -> Judgement:
    """The rules' Judgement that this band applies. Judgements are frozen: equal ones are shared
    (the same band, confidence and reason recur across an import's tasks), which saves building
    a 7-field frozen dataclass per verdict."""
    key = (band_id, confidence, rationale)
    judgement = _JUDGEMENTS.get(key)
    if judgement is None:
        if len(_JUDGEMENTS) >= 4096:
            _JUDGEMENTS.clear()
        judgement = _JUDGEMENTS[key] = Judgement(band_id, JUDGE, True, confidence, rationale)
    return judgement


class RulesCategorizer:
    """Deterministic, free and offline."""

    judge = JUDGE
    name = "offline rules"
    version = f"rules-{RULES_VERSION}"

    def categorize(self, tasks: Sequence[Task], model: ValueModel, examples=()) -> dict[int, list[Judgement]]:
        return {task.id: judge_task(task, model) for task in tasks}
