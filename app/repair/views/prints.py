"""The printed controlled records of a repair: F01 request, F02 quotation, F03 requisition, F04 repair record.

Every print is audited (who, when, which form and number). The repair record F04 prints under
its own number and form, issued when the customer signed.
"""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import attachments_of, print_signature
from app.core.pdf import Signature, audit_print, pdf_response, render_pdf
from app.core.permissions import login_required
from app.core.records.engine import print_signatures
from app.core.records.engine.registry import registry
from app.core.records.services import find_document
from app.core.templating import current_locale
from app.extensions import db
from app.repair import bp
from app.repair.models import RepairRequest
from app.repair.services import customer_signature

CUSTOMER = "客户签字 Customer"
ENGINEER = "服务工程师 Engineer"


def _signatures(record, form_key: str) -> list[Signature]:
    """The engine's approval signatures, plus the people the paper form has sign."""
    blocks = [Signature(**item) for item in print_signatures(record)]
    if isinstance(record, RepairRequest) and form_key == "F04":
        engineer = Signature(
            ENGINEER, record.engineer.display_name if record.engineer else "", record.completed_at
        )
        signature = customer_signature(record)
        if signature is not None and signature.kind == AttachmentKind.SIGNATURE:
            customer = print_signature(signature, CUSTOMER)
        elif signature is not None:
            customer = Signature(
                CUSTOMER + "（见盖章扫描件 see signed scan）", signature.signer_name or record.customer_signer
            )
        else:
            customer = Signature(CUSTOMER)
        blocks = [engineer, customer, *blocks]
    elif form_key == "F01":
        creator = record.submitted_by or record.created_by
        blocks = [
            Signature("登记人 Registered by", creator.display_name if creator else "", record.submitted_at),
            *blocks,
        ]
    return blocks


def _form_and_number(record, form_key: str):
    if form_key == "F04":
        if not record.report_number:
            abort(404)
        return find_document(record.report_form_code) or record.form, record.report_number
    return record.form, record.number


@bp.route("/print/<record_type>/<int:record_id>/<form_key>.pdf")
@login_required
def print_record(record_type: str, record_id: int, form_key: str):
    """One of the repair procedure's controlled forms as PDF, in the reader's language."""
    definition = registry.for_type(record_type)
    if definition is None or definition.module != "repair" or form_key not in definition.print_templates:
        abort(404)
    record = db.session.get(definition.model, record_id)
    if record is None or not record.number:
        abort(404)
    form, number = _form_and_number(record, form_key)
    photos = []
    if isinstance(record, RepairRequest) and form_key == "F01":
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


@bp.app_template_global("print_url")
def print_url(record, form_key: str) -> str:
    """Where one of the repair forms of ``record`` prints."""
    from flask import url_for

    return url_for(
        "repair.print_record", record_type=record.record_type, record_id=record.id, form_key=form_key
    )
