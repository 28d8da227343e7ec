"""A loopback Slack for the demo console and the tests: a fake Web API that records every
call, and builders for signed requests exactly as Slack sends them. Never used in `run`."""
