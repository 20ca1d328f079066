"""The append-only audit trail: who did what, when, to which object, and why.

Services call :func:`audit` in the same transaction as the change they record, so a change
and its entry are committed together or not at all. Nothing in the portal updates or deletes
an entry: the ORM refuses it, and the database refuses it through triggers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, JSON, ForeignKey, Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.routing import BuildError

from app.core.models import UTCDateTime, utcnow
from app.core.permissions import TitledEnum
from app.extensions import db


class AuditAction(TitledEnum):
    CREATE = "create"
    UPDATE = "update"
    STATE_CHANGE = "state_change"
    APPROVAL = "approval"
    PRINT = "print"
    EXPORT = "export"
    IMPORT = "import"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PERMISSION_CHANGE = "permission_change"
    #: a photo, scan, document or drawn signature added to a record
    ATTACH = "attach"
    #: an attachment taken off a record (kept on disk, hidden, with the reason)
    DETACH = "detach"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.CREATE: _l("Created"),
            cls.UPDATE: _l("Updated"),
            cls.STATE_CHANGE: _l("State changed"),
            cls.APPROVAL: _l("Approval"),
            cls.PRINT: _l("Printed"),
            cls.EXPORT: _l("Exported"),
            cls.IMPORT: _l("Imported"),
            cls.LOGIN: _l("Logged in"),
            cls.LOGIN_FAILED: _l("Login failed"),
            cls.LOGOUT: _l("Logged out"),
            cls.PERMISSION_CHANGE: _l("Permissions changed"),
            cls.ATTACH: _l("Attachment added"),
            cls.DETACH: _l("Attachment removed"),
        }


class AuditEntry(db.Model):
    """One line of the audit trail. Rows are only ever inserted."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id", "id"),
        Index("ix_audit_entry_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: the actor's name at the time, so the trail reads the same after a rename
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[AuditAction] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    object_label: Mapped[str] = mapped_column(String(200), default="")
    #: for create: the initial values; for update: ``{field: [old, new]}``
    changes: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))

    #: the entry keeps the actor's name as it was (``actor_name``): pages read that
    actor = relationship("User")

    @property
    def action_enum(self) -> AuditAction:
        return AuditAction(self.action)

    @property
    def object_type_title(self) -> str:
        return object_type_title(self.object_type)

    @property
    def url(self) -> str | None:
        """The page of the object this entry is about, when it has one."""
        return object_url(self.object_type, self.object_id)


@dataclass(frozen=True)
class ObjectType:
    """How the audit log names an object type and links to an object's page."""

    title: Any
    endpoint: str | None = None
    id_arg: str = "id"


#: object types by ``object_type`` (the table name); modules add theirs with
#: :func:`register_object_type`
OBJECT_TYPES: dict[str, ObjectType] = {
    "user": ObjectType(_l("User"), "auth.user_detail", "user_id"),
    "audit_log": ObjectType(_l("Audit log")),
}


def register_object_type(name: str, title, endpoint: str | None = None, id_arg: str = "id") -> None:
    """Give the audit log a display title and, optionally, a page for one object type."""
    OBJECT_TYPES[name] = ObjectType(title, endpoint, id_arg)


def object_type_title(name: str) -> str:
    known = OBJECT_TYPES.get(name)
    return str(known.title) if known else name


def object_url(object_type: str, object_id: str | None) -> str | None:
    known = OBJECT_TYPES.get(object_type)
    if known is None or known.endpoint is None or not object_id or not object_id.isdigit():
        return None
    try:
        return url_for(known.endpoint, **{known.id_arg: int(object_id)})
    except BuildError:  # the module with that page is not installed
        return None


_PG_GUARD = DDL(
    """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
)
_SQLITE_GUARDS = [
    DDL(
        f"CREATE TRIGGER audit_entry_no_{op.lower()} BEFORE {op} ON audit_entry "
        f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: {op} refused'); END"
    )
    for op in ("UPDATE", "DELETE")
]
GUARD_DDL = {"postgresql": [_PG_GUARD], "sqlite": _SQLITE_GUARDS}

event.listen(AuditEntry.__table__, "after_create", _PG_GUARD.execute_if(dialect="postgresql"))
for _ddl in _SQLITE_GUARDS:
    event.listen(AuditEntry.__table__, "after_create", _ddl.execute_if(dialect="sqlite"))


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk_changes(state) -> None:
    """``session.execute(update(AuditEntry)…)`` bypasses the flush: refuse it here too."""
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise PermissionError("audit entries are append-only")


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """The current values of ``obj``'s columns (or of ``fields``), for a create entry."""
    mapper = inspect(obj).mapper
    names = fields or [c.key for c in mapper.column_attrs if c.key not in {"version"}]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(obj, fields: list[str] | None = None) -> dict:
    """``{field: [old, new]}`` for the columns of ``obj`` changed since it was loaded."""
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key == "version" or (fields and attr.key not in fields):
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if _plain(old) != _plain(new):
                changes[attr.key] = [_plain(old), _plain(new)]
    return changes


def object_key(obj) -> tuple[str, str | None]:
    """The (type, id) pair under which ``obj``'s history is kept."""
    return obj.__tablename__, (str(obj.id) if getattr(obj, "id", None) is not None else None)


def audit(
    action: AuditAction,
    obj=None,
    *,
    actor,
    changes: dict | None = None,
    reason: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    label: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry; flushes ``obj`` first so a new object has its id."""
    if obj is not None:
        if inspect(obj).pending:
            db.session.flush()
        object_type, object_id = object_key(obj)
        label = label or str(obj)
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_name=str(actor) if actor is not None else "",
        action=AuditAction(action).value,
        object_type=object_type or "",
        object_id=object_id,
        object_label=(label or "")[:200],
        changes=changes,
        reason=reason,
        ip=ip,
    )
    db.session.add(entry)
    return entry


#: display names of audited fields; modules add theirs with :func:`label_fields`
FIELD_LABELS: dict[str, object] = {
    "number": _l("Record number"),
    "username": _l("Username"),
    "display_name": _l("Name"),
    "email": _l("E-mail"),
    "department": _l("Department"),
    "roles": _l("Roles"),
    "is_enabled": _l("Enabled"),
    "password": _l("Password"),
}


def label_fields(labels: dict[str, object]) -> None:
    """Register display names for audited field keys (first registration wins)."""
    for key, label in labels.items():
        FIELD_LABELS.setdefault(key, label)


def field_label(key: str) -> str:
    return str(FIELD_LABELS.get(key, key))


def history_of(obj, latest: int | None = None) -> list[AuditEntry]:
    """The timeline of one object, oldest first; with ``latest``, only its newest ``latest``
    entries (read from the end of the object's index, however long the timeline)."""
    object_type, object_id = object_key(obj)
    query = db.session.query(AuditEntry).filter_by(object_type=object_type, object_id=object_id)
    if latest is None:
        return query.order_by(AuditEntry.id).all()
    return query.order_by(AuditEntry.id.desc()).limit(latest).all()[::-1]


__all__ = [
    "AuditAction",
    "AuditEntry",
    "GUARD_DDL",
    "audit",
    "diff",
    "history_of",
    "object_type_title",
    "object_url",
    "register_object_type",
    "snapshot",
]
