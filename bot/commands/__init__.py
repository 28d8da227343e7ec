"""One module per `headwork` subcommand; each has `register(subparsers)`.

Adding a command: write `bot/commands/<name>.py` and list it here.
"""

from . import bands, categorize, demo, import_cmd, model_cmd, run, score, sync, top5
from . import agenda_cmd, digest, forget

COMMANDS = [demo, run, score, top5, model_cmd, import_cmd, sync, categorize, bands, agenda_cmd, digest, forget]
