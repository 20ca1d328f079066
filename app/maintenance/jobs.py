"""The maintenance scheduler's periodic job (found by name by ``app/core/periodic.py``)."""

from __future__ import annotations

import datetime as dt
import logging

from app.core.jobs import periodic

log = logging.getLogger("qportal.maintenance")

#: how often the scheduler looks for visits to create (it also runs once when it starts)
GENERATE_SECONDS = 3600


@periodic(interval=GENERATE_SECONDS)
def generate_visits(today: str | None = None) -> int:
    """Job: create each plan's next visit once it is due within ``MAINTENANCE_VISIT_LEAD_DAYS``.

    Idempotent however often and however concurrently it runs: a visit is inserted only if
    its plan has none for that due date (unique constraint, insert-or-skip), one transaction
    per visit. ``today`` is a company date (ISO text) for tests and the CLI; default today.
    """
    from app.extensions import db
    from app.maintenance.services import generate_visits as generate

    day = dt.date.fromisoformat(today) if today else None
    try:
        made = generate(day)
    except Exception:
        db.session.rollback()
        log.exception("maintenance visits: the run failed; the next run tries again")
        raise
    if made:
        log.info("maintenance visits: %s created", made)
    return made
