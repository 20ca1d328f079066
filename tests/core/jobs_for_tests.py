"""Job functions the real worker runs in tests (importable by ``flask worker`` from the checkout)."""

from __future__ import annotations

import os
import signal

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


def _die_with_the_worker() -> None:
    """SIGKILL the worker and this work horse: a power cut, no cleanup, no exception."""
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def scan_deadlines_with_the_example() -> dict:
    """The deadline scan in a worker that knows the test-only example workflow, as a portal knows its own."""
    from app.core.records.engine import scan_deadlines
    from tests.core.records import example_workflow  # noqa: F401 — registers the example definitions

    return scan_deadlines()


def scan_and_die_before_the_mail_is_handed_over(marker_key: str) -> None:
    """The deadline scan, killed right after its first claim commits, before the mail job is queued.

    Dies only on the first run (``marker_key`` in Redis), should RQ ever run it again.
    """
    from app.core import mail

    if redis.conn.set(marker_key, 1, nx=True):
        mail.enqueue = lambda *args, **kwargs: _die_with_the_worker()
    scan_deadlines_with_the_example()


def deliver_and_die_before_sending(mail_id: int, marker_key: str) -> None:
    """A mail delivery, killed after it claimed the mail and before the mail server heard of it."""
    from app.core import mail

    if redis.conn.set(marker_key, 1, nx=True):
        mail.send_mail = lambda *args, **kwargs: _die_with_the_worker()
    mail.deliver_mail(mail_id)
