"""Every Slack identifier Headwork uses: slash commands, events, shortcuts, action_ids,
callback_ids. `tests/test_manifest.py` checks these against `manifest.yml` both ways."""

# --- slash commands (manifest: features.slash_commands) -----------------------------------
CMD_TOP5 = "/top5"
CMD_TASK = "/task"

# --- bot events (manifest: settings.event_subscriptions.bot_events) -----------------------
EVENT_APP_HOME_OPENED = "app_home_opened"
EVENT_APP_UNINSTALLED = "app_uninstalled"
EVENT_TOKENS_REVOKED = "tokens_revoked"
EVENT_USER_CHANGE = "user_change"  # a name, time zone or deactivation, at once
EVENT_TEAM_JOIN = "team_join"  # someone new: tasks imported for their email are theirs at once

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
ACTION_TEAM_PREVIOUS = "top5_team_previous"  # /top5 team's page buttons: value = the page shown (0-based)
ACTION_TEAM_NEXT = "top5_team_next"  # (two ids: Slack wants each of a block's action_ids once)
ACTION_GIVE_TASK = "task_give"  # users_select on a task nobody owns (admins' Home)
BLOCK_UNOWNED_PREFIX = "unowned_"  # + task id: the block of that menu

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

# --- agendas ---------------------------------------------------------------------------------
CMD_AGENDA = "/agenda"
ACTION_AGENDA_DISCUSSED = "agenda_discussed"  # value "<occurrence id>:<task id>"
ACTION_AGENDA_EDIT = "agenda_edit"            # value: the meeting id
ACTION_AGENDA_REMOVE = "agenda_remove"        # value: the meeting id
VIEW_AGENDA_SETUP = "agenda_setup_modal"
BLOCK_AGENDA_NAME = "agenda_name"
INPUT_AGENDA_NAME = "agenda_name_input"
BLOCK_AGENDA_DAYS = "agenda_days"
INPUT_AGENDA_DAYS = "agenda_days_input"
BLOCK_AGENDA_TIME = "agenda_time"
INPUT_AGENDA_TIME = "agenda_time_input"
BLOCK_AGENDA_TZ = "agenda_tz"
INPUT_AGENDA_TZ = "agenda_tz_input"
BLOCK_AGENDA_LEAD = "agenda_lead"
INPUT_AGENDA_LEAD = "agenda_lead_input"
BLOCK_AGENDA_ATTENDEES = "agenda_attendees"
INPUT_AGENDA_ATTENDEES = "agenda_attendees_input"
BLOCK_AGENDA_PROJECT = "agenda_project"
INPUT_AGENDA_PROJECT = "agenda_project_input"
BLOCK_AGENDA_TAGS = "agenda_tags"
INPUT_AGENDA_TAGS = "agenda_tags_input"
BLOCK_AGENDA_MAX = "agenda_max"
INPUT_AGENDA_MAX = "agenda_max_input"
BLOCK_AGENDA_REPEAT = "agenda_repeat"          # every week, or every 2nd, 3rd, 4th week
INPUT_AGENDA_REPEAT = "agenda_repeat_input"
BLOCK_AGENDA_STARTS = "agenda_starts"          # the first meeting's date: which weeks are on
INPUT_AGENDA_STARTS = "agenda_starts_input"

# What the manifest must declare, and what must have a listener (tests/test_manifest.py).
SLASH_COMMANDS = (CMD_TOP5, CMD_TASK)
SLASH_COMMANDS += (CMD_AGENDA,)  # agendas
BOT_EVENTS = (EVENT_APP_HOME_OPENED, EVENT_APP_UNINSTALLED, EVENT_TOKENS_REVOKED, EVENT_USER_CHANGE, EVENT_TEAM_JOIN)
MESSAGE_SHORTCUTS = (SHORTCUT_MAKE_TASK,)

# --- digest ---
CMD_DIGEST = "/digest"
ACTION_DIGEST_STOP = "digest_stop"  # "Stop sending me this" under a digest
BLOCK_DIGEST_TOOLS = "digest_tools"
SLASH_COMMANDS = SLASH_COMMANDS + (CMD_DIGEST,)
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
