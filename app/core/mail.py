"""E-mail: an outbox in the database, delivered by jobs once the transaction that wrote it commits.

:func:`queue_mail` adds a row to ``mail_outbox`` in the caller's transaction: a rolled-back
transaction sends nothing, a committed one hands each new mail to a worker
(:func:`deliver_mail`). Delivery claims the row for ``MAIL_RETRY_SECONDS`` with a conditional
UPDATE, sends, then marks it sent, so two workers never send the same mail at once. A worker
killed after its claim loses nothing: :func:`retry_mail` (periodic) hands every unsent mail
whose claim has lapsed to a worker again. Only a crash between the mail server's "250 OK" and
the commit of ``sent_at`` can send a mail twice; no mail protocol lets us avoid that.

Without ``SMTP_HOST`` no mail is queued: notifications stay in-app.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import ForeignKey, Index, Integer, String, Text, event, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.jobs import enqueue, periodic
from app.core.models import UTCDateTime, utcnow
from app.extensions import db

log = logging.getLogger("qportal.mail")

_UNSENT = "sent_at IS NULL"
#: ids of mails queued in a session's current transaction, handed to workers after its commit
_PENDING = "qportal_pending_mail"


class MailOutbox(db.Model):
    """One e-mail to one address: queued, claimed by a delivery attempt, sent."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index(
            "ix_mail_outbox_unsent", "created_at", postgresql_where=text(_UNSENT), sqlite_where=text(_UNSENT)
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the mail is about, unique: the same notice is never queued twice (e.g. ``deadline:7:reminder:3``)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: when a delivery attempt took it; another attempt may take it only once this has lapsed
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class MailNotConfigured(RuntimeError):
    """``SMTP_HOST`` is empty."""


def mail_enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def build_message(to: str | list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message; a Chinese subject is encoded per RFC 2047 when sent."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # base64 keeps Chinese text 7-bit clean for any mail server, and compact
    message.set_content(body, charset="utf-8", cte="base64")
    return message


def send_mail(to: str | list[str], subject: str, body: str) -> None:
    """Send one mail now through ``SMTP_HOST`` (STARTTLS and login when configured); raises on failure.

    Jobs call this; views and services call :func:`queue_mail` so the mail follows their commit.
    """
    config = current_app.config
    if not config.get("SMTP_HOST"):
        raise MailNotConfigured("SMTP_HOST is not set")
    message = build_message(to, subject, body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def queue_mail(
    to: str | None, subject: str, body: str, *, user_id: int | None = None, key: str | None = None
) -> MailOutbox | None:
    """Add a mail to the outbox in the caller's transaction; it is sent after the commit.

    Returns ``None`` (nothing queued) when mail is not configured or there is no address.
    The caller commits.
    """
    to = (to or "").strip()
    if not to or not mail_enabled():
        return None
    mail = MailOutbox(
        key=key, user_id=user_id, to_address=to, subject=subject[:300], body=body, created_at=utcnow()
    )
    db.session.add(mail)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(mail.id)
    return mail


@event.listens_for(Session, "after_commit")
def _hand_over_committed_mail(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for mail_id in pending:
        try:
            enqueue(deliver_mail, mail_id)
        except Exception:  # Redis down: retry_mail picks the mail up later
            log.exception("could not hand mail %s to a worker; it will be retried", mail_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_mail(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _lease(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])


def claim_mail(mail_id: int, now: dt.datetime | None = None) -> bool:
    """Take an unsent mail for one delivery attempt (committed); ``False`` if another attempt holds it."""
    now = now or utcnow()
    result = db.session.execute(
        update(MailOutbox)
        .where(
            MailOutbox.id == mail_id,
            MailOutbox.sent_at.is_(None),
            MailOutbox.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
            or_(MailOutbox.claimed_at.is_(None), MailOutbox.claimed_at < _lease(now)),
        )
        .values(claimed_at=now, attempts=MailOutbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_mail(mail_id: int) -> bool:
    """Job: send one outbox mail unless it is sent or another attempt holds it; ``True`` when sent.

    A failure releases the claim, records the error and re-raises, so RQ retries it.
    """
    if not claim_mail(mail_id):
        return False
    mail = db.session.get(MailOutbox, mail_id)
    try:
        send_mail(mail.to_address, mail.subject, mail.body)
    except Exception as error:
        db.session.rollback()
        mail = db.session.get(MailOutbox, mail_id)
        mail.claimed_at = None
        mail.last_error = f"{type(error).__name__}: {error}"[:1000]
        db.session.commit()
        raise
    mail.sent_at = utcnow()
    mail.last_error = None
    db.session.commit()
    return True


@periodic(interval="MAIL_RETRY_SECONDS")
def retry_mail() -> int:
    """Job: hand every unsent mail whose last attempt has lapsed (or was never made) to a worker again.

    Catches mail whose job was lost: Redis down at commit, a worker killed mid-delivery.
    A mail handed over twice is still sent once (:func:`claim_mail`).
    """
    now = utcnow()
    lapsed = _lease(now)
    ids = list(
        db.session.scalars(
            select(MailOutbox.id)
            .where(
                text(_UNSENT),
                MailOutbox.created_at <= lapsed,
                MailOutbox.attempts < current_app.config["MAIL_MAX_ATTEMPTS"],
                or_(MailOutbox.claimed_at.is_(None), MailOutbox.claimed_at < lapsed),
            )
            .order_by(MailOutbox.created_at)
        )
    )
    db.session.rollback()
    for mail_id in ids:
        enqueue(deliver_mail, mail_id)
    return len(ids)
