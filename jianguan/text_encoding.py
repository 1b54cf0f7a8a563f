"""Which text encoding a CSV file is in: UTF-8 (BOM or not) or GB18030, the two formats.md §1a
accepts. Bureaus' systems and Excel's plain "CSV" on a Chinese Windows write GBK, which GB18030
contains.

The whole file is decoded once in chunks before any row is read: a file that is UTF-8 for
its first million rows and then not must be refused, not half-read. Decoding in C is fast
(hundreds of MB/s), so this costs little beside the parsing.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20
# The order matters: valid UTF-8 with Chinese text is almost never valid GB18030 text that
# means something, while plain ASCII is both and reads the same either way.
CANDIDATES = ("utf-8-sig", "gb18030")


@dataclass(frozen=True, slots=True)
class NotText:
    """Where the last candidate encoding failed: a 1-based line of the file."""

    line: int


def _fails_at(path: Path, encoding: str) -> int | None:
    """The line where `encoding` fails, or None if the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 1
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            try:
                # A NUL is never part of a registry's text: it marks UTF-16 or a binary file,
                # both of which otherwise pass as "valid" single-byte text.
                if b"\0" in chunk:
                    return lines + chunk[: chunk.index(b"\0")].count(b"\n")
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as err:
                return lines + chunk[: max(0, err.start)].count(b"\n")
            if not chunk:
                return None
            lines += chunk.count(b"\n")


def detect_encoding(path: Path) -> str | NotText:
    """The first candidate the whole file decodes in, or where the last one failed."""
    failed = NotText(1)
    for encoding in CANDIDATES:
        line = _fails_at(path, encoding)
        if line is None:
            return encoding
        failed = NotText(line)
    return failed
