from slack_bolt import App

from ... import ids
from .app_home import handle_app_home_opened
from .lifecycle import handle_app_uninstalled, handle_tokens_revoked


def register(app: App) -> None:
    app.event(ids.EVENT_APP_HOME_OPENED)(handle_app_home_opened)
    app.event(ids.EVENT_APP_UNINSTALLED)(handle_app_uninstalled)
    app.event(ids.EVENT_TOKENS_REVOKED)(handle_tokens_revoked)
