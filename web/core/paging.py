"""Paged queries for long lists (registry, audit log): a page number and a fixed page size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def requested_page() -> int:
    raw = request.args.get("page", "1")
    # ASCII digits only ("²".isdigit() is true, and int() refuses it), and few enough that
    # int() accepts them (it refuses more than 4,300 digits): anything else is page 1.
    return max(1, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 1


def page_of(session: Session, query: Select[Any], size: int = PAGE_SIZE) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(requested_page(), max(1, -(-total // size)))
    items = list(session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total)


def page_url(number: int) -> str:
    """This page's URL with only `page` changed (filters and search terms kept)."""
    from flask import url_for

    values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
    values["page"] = number
    return url_for(request.endpoint or "", **values)
