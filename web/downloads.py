"""Files a bureau takes out of the web: PDFs and workbooks as attachments, and a small cache for
the PDFs (seconds to render; a plan's document changes only with its state or its results)."""

from __future__ import annotations

import io
from collections.abc import Callable, Hashable

from flask import Flask, Response, send_file

from web.public_cache import RenderCache

MIMETYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment(body: bytes, name: str) -> Response:
    """`name` may be Chinese: Werkzeug sends it as RFC 6266 filename* beside an ASCII one."""
    mimetype = MIMETYPES[name[name.rindex(".") :]]
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name)


def cached_pdf(app: Flask, key: Hashable, render: Callable[[], bytes]) -> bytes:
    """The PDF for `key`, rendered once; the key must change whenever the document would."""
    cache: RenderCache[bytes] = app.extensions.setdefault(
        "jianguan_pdf_cache", RenderCache(capacity=16)
    )
    return cache.get_or_render(key, render)
