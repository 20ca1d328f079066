"""One OS process of the numbering concurrency test (started with the "spawn" method).

Each process builds its own app and engine against the test database, waits at the barrier
so that all start together, then issues numbers one transaction at a time.
"""

from __future__ import annotations

import traceback
from datetime import datetime


def issue_many(
    database_url: str,
    redis_url: str,
    series: str,
    other_series: str,
    pattern: str,
    count: int,
    barrier,
    results,
) -> None:
    """Issue ``count`` numbers of ``series`` (and every tenth time one of ``other_series``)."""
    try:
        from app import create_app
        from app.config import TestConfig
        from app.core.records.numbering import issue_number
        from app.extensions import db

        app = create_app(TestConfig(database_url, redis_url))
        at = datetime(2026, 11, 22, 10, 0)
        other_at = datetime(2026, 12, 1, 9, 0)
        numbers: list[str] = []
        others: list[str] = []
        with app.app_context():
            barrier.wait(timeout=120)
            for i in range(count):
                numbers.append(issue_number(series, pattern, at=at))
                db.session.commit()
                if i % 10 == 0:
                    others.append(issue_number(other_series, pattern, at=other_at))
                    db.session.commit()
            db.session.remove()
            db.engine.dispose()
        results.put(("ok", numbers, others))
    except BaseException:  # report everything: the parent shows it in the failure
        barrier.abort()
        results.put(("error", traceback.format_exc(), []))
