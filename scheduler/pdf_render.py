"""HTML → PDF with WeasyPrint, offline, with the Chinese fonts embedded.

Documents are self-contained (styles inline, no images): any URL the renderer tries to fetch
is a mistake in a template, so fetching is refused outright rather than attempted — a bureau's
office machine has no network, and nothing downloads at run time. Fonts come from the
system's fontconfig (Debian's fonts-noto-cjk); WeasyPrint embeds the subset it uses.

WeasyPrint needs Debian's pango (libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0); when
it cannot load, the error says which packages to install instead of a traceback.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources
from typing import Any

from jianguan.errors import JianguanError

# Longer inspection lists are left to the spreadsheets (plan.xlsx, results.xlsx) rather than
# printed: WeasyPrint lays out about a hundred table rows a second and holds every page in
# memory, and a printout of thousands of rows helps nobody.
PRINTED_LIST_LIMIT = 2000

# A web server renders one document at a time: WeasyPrint holds every page of a document in
# memory (a few hundred MB for a 2,000-row list), and a second render would only compete for
# the same cores.
_one_at_a_time = threading.Lock()

# Installed by .ci/run; named in the message when WeasyPrint cannot start.
DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"


class PdfUnavailableError(JianguanError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"无法生成 PDF：WeasyPrint 未能加载（{detail}）。请安装 Debian 软件包："
            f"apt-get install {DEBIAN_PACKAGES}，并在虚拟环境中 pip install weasyprint。",
            f"cannot make a PDF: WeasyPrint did not load ({detail}). Install the Debian "
            f"packages: apt-get install {DEBIAN_PACKAGES}, and pip install weasyprint.",
        )


@lru_cache(maxsize=1)
def print_css() -> str:
    """The stylesheet of every printed document (A4, running heads, page numbers, table rows
    kept whole, header rows repeated); inline in each document, so nothing is fetched."""
    return resources.files("scheduler").joinpath("templates/document.css").read_text("utf-8")


def load_weasyprint() -> Any:
    """The weasyprint module, or the error that says which Debian packages to install."""
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: pango's shared libraries are missing
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PdfUnavailableError(detail) from err
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    """Render one self-contained HTML document to PDF bytes; refuse every URL fetch."""
    weasyprint = load_weasyprint()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class Offline(URLFetcher):  # refuses every URL: documents are self-contained
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise FatalURLFetchingError(url)

    try:
        with _one_at_a_time:
            pdf: bytes = weasyprint.HTML(string=html, url_fetcher=Offline()).write_pdf()
    except FatalURLFetchingError as err:  # a BaseException: keep it from passing handlers by
        raise RuntimeError(f"a document tried to fetch {str(err)[:80]}; render offline") from err
    return pdf
