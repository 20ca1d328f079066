"""The printed controlled records of an installation: F01 request, F02 plan, F03 unboxing inspection,
F04 training record, F05 installation acceptance.

F03, F04 and F05 are recorded on the installation and print under their own numbers and forms,
issued when each was recorded. Every print is audited (who, when, which form and number).
"""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from app.core.attachments.models import AttachmentKind
from app.core.attachments.services import print_signature
from app.core.pdf import Signature, audit_print, pdf_response, render_pdf
from app.core.permissions import login_required
from app.core.records.engine import print_signatures
from app.core.records.engine.registry import registry
from app.core.records.services import find_document
from app.core.templating import current_locale
from app.extensions import db
from app.installation import bp
from app.installation.models import InstallationPlan, InstallationRequest
from app.installation.services import customer_signature

CUSTOMER = "客户签字盖章 Customer (signature and stamp)"
#: the forms recorded on the installation, by the prefix of their number columns
SUB_FORMS = {"F03": "inspection", "F04": "training", "F05": "acceptance"}


def _name(user) -> str:
    return user.display_name if user is not None else ""


def _customer_block(case: InstallationRequest) -> Signature:
    signature = customer_signature(case)
    if signature is not None and signature.kind == AttachmentKind.SIGNATURE:
        return print_signature(signature, CUSTOMER)
    if signature is not None:
        return Signature(
            CUSTOMER + "（见盖章扫描件 see signed scan）", signature.signer_name or case.customer_signer
        )
    return Signature(CUSTOMER)


def _signatures(record, form_key: str) -> list[Signature]:
    """The engine's approval signatures, plus the people the paper form has sign."""
    blocks = [Signature(**item) for item in print_signatures(record)]
    if isinstance(record, InstallationPlan):
        author = record.submitted_by or record.created_by
        return [Signature("编制 Prepared by", _name(author), record.submitted_at), *blocks]
    case = record
    if form_key == "F01":
        return [Signature("申请人 Requested by (sales)", _name(case.salesperson), case.submitted_at), *blocks]
    if form_key == "F03":
        return [
            Signature("销售 Sales", _name(case.sales_rep), case.inspected_at),
            Signature("物流 Logistics", _name(case.logistics_rep), case.inspected_at),
            Signature("客户代表 Customer's representative", case.customer_rep, case.inspected_at),
        ]
    if form_key == "F04":
        return [
            Signature("培训人 Trainer", case.trainer, case.trained_at),
            Signature("受训人代表 Trainees", ", ".join(case.trainees or [])[:100]),
        ]
    return [
        Signature("项目负责人 Project lead", _name(case.project_lead), case.customer_signed_at),
        _customer_block(case),
    ]


def _form_and_number(record, form_key: str):
    prefix = SUB_FORMS.get(form_key) if isinstance(record, InstallationRequest) else None
    if prefix is None:
        return record.form, record.number
    number = getattr(record, f"{prefix}_number")
    if not number:
        abort(404)
    return find_document(getattr(record, f"{prefix}_form_code")) or record.form, number


@bp.route("/print/<record_type>/<int:record_id>/<form_key>.pdf")
@login_required
def print_record(record_type: str, record_id: int, form_key: str):
    """One of the installation procedure's controlled forms as PDF, in the reader's language."""
    definition = registry.for_type(record_type)
    if (
        definition is None
        or definition.module != "installation"
        or form_key not in definition.print_templates
    ):
        abort(404)
    record = db.session.get(definition.model, record_id)
    if record is None or not record.number:
        abort(404)
    form, number = _form_and_number(record, form_key)
    pdf = render_pdf(
        definition.print_templates[form_key],
        record_number=number,
        form=form,
        signatures=_signatures(record, form_key),
        context={"record": record},
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


@bp.app_template_global("installation_print_url")
def installation_print_url(record, form_key: str) -> str:
    """Where one of the installation forms of ``record`` prints."""
    return url_for(
        "installation.print_record", record_type=record.record_type, record_id=record.id, form_key=form_key
    )
