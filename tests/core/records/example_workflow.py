"""A small procedure declared only for the engine's tests (no real procedure exists yet).

Its table is marked ``test_only`` so the migration check ignores it; ``tests/conftest.py``
imports this module before the schema is created.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.permissions import Department, Role, TitledEnum
from app.core.records.engine import (
    DeadlineStart,
    Meaning,
    RecordMixin,
    Transition,
    WorkflowDefinition,
    from_config,
    registry,
    within_days,
    within_hours,
    within_working_days,
    within_working_hours,
)
from app.extensions import db


class ExampleState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    VOID = "void"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Submitted"),
            cls.REVIEWED: _l("Reviewed"),
            cls.APPROVED: _l("Approved"),
            cls.VOID: _l("Void"),
        }


class ExampleRecord(RecordMixin, db.Model):
    __tablename__ = "example_record"
    __table_args__ = {"info": {"test_only": True}}

    title: Mapped[str] = mapped_column(String(200), default="")
    fault: Mapped[str | None] = mapped_column(Text)
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


S = ExampleState
SERVICE_MANAGER = {"roles": (Role.DEPT_MANAGER,), "departments": (Department.SERVICE,)}
GM = {"roles": (Role.GENERAL_MANAGER,)}

EXAMPLE = WorkflowDefinition(
    module="example",
    model=ExampleRecord,
    form_key="F01",
    title=_l("Example record"),
    states=ExampleState,
    initial=S.DRAFT,
    read_only=frozenset({S.APPROVED, S.VOID}),
    closed=frozenset({S.APPROVED, S.VOID}),
    fields=("title", "fault", "engineer_id"),
    labels={"title": _l("Title"), "fault": _l("Fault description")},
    summary=lambda record: record.title,
    transitions=(
        Transition(
            "submit",
            _l("Submit"),
            (S.DRAFT,),
            S.SUBMITTED,
            departments=(Department.SERVICE,),
            required=("title", "fault"),
            issues_number=True,
            starts=(
                DeadlineStart(
                    "review",
                    due=within_hours(24),
                    responsible=lambda record: record.engineer_id,
                    department=Department.SERVICE,
                    title=_l("Review"),
                ),
            ),
        ),
        Transition(
            "withdraw",
            _l("Withdraw"),
            (S.SUBMITTED,),
            S.DRAFT,
            when=lambda user, record: user.id == record.created_by_id,
            stops=("review",),
            style="secondary",
        ),
        Transition(
            "review",
            _l("Reviewed"),
            (S.SUBMITTED,),
            S.REVIEWED,
            approval=Meaning.REVIEWED,
            stops=("review",),
            starts=(DeadlineStart("approval", due=within_days(3)),),
            **SERVICE_MANAGER,
        ),
        Transition(
            "send_back",
            _l("Send back"),
            (S.SUBMITTED,),
            S.DRAFT,
            approval=Meaning.REVIEWED,
            rejects=True,
            stops=("review",),
            **SERVICE_MANAGER,
        ),
        Transition(
            "approve",
            _l("Approve"),
            (S.REVIEWED,),
            S.APPROVED,
            approval=Meaning.APPROVED,
            stops=("approval",),
            **GM,
        ),
        Transition(
            "reject",
            _l("Reject"),
            (S.REVIEWED,),
            S.DRAFT,
            approval=Meaning.APPROVED,
            rejects=True,
            stops=("approval",),
            **GM,
        ),
        Transition(
            "void",
            _l("Void"),
            (S.APPROVED,),
            S.VOID,
            roles=(Role.QUALITY_ADMIN,),
            needs_reason=True,
            correction=True,
            style="danger",
        ),
    ),
)

registry.register(EXAMPLE)


# --- a second form with deadlines in working time ----------------------------------------------------


class VisitState(TitledEnum):
    DRAFT = "draft"
    OPEN = "open"
    ANSWERED = "answered"
    DONE = "done"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.OPEN: _l("Open"),
            cls.ANSWERED: _l("Answered"),
            cls.DONE: _l("Done"),
        }


class ExampleVisit(RecordMixin, db.Model):
    """A service call: reply within 8 working hours, be on site within 1/3/7 working days by region."""

    __tablename__ = "example_visit"
    __table_args__ = {"info": {"test_only": True}}

    title: Mapped[str] = mapped_column(String(200), default="")
    #: ``city``, ``province`` or ``remote``: picks the on-site time from ``EXAMPLE_ONSITE_DAYS``
    region: Mapped[str] = mapped_column(String(16), default="city")
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


#: on-site working days by region class when the configuration names none
ONSITE_DAYS = {"city": 1, "province": 3, "remote": 7}
V = VisitState
ENGINEER = lambda record: record.engineer_id  # noqa: E731

VISIT = WorkflowDefinition(
    module="example",
    model=ExampleVisit,
    form_key="F02",
    title=_l("Service call"),
    states=VisitState,
    initial=V.DRAFT,
    read_only=frozenset({V.DONE}),
    closed=frozenset({V.DONE}),
    fields=("title", "region", "engineer_id"),
    summary=lambda record: record.title,
    transitions=(
        Transition(
            "open",
            _l("Open"),
            (V.DRAFT,),
            V.OPEN,
            departments=(Department.SERVICE,),
            issues_number=True,
            starts=(
                DeadlineStart(
                    "reply",
                    due=within_working_hours(8),
                    responsible=ENGINEER,
                    department=Department.SERVICE,
                    title=_l("Reply"),
                ),
                DeadlineStart(
                    "on_site",
                    due=within_working_days(
                        from_config("EXAMPLE_ONSITE_DAYS", ONSITE_DAYS, pick=lambda record: record.region)
                    ),
                    responsible=ENGINEER,
                    department=Department.SERVICE,
                    title=_l("On site"),
                ),
            ),
        ),
        Transition(
            "answer", _l("Answer"), (V.OPEN,), V.ANSWERED, departments=(Department.SERVICE,), stops=("reply",)
        ),
        Transition(
            "visit", _l("Visit"), (V.ANSWERED,), V.DONE, departments=(Department.SERVICE,), stops=("on_site",)
        ),
    ),
)

registry.register(VISIT)
