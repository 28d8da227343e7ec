from slack_bolt import App

from ... import ids
from .app_home import handle_app_home_opened
from .lifecycle import handle_app_uninstalled, handle_tokens_revoked
from .people import handle_team_join, handle_user_change
from .workslop_reactions import handle_reaction_added, handle_reaction_removed


def register(app: App) -> None:
    # reactions first: Bolt tries listeners in order, and reactions are by far the busiest event
    app.event(ids.EVENT_REACTION_ADDED)(handle_reaction_added)
    app.event(ids.EVENT_REACTION_REMOVED)(handle_reaction_removed)
    app.event(ids.EVENT_APP_HOME_OPENED)(handle_app_home_opened)
    app.event(ids.EVENT_APP_UNINSTALLED)(handle_app_uninstalled)
    app.event(ids.EVENT_TOKENS_REVOKED)(handle_tokens_revoked)
    app.event(ids.EVENT_USER_CHANGE)(handle_user_change)
    app.event(ids.EVENT_TEAM_JOIN)(handle_team_join)
