"""The document register and the audit log search."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale, get_locale, get_timezone, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.models import utcnow
from app.core.pagination import paginate
from app.core.pdf import PrintTitle, Signature, audit_print, pdf_response, render_pdf
from app.core.permissions import can_edit_register, can_view_audit_log, login_required
from app.core.records.audit import (
    AuditAction,
    AuditEntry,
    audit,
    history_of,
    object_type_title,
    register_object_type,
)
from app.core.records.forms import FIELD_LABELS, AuditSearchForm, DocumentForm, next_revision_label
from app.core.records.numbering import last_issued_numbers
from app.core.records.register import ControlledDocument, DocumentKind, DocumentRevision, DocumentStatus
from app.core.records.services import revise_document
from app.core.text_search import contains_text
from app.core.web import check_version, redirect_after_post, render
from app.extensions import db

bp = Blueprint("records", __name__, url_prefix="/records")

register_object_type("document_register", _l("Document register"))


# --- loaders -----------------------------------------------------------------------------------


def get_document_or_404(document_id: int, for_edit: bool = False) -> ControlledDocument:
    doc = db.session.get(ControlledDocument, document_id)
    if doc is None:
        abort(404)
    if for_edit and not can_edit_register(current_user):
        abort(403)
    return doc


def get_revision_or_404(doc: ControlledDocument, revision_id: int) -> DocumentRevision:
    revision = db.session.get(DocumentRevision, revision_id)
    if revision is None or revision.document_id != doc.id:
        abort(404)
    return revision


# --- register ----------------------------------------------------------------------------------


def register_context() -> dict:
    """Every procedure with its forms, the forms without one, and each form's last issued number."""
    procedures = list(
        db.session.scalars(
            select(ControlledDocument)
            .where(ControlledDocument.kind == DocumentKind.PROCEDURE)
            .options(selectinload(ControlledDocument.forms))
            .order_by(ControlledDocument.code)
        )
    )
    loose_forms = list(
        db.session.scalars(
            select(ControlledDocument)
            .where(ControlledDocument.kind == DocumentKind.FORM, ControlledDocument.procedure_id.is_(None))
            .order_by(ControlledDocument.code)
        )
    )
    forms = [f for p in procedures for f in p.forms] + loose_forms
    numbers = last_issued_numbers({f.series: f.number_pattern for f in forms})
    count = len(procedures) + len(forms)
    return dict(procedures=procedures, loose_forms=loose_forms, numbers=numbers, count=count)


@bp.route("/register")
@login_required
def register():
    return render("core/records/register.html", **register_context())


def register_print_title() -> PrintTitle:
    """The register's printed title: Chinese always, English under it."""
    with force_locale("zh_CN"):
        title_zh = _("Document register")
    with force_locale("en"):
        title_en = _("Document register")
    return PrintTitle(title_zh=title_zh, title_en=title_en)


@bp.route("/register.pdf")
@login_required
def register_pdf():
    """The register printed as a controlled list; the print is audited."""
    user = current_user._get_current_object()
    title = register_print_title()
    pdf = render_pdf(
        "core/print/register.html",
        record_number=None,
        form=title,
        signatures=[
            Signature(_("Printed by"), user.display_name, utcnow()),
            Signature(_("Reviewed by")),
            Signature(_("Approved by")),
        ],
        context=register_context(),
        lang=str(get_locale() or "zh_CN"),
    )
    audit_print(
        None,
        actor=user,
        form_code="",
        object_type="document_register",
        label=f"{title.title_zh} / {title.title_en}",
        ip=request.remote_addr,
    )
    db.session.commit()
    stamp = to_user_timezone(utcnow()).strftime("%Y%m%d")
    return pdf_response(pdf, f"{_('Document register')}-{stamp}.pdf")


