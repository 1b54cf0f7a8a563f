"""Lists typed into form fields: "1-10, 15" for days, comma-separated words (Chinese commas
and semicolons accepted, as people type them)."""

from __future__ import annotations


def day_list(text: str) -> list[int]:
    """Days of month from "1-10, 15"; a part that is not a number raises ValueError."""
    days: list[int] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            days.extend(range(int(lo), int(hi) + 1))
        elif part:
            days.append(int(part))
    return days


def words(text: str) -> list[str]:
    return [w.strip() for w in text.replace("，", ",").replace(";", ",").split(",") if w.strip()]
