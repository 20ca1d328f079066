"""Serving attachments, and the attachments panel every registered record gets.

Viewing: any logged-in user may open any attachment that was not removed. The portal is
an intranet and a record's page is open to every employee (``workflow.record``), so its
photos and signatures are too; anonymous visitors get 401 (a redirect to the login page).

Adding and removing: the engine's record loader (404 for an unknown type or id), then the
definition's :meth:`~app.core.records.engine.WorkflowDefinition.can_attach` (403): logged in,
the record is not approved or closed, and the procedure's ``may_attach`` rule if it has one.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.attachments import bp, checks, storage
from app.core.attachments.checks import UploadRefused
from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import (
    attachment_path,
    attachments_of,
    get_attachment,
    remove_attachment,
    save_signature,
    save_upload,
)
from app.core.permissions import login_required
from app.core.records.engine.errors import ValidationError
from app.core.records.engine.registry import registry
from app.core.records.engine.views import get_record_or_404
from app.core.web import error_response, is_fragment_request, render
from app.extensions import db

PANEL = "core/attachments/panel.html"
#: what the panel's upload form offers; a drawn signature has its own form
UPLOAD_KINDS = (AttachmentKind.PHOTO, AttachmentKind.SIGNED_SCAN, AttachmentKind.DOCUMENT)


def _actor():
    return current_user._get_current_object()


def can_attach(user, record) -> bool:
    """Jinja and views: may ``user`` add attachments to ``record`` (or remove them)?"""
    definition = registry.for_type(getattr(record, "record_type", ""))
    return definition is not None and definition.can_attach(user, record)


def get_record_for_attach_or_404(record_type: str, record_id: int):
    record = get_record_or_404(record_type, record_id)
    if not can_attach(_actor(), record):
        abort(403)
    return record


def _answer(record, *, status: int = 200, **ctx):
    """The refreshed panel for htmx; a plain form post goes back to the record's page."""
    if status == 200 and not is_fragment_request():
        return redirect(record.url, 303)
    return render(PANEL, "attachment_panel", status=status, record=record, **ctx)


# --- serving ---------------------------------------------------------------------------------------


def _file_response(path, *, mimetype: str, filename: str, etag: str):
    response = send_file(
        path, mimetype=mimetype, download_name=filename, as_attachment=False, etag=etag, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    if mimetype.startswith("image/"):
        # an image opened on its own can run nothing and load nothing
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def _attachment_file_or_404(attachment_id: int):
    att = get_attachment(attachment_id)
    if att is None:
        abort(404)
    path = attachment_path(att)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s is missing", att.id, att.storage_path)
        abort(404)
    return att, path


@bp.route("/<int:attachment_id>")
@login_required
def view(attachment_id: int):
    """The file as stored, shown in the browser (images, PDF); any logged-in user may see it."""
    att, path = _attachment_file_or_404(attachment_id)
    return _file_response(path, mimetype=att.content_type, filename=att.filename, etag=att.sha256)


@bp.route("/<int:attachment_id>/thumb")
@login_required
def thumb(attachment_id: int):
    """A small JPEG of an image attachment (made on first request, then kept)."""
    att, path = _attachment_file_or_404(attachment_id)
    if not att.is_image:
        abort(404)
    stem = att.filename.rsplit(".", 1)[0]
    return _file_response(
        storage.thumbnail(path), mimetype="image/jpeg", filename=f"{stem}-thumb.jpg", etag=f"t-{att.sha256}"
    )


# --- the panel of a record ---------------------------------------------------------------------------


@bp.route("/<record_type>/<int:record_id>")
@login_required
def panel(record_type: str, record_id: int):
    """A record's attachments: the full page, or the panel alone for htmx."""
    record = get_record_or_404(record_type, record_id)
    return render(PANEL, "attachment_panel", record=record)


@bp.route("/<record_type>/<int:record_id>", methods=["POST"])
@login_required
def attach(record_type: str, record_id: int):
    """Add photos, signed scans or documents to a record; all of them, or none if one is refused."""
    record = get_record_for_attach_or_404(record_type, record_id)
    kind_value = request.form.get("kind") or AttachmentKind.PHOTO.value
    if kind_value not in {k.value for k in UPLOAD_KINDS}:
        abort(400)
    kind = AttachmentKind(kind_value)
    files = [f for key in request.files for f in request.files.getlist(key) if f and f.filename]
    if not files:
        return _answer(
            record, status=422, upload_kind=kind, errors={"files": [_("Choose at least one file.")]}
        )
    errors = []
    for file in files:
        try:
            save_upload(file, record_type=record.record_type, record_id=record.id, kind=kind, actor=_actor())
        except UploadRefused as refused:
            errors.append(f"{checks.display_name(file.filename)}: {refused}")
    if errors:
        db.session.rollback()  # nothing kept: the files already written go with the transaction
        return _answer(record, status=422, upload_kind=kind, errors={"files": errors})
    db.session.commit()
    return _answer(record)


@bp.route("/<record_type>/<int:record_id>/signature", methods=["POST"])
@login_required
def sign(record_type: str, record_id: int):
    """Keep a signature drawn on the pad, with the signer's name, on a record."""
    record = get_record_for_attach_or_404(record_type, record_id)
    data_url = request.form.get("signature", "")
    signer_name = request.form.get("signer_name", "")
    try:
        save_signature(
            data_url,
            record_type=record.record_type,
            record_id=record.id,
            signer_name=signer_name,
            actor=_actor(),
        )
    except UploadRefused as refused:
        db.session.rollback()
        errors = {refused.field or "signature": [str(refused)]}
        if refused.field == "signer_name":
            # say at once whether the pad is fine too, and keep a good drawing on the page
            try:
                checks.check_signature(data_url, max_bytes=current_app.config["SIGNATURE_MAX_BYTES"])
            except UploadRefused as also:
                errors["signature"] = [str(also)]
                data_url = ""
        else:
            data_url = ""
        return _answer(record, status=422, errors=errors, signer_name=signer_name, signature_value=data_url)
    db.session.commit()
    return _answer(record)


@bp.route("/<int:attachment_id>/remove", methods=["POST"])
@login_required
def remove(attachment_id: int):
    """Take an attachment off its record, with a reason (kept on disk, audited)."""
    att = get_attachment(attachment_id)
    if att is None:
        abort(404)
    record = get_record_for_attach_or_404(att.record_type, att.record_id)
    try:
        remove_attachment(att, actor=_actor(), reason=request.form.get("reason", ""), record=record)
    except ValidationError as error:
        db.session.rollback()
        return _answer(record, status=422, errors={f"reason-{att.id}": [str(error.errors["reason"])]})
    db.session.commit()
    return _answer(record)


# --- template helpers, and the answer to an upload that is too large ------------------------------------


@bp.app_errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    per_file = current_app.config.get("UPLOAD_MAX_BYTES") or limit
    message = _(
        "The upload is too large: at most %(file)s a file and %(total)s in one go. Nothing was saved.",
        file=checks.size_label(per_file),
        total=checks.size_label(limit),
    )
    return error_response(413, message)


for _name, _func in {
    "attachments_of": attachments_of,
    "can_attach": can_attach,
    "AttachmentKind": AttachmentKind,
    "ATTACHMENT_UPLOAD_KINDS": UPLOAD_KINDS,
    "ATTACHMENT_ACCEPT": checks.ACCEPT,
    "ATTACHMENT_ACCEPT_IMAGES": checks.ACCEPT_IMAGES,
    "attachment_size": checks.size_label,
}.items():
    bp.add_app_template_global(_func, _name)
