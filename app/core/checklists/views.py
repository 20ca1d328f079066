"""The checklist admin pages: templates per product and purpose, their items edited in place.

The list (``/checklists/``) filters by product and purpose and adds templates; a template's
page edits its header and its items, each item row posting on its own (``hx-post``) and
getting itself back, with its errors beside the fields (422) or refused as stale (409).
Only :func:`can_manage_checklists` people see the pages or change anything (403 otherwise).
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.checklists import bp
from app.core.checklists.forms import ItemForm, TemplateForm
from app.core.checklists.models import ChecklistItem, ChecklistPurpose, ChecklistTemplate, plain_number
from app.core.checklists.services import add_item, create_template, remove_item, update_item, update_template
from app.core.masterdata.models import Product
from app.core.permissions import Role, has_role, requires
from app.core.records.audit import history_of
from app.core.records.engine.errors import ValidationError
from app.core.web import check_version, is_fragment_request, redirect_after_post, render
from app.extensions import db

INDEX, DETAIL = "core/checklists/index.html", "core/checklists/detail.html"


def can_manage_checklists(user) -> bool:
    """System and quality admins and every department manager keep the checklists."""
    return has_role(user, Role.SYSTEM_ADMIN, Role.QUALITY_ADMIN, Role.DEPT_MANAGER)


bp.add_app_template_global(can_manage_checklists, "can_manage_checklists")


@bp.app_template_filter("checklist_number")
def _checklist_number(value) -> str:
    """A stored limit as people write it (``0.500`` → ``0.5``); text that is no number stays."""
    if value is None:
        return ""
    try:
        return plain_number(value)
    except ArithmeticError:
        return str(value)


def _actor():
    return current_user._get_current_object()


def get_template_or_404(template_id: int) -> ChecklistTemplate:
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None:
        abort(404)
    return template


def get_item_or_404(item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None:
        abort(404)
    return item


def _add_errors(form, error: ValidationError | None, field: str, default: str) -> None:
    messages = dict(error.errors) if error is not None else {}
    for key, message in messages.items():
        target = form[key] if key in form._fields else form[field]
        target.errors = [*target.errors, str(message)]
    if not messages:
        form[field].errors = [*form[field].errors, default]


# --- the list ------------------------------------------------------------------------------------------


def _filters() -> dict:
    purpose = request.args.get("purpose", "")
    return {
        "product": request.args.get("product", type=int) or None,
        "purpose": purpose if purpose in {p.value for p in ChecklistPurpose} else "",
    }


def _index_context(add_form: TemplateForm | None = None) -> dict:
    filters = _filters()
    query = select(ChecklistTemplate).join(Product, Product.id == ChecklistTemplate.product_id)
    if filters["product"]:
        query = query.where(ChecklistTemplate.product_id == filters["product"])
    if filters["purpose"]:
        query = query.where(ChecklistTemplate.purpose == filters["purpose"])
    templates = list(db.session.scalars(query.order_by(Product.model, ChecklistTemplate.purpose)).unique())
    return {
        "templates": templates,
        "filters": filters,
        "products": list(db.session.scalars(select(Product).order_by(Product.model))),
        "purposes": list(ChecklistPurpose),
        "add_form": add_form or TemplateForm(formdata=None),
    }


@bp.route("/")
@requires(can_manage_checklists)
def index():
    return render(INDEX, "template_table", **_index_context())


@bp.route("/", methods=["POST"])
@requires(can_manage_checklists)
def create():
    form = TemplateForm()
    if form.validate():
        try:
            template = create_template(form.values(), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            _add_errors(form, error, "purpose", "")
        except IntegrityError:  # the same product and purpose saved a moment ago
            db.session.rollback()
            _add_errors(form, None, "purpose", _("This product already has a checklist for this purpose."))
        else:
            flash(_("Checklist “%(title)s” added: now add its items.", title=template.title_zh), "success")
            return redirect_after_post(url_for("checklists.detail", template_id=template.id))
    return render(INDEX, "template_add_form", status=422, **_index_context(add_form=form))


# --- one template ----------------------------------------------------------------------------------------


def _detail_context(
    template: ChecklistTemplate,
    *,
    header_form: TemplateForm | None = None,
    edited: ChecklistItem | None = None,
    item_form: ItemForm | None = None,
    add_form: ItemForm | None = None,
    saved: str | None = None,
    saved_id: int | None = None,
) -> dict:
    rows = []
    for item in template.items:
        if edited is not None and item.id == edited.id:
            rows.append((item, item_form))
        else:
            rows.append((item, ItemForm(formdata=None, obj=item)))
    return {
        "checklist": template,
        "header_form": header_form or TemplateForm(formdata=None, obj=template),
        "item_rows": rows,
        "add_form": add_form or ItemForm(formdata=None),
        "history": history_of(template),
        "saved": saved,
        "saved_id": saved_id,
    }


@bp.route("/<int:template_id>")
@requires(can_manage_checklists)
def detail(template_id: int):
    template = get_template_or_404(template_id)
    return render(DETAIL, "item_table", **_detail_context(template))


@bp.route("/<int:template_id>", methods=["POST"])
@requires(can_manage_checklists)
def edit(template_id: int):
    template = get_template_or_404(template_id)
    check_version(template)
    form = TemplateForm()
    if form.validate():
        try:
            update_template(template, form.values(), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            _add_errors(form, error, "purpose", "")
        except IntegrityError:
            db.session.rollback()
            _add_errors(form, None, "purpose", _("This product already has a checklist for this purpose."))
        else:
            context = _detail_context(template, saved="header")
            return render(DETAIL, "template_form", **context)
    db.session.refresh(template)
    return render(DETAIL, "template_form", status=422, **_detail_context(template, header_form=form))


@bp.route("/<int:template_id>/items", methods=["POST"])
@requires(can_manage_checklists)
def item_add(template_id: int):
    template = get_template_or_404(template_id)
    form = ItemForm()
    if form.validate():
        try:
            add_item(template, form.values(), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            _add_errors(form, error, "text_zh", "")
        else:
            flash(_("Item added."), "success")
            return redirect_after_post(url_for("checklists.detail", template_id=template.id))
    db.session.refresh(template)
    return render(DETAIL, "item_add_form", status=422, **_detail_context(template, add_form=form))


@bp.route("/items/<int:item_id>", methods=["POST"])
@requires(can_manage_checklists)
def item_edit(item_id: int):
    item = get_item_or_404(item_id)
    check_version(item)
    template = item.template
    form = ItemForm()
    status, saved_id = 422, None
    if form.validate():
        try:
            update_item(item, form.values(), actor=_actor())
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            db.session.refresh(item)
            _add_errors(form, error, "text_zh", "")
        else:
            status, saved_id = 200, item.id
            form = ItemForm(formdata=None, obj=item)
    context = _detail_context(template, edited=item, item_form=form, saved_id=saved_id)
    return render(DETAIL, "item_row", status=status, item=item, row_form=form, **context)


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@requires(can_manage_checklists)
def item_remove(item_id: int):
    item = get_item_or_404(item_id)
    check_version(item)
    template = item.template
    remove_item(item, actor=_actor())
    db.session.commit()
    if is_fragment_request():
        return ""  # the row is swapped out
    flash(_("Item removed."), "success")
    return redirect_after_post(url_for("checklists.detail", template_id=template.id))
