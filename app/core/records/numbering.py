"""Record numbers in the controlled-document style (DOMAIN.md §1).

A pattern such as ``WX-{YYYY}{MM}-{SEQ:4}`` mixes literal text with date tokens and one
sequence token. The counter restarts per period the finest date token implies (a day, a
month, a year, or never) and lives in the database, one row per series and period.

Issuing a number is one ``UPDATE … RETURNING`` on that row, in the caller's transaction:
the row lock (PostgreSQL) or the write lock (SQLite) makes concurrent submitters wait their
turn, and a rolled-back submission rolls its number back too, so numbers have no gaps and no
duplicates.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|SEQ(?::(\d+))?)\}")


class PatternError(ValueError):
    """A numbering pattern the portal cannot issue numbers from."""


class NumberCounter(db.Model):
    """The last number issued in one series for one period."""

    __tablename__ = "number_counter"
    __table_args__ = (UniqueConstraint("series", "period", name="uq_number_counter_series_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(64))
    #: ``20261122``, ``202611``, ``2026`` or ``""``, as the pattern implies
    period: Mapped[str] = mapped_column(String(8))
    last_value: Mapped[int] = mapped_column(Integer, default=0)


def validate_pattern(pattern: str) -> None:
    """Raise :class:`PatternError` unless ``pattern`` has exactly one ``{SEQ}`` token."""
    seqs = [m for m in TOKEN.finditer(pattern) if m.group(1).startswith("SEQ")]
    if len(seqs) != 1:
        raise PatternError("a numbering pattern needs exactly one {SEQ:n} token")
    stray = TOKEN.sub("", pattern)
    if "{" in stray or "}" in stray:
        raise PatternError("unknown token in numbering pattern")


def period_of(pattern: str, at: datetime) -> str:
    """The counter period: the finest date unit the pattern names."""
    tokens = {m.group(1)[:4] if m.group(1).startswith("SEQ") else m.group(1) for m in TOKEN.finditer(pattern)}
    if "DD" in tokens:
        return at.strftime("%Y%m%d")
    if "MM" in tokens:
        return at.strftime("%Y%m")
    if tokens & {"YYYY", "YY"}:
        return at.strftime("%Y")
    return ""


def format_number(pattern: str, at: datetime, seq: int) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token.startswith("SEQ"):
            width = int(match.group(2) or 1)
            return str(seq).zfill(width)
        return at.strftime({"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}[token])

    return TOKEN.sub(replace, pattern)


def local_now(tz: str = "Asia/Shanghai") -> datetime:
    return datetime.now(ZoneInfo(tz))


def next_value(series: str, period: str) -> int:
    """Take the next value of one counter inside the current transaction."""
    bump = (
        update(NumberCounter)
        .where(NumberCounter.series == series, NumberCounter.period == period)
        .values(last_value=NumberCounter.last_value + 1)
        .returning(NumberCounter.last_value)
    )
    value = db.session.execute(bump, execution_options={"synchronize_session": False}).scalar()
    if value is None:
        dialect = db.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(NumberCounter)
            .values(series=series, period=period, last_value=0)
            .on_conflict_do_nothing(index_elements=["series", "period"])
        )
        value = db.session.execute(bump, execution_options={"synchronize_session": False}).scalar()
    return int(value)


def issue_number(series: str, pattern: str, *, at: datetime | None = None) -> str:
    """Issue the next record number of ``series`` under ``pattern`` (local time decides the period)."""
    validate_pattern(pattern)
    at = at or local_now()
    return format_number(pattern, at, next_value(series, period_of(pattern, at)))


def last_issued(series: str) -> tuple[str, int] | None:
    """The latest (period, value) of a series, for the register."""
    row = db.session.execute(
        select(NumberCounter.period, NumberCounter.last_value)
        .where(NumberCounter.series == series, NumberCounter.last_value > 0)
        .order_by(NumberCounter.period.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
