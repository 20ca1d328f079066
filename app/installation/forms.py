"""The installation procedure's forms: the request (F01), the plan (F02) and the fields each step
on site asks for (unboxing F03, commissioning, training F04, acceptance F05, follow-up)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.calendar.queries import company_today
from app.core.forms import strip as _strip
from app.core.forms import to_aware, to_local_input
from app.core.masterdata.models import Customer, Unit
from app.core.permissions import Department
from app.core.records.engine.forms import StepForm
from app.extensions import db

YES_NO = [("", "—"), ("yes", _l("Yes")), ("no", _l("No"))]
#: the longest list of trainees one training record takes
MAX_TRAINEES = 50


def _now_input() -> dt.datetime:
    return to_local_input(dt.datetime.now(dt.UTC))


def _yes_no(value) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_text(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _people(*departments: Department) -> list[tuple[str, str]]:
    from app.installation.services import people_in

    return [("", _("— choose —"))] + [(str(u.id), u.display_name) for u in people_in(*departments)]


# --- the request (F01) --------------------------------------------------------------------------------


class RequestForm(FlaskForm):
    """F01 安装服务申请单 as the salesperson fills it in once the customer's site is ready."""

    customer_id = IntegerField(_l("Customer"), validators=[InputRequired(message=_l("Pick the customer."))])
    unit_ids = SelectMultipleField(_l("Units"), coerce=int, validate_choice=False)
    site = StringField(_l("Site"), validators=[DataRequired(), Length(max=300)], filters=[_strip])
    installation_date = DateField(_l("Planned installation date"), validators=[DataRequired()])
    contact_name = StringField(_l("Contact"), validators=[DataRequired(), Length(max=100)], filters=[_strip])
    contact_phone = StringField(
        _l("Contact phone"), validators=[Optional(), Length(max=50)], filters=[_strip]
    )
    site_ready = BooleanField(
        _l("The customer's site is ready for installation"),
        validators=[DataRequired(message=_l("Installation is requested once the site is ready."))],
    )
    site_ready_note = TextAreaField(
        _l("Site readiness (foundation, power, air, access)"),
        validators=[Optional(), Length(max=2000)],
        filters=[_strip],
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], filters=[_strip])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app.installation.services import units_offered

        self.offered = units_offered(self.customer) if self.customer is not None else []
        self.unit_ids.choices = [(u.id, u.serial) for u in self.offered]

    @property
    def customer(self) -> Customer | None:
        return db.session.get(Customer, self.customer_id.data) if self.customer_id.data else None

    def validate_customer_id(self, field) -> None:
        if field.data and self.customer is None:
            raise ValidationError(_("There is no such customer."))

    def validate_unit_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Pick at least one of the customer's units."))
        offered = {u.id for u in self.offered}
        if any(unit_id not in offered for unit_id in field.data):
            raise ValidationError(_("Pick units of this customer that are not installed yet."))

    def validate_installation_date(self, field) -> None:
        if field.data and field.data < company_today():
            raise ValidationError(_("The installation date cannot be in the past."))

    @property
    def units(self) -> list[Unit]:
        chosen = set(self.unit_ids.data or [])
        return [u for u in self.offered if u.id in chosen]

    def values(self) -> dict:
        return {
            "customer_id": self.customer_id.data,
            "unit_ids": list(self.unit_ids.data or []),
            "site": self.site.data,
            "installation_date": self.installation_date.data,
            "contact_name": self.contact_name.data,
            "contact_phone": self.contact_phone.data or "",
            "site_ready": bool(self.site_ready.data),
            "site_ready_note": self.site_ready_note.data or "",
            "note": self.note.data or "",
        }


# --- the plan (F02) -----------------------------------------------------------------------------------


