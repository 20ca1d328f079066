"""What the maintenance views, jobs and tests call: plans and their due dates, the scheduler's
visits, checklists, parts, and the signals that keep a plan in step with its visits.
Services flush, never commit, never read ``current_user`` (STYLE.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import attachments_of
from app.core.calendar.queries import company_calendar, company_timezone, company_today
from app.core.calendar.worktime import WorkCalendar
from app.core.masterdata.models import Unit
from app.core.models import utcnow
from app.core.notifications import notify
from app.core.records.audit import AuditAction, audit, snapshot
from app.core.records.engine import create_record, transition, update_record
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.services import content_fields, find_form
from app.core.signals import collect_tasks, collect_unit_history, record_transitioned
from app.extensions import db
from app.maintenance import schedule
from app.maintenance.checklist import maintenance_template
from app.maintenance.models import (
    OPEN_PLAN_STATES,
    OPEN_VISIT_STATES,
    MaintenancePlan,
    MaintenanceVisit,
    PlanScope,
    PlanState,
    PlanUnit,
    VisitPart,
    VisitState,
)


class SchedulerActor:
    """Who the scheduler's steps are recorded as: no user, never a person's button.

    Only the ``open`` step of a visit accepts it (``Transition(when=is_scheduler)``); the audit
    log shows it by name.
    """

    id = None
    is_authenticated = True
    is_scheduler = True
    role_set = frozenset()
    department = None
    display_name = "系统计划任务 Scheduler"

    def __str__(self) -> str:
        return self.display_name


SCHEDULER = SchedulerActor()


# --- people ------------------------------------------------------------------------------------------


def _users_with(role=None, department=None) -> list:
    from app.core.auth.models import User, UserRole

    query = select(User).where(User.is_enabled.is_(True))
    if role is not None:
        query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role.value)
    if department is not None:
        query = query.where(User.department == department.value)
    return list(db.session.scalars(query.order_by(User.display_name)).unique())


def engineers() -> list:
    """Enabled service engineers: the people a plan can name as responsible."""
    from app.core.permissions import Role

    return _users_with(role=Role.SERVICE_ENGINEER)


def sales_people() -> list:
    """Enabled people of the sales department: who agrees the dates with the customer."""
    from app.core.permissions import Department

    return _users_with(department=Department.SALES)


# --- due dates ---------------------------------------------------------------------------------------


def due_shift() -> str:
    return current_app.config.get("MAINTENANCE_DUE_SHIFT", "next")


def lead_days() -> int:
    return int(current_app.config.get("MAINTENANCE_VISIT_LEAD_DAYS", 14))


def upcoming_dates(
    plan: MaintenancePlan, count: int = 6, calendar: WorkCalendar | None = None
) -> list[tuple[int, dt.date, dt.date]]:
    """The plan's next ``count`` occurrences ``(n, raw date, due date)`` from its next one on."""
    if plan.next_due_date is None:
        return []
    calendar = calendar or company_calendar()
    dates = schedule.due_dates(
        plan.start_date, plan.interval_count, plan.interval_unit, calendar, due_shift(), first=plan.next_seq
    )
    found = []
    for item in dates:
        if item[2] < plan.next_due_date:
            continue
        found.append(item)
        if len(found) == count:
            break
    return found


def _advance(
    plan: MaintenancePlan,
    *,
    actor,
    after: dt.date | None = None,
    on_or_after: dt.date | None = None,
    first: int = 0,
) -> None:
    """Move the plan to its next occurrence (audited, as any change of the plan)."""
    n, raw, due = schedule.next_due(
        plan.start_date,
        plan.interval_count,
        plan.interval_unit,
        company_calendar(),
        due_shift(),
        after=after,
        on_or_after=on_or_after,
        first=first,
    )
    update_record(plan, {"next_seq": n, "next_raw_date": raw, "next_due_date": due}, actor=actor)


# --- plans ---------------------------------------------------------------------------------------------


