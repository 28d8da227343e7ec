"""The Why? modal's "Save bands": a person's word on which value bands apply. Stored as a
human judgement (no categorizer overwrites it), the task rescored at once, the list redrawn."""

from __future__ import annotations

from scoring.corrections import correct_band

from ... import ids
from ...blocks.common import esc
from ...delivery import redraw
from ...deps import Deps
from ...forms import read_selected
from ...screens import Origin


def handle_why_submission(ack, body: dict, view: dict, deps: Deps) -> None:
    user = body["user"]["id"]
    origin, extra = Origin.loads(view.get("private_metadata", ""))
    task_id = extra.get("task_id")
    task = deps.store.get_task(task_id) if isinstance(task_id, int) else None
    if task is None or not (task.assignee_id == user or deps.is_admin(user)):
        ack()  # nothing to save: the modal had no correction form for this person
        return
    chosen = read_selected(view, ids.BLOCK_BANDS, ids.INPUT_BANDS) & deps.model.band_ids
    current, _ = deps.store.effective_bands(task.id)
    now = deps.now_for(user)
    changes = sorted((band, True) for band in chosen - current) + sorted((band, False) for band in current - chosen)
    for band, applies in changes:
        correct_band(deps.store, deps.model, task.id, band, applies, user, now)
    ack()
    if changes:
        names = ", ".join(("+" if applies else "−") + deps.model.band(band).name for band, applies in changes)
        notice = f"Bands of *{esc(task.title[:150])}* corrected ({esc(names)}); your word is kept from now on."
        deps.background.submit(redraw, deps, user, origin, notice)
