"""What a procedure declares about one record form: states, transitions, who may take them.

A procedure builds one :class:`WorkflowDefinition` per record model in its ``workflow.py``
and hands it to ``registry.register`` (:mod:`.registry`); the engine does the rest (guards,
numbers, audit, approvals, deadlines).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.permissions import Department, Role, TitledEnum, has_role, in_department

FORM_KEY = re.compile(r"^F\d{2}$")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Meaning(TitledEnum):
    """What a signature on a record means (ISO 9001 7.5: reviewed and approved by)."""

    REVIEWED = "reviewed"
    APPROVED = "approved"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.REVIEWED: _l("Reviewed"), cls.APPROVED: _l("Approved")}

    @property
    def print_label(self) -> str:
        """Prints carry both languages, like the paper forms (签名 Signature)."""
        return {"reviewed": "审核 Reviewed", "approved": "批准 Approved"}[self.value]


class Decision(TitledEnum):
    APPROVED = "approved"
    REJECTED = "rejected"

    @classmethod
    def _titles(cls) -> dict:
        return {cls.APPROVED: _l("Approved"), cls.REJECTED: _l("Rejected")}


@dataclass(frozen=True)
class DeadlineStart:
    """A deadline a transition starts, e.g. "reply within 24 h".

    ``due(record, now)`` returns the aware due time: use :mod:`.deadlines`
    (``within_hours(24)``, ``within_working_days(3)`` …). ``responsible(record)`` returns the
    user (or user id) who must act, if one is known; without one the reminder goes to the
    managers of ``department``. ``title`` names the deadline in reminders and on the record.

    ``remind(record, started_at, due_at)`` gives the reminder point when the workflow knows a
    better one than ``REMINDER_FRACTION`` of the way (e.g. :func:`.deadlines.working_day_before`:
    the team hears of tomorrow's visit this morning); a point after the due time is clamped to it.
    """

    key: str
    due: Callable[[Any, datetime], datetime]
    responsible: Callable[[Any], Any] | None = None
    department: Department | None = None
    title: Any = None
    remind: Callable[[Any, datetime, datetime], datetime] | None = None


@dataclass(frozen=True)
class Transition:
    """One step from some states to another, and who may take it."""

    name: str
    title: Any
    from_states: tuple[enum.Enum, ...]
    to_state: enum.Enum
    #: the user needs one of ``roles`` (when given) *and* one of ``departments`` (when given)
    roles: tuple[Role, ...] = ()
    departments: tuple[Department, ...] = ()
    #: an object-level rule on top, e.g. ``lambda user, record: record.engineer_id == user.id``
    when: Callable[[Any, Any], bool] | None = None
    #: the same rule as SQL, ``lambda model: model.in_warranty.is_(True)``, for a ``when`` that
    #: does not depend on the user: the Approvals inbox then counts and lists in the database
    where: Callable[[type], Any] | None = None
    #: record attributes that must be filled before the step
    required: tuple[str, ...] = ()
    #: the submission: the record gets its number (and submitted by/at) now
    issues_number: bool = False
    #: a signature: what it means, and whether it approves or rejects
    approval: Meaning | None = None
    rejects: bool = False
    needs_reason: bool = False
    #: allowed out of a read-only state (void, reopen for correction)
    correction: bool = False
    starts: tuple[DeadlineStart, ...] = ()
    stops: tuple[str, ...] = ()
    #: a :class:`~app.core.records.engine.forms.StepForm` whose fields the user fills in with the
    #: step ("engineer" with "Dispatch"); its values are written to the record before the checks
    form: Any = None
    #: Bootstrap colour of the button
    style: str = "primary"

    @property
    def from_values(self) -> frozenset[str]:
        return frozenset(s.value for s in self.from_states)

    @property
    def is_approval(self) -> bool:
        return self.approval is not None

    @property
    def decision(self) -> Decision | None:
        if self.approval is None:
            return None
        return Decision.REJECTED if self.rejects else Decision.APPROVED

    @property
    def reason_required(self) -> bool:
        """A rejection always says why."""
        return self.needs_reason or self.rejects

    def qualifies(self, user) -> bool:
        """The role and department part of the guard (no record needed)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.roles and not has_role(user, *self.roles):
            return False
        return not (self.departments and not in_department(user, *self.departments))

    def is_own_record(self, user, record) -> bool:
        """Nobody signs their own record: the creator and the submitter are excluded."""
        uid = getattr(user, "id", None)
        return uid is not None and uid in {record.created_by_id, record.submitted_by_id}

    def allowed(self, user, record) -> bool:
        """May ``user`` take this step on ``record`` (whatever state it is in)?"""
        if not self.qualifies(user):
            return False
        if self.is_approval and self.is_own_record(user, record):
            return False
        return self.when is None or bool(self.when(user, record))


@dataclass
class WorkflowDefinition:
    """Everything the engine needs to know about one record form of one procedure."""

    module: str
    model: type
    form_key: str
    states: type[enum.Enum]
    initial: enum.Enum
    transitions: tuple[Transition, ...]
    #: approved or closed: no plain edits, only corrections
    read_only: frozenset = frozenset()
    #: entering one of these sets ``closed_at``
    closed: frozenset = frozenset()
    #: the record's page (endpoint, id argument); ``None`` uses the engine's generic page
    endpoint: str | None = None
    id_arg: str = "record_id"
    #: printable forms: ``{form_key: template}``
    print_templates: dict[str, str] = field(default_factory=dict)
    #: one line for lists (inbox, home page)
    summary: Callable[[Any], str] | None = None
    #: fields shown on the generic page and kept in a correction's snapshot, in order
    fields: tuple[str, ...] = ()
    #: display names of the record's fields (required-field messages, history)
    labels: dict[str, Any] = field(default_factory=dict)
    #: who may correct an approved or closed record
    correct_roles: tuple[Role, ...] = (Role.QUALITY_ADMIN,)
    #: the record type's name in the audit log (default: the model's class name)
    title: Any = None
    #: who may add (and remove) attachments, on top of "logged in and not read-only",
    #: e.g. ``lambda user, record: record.engineer_id == user.id``
    may_attach: Callable[[Any, Any], bool] | None = None
    #: how the history shows a field's stored value, e.g. ``{"engineer_id": user_name}``
    #: (an id becomes a name); fields without one show the value as stored
    formatters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    @property
    def record_type(self) -> str:
        return self.model.__tablename__

    @property
    def read_only_values(self) -> frozenset[str]:
        return frozenset(s.value for s in self.read_only)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def state(self, value: str) -> enum.Enum:
        return self.states(value)

    def state_title(self, value: str | None) -> str:
        if value is None:
            return ""
        member = self.states(value)
        return str(getattr(member, "title", member.value))

    def label(self, name: str) -> str:
        return str(self.labels.get(name, name))

    def show(self, name: str, value: Any) -> Any:
        """A stored (audited) value of field ``name`` as the history shows it; ``None`` stays ``None``."""
        formatter = self.formatters.get(name)
        if value is None or formatter is None:
            return value
        try:
            return formatter(value)
        except (LookupError, TypeError, ValueError):
            return value

    def deadline_start(self, key: str) -> DeadlineStart | None:
        """The first :class:`DeadlineStart` with ``key`` among the transitions."""
        return next((spec for t in self.transitions for spec in t.starts if spec.key == key), None)

    def deadline_title(self, key: str) -> str:
        """The display title of deadline ``key`` (the key itself when it has none)."""
        spec = self.deadline_start(key)
        return str(spec.title) if spec is not None and spec.title is not None else key

    def may_correct(self, user, record) -> bool:
        return has_role(user, *self.correct_roles)

    def can_attach(self, user, record) -> bool:
        """May ``user`` add photos, scans or signatures to ``record``, or remove them?

        Any logged-in user while the record is not approved or closed, unless the procedure
        narrows it with ``may_attach``.
        """
        if user is None or not getattr(user, "is_authenticated", False) or record.is_read_only:
            return False
        return self.may_attach is None or bool(self.may_attach(user, record))

    def url(self, record) -> str:
        from flask import url_for

        if self.endpoint:
            return url_for(self.endpoint, **{self.id_arg: record.id})
        return url_for("workflow.record", record_type=self.record_type, record_id=record.id)

    def describe(self, record) -> str:
        if self.summary is not None:
            return str(self.summary(record) or "")
        return ""
