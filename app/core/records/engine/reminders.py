"""Reminders before a deadline and escalation at its breach, for every procedure on the engine.

:func:`scan_deadlines` (periodic, every ``DEADLINE_SCAN_SECONDS``) reads two index ranges:
open deadlines past their reminder point and not reminded, open deadlines past due and not
escalated; with nothing due it reads nothing, however many deadlines are open. Each one is
*claimed* with a conditional UPDATE (``… SET escalated_at = now WHERE id = :id AND
escalated_at IS NULL AND stopped_at IS NULL``); the transaction that wins the claim also
writes the in-app notes and queues the e-mails (:func:`app.core.mail.queue_mail`), and
commits. So, however many scans run at once and wherever a worker dies:

- the in-app note is written exactly once (it commits or rolls back with the claim);
- an e-mail is sent at least once and, but for a crash between the mail server's answer and
  the commit of ``sent_at``, exactly once (:mod:`app.core.mail`: outbox, claim lease, retry).

Who hears what: the reminder goes to the responsible user, or to the managers of the
deadline's department when nobody is named. The escalation goes to the managers of the
responsible user's department (the deadline's department when nobody is named), the
responsible user excepted, or to the general manager when that department has no other
manager (or no department is known); the responsible user gets a note that it was
escalated. A deadline first seen already past due is escalated without a reminder. Texts are
in each recipient's language; the link and wording come from the workflow registry: the
platform imports no procedure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.core.auth.models import User, UserRole
from app.core.jobs import periodic
from app.core.mail import queue_mail
from app.core.models import utcnow
from app.core.notifications import notify
from app.core.permissions import Role
from app.core.records.engine.models import Deadline
from app.core.records.engine.registry import registry
from app.extensions import db

log = logging.getLogger("qportal.reminders")

REMINDER = "reminder"
ESCALATION = "escalation"
#: deadlines read per query; the scan goes on until none is left
BATCH = 200


def _due_query(kind: str, now: datetime):
    """Open deadlines waiting for a ``kind`` notice at ``now`` — an index range (see :class:`Deadline`)."""
    if kind == ESCALATION:
        return select(Deadline.id).where(
            Deadline.stopped_at.is_(None), Deadline.escalated_at.is_(None), Deadline.due_at <= now
        )
    # No "due_at > now" here: it would tempt the planner into the index of all open deadlines.
    # The scan escalates first, and an escalation also sets reminded_at, so a deadline first
    # seen past due gets no reminder anyway.
    return select(Deadline.id).where(
        Deadline.stopped_at.is_(None), Deadline.reminded_at.is_(None), Deadline.remind_at <= now
    )


def due_deadline_ids(kind: str, now: datetime, limit: int = BATCH, skip: set[int] | None = None) -> list[int]:
    """Ids of the deadlines that need a ``kind`` notice at ``now``, oldest first."""
    query = _due_query(kind, now)
    column = Deadline.due_at if kind == ESCALATION else Deadline.remind_at
    if skip:
        query = query.where(Deadline.id.not_in(skip))
    return list(db.session.scalars(query.order_by(column, Deadline.id).limit(limit)))


def claim(deadline_id: int, kind: str, now: datetime) -> bool:
    """Mark one deadline as reminded (or escalated) unless another scan did; ``True`` if this one did.

    On PostgreSQL a concurrent claim waits for the row lock and then sees the column set; on
    SQLite writers take turns. Either way exactly one transaction gets rowcount 1.
    """
    conditions = [Deadline.id == deadline_id, Deadline.stopped_at.is_(None)]
    if kind == ESCALATION:
        conditions += [Deadline.escalated_at.is_(None), Deadline.due_at <= now]
        values = {"escalated_at": now, "reminded_at": func.coalesce(Deadline.reminded_at, now)}
    else:
        conditions += [Deadline.reminded_at.is_(None), Deadline.remind_at <= now]
        values = {"reminded_at": now}
    result = db.session.execute(
        update(Deadline).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --- who is told -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """What a notice needs of a user; plain values, so they outlive the per-deadline commits."""

    id: int
    display_name: str
    email: str | None
    locale: str | None
    department: str

    @classmethod
    def of(cls, user: User) -> Person:
        return cls(user.id, user.display_name, user.email, user.locale, user.department)


class Audience:
    """Who hears of a deadline. Remembers the managers it looked up for the rest of the scan."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None], list[Person]] = {}

    def with_role(self, role: Role, department: str | None = None) -> list[Person]:
        """Enabled users holding ``role`` (in ``department`` when given), by id."""
        key = (role.value, department)
        if key not in self._cache:
            query = (
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == role.value, User.is_enabled.is_(True))
            )
            if department is not None:
                query = query.where(User.department == department)
            self._cache[key] = [Person.of(u) for u in db.session.scalars(query.order_by(User.id))]
        return self._cache[key]

    def managers(self, department: str | None) -> list[Person]:
        """The department managers of ``department`` (none when it is ``None``)."""
        return self.with_role(Role.DEPT_MANAGER, department) if department else []

    @staticmethod
    def responsible(deadline: Deadline) -> Person | None:
        user = deadline.responsible
        return Person.of(user) if user is not None and user.is_enabled else None

    def for_reminder(self, deadline: Deadline) -> list[Person]:
        """The responsible user; without one, the managers of the deadline's department."""
        responsible = self.responsible(deadline)
        return [responsible] if responsible else self.managers(deadline.department)

    def for_escalation(self, deadline: Deadline) -> list[Person]:
        """The managers of the responsible user's department, the responsible user excepted.

        Without a responsible user, the deadline's department; when that department has no
        other manager (the responsible user *is* its manager), the general manager.
        """
        responsible = deadline.responsible
        department = responsible.department if responsible is not None else deadline.department
        exclude = {responsible.id} if responsible is not None else set()
        managers = [p for p in self.managers(department) if p.id not in exclude]
        if not managers:
            managers = [p for p in self.with_role(Role.GENERAL_MANAGER) if p.id not in exclude]
        return managers


