from slack_bolt import App

from ... import ids
from .flag_workslop import handle_flag_workslop_shortcut
from .make_task import handle_make_task_shortcut


def register(app: App) -> None:
    app.shortcut(ids.SHORTCUT_MAKE_TASK)(handle_make_task_shortcut)
    app.shortcut(ids.SHORTCUT_FLAG_WORKSLOP)(handle_flag_workslop_shortcut)
