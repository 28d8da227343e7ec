"""One module per `headwork` subcommand; each has `register(subparsers)`.

Adding a command: write `bot/commands/<name>.py` and list it here.
"""

from . import bands, categorize, demo, model_cmd, score, top5

COMMANDS = [demo, score, top5, model_cmd, categorize, bands]
