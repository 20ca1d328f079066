"""Reminders through the real worker and a real SMTP server, including workers killed mid-job."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jobs import enqueue, wait_for
from app.core.mail import MailOutbox, retry_mail
from app.core.models import utcnow
from app.core.notifications import Notification
from app.core.records.engine import create_record, scan_deadlines, transition
from app.extensions import db, redis
from tests.core.conftest import logs
from tests.core.jobs_for_tests import (
    deliver_and_die_before_sending,
    scan_and_die_before_the_mail_is_handed_over,
    scan_deadlines_with_the_example,
)
from tests.core.records.example_workflow import ExampleRecord

pytestmark = pytest.mark.slow


@pytest.fixture
def due_for_reminder(app, example_form, people):
    """A record whose review deadline (24 h, engineer responsible) is past its reminder point now."""
    people["engineer"].email = "engineer@example.com"
    db.session.commit()
    record = create_record(ExampleRecord, {"title": "压缩机异响", "fault": "噪音"}, actor=people["clerk"])
    record.engineer_id = people["engineer"].id
    transition(record, "submit", actor=people["clerk"], now=utcnow() - timedelta(hours=20))
    db.session.commit()
    return record


@pytest.fixture
def mail_env(smtp_server):
    """The worker's settings: the local SMTP server, and lost mail retried after 1 s."""
    return {
        "SMTP_HOST": smtp_server.host,
        "SMTP_PORT": str(smtp_server.port),
        "MAIL_FROM": "qportal@example.com",
        "MAIL_RETRY_SECONDS": "1",
    }


def counts(user) -> tuple[int, int]:
    """(reminder notes of ``user``, mails in the outbox), as committed."""
    user_id = user if isinstance(user, int) else user.id
    db.session.remove()
    reminders = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.kind == "reminder"
        )
    )
    return reminders, db.session.scalar(select(func.count(MailOutbox.id)))


def run_until(predicate, *jobs, timeout: float = 40) -> bool:
    """Enqueue ``jobs`` (functions) every second until ``predicate()`` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for job in jobs:
            enqueue(job)
        if wait_for(predicate, timeout=1.0):
            return True
    return predicate()


def settle(*jobs) -> None:
    """Run ``jobs`` once more through the worker and wait for them to finish."""
    handles = [enqueue(job) for job in jobs]
    assert wait_for(lambda: all(h.get_status(refresh=True) == "finished" for h in handles), timeout=30)


def test_the_worker_reminds_once_by_mail_and_in_the_portal(
    due_for_reminder, people, smtp_server, mail_env, spawn
):
    engineer, number = people["engineer"].id, due_for_reminder.number
    worker = spawn("worker", **mail_env)
    enqueue(scan_deadlines_with_the_example)
    enqueue(scan_deadlines_with_the_example)
    assert wait_for(lambda: smtp_server.messages, timeout=30), logs(worker)
    settle(scan_deadlines_with_the_example, retry_mail)

    assert len(smtp_server.to("engineer@example.com")) == 1
    (message,) = smtp_server.messages
    assert message["Subject"].startswith("[qportal] 提醒：")
    assert number in message["Subject"]
    assert counts(engineer) == (1, 1)


def test_a_worker_killed_after_the_claim_still_reminds_exactly_once(
    due_for_reminder, people, smtp_server, mail_env, spawn
):
    engineer = people["engineer"].id
    enqueue(scan_and_die_before_the_mail_is_handed_over, "test:scan-died", retry=None)
    first = spawn("worker", **mail_env)
    first.wait(timeout=30)
    assert first.returncode == -9, logs(first)
    # the claim committed with its note and its mail; the mail's job never reached the queue
    assert counts(engineer) == (1, 1)
    assert smtp_server.messages == []
    assert redis.queue().count == 0

    second = spawn("worker", **mail_env)
    assert run_until(lambda: smtp_server.messages, retry_mail), logs(second)
    settle(scan_deadlines_with_the_example, retry_mail)
    time.sleep(1.5)
    settle(retry_mail)

    assert len(smtp_server.messages) == 1
    assert counts(engineer) == (1, 1)
    db.session.remove()
    assert db.session.scalar(select(MailOutbox.sent_at)) is not None


def test_a_worker_killed_while_delivering_does_not_lose_the_mail(
    due_for_reminder, people, smtp_server, mail_env, spawn
):
    engineer = people["engineer"].id
    scan_deadlines()  # in this process: the note and the queued mail
    redis.queue().empty()  # the mail's own job is replaced by one that dies half-way
    mail_id = db.session.scalar(select(MailOutbox.id))
    enqueue(deliver_and_die_before_sending, mail_id, "test:delivery-died", retry=None)
    first = spawn("worker", **mail_env)
    first.wait(timeout=30)
    assert first.returncode == -9, logs(first)
    db.session.remove()
    claimed = db.session.get(MailOutbox, mail_id)
    assert (claimed.attempts, claimed.sent_at) == (1, None)
    assert claimed.claimed_at is not None
    assert smtp_server.messages == []

    second = spawn("worker", **mail_env)
    assert run_until(lambda: smtp_server.messages, retry_mail), logs(second)
    time.sleep(1.5)  # past another claim lapse: nothing is sent again
    settle(retry_mail, scan_deadlines_with_the_example)

    assert len(smtp_server.messages) == 1
    assert counts(engineer) == (1, 1)
