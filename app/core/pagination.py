"""Paging for list pages: one COUNT and one page query, whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, page: int, per_page: int, *, rows: bool = False) -> Page:
    """One page of ``query``: its first column's objects, or whole rows with ``rows=True``."""
    page = max(1, page or 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(window) if rows else db.session.scalars(window)
    items = list(result.unique())
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
