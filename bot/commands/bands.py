"""`headwork bands show TASK_ID` and `headwork bands set TASK_ID BAND_ID on|off|clear`:
see who judged a task's value bands, and correct them (a person's word always wins)."""

from __future__ import annotations

import sys

from scoring.corrections import CorrectionError, bands_in_model, correct_band, no_band_of
from scoring.store import NO_BAND

from ..textview import JUDGE_NAMES, judge_label

SETTINGS = {"on": True, "off": False, "clear": None}


def register(sub) -> None:
    p = sub.add_parser("bands", help="show or correct a task's value bands (corrections are never overwritten)")
    bsub = p.add_subparsers(dest="bands_command", metavar="ACTION", required=True)
    show = bsub.add_parser("show", help="every judgement of a task's bands: judge, confidence, reason")
    show.add_argument("task_id", type=int, help="the task's id (as shown by `headwork top5 --json`)")
    show.set_defaults(handler=show_bands)
    put = bsub.add_parser(
        "set", help="a person's word on one band: on (applies), off (does not), clear (let the categorizer decide)",
        description="Store a correction as human: no categorizer ever overwrites it, the task is rescored at "
                    "once, and recent corrections are shown to Claude as examples.")
    put.add_argument("task_id", type=int, help="the task's id")
    put.add_argument("band_id", help="a band id of the value model (see `headwork model show`)")
    put.add_argument("setting", choices=sorted(SETTINGS), help="on, off or clear")
    put.add_argument("--by", metavar="USER", help="who made the correction (a Slack user id); recorded with it")
    put.set_defaults(handler=set_band)


def show_bands(args, runtime) -> int:
    store, model = runtime.store, runtime.model
    task = store.get_task(args.task_id)
    if task is None:
        print(f"headwork: no task with id {args.task_id}", file=sys.stderr)
        return 1
    bands, judged_by = bands_in_model(store, model, task.id)
    judgements = store.judgements(task.id)
    score = store.score_of(task.id)
    print(f"Task {task.id}: {task.title} ({task.status})")
    names = {b.id: b.name for b in model.bands}
    if bands:
        applied = ", ".join(f"{b} ({names[b]})" for b in sorted(bands))
        print(f"Bands that apply: {applied} — judged by {judge_label(judged_by)}")
    elif not judged_by:
        queued = " (queued for the categorizer)" if task.is_open else " (a closed task is not sent to the categorizer)"
        print(f"Bands that apply: none yet — no categorizer has judged this task{queued}")
    elif "human" in judged_by.split("+"):
        print(f"Bands that apply: none — judged by {judge_label(judged_by)}")
    else:
        print(f"Bands that apply: none — {judge_label(judged_by)} judged that no band applies"
              + _because(no_band_of(judgements)))
    retired = sorted({j.band_id for j in judgements if j.judge == "human" and j.band_id not in names})
    if retired:
        print(f"Not counted (no longer in the value model): {', '.join(retired)} — "
              + "; ".join(f"`headwork bands set {task.id} {b} clear` withdraws that correction" for b in retired))
    if score:
        print(f"Score: {score['total']:g} pts")
    judgements = [j for j in judgements if j.band_id != NO_BAND]  # the verdict "none applies": said above
    if not judgements:
        return 0
    print("Judgements:")
    for j in judgements:
        who = JUDGE_NAMES.get(j.judge, j.judge) + (f" {j.judged_by_user}" if j.judged_by_user else "")
        confidence = f"{j.confidence:.2f}" if j.confidence is not None and j.judge != "human" else "    "
        gone = "" if j.band_id in names else "  (not in the value model: not counted)"
        print(f"  {j.band_id:<22} {'yes' if j.applies else 'no ':<3}  {who:<16} {confidence}  {j.rationale}{gone}")
    return 0


def _because(verdict) -> str:
    """` (confidence 0.70: the reason)` of a verdict that no band applies, when it gave one."""
    if verdict is None or not verdict.rationale:
        return ""
    sure = f"confidence {verdict.confidence:.2f}: " if verdict.confidence is not None else ""
    return f" ({sure}{verdict.rationale})"


def set_band(args, runtime) -> int:
    applies = SETTINGS[args.setting]
    try:
        result = correct_band(runtime.store, runtime.model, args.task_id, args.band_id, applies, args.by,
                              runtime.now())
    except CorrectionError as exc:
        print(f"headwork: {exc}", file=sys.stderr)
        return 1 if "no task" in str(exc) else 2
    said = {True: "applies", False: "does not apply", None: "is left to the categorizer again"}[applies]
    if args.band_id not in runtime.model.band_ids:
        said = "is no longer in the value model: the correction is withdrawn"
    before = f"{result.total_before:g}" if result.total_before is not None else "unscored"
    print(f"Task {result.task_id}: {result.band_id} {said}. Score {before} → {result.total_after:g} pts; "
          f"bands now: {', '.join(sorted(result.bands)) or 'none'} (judged by {judge_label(result.judged_by)}).")
    return 0