def open_plan_of(unit_id: int, *, exclude: MaintenancePlan | None = None) -> MaintenancePlan | None:
    """The plan (not ended) a unit is in, if any: a unit is in one plan at a time."""
    query = (
        select(MaintenancePlan)
        .join(PlanUnit, PlanUnit.plan_id == MaintenancePlan.id)
        .where(
            PlanUnit.unit_id == unit_id,
            MaintenancePlan.status.in_([s.value for s in OPEN_PLAN_STATES]),
        )
    )
    if exclude is not None and exclude.id is not None:
        query = query.where(MaintenancePlan.id != exclude.id)
    return db.session.scalars(query.limit(1)).unique().first()


def check_units(
    customer_id: int, unit_ids: Iterable[int], *, plan: MaintenancePlan | None = None
) -> list[Unit]:
    """The units picked for a plan, refused unless each is the customer's and in no other plan."""
    ids = list(dict.fromkeys(int(i) for i in unit_ids))
    if not ids:
        raise ValidationError({"unit_ids": _("Tick at least one unit of the customer.")})
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids))).unique()}
    problems = []
    for unit_id in ids:
        unit = units.get(unit_id)
        if unit is None or unit.customer_id != customer_id:
            problems.append(_("Unit %(id)s is not one of the customer's.", id=unit_id))
            continue
        other = open_plan_of(unit_id, exclude=plan)
        if other is not None:
            problems.append(
                _(
                    "%(serial)s is already in plan %(number)s.",
                    serial=unit.serial,
                    number=other.number or other.display_number,
                )
            )
    if problems:
        raise ValidationError({"unit_ids": " ".join(str(p) for p in problems)})
    return [units[i] for i in ids]


def _set_units(plan: MaintenancePlan, units: list[Unit]) -> None:
    keep = {pu.unit_id: pu for pu in plan.units}
    rows = []
    for unit in units:
        row = keep.get(unit.id) or PlanUnit(unit_id=unit.id)
        template = maintenance_template(unit.product_id)
        row.checklist_template_id = template.id if template is not None else None
        rows.append(row)
    plan.units = rows
    plan.scope = (PlanScope.UNIT if len(units) == 1 else PlanScope.CUSTOMER).value


def _plan_values(values: Mapping[str, Any]) -> dict:
    allowed = (
        "customer_id",
        "interval_count",
        "interval_unit",
        "start_date",
        "engineer_id",
        "sales_id",
        "contract_no",
        "note",
    )
    return {key: values[key] for key in allowed if key in values}


def create_plan(
    values: Mapping[str, Any], unit_ids: Iterable[int], *, actor, now: dt.datetime | None = None
) -> MaintenancePlan:
    """Create a plan and submit it for approval: number issued, first due date computed.

    Raises the engine's ``ValidationError`` (the caller rolls back) when a unit is not the
    customer's or already in a plan, or a required field is missing.
    """
    values = _plan_values(values)
    units = check_units(values.get("customer_id"), unit_ids)
    plan = create_record(MaintenancePlan, values, actor=actor, now=now)
    _set_units(plan, units)
    db.session.flush()
    _advance(plan, actor=actor)
    transition(plan, "submit", actor=actor, now=now)
    return plan


def update_plan(
    plan: MaintenancePlan, values: Mapping[str, Any], unit_ids: Iterable[int], *, actor
) -> MaintenancePlan:
    """Change a draft (a plan sent back by the manager) and submit it again."""
    if plan.status != PlanState.DRAFT:
        raise ValidationError({"plan": _("Only a draft plan is changed; pause or end an approved one.")})
    values = _plan_values(values)
    units = check_units(values.get("customer_id", plan.customer_id), unit_ids, plan=plan)
    before = [pu.unit_id for pu in plan.units]
    update_record(plan, values, actor=actor)
    _set_units(plan, units)
    after = [pu.unit_id for pu in plan.units]
    if before != after:
        audit(AuditAction.UPDATE, plan, actor=actor, changes={"units": [_serials(before), _serials(after)]})
    db.session.flush()
    _advance(plan, actor=actor)
    transition(plan, "submit", actor=actor)
    return plan


def _serials(unit_ids: list[int]) -> str:
    if not unit_ids:
        return ""
    serials = dict(db.session.execute(select(Unit.id, Unit.serial).where(Unit.id.in_(unit_ids))).all())
    return ", ".join(serials.get(i, str(i)) for i in unit_ids)


