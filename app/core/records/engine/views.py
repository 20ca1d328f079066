"""The Approvals inbox, its header counter, and the pages every record gets from the engine.

A procedure may give its records a page of its own (``endpoint`` in the definition) and
include the engine's partials there; the transition URL below serves both.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core.permissions import login_required
from app.core.records.audit import history_of
from app.core.records.engine import services
from app.core.records.engine.approvals import (
    approval_count_text,
    available_transitions,
    is_own_pending,
    pending_approval_count,
    pending_approval_for,
    pending_approvals_for,
)
from app.core.records.engine.base import ensure_editable
from app.core.records.engine.deadlines import countdown
from app.core.records.engine.definition import Decision, Meaning
from app.core.records.engine.errors import (
    ReadOnlyRecordError,
    RecordError,
    RecordSetupError,
    StateConflict,
    TransitionNotAllowed,
    UnknownTransition,
    ValidationError,
)
from app.core.records.engine.forms import step_form
from app.core.records.engine.registry import registry
from app.core.web import (
    check_version,
    error_response,
    hx_trigger,
    is_fragment_request,
    redirect_after_post,
    render,
)
from app.extensions import db

bp = Blueprint("workflow", __name__, url_prefix="/records")

APPROVALS_CHANGED = "approvals-changed"
#: entries of a record's history its page shows; the rest load on request
HISTORY_SHOWN = 20


# --- loaders -----------------------------------------------------------------------------------


def get_record_or_404(record_type: str, record_id: int, for_edit: bool = False):
    """The record of a registered type; ``for_edit`` refuses approved or closed ones (409)."""
    definition = registry.for_type(record_type)
    if definition is None:
        abort(404)
    record = db.session.get(definition.model, record_id)
    if record is None:
        abort(404)
    if for_edit:
        ensure_editable(record)
    return record


def _actor():
    return current_user._get_current_object()


# --- the inbox -----------------------------------------------------------------------------------


@bp.route("/approvals")
@login_required
def approvals():
    return render("core/records/approvals.html", "approval_list", items=pending_approvals_for(_actor()))


@bp.route("/approvals/count")
@login_required
def approvals_count():
    return render(
        "core/records/_approvals_badge.html",
        "approvals_badge",
        approval_count=pending_approval_count(_actor()),
    )


@bp.route("/approvals/<record_type>/<int:record_id>/<name>", methods=["POST"])
@login_required
def decide(record_type: str, record_id: int, name: str):
    """Approve or reject from the inbox: the row goes, the header counter follows."""
    record = get_record_or_404(record_type, record_id)
    step = record.definition.transition(name)
    if step is None or not step.is_approval:
        abort(404)
    check_version(record)
    user = _actor()
    try:
        services.transition(record, name, actor=user, reason=request.form.get("reason"))
    except ValidationError as error:
        db.session.rollback()
        item = pending_approval_for(user, record)
        return render(
            "core/records/approvals.html",
            "approval_row",
            status=422,
            item=item,
            items=pending_approvals_for(user),
            errors=error.errors,
            failed=name,
        )
    db.session.commit()
    # the htmx row just goes; only the whole page (no htmx) lists the inbox again
    items = [] if is_fragment_request() else pending_approvals_for(user)
    response = render("core/records/approvals.html", "approval_done", items=items)
    return hx_trigger(response, APPROVALS_CHANGED)


# --- record pages ----------------------------------------------------------------------------------


@bp.route("/<record_type>/<int:record_id>")
@login_required
def record(record_type: str, record_id: int):
    """The engine's page of a record: its fields, steps, signatures, revisions and history."""
    rec = get_record_or_404(record_type, record_id)
    fields = services.content_fields(rec)
    rows = [(name, rec.definition.label(name), getattr(rec, name)) for name in fields]
    return render("core/records/record.html", record=rec, rows=rows)


@bp.route("/<record_type>/<int:record_id>/transitions/<name>", methods=["POST"])
@login_required
def take(record_type: str, record_id: int, name: str):
    """Take one step from the record page (buttons of the approval panel or the step bar)."""
    rec = get_record_or_404(record_type, record_id)
    step = rec.definition.transition(name)
    if step is None:
        abort(404)
    check_version(rec)
    services.check_step(rec, name, actor=_actor())  # 403/409 before any field is read
    form = step_form(step, rec, formdata=request.form)
    errors: dict = {}
    is_valid = form is None or form.validate()
    if is_valid:
        try:
            services.transition(
                rec,
                name,
                actor=_actor(),
                reason=request.form.get("reason"),
                values=form.values() if form is not None else None,
            )
        except ValidationError as error:
            db.session.rollback()
            is_valid = False
            errors = dict(error.errors)
            for key in [k for k in errors if form is not None and k in form._fields]:
                form[key].errors = [*form[key].errors, errors.pop(key)]
    if not is_valid:
        return render(
            "core/records/transition.html",
            "transition_panel",
            status=422,
            record=rec,
            step=step,
            errors=errors,
            failed=name,
            failed_form=form,
        )
    db.session.commit()
    flash(_("%(step)s: done.", step=step.title), "success")
    response = redirect_after_post(rec.url)
    return hx_trigger(response, APPROVALS_CHANGED) if step.is_approval else response


@bp.route("/<record_type>/<int:record_id>/revisions/<int:revision_no>")
@login_required
def record_revision(record_type: str, record_id: int, revision_no: int):
    """What a corrected record said before a correction."""
    rec = get_record_or_404(record_type, record_id)
    revision = next((r for r in services.revisions_of(rec) if r.revision_no == revision_no), None)
    if revision is None:
        abort(404)
    labels = rec.definition
    rows = [(key, labels.label(key), value) for key, value in revision.content.items()]
    return render("core/records/record_revision.html", record=rec, revision=revision, rows=rows)


@bp.route("/<record_type>/<int:record_id>/history")
@login_required
def record_history(record_type: str, record_id: int):
    """The whole audit trail of a record (its page shows the newest entries)."""
    rec = get_record_or_404(record_type, record_id)
    return render("core/records/history.html", "history", record=rec, full_history=True)


# --- template helpers and error answers -------------------------------------------------------------


for _name, _func in {
    "available_transitions": available_transitions,
    "pending_approval_count": pending_approval_count,
    "approval_count_text": approval_count_text,
    "record_approvals": services.approvals_of,
    "record_deadlines": services.deadlines_of,
    "deadline_countdown": countdown,
    "step_form": step_form,
    "record_revisions": services.revisions_of,
    "record_history": history_of,
    "is_own_pending": is_own_pending,
    "HISTORY_SHOWN": HISTORY_SHOWN,
    "Meaning": Meaning,
    "Decision": Decision,
}.items():
    bp.add_app_template_global(_func, _name)


def _answer(code: int, error: RecordError):
    db.session.rollback()
    return error_response(code, str(error) or None)


@bp.app_errorhandler(UnknownTransition)
def _unknown(error):
    return _answer(404, error)


@bp.app_errorhandler(TransitionNotAllowed)
def _not_allowed(error):
    return _answer(403, error)


@bp.app_errorhandler(StateConflict)
@bp.app_errorhandler(ReadOnlyRecordError)
@bp.app_errorhandler(RecordSetupError)
def _conflict(error):
    return _answer(409, error)


@bp.app_errorhandler(ValidationError)
def _invalid(error):
    """A view that did not catch it: still a 422, never a 500."""
    return _answer(422, error)
