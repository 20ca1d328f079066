"""E-mail through a real local SMTP server: the outbox, delivery once, retries after failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.mail import MailOutbox, claim_mail, deliver_mail, queue_mail, retry_mail, send_mail
from app.core.models import utcnow
from app.extensions import db, redis
from tests.core.conftest import free_port

SUBJECT = "[qportal] 提醒：维修单 WX-202611-0001 即将超期"
BODY = "王工，您好：\n维修单 WX-202611-0001 的现场服务将于 2026-11-23 10:00 到期。"


def queued_job_args() -> list[tuple]:
    return [(job.func_name, job.args) for job in redis.queue().get_jobs()]


def test_a_chinese_mail_arrives_readable(app, smtp_server):
    send_mail("wang@example.com", SUBJECT, BODY)
    (message,) = smtp_server.messages
    assert message["Subject"] == SUBJECT
    assert message["From"] == "qportal@example.com"
    assert message["To"] == "wang@example.com"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == BODY
    raw = message.as_bytes()
    assert SUBJECT.encode() not in raw  # encoded on the wire (RFC 2047), not raw UTF-8
    assert max(raw) < 128


def test_a_mail_queued_in_a_committed_transaction_goes_to_a_worker(app, smtp_server, make_user):
    user = make_user(email="wang@example.com")
    mail = queue_mail(user.email, SUBJECT, BODY, user_id=user.id, key="test:1")
    assert queued_job_args() == []  # not before the commit
    db.session.commit()
    assert queued_job_args() == [("app.core.mail.deliver_mail", (mail.id,))]

    assert deliver_mail(mail.id) is True
    assert deliver_mail(mail.id) is False
    assert len(smtp_server.messages) == 1
    db.session.refresh(mail)
    assert (mail.attempts, mail.last_error) == (1, None)
    assert mail.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(app, smtp_server):
    queue_mail("wang@example.com", SUBJECT, BODY)
    db.session.rollback()
    db.session.commit()
    assert queued_job_args() == []
    assert db.session.scalars(select(MailOutbox)).all() == []


def test_nothing_is_queued_without_a_server_or_an_address(app):
    assert queue_mail("wang@example.com", SUBJECT, BODY) is None  # SMTP_HOST is empty
    app.config["SMTP_HOST"] = "127.0.0.1"
    assert queue_mail("", SUBJECT, BODY) is None
    assert queue_mail(None, SUBJECT, BODY) is None


def test_a_failed_attempt_is_recorded_and_released_for_the_retry(app, smtp_server):
    mail = queue_mail("wang@example.com", SUBJECT, BODY)
    db.session.commit()
    port = smtp_server.port
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    with pytest.raises(ConnectionRefusedError):
        deliver_mail(mail.id)
    db.session.refresh(mail)
    assert (mail.attempts, mail.claimed_at, mail.sent_at) == (1, None, None)
    assert "ConnectionRefusedError" in mail.last_error

    app.config["SMTP_PORT"] = port
    assert deliver_mail(mail.id) is True
    assert len(smtp_server.messages) == 1


def test_a_claimed_mail_waits_until_the_claim_lapses(app, smtp_server):
    mail = queue_mail("wang@example.com", SUBJECT, BODY)
    db.session.commit()
    assert claim_mail(mail.id) is True  # a worker that took it and died
    assert deliver_mail(mail.id) is False
    assert smtp_server.messages == []

    lapsed = utcnow() - timedelta(seconds=app.config["MAIL_RETRY_SECONDS"] + 1)
    db.session.execute(db.update(MailOutbox).values(claimed_at=lapsed, created_at=lapsed))
    db.session.commit()
    redis.queue().empty()
    assert retry_mail() == 1
    assert queued_job_args() == [("app.core.mail.deliver_mail", (mail.id,))]
    assert deliver_mail(mail.id) is True
    assert len(smtp_server.messages) == 1
    assert retry_mail() == 0


def test_a_mail_is_given_up_after_the_last_attempt(app, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mail = queue_mail("wang@example.com", SUBJECT, BODY)
    db.session.commit()
    db.session.execute(db.update(MailOutbox).values(attempts=2, created_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert deliver_mail(mail.id) is False
    assert retry_mail() == 0
    assert smtp_server.messages == []
