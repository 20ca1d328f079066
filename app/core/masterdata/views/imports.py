"""CSV/XLSX import of customers and units: upload, preview with row errors, confirm."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.core.masterdata import bp
from app.core.masterdata.importing import (
    KINDS,
    ImportFileError,
    ImportKind,
    Upload,
    discard,
    display_filename,
    load,
    read_upload,
    store,
    template_csv,
    validate,
)
from app.core.masterdata.services import import_customers, import_units
from app.core.masterdata.views._common import actor, redirect_after_post, requires
from app.core.permissions import can_import_master_data
from app.core.web import render
from app.extensions import db

IMPORTERS = {"customers": import_customers, "units": import_units}
LIST_ENDPOINTS = {"customers": "masterdata.customers", "units": "masterdata.units"}


def _kind_or_404(name: str) -> ImportKind:
    kind = KINDS.get(name)
    if kind is None:
        abort(404)
    return kind


def _upload_or_404(kind: ImportKind, token: str) -> Upload:
    upload = load(token, kind, current_user.id)
    if upload is None:
        abort(404)
    return upload


def _limit_bytes() -> int:
    return current_app.config.get("UPLOAD_MAX_BYTES") or current_app.config.get("MAX_CONTENT_LENGTH") or 0


def _limit_mb() -> int:
    return max(1, _limit_bytes() // (1024 * 1024))


@bp.route("/import/<kind>", methods=["GET", "POST"])
@requires(can_import_master_data)
def import_upload(kind: str):
    import_kind = _kind_or_404(kind)
    error = None
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            error = _("Choose a .csv or .xlsx file.")
        else:
            filename = display_filename(file.filename)
            content = file.read(_limit_bytes() + 1)
            try:
                if len(content) > _limit_bytes():
                    raise ImportFileError(_("The file is larger than %(size)s.", size=f"{_limit_mb()} MB"))
                rows, ignored = read_upload(import_kind, filename, content)
            except ImportFileError as refused:
                error = str(refused)
            else:
                token = store(Upload(kind, filename, current_user.id, rows, ignored))
                return redirect_after_post(url_for("masterdata.import_preview", kind=kind, token=token))
        return render(
            "core/masterdata/import_upload.html",
            "upload_form",
            kind=import_kind,
            error=error,
            limit_mb=_limit_mb(),
            status=422,
        )
    return render("core/masterdata/import_upload.html", kind=import_kind, error=None, limit_mb=_limit_mb())


@bp.route("/import/<kind>/template.csv")
@requires(can_import_master_data)
def import_template(kind: str):
    import_kind = _kind_or_404(kind)
    lang = "en" if request.args.get("lang") == "en" else "zh"
    response = make_response(template_csv(import_kind, lang))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename={kind}-template-{lang}.csv"
    return response


@bp.route("/import/<kind>/<token>")
@requires(can_import_master_data)
def import_preview(kind: str, token: str):
    import_kind = _kind_or_404(kind)
    upload = _upload_or_404(import_kind, token)
    validate(import_kind, upload.rows)
    return render("core/masterdata/import_preview.html", kind=import_kind, upload=upload, token=token)


@bp.route("/import/<kind>/<token>", methods=["POST"])
@requires(can_import_master_data)
def import_confirm(kind: str, token: str):
    """Import every row in one transaction, or nothing: the rows are checked again first."""
    import_kind = _kind_or_404(kind)
    upload = _upload_or_404(import_kind, token)
    validate(import_kind, upload.rows)
    failed = False
    if upload.is_valid:
        try:
            IMPORTERS[kind]([row.data for row in upload.rows], actor=actor(), filename=upload.filename)
            db.session.commit()
        except IntegrityError:
            # someone saved one of these serials a moment ago: show the rows as they are now
            db.session.rollback()
            validate(import_kind, upload.rows)
            failed = True
        else:
            discard(token)
            flash(
                _("%(count)s rows imported from %(file)s.", count=len(upload.rows), file=upload.filename),
                "success",
            )
            return redirect_after_post(url_for(LIST_ENDPOINTS[kind]))
    return render(
        "core/masterdata/import_preview.html",
        kind=import_kind,
        upload=upload,
        token=token,
        failed=failed,
        status=422,
    )