def bulk_units(*, customer_id: int | None = None, product_id: int | None = None) -> list[Unit]:
    """The units at a customer of one customer, or of one product, by customer and serial."""
    query = select(Unit).where(Unit.customer_id.is_not(None))
    if customer_id:
        query = query.where(Unit.customer_id == customer_id)
    if product_id:
        query = query.where(Unit.product_id == product_id)
    return list(db.session.scalars(query.order_by(Unit.customer_id, Unit.serial)).unique())


def create_plans_in_bulk(
    units: list[Unit], schedule_values: Mapping[str, Any], *, per: str, actor
) -> tuple[list[MaintenancePlan], list[tuple[Unit, MaintenancePlan]]]:
    """Plans for ``units`` (one per customer, or one per unit), each submitted for approval.

    A unit already in a plan is left out and reported: ``(plans made, [(unit, its plan)])``.
    """
    skipped, free = [], []
    for unit in units:
        other = open_plan_of(unit.id)
        if other is not None:
            skipped.append((unit, other))
        else:
            free.append(unit)
    groups: dict[Any, list[Unit]] = {}
    for unit in free:
        key = unit.customer_id if per == "customer" else unit.id
        groups.setdefault(key, []).append(unit)
    plans = []
    for group in groups.values():
        values = {**schedule_values, "customer_id": group[0].customer_id}
        plans.append(create_plan(values, [u.id for u in group], actor=actor))
    return plans, skipped


def latest_reason(record) -> str:
    """The reason given with the record's latest step (why a plan was paused, a visit cancelled)."""
    from app.core.records.audit import AuditEntry

    return (
        db.session.scalar(
            select(AuditEntry.reason)
            .where(
                AuditEntry.object_type == record.record_type,
                AuditEntry.object_id == str(record.id),
                AuditEntry.action.in_([AuditAction.STATE_CHANGE.value, AuditAction.APPROVAL.value]),
            )
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        or ""
    )


@record_transitioned.connect
def _follow_transitions(record, *, actor, new_state: str, **kw) -> None:
    """Keep plans and visits in step: due dates on approval, resume and completion; a paused or
    ended plan cancels its open visits; a cancelled visit lets the plan move on."""
    if isinstance(record, MaintenancePlan):
        _plan_moved(record, kw["transition"].name, actor)
    elif isinstance(record, MaintenanceVisit):
        _visit_moved(record, new_state, actor)


def _plan_moved(plan: MaintenancePlan, step: str, actor) -> None:
    if step in ("approve", "resume"):
        # occurrences before the plan was submitted (or while it was paused) are not owed, and
        # a due date that already has a visit (one cancelled with the pause) is not planned again
        if step == "approve" and plan.submitted_at is not None:
            since = plan.submitted_at.astimezone(company_timezone()).date()
        else:
            since = company_today()
        latest = db.session.scalar(
            select(func.max(MaintenanceVisit.due_date)).where(MaintenanceVisit.plan_id == plan.id)
        )
        due = plan.next_due_date
        if due is None or due < since or (latest is not None and due <= latest):
            _advance(plan, actor=actor, after=latest, on_or_after=since)
    elif step in ("pause", "end"):
        reason = _("Plan %(number)s: %(state)s.", number=plan.number or "", state=plan.status_title)
        given = latest_reason(plan)
        if given:
            reason = f"{reason} {given}"
        for visit in open_visits_of(plan):
            transition(visit, "cancel", actor=actor, reason=reason)


def _visit_moved(visit: MaintenanceVisit, new_state: str, actor) -> None:
    plan = visit.plan
    if new_state == VisitState.COMPLETED and plan.status == PlanState.ACTIVE:
        done_on = (visit.completed_at or utcnow()).astimezone(company_timezone()).date()
        update_record(plan, {"last_visit_date": done_on}, actor=actor)
        after = max(visit.due_date, done_on)
        if plan.next_due_date is not None and plan.next_due_date <= after:
            # the next occurrence after the one visited, and after the day of the visit
            _advance(plan, actor=actor, after=after, first=visit.seq + 1)
    elif (
        new_state == VisitState.CANCELLED
        and plan.status == PlanState.ACTIVE
        and plan.next_due_date == visit.due_date
    ):
        # a skipped visit: the plan moves on to its next occurrence
        _advance(plan, actor=actor, after=visit.due_date, first=visit.seq + 1)


def open_visits_of(plan: MaintenancePlan) -> list[MaintenanceVisit]:
    return list(
        db.session.scalars(
            select(MaintenanceVisit)
            .where(
                MaintenanceVisit.plan_id == plan.id,
                MaintenanceVisit.status.in_([s.value for s in OPEN_VISIT_STATES]),
            )
            .order_by(MaintenanceVisit.due_date)
        ).unique()
    )


# --- the scheduler's visits ---------------------------------------------------------------------------


def plans_due_for_a_visit(today: dt.date, days: int | None = None) -> list[int]:
    """Ids of the active plans whose next visit is due within ``days`` (default
    ``MAINTENANCE_VISIT_LEAD_DAYS``) of ``today`` and does not exist yet."""
    days = lead_days() if days is None else days
    has_visit = exists().where(
        MaintenanceVisit.plan_id == MaintenancePlan.id,
        MaintenanceVisit.due_date == MaintenancePlan.next_due_date,
    )
    query = (
        select(MaintenancePlan.id)
        .where(
            MaintenancePlan.status == PlanState.ACTIVE.value,
            MaintenancePlan.next_due_date.is_not(None),
            MaintenancePlan.next_due_date <= today + dt.timedelta(days=days),
            ~has_visit,
        )
        .order_by(MaintenancePlan.next_due_date, MaintenancePlan.id)
    )
    return list(db.session.scalars(query))


def _insert_or_skip(row: dict) -> int | None:
    """Insert the visit row unless the plan has one for that due date: its id, or ``None``.

    ``ON CONFLICT DO NOTHING`` on the unique (plan, due date): a concurrent run that inserted
    the same visit first makes this one wait for its commit on PostgreSQL and then skip; on
    SQLite writers take turns. No exception, no savepoint, no duplicate.
    """
    table = MaintenanceVisit.__table__
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["plan_id", "due_date"])
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar()


