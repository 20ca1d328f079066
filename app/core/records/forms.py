"""The revision form of the document register and the audit log search."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.core.records.audit import AuditAction, label_fields
from app.core.records.numbering import PatternError, validate_pattern
from app.core.records.register import ControlledDocument, DocumentStatus
from app.extensions import db

#: edition letter and amendment number (DOMAIN.md §1)
REVISION_LABEL = re.compile(r"^[A-Z]/\d{1,2}$")

#: display labels of a document's content fields (document, revision and form pages)
FIELD_LABELS = {
    "code": _l("Code"),
    "title_zh": _l("Title (Chinese)"),
    "title_en": _l("Title (English)"),
    "revision": _l("Revision"),
    "issue_date": _l("Issue date"),
    "effective_date": _l("Effective date"),
    "prepared_by": _l("Prepared by"),
    "reviewed_by": _l("Reviewed by"),
    "approved_by": _l("Approved by"),
    "status": _l("Status"),
    "retention_years": _l("Retention (years)"),
    "number_pattern": _l("Numbering pattern"),
}
label_fields(
    {
        **FIELD_LABELS,
        "kind": _l("Kind"),
        "module": _l("Module"),
        "form_key": _l("Form key"),
        "procedure_id": _l("Procedure"),
    }
)


def next_revision_label(label: str) -> str:
    """The next amendment of ``label`` (``A/0`` → ``A/1``), offered as the default."""
    if REVISION_LABEL.match(label or ""):
        edition, amendment = label.split("/")
        return f"{edition}/{int(amendment) + 1}"
    return ""


class DocumentForm(FlaskForm):
    """A new revision of a controlled document: every content field plus the reason."""

    code = StringField(FIELD_LABELS["code"], validators=[DataRequired(), Length(max=64)])
    title_zh = StringField(FIELD_LABELS["title_zh"], validators=[DataRequired(), Length(max=200)])
    title_en = StringField(FIELD_LABELS["title_en"], validators=[DataRequired(), Length(max=200)])
    revision = StringField(
        _l("New revision"),
        validators=[
            DataRequired(),
            Regexp(REVISION_LABEL, message=_l("Write the edition letter and amendment, e.g. A/1 or B/0.")),
        ],
    )
    issue_date = DateField(FIELD_LABELS["issue_date"], validators=[DataRequired()])
    effective_date = DateField(FIELD_LABELS["effective_date"], validators=[DataRequired()])
    prepared_by = StringField(FIELD_LABELS["prepared_by"], validators=[Optional(), Length(max=100)])
    reviewed_by = StringField(FIELD_LABELS["reviewed_by"], validators=[Optional(), Length(max=100)])
    approved_by = StringField(FIELD_LABELS["approved_by"], validators=[Optional(), Length(max=100)])
    status = SelectField(FIELD_LABELS["status"], validators=[DataRequired()])
    retention_years = IntegerField(
        FIELD_LABELS["retention_years"], validators=[DataRequired(), NumberRange(min=1, max=100)]
    )
    number_pattern = StringField(
        FIELD_LABELS["number_pattern"],
        validators=[DataRequired(), Length(max=64)],
        description=_l("Tokens: {YYYY} {YY} {MM} {DD} {SEQ:n}, e.g. WX-{YYYY}{MM}-{SEQ:4}"),
    )
    reason = TextAreaField(_l("Reason for revision"), validators=[DataRequired(), Length(max=2000)])

    def __init__(self, *args, document: ControlledDocument, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document
        self.status.choices = DocumentStatus.choices()
        if not document.is_form:
            # a procedure has no records of its own: no retention period, no numbers
            del self.retention_years
            del self.number_pattern

    def validate_code(self, field) -> None:
        other = db.session.scalar(
            select(ControlledDocument.id).where(
                ControlledDocument.code == field.data.strip(), ControlledDocument.id != self.document.id
            )
        )
        if other is not None:
            raise ValidationError(_l("Another document has this code."))

    def validate_revision(self, field) -> None:
        used = {self.document.revision} | {r.revision for r in self.document.revisions}
        if field.data.strip() in used:
            raise ValidationError(
                _l(
                    "This document already had revision %(label)s; give the new one its own label.",
                    label=field.data.strip(),
                )
            )

    def validate_effective_date(self, field) -> None:
        if field.data and self.issue_date.data and field.data < self.issue_date.data:
            raise ValidationError(_l("The effective date cannot be before the issue date."))

    def validate_number_pattern(self, field) -> None:
        try:
            validate_pattern(field.data.strip())
        except PatternError as error:
            raise ValidationError(str(error)) from None

    def content(self) -> dict:
        """The new content, as :func:`~app.core.records.services.revise_document` takes it."""
        data = {}
        for name in ControlledDocument.CONTENT_FIELDS:
            if name in self:
                value = self[name].data
                data[name] = value.strip() if isinstance(value, str) else value
        return data


class AuditSearchForm(FlaskForm):
    """The audit log filters, read from the query string."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    q = StringField(_l("Object (number, name or id)"), validators=[Optional(), Length(max=200)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, object_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [("", _l("All actions")), *AuditAction.choices()]
        self.object_type.choices = [("", _l("All types")), *object_types]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def filters(self) -> dict[str, str]:
        """The filters in force, as query-string arguments (for the pager and the export)."""
        values = {
            "actor": (self.actor.data or "").strip(),
            "action": self.action.data or "",
            "object_type": self.object_type.data or "",
            "q": (self.q.data or "").strip(),
            "date_from": self.date_from.data.isoformat() if self.date_from.data else "",
            "date_to": self.date_to.data.isoformat() if self.date_to.data else "",
        }
        return {key: value for key, value in values.items() if value}
