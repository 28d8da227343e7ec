"""Which rows of an export a later row with the same id replaces.

An id the file repeats is one task, and the file's last row with that id is the one imported.
Writing each row as it comes would give that task the same values in the end, but a second
import of the file would not be a no-op: the earlier row would overwrite the stored task, and
the later row put it back -- two "updated" rows, a new modification time, and the task queued
to be judged again (by Claude, when it is the categorizer: paid for on every re-import). So
the file's ids are read once before the import (`last_lines`), and a row whose id comes again
further down is not written at all.

Memory stays flat in the file size: the ids are not kept. Each one sets a bit of a fixed bitmap
(by its hash), and only an id whose bit was already set is noted, with its line: every real
repeat, and a few ids that merely share a bit (an id noted on its own line supersedes nothing).
Only a file that repeats most of its ids (two exports glued together) has memory grow with it:
~100 bytes for each id it repeats.
"""

from __future__ import annotations

from collections.abc import Iterable

BITMAP_BITS = 1 << 24  # 2 MiB: ~300 ids noted without being repeated at 100,000 rows, ~30,000 at 1,000,000


def last_lines(ids: Iterable[tuple[int, str]], bits: int = BITMAP_BITS) -> dict[str, int]:
    """{id: the last line with it} for each id of these (line, id) pairs (in file order) that
    occurs more than once -- and for some that occur once (then: that line). Empty ids are skipped."""
    bitmap = bytearray(bits >> 3)
    mask = bits - 1
    last: dict[str, int] = {}
    for line, external_id in ids:
        if not external_id:
            continue
        h = hash(external_id) & mask  # hash() differs between processes: this one decides everything
        byte, bit = h >> 3, 1 << (h & 7)
        if bitmap[byte] & bit:
            last[external_id] = line
        else:
            bitmap[byte] |= bit
    return last


def replaced_by(last: dict[str, int], external_id: str, line: int) -> int | None:
    """The later line whose row replaces this one (same id), or None when this row is its id's last."""
    later = last.get(external_id)
    return later if later is not None and later > line else None
