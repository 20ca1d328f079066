"""The columns every controlled record has, whatever procedure it belongs to (DOMAIN.md §1).

A procedure's record model is ``class RepairRequest(RecordMixin, db.Model)`` plus its own
fields. The number is issued at submission; the form's code and revision are copied at
creation so a later revision of the form never changes an old record.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, event, inspect
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from app.core.models import UTCDateTime, Versioned, utcnow
from app.core.records.engine.errors import ReadOnlyRecordError

#: columns the engine keeps; procedures never set them directly and corrections never touch them
ENGINE_FIELDS = frozenset(
    {
        "id",
        "number",
        "form_id",
        "form_code",
        "form_revision",
        "status",
        "created_by_id",
        "created_at",
        "submitted_by_id",
        "submitted_at",
        "closed_at",
        "revision_no",
        "version",
    }
)


class _DefinitionLookup:
    """``Model.definition`` and ``record.definition``: the model's registered workflow."""

    def __get__(self, obj, owner):
        from app.core.records.engine.registry import registry

        definition = registry.for_model(owner)
        if definition is None:
            raise LookupError(f"no workflow definition registered for {owner.__name__}")
        return definition


class RecordMixin(Versioned):
    """Number, form and form revision, status, who/when created, submitted and closed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: issued at submission; drafts have none
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("controlled_document.id"))
    #: the form's code and revision when the record was created
    form_code: Mapped[str] = mapped_column(String(64))
    form_revision: Mapped[str] = mapped_column(String(16))
    #: a value of the definition's state enum; indexed with who created and submitted the
    #: record (:func:`_status_people_index`)
    status: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: 0 for the record as approved; each correction adds one
    revision_no: Mapped[int] = mapped_column(Integer, default=0)

    definition = _DefinitionLookup()

    @declared_attr
    def form(cls):  # noqa: N805
        return relationship("ControlledDocument", lazy="joined")

    @declared_attr
    def created_by(cls):  # noqa: N805
        return relationship("User", foreign_keys=f"{cls.__name__}.created_by_id")

    @declared_attr
    def submitted_by(cls):  # noqa: N805
        return relationship("User", foreign_keys=f"{cls.__name__}.submitted_by_id")

    @property
    def record_type(self) -> str:
        return self.__tablename__

    @property
    def is_read_only(self) -> bool:
        """Approved or closed: the record changes only through a correction."""
        return self.status in self.definition.read_only_values

    @property
    def state(self):
        return self.definition.state(self.status)

    @property
    def status_title(self) -> str:
        return self.definition.state_title(self.status)

    @property
    def summary(self) -> str:
        return self.definition.describe(self)

    @property
    def url(self) -> str:
        return self.definition.url(self)

    @property
    def display_number(self) -> str:
        return self.number or _l("Draft #%(id)s", id=self.id)

    def __str__(self) -> str:
        return f"{self.form_code} {self.number or '#' + str(self.id)}"


def ensure_editable(record: RecordMixin) -> None:
    """Refuse a plain edit of an approved or closed record (a correction is the way)."""
    if record.is_read_only:
        raise ReadOnlyRecordError(
            _l(
                "This record is %(state)s and read-only: issue a correction instead.",
                state=LazyString(lambda: record.status_title),
            )
        )


@contextmanager
def engine_change(record: RecordMixin):
    """Let the engine's own services write to a read-only record (transitions, corrections)."""
    record.__dict__["_engine_change"] = True
    try:
        yield record
    finally:
        record.__dict__.pop("_engine_change", None)


@event.listens_for(Session, "before_flush")
def _refuse_read_only_edits(session: Session, _context, _instances) -> None:
    """The safety net behind :func:`ensure_editable`: a read-only record is never flushed changed
    unless the engine itself changes it."""
    for obj in session.dirty:
        if not isinstance(obj, RecordMixin) or obj.__dict__.get("_engine_change"):
            continue
        if not session.is_modified(obj, include_collections=False):
            continue
        history = inspect(obj).attrs.status.history
        committed = history.deleted[0] if history.deleted else obj.status
        try:
            read_only = committed in obj.definition.read_only_values
        except LookupError:
            continue
        if read_only:
            raise ReadOnlyRecordError(f"{obj}: read-only records change only through a correction")


@event.listens_for(RecordMixin, "instrument_class", propagate=True)
def _status_people_index(mapper, _cls) -> None:
    """``ix_<table>_status_people`` (status, created_by_id, submitted_by_id) on every record
    table: what lists by state read, and all the approvals count needs, from the index alone
    (the home page's count of 100 waiting maintenance plans walked 17 500 rows of the table,
    7 ms, where the newest waiting records lie at its end)."""
    table = mapper.local_table
    Index(f"ix_{table.name}_status_people", table.c.status, table.c.created_by_id, table.c.submitted_by_id)
