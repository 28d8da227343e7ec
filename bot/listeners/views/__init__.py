from slack_bolt import App

from ... import ids
from .bands import handle_why_submission
from .snooze import handle_snooze_date
from .task_form import handle_edit_task, handle_make_task
from .agenda_setup import handle_setup_submission  # agendas
from .workslop_forms import handle_flag, handle_other_time, handle_rate


def register(app: App) -> None:
    app.view(ids.VIEW_WHY)(handle_why_submission)
    app.view(ids.VIEW_SNOOZE_DATE)(handle_snooze_date)
    app.view(ids.VIEW_MAKE_TASK)(handle_make_task)
    app.view(ids.VIEW_TASK_EDIT)(handle_edit_task)
    app.view(ids.VIEW_AGENDA_SETUP)(handle_setup_submission)  # agendas
    app.view(ids.VIEW_WS_OTHER_TIME)(handle_other_time)
    app.view(ids.VIEW_WS_RATE)(handle_rate)
    app.view(ids.VIEW_WS_FLAG)(handle_flag)
