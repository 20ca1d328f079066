"""The printed controlled records of a delivery: F01 shipping note, F02 delivery receipt, F03 transit
damage/loss record.

Every print is audited (who, when, which form and number). The delivery receipt prints under its
own number and form, issued at release: printed then it travels with the goods for the
customer to fill in and sign; printed after the receipt it shows the quantities received and
the customer's signature.
"""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import attachments_of, print_signature
from app.core.pdf import Signature, audit_print, pdf_response, render_pdf
from app.core.permissions import login_required
from app.core.records.engine import print_signatures
from app.core.records.engine.registry import registry
from app.core.records.services import find_document
from app.core.templating import current_locale
from app.delivery import bp
from app.delivery.models import TransitDamageRecord
from app.extensions import db

ISSUER = "制单 Issued by"
RELEASED_BY = "仓库发货 Released by"
HANDOVER = "提货人/司机 Carrier or representative"
CUSTOMER = "客户签收 Customer"
REPORTER = "报告人 Reported by"


def _signed(attachment, meaning: str, fallback_name: str = "") -> Signature:
    """A drawn signature prints as its image; a signed sheet is referred to; none leaves a line."""
    if attachment is None:
        return Signature(meaning)
    if attachment.kind == AttachmentKind.SIGNATURE:
        return print_signature(attachment, meaning)
    return Signature(
        meaning + "（见签字扫描件 see signed scan）",
        attachment.signer_name or fallback_name,
        attachment.uploaded_at,
    )


def _signatures(record, form_key: str) -> list[Signature]:
    """The engine's approval signatures, plus the people the paper form has sign."""
    approvals = [Signature(**item) for item in print_signatures(record)]
    if isinstance(record, TransitDamageRecord):
        return [Signature(REPORTER, record.reported_by_name, record.reported_at), *approvals]
    issuer = record.submitted_by or record.created_by
    released = Signature(
        RELEASED_BY, record.released_by.display_name if record.released_by else "", record.released_at
    )
    if form_key == "F02":
        if record.received_at is not None:
            customer = _signed(record.receipt_signature, CUSTOMER, record.receiver_name)
        else:
            customer = Signature(CUSTOMER)
        return [released, customer]
    handover_name = record.pickup_person or record.driver_name
    handover = (
        _signed(record.handover_signature, HANDOVER, handover_name)
        if record.released_at
        else Signature(HANDOVER)
    )
    return [
        Signature(ISSUER, issuer.display_name if issuer else "", record.submitted_at),
        *approvals,
        released,
        handover,
    ]


def _form_and_number(record, form_key: str):
    if form_key == "F02":
        if not record.receipt_number:
            abort(404)
        return find_document(record.receipt_form_code) or record.form, record.receipt_number
    return record.form, record.number


@bp.route("/print/<record_type>/<int:record_id>/<form_key>.pdf")
@login_required
def print_record(record_type: str, record_id: int, form_key: str):
    """One of the delivery procedure's controlled forms as PDF, in the reader's language."""
    definition = registry.for_type(record_type)
    if definition is None or definition.module != "delivery" or form_key not in definition.print_templates:
        abort(404)
    record = db.session.get(definition.model, record_id)
    if record is None or not record.number:
        abort(404)
    form, number = _form_and_number(record, form_key)
    photos = attachments_of(record.record_type, record.id, AttachmentKind.PHOTO)
    pdf = render_pdf(
        definition.print_templates[form_key],
        record_number=number,
        form=form,
        signatures=_signatures(record, form_key),
        context={"record": record, "photo_count": len(photos)},
        lang=str(current_locale()),
    )
    audit_print(
        record,
        actor=current_user._get_current_object(),
        form_code=form.code,
        record_number=number,
        ip=request.remote_addr,
    )
    db.session.commit()
    return pdf_response(pdf, f"{number}.pdf")


@bp.app_template_global("delivery_print_url")
def print_url(record, form_key: str) -> str:
    """Where one of the delivery forms of ``record`` prints."""
    return url_for(
        "delivery.print_record", record_type=record.record_type, record_id=record.id, form_key=form_key
    )
