"""Job functions the real worker runs in tests (importable by ``flask worker`` from the checkout)."""

from __future__ import annotations

from flask import current_app

from app.core.notifications import notify
from app.extensions import db, redis


def leave_note(user_id: int, message: str) -> None:
    """Needs the app context: the database session and the worker's configuration."""
    notify(user_id, f"{message} (queue {current_app.config['RQ_QUEUE']})", kind="test")
    db.session.commit()


def fail_once_then_note(user_id: int, counter_key: str) -> None:
    """Raises on the first attempt, as a job hitting a passing outage would."""
    attempt = redis.conn.incr(counter_key)
    if attempt == 1:
        raise RuntimeError("first attempt fails")
    notify(user_id, f"done on attempt {attempt}", kind="test")
    db.session.commit()
