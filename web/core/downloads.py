"""Files a bureau takes out of the web: PDFs and workbooks as attachments; PDFs rendered in a
child process and cached (a plan's documents change only with its state, results or names)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from flask import Flask, Response, send_file

from scheduler.pdf_render import html_to_pdf, load_weasyprint
from web.core.render_cache import RenderCache

MIMETYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_rendering = threading.Lock()  # one document at a time per server


def attachment(body: bytes, name: str) -> Response:
    """`name` may be Chinese: Werkzeug sends it as RFC 6266 filename* beside an ASCII one."""
    mimetype = MIMETYPES[name[name.rindex(".") :]]
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=name)


def pdf_apart(html: str) -> bytes:
    """Render `html` to PDF in a child process. WeasyPrint's layout is pure Python — seconds of
    CPU for a long list, held against every other request — and keeps every page in memory
    (hundreds of MB for 2,000 rows), which a child gives back when it exits."""
    load_weasyprint()  # a missing pango is the user's message here, not a child's traceback
    with _rendering, ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
        return child.submit(html_to_pdf, html).result()


def cached_pdf(app: Flask, key: Hashable, render: Callable[[], bytes]) -> bytes:
    """The PDF for `key`, rendered once; the key must change whenever the document would."""
    cache: RenderCache[bytes] = app.extensions.setdefault(
        "jianguan_pdf_cache", RenderCache(capacity=16)
    )
    return cache.get_or_render(key, render)