class PlanForm(FlaskForm):
    """F02 安装服务计划: Production names the project lead and the team and writes the plan."""

    project_lead_id = SelectField(_l("Project lead"), validators=[DataRequired()])
    team = TextAreaField(
        _l("Team (one name a line)"), validators=[DataRequired(), Length(max=2000)], filters=[_strip]
    )
    starts_at = DateTimeLocalField(_l("On site from"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    days = IntegerField(
        _l("Days on site"), validators=[InputRequired(), NumberRange(min=1, max=90)], default=1
    )
    schedule = TextAreaField(_l("Schedule"), validators=[Optional(), Length(max=4000)], filters=[_strip])
    work_plan = TextAreaField(
        _l("Work plan"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    quality_requirements = TextAreaField(
        _l("Quality requirements"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    safety_measures = TextAreaField(
        _l("Safety measures"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )

    def __init__(self, *args, case=None, **kwargs):
        plan = kwargs.get("obj")
        super().__init__(*args, **kwargs)
        self.project_lead_id.choices = _people(
            Department.PRODUCTION, Department.SERVICE, Department.TECHNICAL
        )
        if self.is_submitted():
            return
        if plan is not None:
            self.project_lead_id.data = str(plan.project_lead_id or "")
            self.starts_at.data = to_local_input(plan.starts_at)
        elif case is not None and case.installation_date:
            self.starts_at.data = dt.datetime.combine(case.installation_date, dt.time(8, 30))

    def validate_starts_at(self, field) -> None:
        if field.data is not None and to_aware(field.data) < dt.datetime.now(dt.UTC) - dt.timedelta(days=1):
            raise ValidationError(_("The visit cannot start in the past."))

    def values(self) -> dict:
        return {
            "project_lead_id": int(self.project_lead_id.data),
            "team": self.team.data,
            "starts_at": to_aware(self.starts_at.data),
            "days": self.days.data,
            "schedule": self.schedule.data or "",
            "work_plan": self.work_plan.data,
            "quality_requirements": self.quality_requirements.data,
            "safety_measures": self.safety_measures.data,
        }


# --- the steps on site --------------------------------------------------------------------------------


class UnboxingForm(StepForm):
    """F03 开箱验收记录: packaging, contents and custody, checked with sales, logistics and the customer."""

    inspected_at = DateTimeLocalField(_l("Unboxed at"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    sales_rep_id = SelectField(_l("Sales representative"), validators=[DataRequired()])
    logistics_rep_id = SelectField(_l("Logistics representative"), validators=[DataRequired()])
    customer_rep = StringField(
        _l("Customer's representative"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    packaging_damaged = BooleanField(_l("Packaging damaged in transit"))
    damaged_unit_id = SelectField(_l("Damaged unit"), validators=[Optional()])
    #: required when the packaging is damaged (no ``Optional()``: it would stop the check)
    damage_description = TextAreaField(_l("Damage found"), validators=[Length(max=4000)], filters=[_strip])
    contents_checked = BooleanField(
        _l("Contents checked against the shipping note"),
        validators=[DataRequired(message=_l("Check the contents against the shipping note first."))],
    )
    contents_note = TextAreaField(
        _l("Differences from the shipping note"), validators=[Optional(), Length(max=4000)], filters=[_strip]
    )
    custody_ok = SelectField(_l("Goods kept properly until unboxing?"), validators=[DataRequired()])
    custody_note = TextAreaField(
        _l("How the goods were kept"), validators=[Length(max=2000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        self.sales_rep_id.choices = _people(Department.SALES)
        self.logistics_rep_id.choices = _people(Department.LOGISTICS)
        self.damaged_unit_id.choices = [("", _("— all or several —"))] + [
            (str(u.id), f"{u.serial} {u.product}") for u in record.units
        ]
        self.custody_ok.choices = list(YES_NO)
        if self.is_posted:
            return
        self.inspected_at.data = to_local_input(record.inspected_at) or _now_input()
        self.sales_rep_id.data = str(record.sales_rep_id or record.salesperson_id or "")
        self.logistics_rep_id.data = str(record.logistics_rep_id or "")
        self.damaged_unit_id.data = str(record.damaged_unit_id or "")
        self.custody_ok.data = _yes_no_text(record.custody_ok)
        if not record.customer_rep:
            self.customer_rep.data = record.contact_name

    def validate_damage_description(self, field) -> None:
        if self.packaging_damaged.data and not field.data:
            raise ValidationError(_("Describe the damage: it is claimed from the carrier."))

    def validate_custody_note(self, field) -> None:
        if self.custody_ok.data == "no" and not field.data:
            raise ValidationError(_("Say how the goods were kept and what is wrong."))

    def values(self) -> dict:
        return {
            "inspected_at": to_aware(self.inspected_at.data),
            "sales_rep_id": int(self.sales_rep_id.data),
            "logistics_rep_id": int(self.logistics_rep_id.data),
            "customer_rep": self.customer_rep.data,
            "packaging_damaged": bool(self.packaging_damaged.data),
            "damaged_unit_id": int(self.damaged_unit_id.data) if self.damaged_unit_id.data else None,
            "damage_description": self.damage_description.data or "",
            "contents_checked": bool(self.contents_checked.data),
            "contents_note": self.contents_note.data or "",
            "custody_ok": _yes_no(self.custody_ok.data),
            "custody_note": self.custody_note.data or "",
        }


class CommissioningForm(FlaskForm):
    """What goes with the commissioning checklists: the self-inspection and the trial run."""

    self_inspection = TextAreaField(
        _l("Self-inspection"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    trial_run = TextAreaField(
        _l("Trial run (duration, load, result)"),
        validators=[DataRequired(), Length(max=4000)],
        filters=[_strip],
    )
    trial_run_passed = SelectField(_l("Trial run passed?"), validators=[DataRequired()])

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.trial_run_passed.choices = list(YES_NO)
        if record is not None and not self.is_submitted():
            self.self_inspection.data = record.self_inspection
            self.trial_run.data = record.trial_run
            self.trial_run_passed.data = _yes_no_text(record.trial_run_passed)

    def values(self) -> dict:
        return {
            "self_inspection": self.self_inspection.data,
            "trial_run": self.trial_run.data,
            "trial_run_passed": _yes_no(self.trial_run_passed.data),
        }


class TrainingForm(StepForm):
    """F04 客户培训记录: who was trained, on what, for how long."""

    trained_at = DateTimeLocalField(_l("Trained at"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M")
    trainer = StringField(_l("Trainer"), validators=[DataRequired(), Length(max=100)], filters=[_strip])
    trainees = TextAreaField(
        _l("Trainees (one name a line)"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    training_content = TextAreaField(
        _l("Training content"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
    training_hours = DecimalField(
        _l("Hours"), places=1, validators=[InputRequired(), NumberRange(min=0.5, max=999)]
    )

    def setup(self, record) -> None:
        if self.is_posted:
            return
        self.trained_at.data = to_local_input(record.trained_at) or _now_input()
        self.trainees.data = "\n".join(record.trainees or [])
        if not record.trainer and record.project_lead is not None:
            self.trainer.data = record.project_lead.display_name

    def names(self) -> list[str]:
        return [line.strip() for line in (self.trainees.data or "").splitlines() if line.strip()]

    def validate_trainees(self, field) -> None:
        names = self.names()
        if not names:
            raise ValidationError(_("Enter the trainees' names, one a line."))
        if len(names) > MAX_TRAINEES:
            raise ValidationError(_("At most %(count)s trainees on one record.", count=MAX_TRAINEES))
        if any(len(name) > 100 for name in names):
            raise ValidationError(_("A name has at most 100 characters."))

    def values(self) -> dict:
        return {
            "trained_at": to_aware(self.trained_at.data),
            "trainer": self.trainer.data,
            "trainees": self.names(),
            "training_content": self.training_content.data,
            "training_hours": self.training_hours.data,
        }


class AcceptanceForm(StepForm):
    """F05 安装验收记录（装机单）: the customer accepts (and signs on the pad or a stamped sheet)."""

    accepted_on = DateField(_l("Accepted on (the warranty starts)"), validators=[DataRequired()])
    customer_signer = StringField(
        _l("Signed by (customer)"), validators=[DataRequired(), Length(max=100)], filters=[_strip]
    )
    acceptance_opinion = TextAreaField(
        _l("Customer's opinion"), validators=[Optional(), Length(max=2000)], filters=[_strip]
    )

    def setup(self, record) -> None:
        if self.is_posted:
            return
        self.accepted_on.data = record.accepted_on or company_today()
        if not record.customer_signer:
            from app.installation.services import customer_signature

            signature = customer_signature(record)
            self.customer_signer.data = (
                signature.signer_name if signature is not None else record.customer_rep
            )

    def validate_accepted_on(self, field) -> None:
        if field.data and field.data > company_today():
            raise ValidationError(_("The acceptance date cannot be in the future."))


class FollowUpForm(StepForm):
    """Sales asks the customer how the equipment is used after installation."""

    follow_up_note = TextAreaField(
        _l("Follow-up with the customer"), validators=[DataRequired(), Length(max=4000)], filters=[_strip]
    )
