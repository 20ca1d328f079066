"""The installation procedure's records (DOMAIN.md §4 "Installation", Q/SB-8.5.2).

One installation is an :class:`InstallationRequest` (F01 安装服务申请单): the salesperson's
request once the customer's site is ready, then the work on site. Production writes the
:class:`InstallationPlan` (F02 安装服务计划) that its manager approves. On site the case
records the unboxing inspection (F03 开箱验收记录), the commissioning checklist with the
self-inspection and trial run, the training (F04 客户培训记录) and the customer's acceptance
(F05 安装验收记录（装机单）); each of those three forms gets its own number when it is
recorded, like repair's F04. Acceptance sets the units' install date, which starts the warranty.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.masterdata.models import Unit
from app.core.models import UTCDateTime
from app.core.permissions import TitledEnum
from app.core.records.engine import RecordMixin
from app.extensions import db


class InstallationState(TitledEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    PLANNED = "planned"
    ON_SITE = "on_site"
    COMMISSIONED = "commissioned"
    TRAINED = "trained"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    VOID = "void"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.REQUESTED: _l("Requested"),
            cls.PLANNED: _l("Planned"),
            cls.ON_SITE: _l("On site"),
            cls.COMMISSIONED: _l("Commissioned"),
            cls.TRAINED: _l("Customer trained"),
            cls.ACCEPTED: _l("Accepted by the customer"),
            cls.CLOSED: _l("Closed"),
            cls.CANCELLED: _l("Cancelled"),
            cls.VOID: _l("Void"),
        }


#: states in which the installation is still being worked on (lists, "my installations")
OPEN_STATES = frozenset(
    {
        InstallationState.REQUESTED,
        InstallationState.PLANNED,
        InstallationState.ON_SITE,
        InstallationState.COMMISSIONED,
        InstallationState.TRAINED,
        InstallationState.ACCEPTED,
    }
)
#: the states of the work on site (the project lead's steps)
ON_SITE_STATES = frozenset(
    {
        InstallationState.PLANNED,
        InstallationState.ON_SITE,
        InstallationState.COMMISSIONED,
        InstallationState.TRAINED,
    }
)

#: the units of an installation request (a unit can be on several requests over the years)
installation_request_unit = Table(
    "installation_request_unit",
    db.metadata,
    Column("request_id", ForeignKey("installation_request.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)


class InstallationRequest(RecordMixin, db.Model):
    """F01 安装服务申请单: one installation from the salesperson's request to the follow-up."""

    __tablename__ = "installation_request"
    __table_args__ = (
        Index("ix_installation_request_status_date", "status", "installation_date"),
        Index("ix_installation_request_lead_status", "project_lead_id", "status"),
    )

    # the request (F01)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    site: Mapped[str] = mapped_column(String(300), default="")
    installation_date: Mapped[dt.date | None] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    #: the salesperson confirms the site is ready (foundation, power, air, access)
    site_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    site_ready_note: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: copied from the approved plan (F02): who leads the work on site
    project_lead_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    # unboxing inspection (F03), with sales, logistics and the customer's representative
    inspected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sales_rep_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    logistics_rep_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    customer_rep: Mapped[str] = mapped_column(String(100), default="")
    packaging_damaged: Mapped[bool] = mapped_column(Boolean, default=False)
    damaged_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    damage_description: Mapped[str] = mapped_column(Text, default="")
    #: the transit damage/loss record the delivery procedure opened for it (number and page)
    damage_record_number: Mapped[str | None] = mapped_column(String(64))
    damage_record_url: Mapped[str | None] = mapped_column(String(300))
    #: contents checked against the shipping note (and the contract)
    contents_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    contents_note: Mapped[str] = mapped_column(Text, default="")
    #: how the goods were kept until unboxing
    custody_ok: Mapped[bool | None] = mapped_column(Boolean)
    custody_note: Mapped[str] = mapped_column(Text, default="")
    inspection_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    inspection_form_code: Mapped[str | None] = mapped_column(String(64))
    inspection_form_revision: Mapped[str | None] = mapped_column(String(16))

    # commissioning: the checklist per unit (app.core.checklists results), self-inspection, trial run
    commissioning: Mapped[list | None] = mapped_column(JSON)
    self_inspection: Mapped[str] = mapped_column(Text, default="")
    trial_run: Mapped[str] = mapped_column(Text, default="")
    trial_run_passed: Mapped[bool | None] = mapped_column(Boolean)
    commissioned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    # training of the customer's operators (F04)
    trained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    trainer: Mapped[str] = mapped_column(String(100), default="")
    #: the trainees' names
    trainees: Mapped[list | None] = mapped_column(JSON)
    training_content: Mapped[str] = mapped_column(Text, default="")
    training_hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    training_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    training_form_code: Mapped[str | None] = mapped_column(String(64))
    training_form_revision: Mapped[str | None] = mapped_column(String(16))

    # the customer's acceptance (F05): signed on the pad or a signed and stamped scan
    accepted_on: Mapped[dt.date | None] = mapped_column(Date)
    customer_signer: Mapped[str] = mapped_column(String(100), default="")
    acceptance_opinion: Mapped[str] = mapped_column(Text, default="")
    customer_signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signature_attachment_id: Mapped[int | None] = mapped_column(Integer)
    signed_scan_attachment_id: Mapped[int | None] = mapped_column(Integer)
    acceptance_number: Mapped[str | None] = mapped_column(String(64), unique=True)
    acceptance_form_code: Mapped[str | None] = mapped_column(String(64))
    acceptance_form_revision: Mapped[str | None] = mapped_column(String(16))

    # sales follows up on the use after installation
    #: written when the installation closes (``closed_at`` is when)
    follow_up_note: Mapped[str] = mapped_column(Text, default="")

    salesperson = relationship("User", foreign_keys=[salesperson_id], lazy="joined")
    project_lead = relationship("User", foreign_keys=[project_lead_id], lazy="joined")
    sales_rep = relationship("User", foreign_keys=[sales_rep_id])
    logistics_rep = relationship("User", foreign_keys=[logistics_rep_id])
    customer = relationship("Customer", lazy="joined")
    damaged_unit = relationship("Unit", foreign_keys=[damaged_unit_id])
    units: Mapped[list[Unit]] = relationship(
        secondary=installation_request_unit, order_by=lambda: Unit.serial, lazy="selectin"
    )
    plans: Mapped[list[InstallationPlan]] = relationship(
        back_populates="request", order_by="InstallationPlan.id"
    )

    @property
    def approved_plan(self) -> InstallationPlan | None:
        return next((p for p in reversed(self.plans) if p.status == PlanState.APPROVED), None)

    @property
    def open_plan(self) -> InstallationPlan | None:
        """The plan still in play (draft, waiting for approval or approved), if any."""
        live = {PlanState.DRAFT, PlanState.SUBMITTED, PlanState.APPROVED}
        return next((p for p in reversed(self.plans) if p.status in live), None)

    @property
    def customer_signature(self):
        """The customer's signature on the pad, else the signed and stamped sheet (an attachment)."""
        from app.installation.services import customer_signature

        return customer_signature(self)

    @property
    def serials(self) -> str:
        return ", ".join(unit.serial for unit in self.units)


class PlanState(TitledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _titles(cls) -> dict:
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Waiting for approval"),
            cls.APPROVED: _l("Approved"),
            cls.WITHDRAWN: _l("Withdrawn"),
        }


class InstallationPlan(RecordMixin, db.Model):
    """F02 安装服务计划: project lead and team, work plan, schedule, quality and safety; approved
    by the production manager."""

    __tablename__ = "installation_plan"

    request_id: Mapped[int] = mapped_column(ForeignKey("installation_request.id"), index=True)
    project_lead_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    #: the team's names, one a line
    team: Mapped[str] = mapped_column(Text, default="")
    #: when the team is on site (the visit the project lead is reminded of)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    days: Mapped[int] = mapped_column(Integer, default=1)
    schedule: Mapped[str] = mapped_column(Text, default="")
    work_plan: Mapped[str] = mapped_column(Text, default="")
    quality_requirements: Mapped[str] = mapped_column(Text, default="")
    safety_measures: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[InstallationRequest] = relationship(back_populates="plans", lazy="joined")
    project_lead = relationship("User", foreign_keys=[project_lead_id], lazy="joined")

    @property
    def team_names(self) -> list[str]:
        return [line.strip() for line in (self.team or "").splitlines() if line.strip()]