@bp.route("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    doc = get_document_or_404(document_id)
    last_number = None
    if doc.is_form:
        last_number = last_issued_numbers({doc.series: doc.number_pattern}).get(doc.series)
    return render(
        "core/records/document.html",
        doc=doc,
        rows=_content_rows({name: getattr(doc, name) for name in ControlledDocument.CONTENT_FIELDS}, doc),
        last_number=last_number,
        history=history_of(doc),
    )


@bp.route("/documents/<int:document_id>/revisions/<int:revision_id>")
@login_required
def document_revision(document_id: int, revision_id: int):
    doc = get_document_or_404(document_id)
    revision = get_revision_or_404(doc, revision_id)
    # revisions are kept newest first; the one after this one replaced it
    ordered = sorted(doc.revisions, key=lambda r: r.id)
    later = [r for r in ordered if r.id > revision.id]
    successor = later[0].revision if later else doc.revision
    return render(
        "core/records/revision.html",
        doc=doc,
        revision=revision,
        successor=successor,
        rows=_content_rows(revision.content, doc),
    )


def _content_rows(content: dict, doc: ControlledDocument) -> list[tuple[str, str, str]]:
    """(field, label, display value) for each content field the document kind has."""
    rows = []
    for name in ControlledDocument.CONTENT_FIELDS:
        if not doc.is_form and name in {"retention_years", "number_pattern"}:
            continue
        value = content.get(name)
        if name == "status" and value:
            value = DocumentStatus(value).title
        elif isinstance(value, date):
            value = value.isoformat()
        rows.append((name, str(FIELD_LABELS[name]), "—" if value in (None, "") else str(value)))
    return rows


@bp.route("/documents/<int:document_id>/revise", methods=["GET", "POST"])
@login_required
def document_revise(document_id: int):
    doc = get_document_or_404(document_id, for_edit=True)
    if request.method == "GET":
        form = DocumentForm(obj=doc, document=doc)
        form.revision.data = next_revision_label(doc.revision)
        return render("core/records/revise.html", form=form, doc=doc)
    form = DocumentForm(document=doc)
    if not form.validate():
        return render("core/records/revise.html", "revise_form", form=form, doc=doc, status=422)
    check_version(doc)
    revise_document(doc, form.content(), actor=current_user._get_current_object(), reason=form.reason.data)
    db.session.commit()
    flash(_("Revision %(label)s of %(code)s saved.", label=doc.revision, code=doc.code), "success")
    return redirect_after_post(url_for("records.document", document_id=doc.id))


# --- audit log ---------------------------------------------------------------------------------


def _require_audit_access() -> None:
    if not can_view_audit_log(current_user):
        abort(403)


def _search_form() -> AuditSearchForm:
    types = db.session.scalars(select(AuditEntry.object_type).distinct().where(AuditEntry.object_type != ""))
    choices = sorted(((t, object_type_title(t)) for t in types), key=lambda c: c[1])
    return AuditSearchForm(formdata=request.args, object_types=choices)


def _local_midnight(day: date) -> datetime:
    """The start of ``day`` in the user's time zone, which is how people read a date range."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(str(get_timezone())))


def _audit_query(form: AuditSearchForm) -> Select:
    query = select(AuditEntry)
    if form.actor.data and form.actor.data.strip():
        query = query.where(contains_text(AuditEntry.actor_name, form.actor.data))
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.object_type.data:
        query = query.where(AuditEntry.object_type == form.object_type.data)
    if form.q.data and form.q.data.strip():
        q = form.q.data.strip()
        query = query.where(or_(AuditEntry.object_id == q, contains_text(AuditEntry.object_label, q)))
    if form.date_from.data:
        query = query.where(AuditEntry.at >= _local_midnight(form.date_from.data))
    if form.date_to.data:
        query = query.where(AuditEntry.at < _local_midnight(form.date_to.data + timedelta(days=1)))
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


@bp.route("/audit")
@login_required
def audit_log():
    _require_audit_access()
    form = _search_form()
    if not form.validate():
        return render(
            "core/records/audit_log.html", "audit_table", form=form, page=None, filters={}, status=422
        )
    page = paginate(
        _audit_query(form), request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"]
    )
    return render("core/records/audit_log.html", "audit_table", form=form, page=page, filters=form.filters())


def _csv_cell(value) -> str:
    """Text that a spreadsheet shows as text: a leading ``=``, ``+``, ``-`` or ``@`` is not a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _changes_text(changes) -> str:
    if not changes:
        return ""
    return json.dumps(changes, ensure_ascii=False, sort_keys=True)


@bp.route("/audit/export.csv")
@login_required
def audit_export():
    """The filtered log as CSV; the export is itself an entry of the log."""
    _require_audit_access()
    form = _search_form()
    if not form.validate():
        abort(422)
    last_id = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    # the rows as they stand now: the export's own entry (and any later one) is not in it
    query = _audit_query(form).where(AuditEntry.id <= last_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    audit(
        AuditAction.EXPORT,
        actor=current_user._get_current_object(),
        object_type="audit_log",
        label=_("Audit log CSV export"),
        changes={"filters": form.filters(), "rows": total},
        ip=request.remote_addr,
    )
    db.session.commit()

    header = [
        _("ID"), _("Time"), _("Who"), _("Action"), _("Object type"),
        _("Object ID"), _("Object"), _("Changes"), _("Reason"), _("IP address"),
    ]  # fmt: skip

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"  # spreadsheet programs read the file as UTF-8 (Chinese text) with the BOM
        writer.writerow(header)
        entries = db.session.scalars(query.execution_options(yield_per=500))
        for count, entry in enumerate(entries, 1):
            writer.writerow(
                _csv_cell(v)
                for v in (
                    entry.id,
                    to_user_timezone(entry.at).isoformat(sep=" ", timespec="seconds"),
                    entry.actor_name,
                    entry.action_enum.title,
                    entry.object_type_title,
                    entry.object_id,
                    entry.object_label,
                    _changes_text(entry.changes),
                    entry.reason,
                    entry.ip,
                )
            )
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    stamp = to_user_timezone(utcnow()).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
    )
