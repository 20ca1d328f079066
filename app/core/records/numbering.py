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
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, UniqueConstraint, case, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import UTCDateTime, utcnow
from app.extensions import db

TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|SEQ(?::(\d+))?)\}")
#: a wider sequence is no longer a record number anyone can read out on the phone
MAX_SEQ_WIDTH = 9


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
    #: the last number exactly as issued: the register shows it even after a pattern revision
    last_number: Mapped[str | None] = mapped_column(String(100))
    last_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def _tokens(pattern: str) -> list[str]:
    return [m.group(1) for m in TOKEN.finditer(pattern)]


def validate_pattern(pattern: str | None) -> None:
    """Raise :class:`PatternError` unless ``pattern`` can issue unique numbers.

    It needs exactly one ``{SEQ:n}`` token (1 ≤ n ≤ 9), only known tokens, and a date part
    that names its whole counter period: a counter that restarts every month under a pattern
    without the year would issue the same number again a year later.
    """
    if not pattern or not pattern.strip():
        raise PatternError(_l("Enter a numbering pattern."))
    tokens = _tokens(pattern)
    seqs = [m for m in TOKEN.finditer(pattern) if m.group(1).startswith("SEQ")]
    if len(seqs) != 1:
        raise PatternError(_l("A numbering pattern needs exactly one {SEQ:n} token."))
    width = seqs[0].group(2)
    if width is not None and not 1 <= int(width) <= MAX_SEQ_WIDTH:
        raise PatternError(_l("The sequence width must be between 1 and 9, e.g. {SEQ:4}."))
    stray = TOKEN.sub("", pattern)
    if "{" in stray or "}" in stray:
        raise PatternError(_l("Unknown token; use {YYYY}, {YY}, {MM}, {DD} and {SEQ:n}."))
    has_year = "YYYY" in tokens or "YY" in tokens
    if "DD" in tokens and not ("MM" in tokens and has_year):
        raise PatternError(_l("A pattern with {DD} also needs {MM} and the year, or numbers repeat."))
    if "MM" in tokens and not has_year:
        raise PatternError(_l("A pattern with {MM} also needs the year, or numbers repeat."))


def period_of(pattern: str, at: datetime) -> str:
    """The counter period: the finest date unit the pattern names."""
    tokens = set(_tokens(pattern))
    if "DD" in tokens:
        return at.strftime("%Y%m%d")
    if "MM" in tokens:
        return at.strftime("%Y%m")
    if tokens & {"YYYY", "YY"}:
        return at.strftime("%Y")
    return ""


def format_number(pattern: str, at: datetime, seq: int) -> str:
    """``pattern`` with its tokens filled in from ``at`` and ``seq``."""

    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token.startswith("SEQ"):
            width = int(match.group(2) or 1)
            return str(seq).zfill(width)
        return at.strftime({"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}[token])

    return TOKEN.sub(replace, pattern)


def local_now(tz: str | None = None) -> datetime:
    """Now in the company's time zone, which decides the period a number falls in."""
    if tz is None:
        tz = (
            current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
            if has_app_context()
            else "Asia/Shanghai"
        )
    return datetime.now(ZoneInfo(tz))


def next_value(series: str, period: str, **also) -> int:
    """Take the next value of one counter inside the current transaction; ``also`` are further
    columns of the counter set in the same ``UPDATE``."""
    bump = (
        update(NumberCounter)
        .where(NumberCounter.series == series, NumberCounter.period == period)
        .values(last_value=NumberCounter.last_value + 1, **also)
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


def _number_in_sql(pattern: str, at: datetime):
    """The number the counter's next value makes, as SQL: the date parts filled in, the value
    zero-padded to the ``{SEQ:n}`` width (never cut, as :func:`format_number` does)."""
    seq = next(m for m in TOKEN.finditer(pattern) if m.group(1).startswith("SEQ"))
    width = int(seq.group(2) or 1)
    before = format_number(pattern[: seq.start()], at, 0)
    after = format_number(pattern[seq.end() :], at, 0)
    value = cast(NumberCounter.last_value + 1, String)
    padded = case(
        (func.length(value) >= width, value),
        else_=func.substr(literal("0" * width) + value, func.length(value) + 1),
    )
    return literal(before) + padded + literal(after)


def issue_number(series: str, pattern: str, *, at: datetime | None = None) -> str:
    """Issue the next record number of ``series`` under ``pattern`` (local time decides the period).

    Runs in the caller's transaction and keeps the counter locked until it ends: commit it
    with the record that carries the number, or roll both back. One statement takes the value
    and records the number with it: the lock is held for as short a time as it can be.
    """
    validate_pattern(pattern)
    at = at or local_now()
    period = period_of(pattern, at)
    value = next_value(series, period, last_number=_number_in_sql(pattern, at), last_issued_at=utcnow())
    return format_number(pattern, at, value)


def _latest_first(query):
    return query.where(NumberCounter.last_value > 0).order_by(
        NumberCounter.last_issued_at.desc().nulls_last(), NumberCounter.period.desc()
    )


def last_issued(series: str) -> tuple[str, int] | None:
    """The latest (period, value) of a series, for the register."""
    row = db.session.execute(
        _latest_first(select(NumberCounter.period, NumberCounter.last_value))
        .where(NumberCounter.series == series)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _period_start(period: str) -> datetime:
    """The first day of a counter period (any day will do for a pattern without dates)."""
    if not period:
        return datetime(2000, 1, 1)
    return datetime.strptime(period, {8: "%Y%m%d", 6: "%Y%m", 4: "%Y"}[len(period)])


def last_issued_numbers(patterns: Mapping[str, str | None]) -> dict[str, str]:
    """The last number issued in each series of ``{series: pattern}``, in one query.

    The number is shown as it was issued; a counter without one (filled by :func:`next_value`
    alone) is formatted with the series' current pattern.
    """
    if not patterns:
        return {}
    rows = db.session.execute(
        _latest_first(
            select(
                NumberCounter.series,
                NumberCounter.period,
                NumberCounter.last_value,
                NumberCounter.last_number,
            )
        ).where(NumberCounter.series.in_(list(patterns)))
    ).all()
    numbers: dict[str, str] = {}
    for series, period, value, number in rows:
        if series in numbers:
            continue
        if not number and patterns.get(series):
            number = format_number(patterns[series], _period_start(period), value)
        if number:
            numbers[series] = number
    return numbers
