from slack_bolt import App

from ... import ids
from .task_buttons import handle_done, handle_not_mine, handle_snooze
from .task_forms import handle_add_task, handle_edit, handle_why
from .give_task import handle_give_task
from ...blocks.workslop import time_action_pattern
from .top5_tools import handle_refresh, handle_show_more, handle_team_page
from .digest_stop import handle_digest_stop
from .agenda_buttons import handle_discussed, handle_edit as handle_agenda_edit, handle_remove  # agendas
from .workslop_list import handle_ws_list_undo, handle_ws_rate
from .workslop_prompt import handle_ws_change, handle_ws_other_time, handle_ws_reason, handle_ws_time, handle_ws_undo


def register(app: App) -> None:
    app.action(ids.ACTION_DONE)(handle_done)
    app.action(ids.ACTION_SNOOZE)(handle_snooze)
    app.action(ids.ACTION_NOT_MINE)(handle_not_mine)
    app.action(ids.ACTION_WHY)(handle_why)
    app.action(ids.ACTION_EDIT)(handle_edit)
    app.action(ids.ACTION_ADD_TASK)(handle_add_task)
    app.action(ids.ACTION_REFRESH)(handle_refresh)
    app.action(ids.ACTION_SHOW_MORE)(handle_show_more)
    app.action(ids.ACTION_TEAM_PREVIOUS)(handle_team_page)
    app.action(ids.ACTION_TEAM_NEXT)(handle_team_page)
    app.action(ids.ACTION_GIVE_TASK)(handle_give_task)
    app.action(ids.ACTION_DIGEST_STOP)(handle_digest_stop)
    # agendas
    app.action(ids.ACTION_AGENDA_DISCUSSED)(handle_discussed)
    app.action(ids.ACTION_AGENDA_EDIT)(handle_agenda_edit)
    app.action(ids.ACTION_AGENDA_REMOVE)(handle_remove)
    app.action(time_action_pattern())(handle_ws_time)
    app.action(ids.ACTION_WS_OTHER_TIME)(handle_ws_other_time)
    app.action(ids.ACTION_WS_REASON)(handle_ws_reason)
    app.action(ids.ACTION_WS_UNDO)(handle_ws_undo)
    app.action(ids.ACTION_WS_CHANGE)(handle_ws_change)
    app.action(ids.ACTION_WS_RATE)(handle_ws_rate)
    app.action(ids.ACTION_WS_LIST_UNDO)(handle_ws_list_undo)
