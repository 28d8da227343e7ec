"""Bolt's per-request work done directly (bot/bolt_calls.py): every listener gets exactly the
arguments Bolt's injection would give it, for every kind of request Headwork receives, and
the per-request Web API client is the one Bolt would build, still one per request."""

from __future__ import annotations

from slack_bolt import BoltRequest, BoltResponse  # noqa: F401 - BoltRequest in annotations
from slack_bolt.kwargs_injection.utils import build_required_kwargs

from bot.bolt_calls import DirectCall
from tests.test_bolt_matchers import requests


def prepared(app, req: BoltRequest, deps) -> BoltRequest:
    app._init_context(req)
    req.context["deps"] = deps  # what Headwork's middleware adds
    return req


def test_every_listener_is_called_directly(slack):
    calls = [listener.run_ack_function for listener in slack.app._listeners]
    assert calls and all(type(call) is DirectCall for call in calls)  # a Bolt upgrade that changes this fails here


def test_listeners_get_exactly_bolts_arguments(slack):
    resp = BoltResponse(status=200)
    checked = 0
    for listener in slack.app._listeners:
        for req in requests():
            req = prepared(slack.app, req, slack.deps)
            want = build_required_kwargs(logger=listener.logger, required_arg_names=list(listener.arg_names),
                                         request=req, response=resp, this_func=listener.ack_function,
                                         next_keys_required=False)
            got = listener.run_ack_function.kwargs(req, resp)
            assert got is not None and got.keys() == want.keys()
            for name, value in want.items():
                assert got[name] is value or got[name] == value, (listener.ack_function.__name__, name)
            checked += len(want)
    assert checked > 1000


def test_a_missing_context_key_goes_through_bolt(slack):
    listener = slack.app._listeners[0]
    req = requests()[0]
    slack.app._init_context(req)  # no "deps": Bolt's own path decides what happens
    assert listener.run_ack_function.kwargs(req, BoltResponse(status=200)) is None


def test_each_request_gets_its_own_client_like_bolts(slack):
    app = slack.app
    ours = [prepared(app, r, slack.deps).context.client for r in requests()[:2]]
    theirs = requests()[0]
    app._init_context.bolt(theirs)
    bolt = theirs.context.client
    assert ours[0] is not ours[1] and ours[0] is not app.client
    for client in ours:
        assert (client.token, client.base_url, client.timeout, client.ssl, client.proxy, client.headers,
                client.logger) == (bolt.token, bolt.base_url, bolt.timeout, bolt.ssl, bolt.proxy, bolt.headers,
                                   bolt.logger)
        assert client.default_params == bolt.default_params
        assert [type(h) for h in client.retry_handlers] == [type(h) for h in bolt.retry_handlers]
    ours[0].token = "xoxb-changed-by-a-listener"
    ours[0].default_params["team_id"] = "T-other"
    assert ours[1].token == bolt.token and ours[1].default_params == bolt.default_params
    assert app.client.token == bolt.token
    assert ours[0].retry_handlers is not ours[1].retry_handlers
    for key in ("logger", "token", "listener_runner"):
        assert prepared(app, requests()[0], slack.deps).context[key] == theirs.context[key]
