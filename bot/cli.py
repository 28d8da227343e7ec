"""`headwork`: the command line, and the composition root (env, database, real clock)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from scoring.model import ModelFileError

from .commands import COMMANDS
from .runtime import Clock, Runtime, clock_from_environ
from .settings import ConfigError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="headwork", description="Keep your team on what matters most, in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None, clock: Clock | None = None) -> int:
    """Run one command. `environ` and `clock` default to the real ones (tests pass their own)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries(args.verbose)
    environ = dict(os.environ) if environ is None else environ
    try:
        clock = clock or clock_from_environ(environ)  # HEADWORK_NOW: tests only
        runtime = Runtime(environ) if clock is None else Runtime(environ, clock=clock)
        return int(args.handler(args, runtime) or 0)
    except (ConfigError, ModelFileError) as exc:
        print(f"headwork: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def quiet_libraries(verbose: bool) -> None:
    """Libraries say what they do at INFO (every scheduler run, every Socket Mode frame); the
    operator wants Headwork's own lines. Their warnings and errors still show."""
    for name in ("apscheduler", "slack_bolt", "slack_sdk", "headwork.bolt", "granian", "_granian", "asana", "urllib3"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    # Bolt reads SLACK_BOT_TOKEN from the process environment itself and then warns that the
    # client we hand it wins; that is the intent, not news.
    logging.getLogger("headwork.bolt").addFilter(
        lambda record: "`token` will be unused" not in record.getMessage())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