def create_visit(plan: MaintenancePlan, *, now: dt.datetime | None = None) -> MaintenanceVisit | None:
    """The plan's next visit, made by the scheduler — or ``None`` when it exists already.

    The visit is numbered at once and its clocks start: agree the date (engineer and sales)
    and do the visit by its due date (engineer); see :mod:`app.maintenance.workflow`.
    """
    if plan.status != PlanState.ACTIVE or plan.next_due_date is None:
        return None
    now = now or utcnow()
    form = find_form(MaintenanceVisit.definition)
    visit_id = _insert_or_skip(
        {
            "plan_id": plan.id,
            "seq": plan.next_seq,
            "raw_date": plan.next_raw_date or plan.next_due_date,
            "due_date": plan.next_due_date,
            "customer_id": plan.customer_id,
            "engineer_id": plan.engineer_id,
            "appointment_time": "",
            "contact_name": "",
            "contact_phone": "",
            "appointment_note": "",
            "findings": "",
            "retraining_given": False,
            "retraining_note": "",
            "customer_signer": "",
            "form_id": form.id,
            "form_code": form.code,
            "form_revision": form.revision,
            "status": MaintenanceVisit.definition.initial.value,
            "created_at": now,
            "revision_no": 0,
            "version": 1,
        }
    )
    if visit_id is None:
        return None
    visit = db.session.get(MaintenanceVisit, visit_id)
    audit(AuditAction.CREATE, visit, actor=SCHEDULER, changes=snapshot(visit, content_fields(visit)))
    transition(visit, "open", actor=SCHEDULER, now=now)
    return visit