# --- what they are told ------------------------------------------------------------------------------


@dataclass
class Subject:
    """What a notice is about, independent of the reader's language."""

    deadline: Deadline
    record: object | None
    definition: object | None
    path: str
    url: str


def _subject(deadline: Deadline) -> Subject:
    definition = registry.for_type(deadline.record_type)
    record = db.session.get(definition.model, deadline.record_id) if definition is not None else None
    path = url = ""
    if record is not None:
        base = current_app.config["PORTAL_URL"]
        with current_app.test_request_context("/", base_url=base):
            path = definition.url(record)
        url = urljoin(base, path)
    return Subject(deadline, record, definition, path, url)


def _record_label(subject: Subject) -> str:
    deadline, record, definition = subject.deadline, subject.record, subject.definition
    if record is None:
        return f"{deadline.record_type} #{deadline.record_id}"
    kind = definition.title if definition.title is not None else definition.model.__name__
    label = f"{kind} {record.display_number}"
    summary = definition.describe(record)
    return _("%(record)s (%(summary)s)", record=label, summary=summary) if summary else label


def _words(subject: Subject) -> dict:
    """The message's variable parts, in the current (forced) language."""
    deadline = subject.deadline
    return {
        "deadline": deadline.title,
        "record": _record_label(subject),
        "due": format_datetime(deadline.due_at, "yyyy-MM-dd HH:mm"),
        "person": deadline.responsible.display_name if deadline.responsible is not None else "",
    }


