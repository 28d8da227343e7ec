"""Headwork's Slack side: the Bolt app, its listeners, Block Kit, services and the CLI."""