def generate_visits(today: dt.date | None = None, *, now: dt.datetime | None = None) -> int:
    """Create every visit due within the lead time, one transaction each; returns how many.

    Idempotent: a plan's visit for a due date exists once, whoever runs this and how often.
    One short transaction per visit holds the record-number counter only briefly, so
    concurrent runs never deadlock. Unlike the other services it commits (it is the job's
    body): call it with nothing pending in the session.
    """
    today = today or company_today()
    plan_ids = plans_due_for_a_visit(today)
    db.session.rollback()  # end the read; each visit is its own transaction
    made = 0
    for plan_id in plan_ids:
        try:
            plan = db.session.get(MaintenancePlan, plan_id, populate_existing=True)
            visit = create_visit(plan, now=now) if plan is not None else None
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        made += visit is not None
    return made


# --- checklists, parts and the signature ------------------------------------------------------------


def save_checklist(visit: MaintenanceVisit, entries: list[dict], *, actor) -> dict:
    """Store the checklist answers of every unit (audited like any change of the record)."""
    return update_record(visit, {"checklist_results": entries}, actor=actor)


def add_part(
    visit: MaintenanceVisit, values: Mapping[str, Any], *, actor, now: dt.datetime | None = None
) -> VisitPart:
    """A part used on the visit; one asked of the warehouse tells the warehouse keepers."""
    from app.core.records.engine import ensure_editable

    ensure_editable(visit)
    now = now or utcnow()
    part = VisitPart(
        part_no=values["part_no"],
        part_name=values["part_name"],
        quantity=int(values["quantity"]),
        from_warehouse=bool(values.get("from_warehouse")),
    )
    if part.from_warehouse:
        part.requested_at = now
    visit.parts.append(part)
    db.session.flush()
    audit(AuditAction.UPDATE, visit, actor=actor, changes={"part_added": [None, part.label]})
    if part.from_warehouse:
        _tell_warehouse(visit, part)
    db.session.flush()
    return part