def _text(kind: str, role: str, words: dict) -> tuple[str, str]:
    """``(message, mail subject)`` for a recipient in ``role``: ``to_act``, ``manager`` or ``responsible``."""
    if kind == REMINDER:
        message = _("Reminder: “%(deadline)s” for %(record)s is due %(due)s.", **words)
        title = _("Reminder: %(deadline)s – %(record)s", **words)
    elif role == "responsible":
        message = _("Overdue: “%(deadline)s” for %(record)s was due %(due)s and has been escalated.", **words)
        title = _("Overdue: %(deadline)s – %(record)s", **words)
    else:
        if words["person"]:
            message = _(
                "Overdue: “%(deadline)s” for %(record)s was due %(due)s. Responsible: %(person)s.", **words
            )
        else:
            message = _("Overdue: “%(deadline)s” for %(record)s was due %(due)s.", **words)
        title = _("Overdue: %(deadline)s – %(record)s", **words)
    return message, title


def _tell(person: Person, kind: str, role: str, subject: Subject) -> None:
    """One in-app note and (with an address, and mail configured) one queued e-mail, in their language."""
    with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        message, title = _text(kind, role, _words(subject))
        body = message
        if subject.url:
            body += "\n\n" + _("Open the record: %(url)s", url=subject.url)
        body += "\n\n" + _("Sent by the after-sales portal; please do not reply to this e-mail.")
    notify(person.id, message, link=subject.path, kind=kind)
    queue_mail(
        person.email,
        f"[qportal] {title}",
        body,
        user_id=person.id,
        key=f"deadline:{subject.deadline.id}:{kind}:{person.id}",
    )


def _notify(deadline: Deadline, kind: str, audience: Audience) -> int:
    """Write the notes (and queue the mails) of one claimed deadline; returns how many people were told."""
    subject = _subject(deadline)
    told = 0
    if kind == REMINDER:
        for person in audience.for_reminder(deadline):
            _tell(person, kind, "to_act", subject)
            told += 1
    else:
        for person in audience.for_escalation(deadline):
            _tell(person, kind, "manager", subject)
            told += 1
        responsible = audience.responsible(deadline)
        if responsible is not None:
            _tell(responsible, kind, "responsible", subject)
            told += 1
    if not told:
        log.warning("deadline %s (%s): nobody to tell, department %s", deadline.id, kind, deadline.department)
    return told


def claim_due(kind: str, now: datetime, audience: Audience | None = None) -> int:
    """Claim and notify every deadline needing a ``kind`` notice at ``now``, one transaction each.

    One transaction per deadline holds one row lock at a time: concurrent scans never
    deadlock, and the web requests never wait long for SQLite's write lock. Returns how many
    this call claimed. A deadline whose notice cannot be written (a broken summary, say) is
    rolled back, logged and left for the next scan.
    """
    audience = audience or Audience()
    claimed = 0
    failed: set[int] = set()
    while True:
        ids = due_deadline_ids(kind, now, skip=failed)
        db.session.rollback()  # end the read; each claim is its own short transaction
        if not ids:
            return claimed
        for deadline_id in ids:
            try:
                if not claim(deadline_id, kind, now):
                    db.session.rollback()
                    continue
                deadline = db.session.scalar(
                    select(Deadline)
                    .where(Deadline.id == deadline_id)
                    .options(joinedload(Deadline.responsible))
                    .execution_options(populate_existing=True)
                )
                _notify(deadline, kind, audience)
                db.session.commit()
                claimed += 1
            except Exception:
                db.session.rollback()
                failed.add(deadline_id)
                log.exception(
                    "deadline %s: the %s could not be written; retried next scan", deadline_id, kind
                )


@periodic(interval="DEADLINE_SCAN_SECONDS")
def scan_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Job: escalate the deadlines past due, then remind those past their reminder point — once each.

    Safe to run concurrently and to re-run after a crash (see the module docstring).
    """
    now = now or utcnow()
    audience = Audience()
    escalated = claim_due(ESCALATION, now, audience)
    reminded = claim_due(REMINDER, now, audience)
    if escalated or reminded:
        log.info("deadline scan: %s escalated, %s reminded", escalated, reminded)
    return {"escalated": escalated, "reminded": reminded}
