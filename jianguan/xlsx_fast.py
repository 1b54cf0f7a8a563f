"""A part's regular items (rows, string items) read by one regular expression each; all the
rest of the part, and every item that is not regular, fed to the part's expat parser.

Excel, WPS and openpyxl write a row as one run of `<c r="B2" s="3" t="s"><v>17</v></c>`
cells. Expat reports some forty events for such a row, and a Python callback for each one
cost 5 of the 6.8 s of a 100,000-row sheet (issue 11); one match of a compiled pattern and
one `findall` over the row take a tenth of that. The result must be what the expat
callbacks give, always, so an item is taken here only when all of this holds:

- the item's pattern matches it whole: only the tags, attributes and text the reader's
  callbacks would see, no `&` (entities), no `<!` or `<?`, no character XML refuses;
- the document is UTF-8 (no other encoding declared, no UTF-16 start), and every piece
  handed to expat so far ended between two markup tokens (`_CLEAN`): no comment, CDATA,
  tag or entity reference left open for the item to land inside. Once a piece does not,
  the fast path is off for the rest of the part;
- the default namespace in force is the spreadsheet one, and prefixed attributes use
  prefixes that are bound (expat's namespace callbacks are watched for both);
- the reader's own state is neutral (`neutral()`: not inside a row, a string item, a
  phonetic run, a text), so the expat callbacks would start the item from scratch.

Skipping a well-formed, balanced element leaves expat where it was, so the document's
well-formedness is still expat's to judge, and its errors are the ones it always gave.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Any

MAIN_URI = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# Text an item may hold: no markup, no reference, no carriage return (expat turns CR LF into
# LF), no ">" (so no "]]>"), and no character XML 1.0 refuses (C0 controls but tab and
# line feed, U+FFFE, U+FFFF; the UTF-8 decoder refuses surrogates itself).
TEXT = r"[^<&>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*+"
SPACE = r"[ \t\r\n]"
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*+"
# One attribute as the patterns accept it: an ASCII name, maybe prefixed, a double-quoted
# value without markup or reference.
ATTRIBUTE = (
    rf"{SPACE}++({_NAME})(?::({_NAME}))?{SPACE}*+={SPACE}*+"
    r'"([^"<&\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*+)"'
)
_ATTRIBUTES = re.compile(ATTRIBUTE)

# A piece handed to expat ends between two tokens if it is all whole tokens: text, complete
# references, tags (quoted values may hold ">"), comments, processing instructions.
_CLEAN = re.compile(
    r"(?:[^<&]++"
    r"|&(?:[A-Za-z_:][A-Za-z0-9_.:-]*+|#[0-9]++|#x[0-9A-Fa-f]++);"
    r"""|</?[A-Za-z_:][^<>"']*+(?:(?:"[^"<]*+"|'[^'<]*+')[^<>"']*+)*+>"""
    r"|<!--(?:[^-]++|-(?!-))*+-->"
    r"|<\?(?:[^?]++|\?(?!>))*+\?>)*+"
)
# An incomplete item is held for the next chunk up to this size; past it, expat takes it.
HOLD = 1 << 20


def attributes_usable(found: str, bound: dict[str, int], also: str = "") -> bool:
    """Whether expat would take these attributes (`found`, a run of ATTRIBUTE matches) as
    they are: no namespace declaration, only bound prefixes, no name twice (compared by
    local name, stricter than expat). `also` is a local name already on the element."""
    names = {also} if also else set()
    for first, second, _value in _ATTRIBUTES.findall(found):
        if second:
            if first == "xmlns" or (first != "xml" and not bound.get(first)):
                return False
            local = second
        else:
            if first == "xmlns":
                return False
            local = first
        if local in names:
            return False
        names.add(local)
    return True


def attribute(found: str, name: str) -> str | None:
    """The value of the unprefixed attribute `name` in a run of ATTRIBUTE matches."""
    for first, second, value in _ATTRIBUTES.findall(found):
        if first == name and not second:
            return value
    return None


class FastStream:
    """Feeds one part to `parser`, but for the items that `take` reads itself (all of it,
    if not `enabled`).

    `start` finds where an item may begin. `take(text, at)` reads the item at `at` if it is
    regular and returns where it ends; 0 if it is not regular (expat gets it), -1 if it may
    be but its end is not in `text` yet; it changes nothing unless it reads the item.
    `neutral()` says whether the reader's callbacks are between items."""

    def __init__(
        self,
        parser: Any,
        start: re.Pattern[str],
        take: Callable[[str, int], int],
        neutral: Callable[[], bool],
        enabled: bool = True,
    ) -> None:
        self.parser = parser
        self.start, self.take, self.neutral = start, take, neutral
        self.fast = enabled  # off: expat reads it all (the differential tests compare)
        self.begun = False
        self.pending = ""  # decoded, not yet handled: an item still incomplete, or a tail
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.defaults: list[str | None] = []  # the default namespaces in force, innermost last
        self.bound: dict[str, int] = {}  # prefix -> how many of its declarations are in force
        parser.StartNamespaceDeclHandler = self._declared
        parser.EndNamespaceDeclHandler = self._undeclared
        parser.XmlDeclHandler = self._xml_declaration

    def _declared(self, prefix: str | None, uri: str | None) -> None:
        if prefix is None:
            self.defaults.append(uri)
        else:
            self.bound[prefix] = self.bound.get(prefix, 0) + 1

    def _undeclared(self, prefix: str | None) -> None:
        if prefix is None:
            self.defaults.pop()
        else:
            self.bound[prefix] -= 1

    def _xml_declaration(self, _version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() != "utf-8":
            self.fast = False  # checked by the feeding loop right after this piece

    def feed(self, chunk: bytes) -> None:
        if not self.fast:
            self.parser.Parse(chunk, False)
            return
        if not self.begun:
            self.begun = True
            # Expat reads a part that starts with a BOM or "<" and a zero byte as UTF-16.
            utf8 = chunk.startswith(b"\xef\xbb\xbf") or (
                chunk.startswith(b"<") and chunk[1:2] != b"\x00"
            )
            if not utf8:
                self._off(chunk)
                return
        held = self.decoder.getstate()[0]
        try:
            text = self.decoder.decode(chunk)
        except UnicodeDecodeError:
            self._off(held + chunk)  # expat's to refuse
            return
        self.pending = self.pending + text if self.pending else text
        self._step(final=False)

    def close(self) -> None:
        if self.fast:
            held = self.decoder.getstate()[0]
            try:
                self.pending += self.decoder.decode(b"", True)
            except UnicodeDecodeError:
                self._off(held)
            else:
                self._step(final=True)  # hands expat all that is left
        self.parser.Parse(b"", True)

    def _off(self, rest: bytes) -> None:
        """The fast path is off for the rest of the part: expat gets what is pending, then
        `rest` (bytes read but not decoded), then every chunk as it comes."""
        self.fast = False
        data = self.pending.encode("utf-8") + rest
        self.pending = ""
        self.parser.Parse(data, False)

    def _give(self, piece: str) -> None:
        if not piece:
            return
        if self.fast and (_CLEAN.fullmatch(piece) is None or piece[-1] in "]\r"):
            # Left inside a token (or at a "]" or CR that may pair with what follows): we
            # cannot tell expat's state any more.
            self.fast = False
        self.parser.Parse(piece.encode("utf-8"), False)

    def _usable(self) -> bool:
        defaults = self.defaults
        return self.fast and bool(defaults) and defaults[-1] == MAIN_URI and self.neutral()

    def _step(self, final: bool) -> None:
        pending = self.pending
        pos = search = 0
        while (found := self.start.search(pending, search)) is not None:
            at = found.start()
            if at > pos:
                self._give(pending[pos:at])
                pos = at
                if not self.fast:
                    self.pending = pending[pos:]
                    self._off(self.decoder.getstate()[0])
                    return
            if self._usable():
                end = self.take(pending, at)
                if end > 0:
                    pos = search = end
                    continue
                if end < 0 and not final and len(pending) - at <= HOLD:
                    self.pending = pending[at:]  # the item's end is in a later chunk
                    return
            search = at + 1
        # No item starts in the rest: expat gets it up to the last tag's end (the text after
        # it may be the start of an item), all of it if that is too long to hold.
        cut = len(pending) if final else max(pos, pending.rfind(">", pos) + 1)
        if len(pending) - cut > HOLD:
            cut = len(pending)
        self._give(pending[pos:cut])
        self.pending = pending[cut:]
        if not self.fast:
            self._off(self.decoder.getstate()[0])
