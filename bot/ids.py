"""Every Slack identifier Headwork uses: slash commands, events, shortcuts, action_ids,
callback_ids. `tests/test_manifest.py` checks these against `manifest.yml` both ways."""

# --- slash commands (manifest: features.slash_commands) -----------------------------------
CMD_TOP5 = "/top5"
CMD_TASK = "/task"

# --- bot events (manifest: settings.event_subscriptions.bot_events) -----------------------
EVENT_APP_HOME_OPENED = "app_home_opened"
EVENT_APP_UNINSTALLED = "app_uninstalled"
EVENT_TOKENS_REVOKED = "tokens_revoked"

# --- shortcuts (manifest: features.shortcuts) ----------------------------------------------
SHORTCUT_MAKE_TASK = "make_task"  # message shortcut

# --- block actions ---------------------------------------------------------------------
ACTION_DONE = "task_done"
ACTION_SNOOZE = "task_snooze"  # overflow: tomorrow / next_week / pick_date
ACTION_NOT_MINE = "task_not_mine"
ACTION_WHY = "task_why"
ACTION_EDIT = "task_edit"
ACTION_ADD_TASK = "task_add"
ACTION_REFRESH = "top5_refresh"
ACTION_SHOW_MORE = "top5_more"

SNOOZE_TOMORROW = "tomorrow"
SNOOZE_NEXT_WEEK = "next_week"
SNOOZE_PICK_DATE = "pick_date"

# --- modal callback ids --------------------------------------------------------------------
VIEW_WHY = "why_modal"
VIEW_SNOOZE_DATE = "snooze_date_modal"
VIEW_TASK_EDIT = "task_edit_modal"
VIEW_MAKE_TASK = "make_task_modal"
VIEW_TASK_ADDED = "task_added_modal"  # the confirmation a task modal turns into (no submit)
VIEW_NOTICE = "headwork_notice"  # a one-line modal: "that task is gone" (no submit)

# block/action ids inside modals (state values)
BLOCK_BANDS = "bands"
INPUT_BANDS = "bands_input"
BLOCK_TASK_TITLE = "task_title"
INPUT_TASK_TITLE = "task_title_input"
BLOCK_TASK_OWNER = "task_owner"
INPUT_TASK_OWNER = "task_owner_input"
BLOCK_TASK_DUE = "task_due"
INPUT_TASK_DUE = "task_due_input"
BLOCK_TASK_ESTIMATE = "task_estimate"
INPUT_TASK_ESTIMATE = "task_estimate_input"
BLOCK_SNOOZE_DATE = "snooze_date"
INPUT_SNOOZE_DATE = "snooze_date_input"

# What the manifest must declare, and what must have a listener (tests/test_manifest.py).
SLASH_COMMANDS = (CMD_TOP5, CMD_TASK)
BOT_EVENTS = (EVENT_APP_HOME_OPENED, EVENT_APP_UNINSTALLED, EVENT_TOKENS_REVOKED)
MESSAGE_SHORTCUTS = (SHORTCUT_MAKE_TASK,)

# --- workslop ----------------------------------------------------------------------------
CMD_WORKSLOP = "/workslop"
EVENT_REACTION_ADDED = "reaction_added"
EVENT_REACTION_REMOVED = "reaction_removed"
SHORTCUT_FLAG_WORKSLOP = "flag_workslop"  # message shortcut "Flag as workslop"

ACTION_WS_TIME = "workslop_time"  # DM prompt buttons "workslop_time_<minutes>", value "<flag id>:<minutes>"
ACTION_WS_OTHER_TIME = "workslop_other_time"  # "Other…": the minutes modal
ACTION_WS_REASON = "workslop_reason"  # static_select, value "<flag id>:<reason id>"
ACTION_WS_UNDO = "workslop_undo"
ACTION_WS_CHANGE = "workslop_change"  # back to the questions on an answered prompt
ACTION_WS_RATE = "workslop_rate"  # /workslop: rate an unrated flag (opens the rating modal)
ACTION_WS_LIST_UNDO = "workslop_list_undo"  # /workslop: undo one flag from the list

VIEW_WS_OTHER_TIME = "workslop_other_time_modal"
VIEW_WS_RATE = "workslop_rate_modal"  # from /workslop's Rate
VIEW_WS_FLAG = "workslop_flag_modal"  # from the shortcut: flag and rate at once
VIEW_WS_DONE = "workslop_done_modal"  # confirmation / notice (no submit)

BLOCK_WS_TIME = "workslop_time"
INPUT_WS_TIME = "workslop_time_input"  # static_select of the presets
BLOCK_WS_HOURS = "workslop_hours"
INPUT_WS_HOURS = "workslop_hours_input"  # number_input, hours (decimal)
BLOCK_WS_REASON = "workslop_reason"
INPUT_WS_REASON = "workslop_reason_input"
BLOCK_WS_NOTE = "workslop_note"
INPUT_WS_NOTE = "workslop_note_input"

SLASH_COMMANDS = SLASH_COMMANDS + (CMD_WORKSLOP,)
BOT_EVENTS = BOT_EVENTS + (EVENT_REACTION_ADDED, EVENT_REACTION_REMOVED)
MESSAGE_SHORTCUTS = MESSAGE_SHORTCUTS + (SHORTCUT_FLAG_WORKSLOP,)
