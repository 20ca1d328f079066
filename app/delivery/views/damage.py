"""Transit damage/loss records (F03): the list, the record page and a report made by hand."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.attachments.checks import UploadRefused
from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import save_upload
from app.core.pagination import paginate
from app.core.permissions import login_required
from app.core.records.engine.errors import ValidationError
from app.core.web import redirect_after_post, render
from app.delivery import bp
from app.delivery.forms import DamageReportForm
from app.delivery.models import DamageSource, DamageState, TransitDamageRecord
from app.delivery.queries import damage_query
from app.delivery.services import open_damage_record
from app.delivery.views.notes import get_note_or_404, may_report_damage
from app.extensions import db


def _actor():
    return current_user._get_current_object()


def get_damage_or_404(record_id: int) -> TransitDamageRecord:
    record = db.session.get(TransitDamageRecord, record_id)
    if record is None or record.status == DamageState.DRAFT:
        abort(404)
    return record


@bp.route("/damage")
@login_required
def damage_index():
    status = request.args.get("status", "")
    if status not in {"", "open", *(s.value for s in DamageState)}:
        status = ""
    number = max(1, request.args.get("page", 1, type=int) or 1)
    page = paginate(damage_query(status=status), number, current_app.config["PAGE_SIZE"])
    return render(
        "delivery/damage_index.html",
        "damage_table",
        page=page,
        status_filter=status,
        states=[s for s in DamageState if s != DamageState.DRAFT],
    )


@bp.route("/damage/<int:record_id>")
@login_required
def damage_detail(record_id: int):
    return render("delivery/damage.html", record=get_damage_or_404(record_id))


@bp.route("/<int:note_id>/damage/new", methods=["GET", "POST"])
@login_required
def damage_new(note_id: int):
    """Report goods short or damaged on a shipped note by hand, with photos."""
    note = get_note_or_404(note_id)
    if not may_report_damage(current_user, note):
        abort(403)
    form = DamageReportForm()
    if request.method == "POST":
        if form.validate():
            try:
                record = open_damage_record(
                    note=note, description=form.description.data, source=DamageSource.REPORTED, actor=_actor()
                )
                for upload in request.files.getlist("photos"):
                    if upload and upload.filename:
                        save_upload(
                            upload,
                            record_type=record.record_type,
                            record_id=record.id,
                            kind=AttachmentKind.PHOTO,
                            actor=_actor(),
                        )
            except ValidationError as error:
                db.session.rollback()
                form.description.errors = [*form.description.errors, *map(str, error.errors.values())]
            except UploadRefused as error:
                db.session.rollback()
                form.photo_errors = [str(error)]
            else:
                db.session.commit()
                flash(_("Transit damage record %(number)s registered.", number=record.number), "success")
                return redirect_after_post(url_for("delivery.damage_detail", record_id=record.id))
        return render("delivery/damage_form.html", "damage_form", status=422, form=form, note=note)
    return render("delivery/damage_form.html", form=form, note=note)
