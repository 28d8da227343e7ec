"""Listener registration, one package per kind of Slack request."""

from slack_bolt import App

from . import actions, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    shortcuts.register(app)
    views.register(app)
