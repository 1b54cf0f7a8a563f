"""An .xlsx's zip held to the unpack limits of jianguan/import_limits.py: its directory is
checked before anything is inflated, and the bytes are counted again as they are read.

An 8.9 MB workbook that unpacks to 2 GiB is refused from the directory in milliseconds.
zipfile stops inflating a member at the size its directory entry declares, so the count on
the way through is the second line: it holds whatever the zip reader does, and it is the
one that covers all parts together.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import IO

from jianguan import import_limits as limits
from jianguan.import_limits import PartTooLarge

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")


def directory_size(path: Path) -> int:
    """The size the zip's end record gives its central directory (0 if there is none: then
    zipfile refuses the file itself). zipfile reads that many bytes and builds an object per
    entry on opening, before any limit of ours could look at a member."""
    with path.open("rb") as handle:
        end = handle.seek(0, 2)
        start = max(0, end - (_EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size))
        handle.seek(start)
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            return 0
        size = _EOCD.unpack_from(tail, at)[5]
        locator = at - _ZIP64_LOCATOR.size
        if size == 0xFFFFFFFF and locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
            handle.seek(_ZIP64_LOCATOR.unpack_from(tail, locator)[2])
            record = handle.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                size = _ZIP64_EOCD.unpack(record)[8]
        return int(size)


def open_checked(path: Path) -> zipfile.ZipFile:
    """The workbook's zip, once its directory and declared sizes are within the limits;
    raises PartTooLarge (zipfile.BadZipFile / OSError for a file that is no zip)."""
    if directory_size(path) > limits.XLSX_DIRECTORY_BYTES:
        raise PartTooLarge("", limits.XLSX_DIRECTORY_BYTES, "directory")
    book = zipfile.ZipFile(path)
    total = 0
    for info in book.infolist():
        total += info.file_size
        if info.file_size > limits.XLSX_PART_BYTES:
            book.close()
            raise PartTooLarge(info.filename, limits.XLSX_PART_BYTES)
        if total > limits.XLSX_TOTAL_BYTES:
            book.close()
            raise PartTooLarge(info.filename, limits.XLSX_TOTAL_BYTES, "total")
    return book


class Budget:
    """Bytes inflated so far from one workbook, over all its parts."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.total = 0

    def open(self, name: str) -> CountedPart:
        return CountedPart(self.book.open(name), name, self)


class CountedPart:
    """One part, read through a count that refuses it past its limit or the workbook's."""

    def __init__(self, stream: IO[bytes], name: str, budget: Budget) -> None:
        self.stream = stream
        self.name = name
        self.budget = budget
        self.read_bytes = 0

    def read(self, size: int) -> bytes:
        data = self.stream.read(size)
        self.read_bytes += len(data)
        self.budget.total += len(data)
        if self.read_bytes > limits.XLSX_PART_BYTES:
            raise PartTooLarge(self.name, limits.XLSX_PART_BYTES)
        if self.budget.total > limits.XLSX_TOTAL_BYTES:
            raise PartTooLarge(self.name, limits.XLSX_TOTAL_BYTES, "total")
        return data

    def __enter__(self) -> CountedPart:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stream.close()
