"""The sha256 of a stored text column, computed by the database: `text_sha256(column)`.

A plan's document is half a megabyte or more. The review page, `api plan` and `api verify`
key their caches by the digest of the document as stored, so a change that bypassed the
lifecycle still moves the key. Fetching the text only to hash it cost each request a
transfer, a UTF-8 decode and an encode while holding the GIL, about a quarter of the web's
work under load. The database hashes the same bytes itself: PostgreSQL has `sha256`, and on
SQLite the store registers a function at connect (`register_sqlite`).
Both hash the text's UTF-8 bytes, as `hashlib.sha256(text.encode("utf-8"))` does.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String

SQLITE_NAME = "jianguan_text_sha256"


class text_sha256(GenericFunction[str]):  # lower case, as SQL functions are named
    """The hex sha256 of a text's UTF-8 bytes; NULL for NULL."""

    type = String(64)
    inherit_cache = True


@compiles(text_sha256, "postgresql")
def _postgresql(element: text_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    # The server encoding is UTF-8 (what psycopg decodes from): convert_to gives the bytes.
    column = compiler.process(element.clauses, **kw)
    return f"encode(sha256(convert_to({column}, 'UTF8')), 'hex')"


@compiles(text_sha256, "sqlite")
def _sqlite(element: text_sha256, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_NAME}({compiler.process(element.clauses, **kw)})"


def _utf8_sha256(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()


def register_sqlite(connection: sqlite3.Connection) -> None:
    connection.create_function(SQLITE_NAME, 1, _utf8_sha256, deterministic=True)
