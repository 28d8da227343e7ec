from slack_bolt import App

from ... import ids
from .task import handle_task
from .top5 import handle_top5
from .digest import handle_digest
from .agenda import handle_agenda  # agendas
from .workslop import handle_workslop


def register(app: App) -> None:
    app.command(ids.CMD_TOP5)(handle_top5)
    app.command(ids.CMD_TASK)(handle_task)
    app.command(ids.CMD_DIGEST)(handle_digest)
    app.command(ids.CMD_AGENDA)(handle_agenda)  # agendas
    app.command(ids.CMD_WORKSLOP)(handle_workslop)