def _tell_warehouse(visit: MaintenanceVisit, part: VisitPart) -> None:
    from flask import url_for
    from flask_babel import force_locale

    from app.core.permissions import Role

    try:
        link = url_for("maintenance.visit", visit_id=visit.id)
    except RuntimeError:  # no request (a job): the note goes without a link
        link = ""
    for keeper in _users_with(role=Role.WAREHOUSE_KEEPER):
        with force_locale(keeper.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            message = _(
                "Parts requested for maintenance visit %(number)s: %(part)s.",
                number=visit.number or visit.display_number,
                part=part.label,
            )
        notify(keeper.id, message, link=link, kind="maintenance")


def remove_part(part: VisitPart, *, actor) -> None:
    """Take a part off the visit (not once the warehouse has issued it)."""
    from app.core.records.engine import ensure_editable

    visit = part.visit
    ensure_editable(visit)
    if part.issued_at is not None:
        raise ValidationError({"parts": _("An issued part stays on the record.")})
    audit(AuditAction.UPDATE, visit, actor=actor, changes={"part_removed": [part.label, None]})
    visit.parts.remove(part)
    db.session.flush()


def issue_part(part: VisitPart, *, actor, now: dt.datetime | None = None) -> None:
    """The warehouse hands out a requested part; recorded once, audited on the visit."""
    if not part.from_warehouse or part.issued_at is not None:
        return
    part.issued_at = now or utcnow()
    part.issued_by_id = getattr(actor, "id", None)
    audit(AuditAction.UPDATE, part.visit, actor=actor, changes={"part_issued": [None, part.label]})
    db.session.flush()


def completion_values(
    visit: MaintenanceVisit, values: Mapping[str, Any], now: dt.datetime | None = None
) -> dict:
    """What completing writes besides the form: which signature the record carries, and when.

    Written with the step (the completed record is read-only afterwards).
    """
    data = dict(values)
    signature = customer_signature(visit)
    if signature is not None:
        is_drawn = signature.kind == AttachmentKind.SIGNATURE
        data["signature_attachment_id"] = signature.id if is_drawn else None
        data["signed_scan_attachment_id"] = None if is_drawn else signature.id
        data["customer_signed_at"] = signature.signed_at or signature.uploaded_at
    data["completed_at"] = now or utcnow()
    return data


def complete_visit(
    visit: MaintenanceVisit, values: Mapping[str, Any], *, actor, now: dt.datetime | None = None
) -> None:
    """The engineer completes the visit: findings, retraining, signer; the plan moves on."""
    transition(visit, "complete", actor=actor, values=completion_values(visit, values, now), now=now)


def customer_signature(visit: MaintenanceVisit):
    """The latest drawn signature, else the latest signed and stamped sheet, else ``None``."""
    for kind in (AttachmentKind.SIGNATURE, AttachmentKind.SIGNED_SCAN):
        found = attachments_of(visit.record_type, visit.id, kind)
        if found:
            return found[-1]
    return None


# --- the unit's archive and the home page ------------------------------------------------------------


@collect_unit_history.connect
def _unit_maintenance(unit, **_kw) -> list[tuple]:
    """The unit's maintenance plans and visits for its service archive: ``(when, title, url)``."""
    from flask import url_for

    plans = db.session.scalars(
        select(MaintenancePlan)
        .join(PlanUnit, PlanUnit.plan_id == MaintenancePlan.id)
        .where(PlanUnit.unit_id == unit.id, MaintenancePlan.status != PlanState.DRAFT.value)
    ).unique()
    events = []
    for plan in plans:
        if plan.next_due_date and plan.status == PlanState.ACTIVE:
            text = _(
                "Maintenance plan %(number)s: %(state)s, %(interval)s, next visit due %(due)s",
                number=plan.number,
                state=plan.status_title,
                interval=plan.interval_title,
                due=plan.next_due_date.isoformat(),
            )
        else:
            text = _(
                "Maintenance plan %(number)s: %(state)s, %(interval)s",
                number=plan.number,
                state=plan.status_title,
                interval=plan.interval_title,
            )
        events.append(
            (plan.submitted_at or plan.created_at, text, url_for("maintenance.plan", plan_id=plan.id))
        )
        for visit in plan.visits:
            if visit.status == VisitState.DRAFT:
                continue
            when = visit.completed_at or visit.planned_date
            events.append(
                (
                    when,
                    _(
                        "Maintenance visit %(number)s: %(state)s (due %(due)s)",
                        number=visit.number,
                        state=visit.status_title,
                        due=visit.due_date.isoformat(),
                    ),
                    url_for("maintenance.visit", visit_id=visit.id),
                )
            )
    return events


@collect_tasks.connect
def _maintenance_tasks(user, limit: int = 50, **_kw) -> list:
    """The home page's maintenance tasks: my visits as engineer; visits to agree for sales; overdue
    visits for the service manager."""
    from flask import url_for

    from app.core.permissions import Department, Role, has_role, in_department
    from app.core.tasks import Task

    wanted = []
    open_values = [s.value for s in OPEN_VISIT_STATES]
    if has_role(user, Role.SERVICE_ENGINEER):
        wanted.append((MaintenanceVisit.engineer_id == user.id) & MaintenanceVisit.status.in_(open_values))
    if in_department(user, Department.SALES):
        wanted.append(
            (MaintenanceVisit.status == VisitState.SCHEDULED.value)
            & MaintenanceVisit.plan_id.in_(
                select(MaintenancePlan.id).where(
                    (MaintenancePlan.sales_id == user.id) | MaintenancePlan.sales_id.is_(None)
                )
            )
        )
    if has_role(user, Role.DEPT_MANAGER) and in_department(user, Department.SERVICE):
        wanted.append(
            MaintenanceVisit.status.in_(open_values) & (MaintenanceVisit.due_date < company_today())
        )
    if not wanted:
        return []
    from sqlalchemy import or_

    from app.core.pagination import first_rows

    order = (MaintenanceVisit.due_date, MaintenanceVisit.id)
    visits = first_rows(MaintenanceVisit, or_(*wanted), order, limit)
    tz = company_timezone()
    tasks = []
    for visit in visits:
        step = _("Agree the date") if visit.status == VisitState.SCHEDULED else _("Maintenance visit")
        tasks.append(
            Task(
                title=_("%(step)s – %(summary)s", step=step, summary=visit.summary),
                url=url_for("maintenance.visit", visit_id=visit.id),
                module="maintenance",
                due_at=dt.datetime.combine(visit.due_date, dt.time(17, 30), tzinfo=tz),
                number=visit.number or "",
            )
        )
    return tasks
