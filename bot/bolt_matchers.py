"""Bolt's own listener matchers, called without its keyword-argument injection.

Bolt tries each registered listener in turn until one matches, and each built-in matcher
(`app.command(...)`, `app.event(...)`, `app.action(...)` ...) is a function of the request
body that Bolt calls through `build_required_kwargs`: ~30 µs a try, so an event that is
tried against a dozen listeners pays ~0.4 ms before any work is done (reaction events
arrive by the thousand). `direct_matchers(app)` swaps each such matcher for one that calls
the very same function with the body directly: the same decision, without the injection.
"""

from __future__ import annotations

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.listener_matcher.listener_matcher import ListenerMatcher


class BodyMatcher(ListenerMatcher):
    """A built-in matcher's function, given the body (all it ever asks for)."""

    def __init__(self, func):
        self.func = func

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return self.func(req.body)


def direct_matchers(app: App) -> int:
    """Swap every body-only built-in matcher of `app`'s listeners; returns how many were swapped."""
    swapped = 0
    for listener in app._listeners:  # noqa: SLF001 - Bolt keeps its listeners here (1.x)
        matchers = list(listener.matchers)
        for i, matcher in enumerate(matchers):
            if type(matcher) is BuiltinListenerMatcher and matcher.arg_names == ["body"]:
                matchers[i] = BodyMatcher(matcher.func)
                swapped += 1
        listener.matchers = matchers
    return swapped
