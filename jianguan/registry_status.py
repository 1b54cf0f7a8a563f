"""登记状态 (registration status) as registration systems export it (formats.md §1a).

Only a live market entity is an inspection object. A deregistered (注销), revoked-licence
(吊销), cancelled (撤销) or moved-away (迁出) one is skipped by an import, and leaves the
random pool if the store holds it. SAMR's systems write the long forms "存续（在营、开业、在册）"
and "吊销，未注销": the word before the first bracket or comma decides.
"""

from __future__ import annotations

import re

from jianguan.cell_values import CellError

LIVE = frozenset({"存续", "在业", "开业", "在营", "在册"})
# In the order a summary lists them.
NOT_LIVE = ("注销", "吊销", "撤销", "迁出")
_HEAD = re.compile(r"^([^（(，,、;；\s]+)")


def parse_status(text: str) -> str | None:
    """None for a live entity (an empty cell included), else the status that excludes it."""
    head = _HEAD.match(text.strip())
    word = head.group(1) if head else ""
    if not word or word in LIVE:
        return None
    if word in NOT_LIVE:
        return word
    raise CellError.later(_unknown, text)


def _unknown(text: str) -> tuple[str, str]:
    return (
        f"登记状态“{text}”无法识别：在册企业请填 存续、在业 或 开业（或留空），"
        f"不再是检查对象的请填 {'、'.join(NOT_LIVE)}",
        f"registration status '{text}' is not known: write 存续, 在业 or 开业 (or leave it empty) "
        f"for a live entity, or one of {', '.join(NOT_LIVE)} for one that is no longer inspected",
    )
