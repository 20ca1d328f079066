"""The deadline scan stays fast with 100 000 open deadlines: it reads only what has come due.

Measured on the development machine: finding the due ones among 100 000 takes a few
milliseconds on SQLite and PostgreSQL; each deadline claimed costs one short transaction
(about 15–35 ms on PostgreSQL, most of it the commit).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text

from app.core.notifications import Notification
from app.core.records.engine import Deadline, scan_deadlines
from app.core.records.engine.reminders import ESCALATION, REMINDER, _due_query, due_deadline_ids
from app.extensions import db
from tests.core.records.conftest import NOW

pytestmark = pytest.mark.slow

OPEN = 100_000
DUE_NOW = 20


def plan(query) -> str:
    """The database's query plan for ``query``, as text."""
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_a_scan_over_100000_open_deadlines_takes_under_a_second(new_record, people):
    record = new_record("draft")
    engineer = people["engineer"].id
    rows = [
        {
            "record_type": "example_record",
            "record_id": record.id,
            "key": "review",
            "responsible_id": engineer,
            "department": "service",
            "started_at": NOW - timedelta(hours=1),
            # spread over the coming weeks: none has reached its reminder point
            "due_at": NOW + timedelta(days=3, minutes=i % 40_000),
            "remind_at": NOW + timedelta(days=2, minutes=i % 40_000),
        }
        for i in range(OPEN)
    ]
    for i in range(DUE_NOW):  # a few have: half to remind, half past due
        rows[i]["remind_at"] = NOW - timedelta(minutes=i + 1)
        rows[i]["due_at"] = NOW + timedelta(hours=1) if i % 2 else NOW - timedelta(minutes=1)
    db.session.execute(insert(Deadline), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE record_deadline"))
        db.session.commit()

    for kind in (REMINDER, ESCALATION):  # an index range, never a walk through every deadline
        steps = plan(_due_query(kind, NOW))
        assert "Seq Scan" not in steps, steps
        assert "SCAN record_deadline" not in steps, steps
        assert "ix_record_deadline_" in steps, steps
    assert "ix_record_deadline_to_remind" in plan(_due_query(REMINDER, NOW))

    # finding what is due: the part that grows with the open deadlines
    started = time.perf_counter()
    found = [due_deadline_ids(kind, NOW) for kind in (ESCALATION, REMINDER)]
    finding = time.perf_counter() - started
    assert [len(ids) for ids in found] == [DUE_NOW // 2, DUE_NOW]  # past due ones are escalated first
    assert finding < 1.0, f"finding the due deadlines took {finding:.2f} s"

    # claiming and writing the notes: one short transaction per deadline come due
    started = time.perf_counter()
    assert scan_deadlines(now=NOW) == {"escalated": DUE_NOW // 2, "reminded": DUE_NOW // 2}
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"the scan took {elapsed:.2f} s"
    assert db.session.scalar(select(func.count(Notification.id))) == DUE_NOW + DUE_NOW // 2

    started = time.perf_counter()
    assert scan_deadlines(now=NOW + timedelta(minutes=5)) == {"escalated": 0, "reminded": 0}
    idle = time.perf_counter() - started
    assert idle < 1.0, f"a scan with nothing due took {idle:.2f} s"
