""""Stop sending me this" under a digest: the reader opts out at once (their word, no admin needed)."""

from __future__ import annotations

from ...deps import Deps
from ...store_digest import DigestStore


def handle_digest_stop(ack, body: dict, deps: Deps, respond) -> None:
    ack()
    DigestStore(deps.store).opt_out(body["user"]["id"], deps.clock())
    deps.background.submit(respond, response_type="ephemeral", replace_original=False,
                           text="Done — you won't get the weekly digest any more. `/digest start` brings it back.")
