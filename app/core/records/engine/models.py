"""The engine's own tables: signatures, deadlines and the superseded content of corrected records.

They refer to a record by ``(record_type, record_id)`` (table name and id), so one table
serves every procedure without the platform importing any of them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import UTCDateTime, utcnow
from app.core.records.engine.definition import Decision, Meaning
from app.extensions import db


class Approval(db.Model):
    """One signature on a record: who, when, what it means, approved or rejected, and why."""

    __tablename__ = "record_approval"
    __table_args__ = (Index("ix_record_approval_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    transition: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[Meaning] = mapped_column(String(16))
    decision: Mapped[Decision] = mapped_column(String(16))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: the approver's name when signing, so the record reads the same after a rename
    approver_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    #: the record's revision the signature applies to
    revision_no: Mapped[int] = mapped_column(Integer, default=0)

    approver = relationship("User")

    @property
    def meaning_enum(self) -> Meaning:
        return Meaning(self.meaning)

    @property
    def decision_enum(self) -> Decision:
        return Decision(self.decision)

    @property
    def is_rejection(self) -> bool:
        return self.decision == Decision.REJECTED


#: the open deadlines whose reminder has not gone out, by reminder point: the scan reads a range of it
_TO_REMIND = "stopped_at IS NULL AND reminded_at IS NULL"
#: the open deadlines not yet escalated, by due time
_TO_ESCALATE = "stopped_at IS NULL AND escalated_at IS NULL"


class Deadline(db.Model):
    """A clock a transition started; another transition stops it.

    The scan (:mod:`.reminders`) reminds at ``remind_at`` and escalates at ``due_at``, once
    each: ``reminded_at`` / ``escalated_at`` are set in the transaction that claims the notice.
    Two partial indexes hold only the deadlines still waiting for either, so a scan over any
    number of open deadlines reads just the ones that have come due.
    """

    __tablename__ = "record_deadline"
    __table_args__ = (
        # a record's deadlines, the open ones first by due time: a list's next-deadline column
        Index("ix_record_deadline_record", "record_type", "record_id", "stopped_at", "due_at"),
        Index("ix_record_deadline_open", "stopped_at", "due_at"),
        # The columns fixed by the condition lead as well: SQLite's planner, without statistics,
        # then prefers these indexes to ix_record_deadline_open (a scan of every open deadline).
        Index(
            "ix_record_deadline_to_remind",
            "stopped_at",
            "reminded_at",
            "remind_at",
            postgresql_where=text(_TO_REMIND),
            sqlite_where=text(_TO_REMIND),
        ),
        Index(
            "ix_record_deadline_to_escalate",
            "stopped_at",
            "escalated_at",
            "due_at",
            postgresql_where=text(_TO_ESCALATE),
            sqlite_where=text(_TO_ESCALATE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(32))
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: when the responsible person is reminded: ``REMINDER_FRACTION`` of the way to ``due_at``
    remind_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: when the reminder was claimed (and its notes written); also set by an escalation that
    #: comes first, since a reminder after the breach would say nothing new
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: when the breach was claimed and escalated to the department manager(s)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    responsible = relationship("User")

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        end = self.stopped_at or now or utcnow()
        return end > self.due_at

    def time_left(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Until ``due_at`` from ``now`` (or from when it stopped); negative once overdue."""
        return self.due_at - (self.stopped_at or now or utcnow())

    @property
    def title(self) -> str:
        """What the deadline is for, as the workflow names it (its key when it names none)."""
        from app.core.records.engine.registry import registry

        definition = registry.for_type(self.record_type)
        return definition.deadline_title(self.key) if definition is not None else self.key


class RecordRevision(db.Model):
    """The content a record had before a correction, with the reason for the correction."""

    __tablename__ = "record_revision"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id", "revision_no", name="uq_record_revision_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    #: the revision this content was (0 = as first approved)
    revision_no: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    by_name: Mapped[str] = mapped_column(String(100), default="")
    #: when it was superseded
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    by = relationship("User")
