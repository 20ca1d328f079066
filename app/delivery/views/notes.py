"""Shipping notes: the list, issuing and editing, the note page, the warehouse check and the receipt."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.masterdata.models import Customer
from app.core.masterdata.queries import parse_sort
from app.core.pagination import paginate
from app.core.permissions import Department, Role, has_role, in_department, login_required
from app.core.records.engine import transition
from app.core.records.engine.errors import ValidationError
from app.core.web import is_fragment_request, redirect_after_post, render
from app.delivery import bp
from app.delivery.forms import MAX_LINES, LineEntry, NoteForm, product_choices, read_lines
from app.delivery.models import SHIPPED_STATES, LineCheck, NoteState, ShippingLine, ShippingNote
from app.delivery.queries import SORTS, note_query
from app.delivery.services import (
    check_line,
    check_stock,
    correct_line,
    create_note,
    record_received,
    search_stock,
    update_note,
)
from app.extensions import db


def _actor():
    return current_user._get_current_object()


def get_note_or_404(note_id: int) -> ShippingNote:
    note = db.session.get(ShippingNote, note_id)
    if note is None:
        abort(404)
    return note


def get_line_or_404(line_id: int) -> ShippingLine:
    line = db.session.get(ShippingLine, line_id)
    if line is None:
        abort(404)
    return line


# --- who may do what beside the engine's steps (views and templates ask the same) --------------------


def can_issue(user) -> bool:
    """Sales issues shipping notes."""
    return in_department(user, Department.SALES)


def may_edit(user, note: ShippingNote) -> bool:
    return note.status == NoteState.DRAFT and can_issue(user)


def may_check(user, note: ShippingNote) -> bool:
    """The warehouse keeper checks (and corrects) the lines of an approved note before release."""
    return note.status == NoteState.APPROVED and has_role(user, Role.WAREHOUSE_KEEPER)


def may_record_receipt(user, note: ShippingNote) -> bool:
    """Sales or Logistics records what the customer counted on arrival."""
    return note.status == NoteState.RELEASED and in_department(user, Department.SALES, Department.LOGISTICS)


def may_report_damage(user, note: ShippingNote) -> bool:
    return note.status in SHIPPED_STATES and in_department(user, Department.SALES, Department.LOGISTICS)


for _name, _check in {
    "delivery_may_edit": may_edit,
    "delivery_may_check": may_check,
    "delivery_may_record_receipt": may_record_receipt,
    "delivery_may_report_damage": may_report_damage,
}.items():
    bp.add_app_template_global(lambda note, _check=_check: _check(current_user, note), _name)


# --- list ---------------------------------------------------------------------------------------------


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _list_filters() -> dict:
    args = request.args
    status = args.get("status", "")
    if status not in {"", "open", *(s.value for s in NoteState)}:
        status = ""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    return {
        "q": args.get("q", "").strip()[:100],
        "status": status,
        "customer": args.get("customer", type=int) or None,
        "from": date_from.isoformat() if date_from else "",
        "to": date_to.isoformat() if date_to else "",
    }


@bp.route("/")
@login_required
def index():
    filters = _list_filters()
    sort, descending = parse_sort(request.args.get("sort"), SORTS, "date")
    if request.args.get("sort") is None:
        descending = True
    query = note_query(
        q=filters["q"],
        status=filters["status"],
        customer_id=filters["customer"],
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
        sort=sort,
        descending=descending,
    )
    number = max(1, request.args.get("page", 1, type=int) or 1)
    page = paginate(query, number, current_app.config["PAGE_SIZE"])
    active = {k: v for k, v in filters.items() if v not in (None, "")}
    return render(
        "delivery/index.html",
        "note_table",
        page=page,
        filters=filters,
        active=active,
        sort=sort,
        descending=descending,
        states=list(NoteState),
        customer=db.session.get(Customer, filters["customer"]) if filters["customer"] else None,
        may_issue=can_issue(current_user),
    )


# --- issuing and editing --------------------------------------------------------------------------------


def _form_rows(entries: list[LineEntry]) -> list[LineEntry | None]:
    """The line rows of the form: those typed, at least three, and one empty row more."""
    rows: list[LineEntry | None] = list(entries)
    rows += [None] * max(0, 3 - len(rows))
    return [*rows, None][: MAX_LINES + 1]


def _save(note: ShippingNote | None):
    """Validate the head and lines, then create or update the draft (and submit it when asked)."""
    form = NoteForm()
    entries = read_lines(request.form)
    form_ok = form.validate()
    lines_ok = bool(entries) and not any(e.errors for e in entries)
    if lines_ok:
        lines_ok = check_stock(entries, note=note)
    if not (form_ok and lines_ok):
        return None, form, entries
    lines = [e.values() for e in entries]
    try:
        if note is None:
            note = create_note(form.values(), lines, actor=_actor())
        else:
            update_note(note, form.values(), lines, actor=_actor())
        if request.form.get("action") == "submit":
            transition(note, "submit", actor=_actor())
    except ValidationError as error:
        db.session.rollback()
        for key, message in error.errors.items():
            target = form[key] if key in form._fields else form.note
            target.errors = [*target.errors, str(message)]
        return None, form, entries
    return note, form, entries


def _form_page(form, entries, note, *, status=200):
    return render(
        "delivery/form.html",
        "note_form",
        status=status,
        form=form,
        rows=_form_rows(entries),
        no_lines=status == 422 and not entries,
        products=product_choices(),
        record=note,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_issue(current_user):
        abort(403)
    if request.method == "POST":
        note, form, entries = _save(None)
        if note is None:
            return _form_page(form, entries, None, status=422)
        db.session.commit()
        if note.number:
            flash(_("Shipping note %(number)s sent for approval.", number=note.number), "success")
        else:
            flash(_("Draft saved."), "success")
        return redirect_after_post(url_for("delivery.detail", note_id=note.id))
    form = NoteForm()
    customer_id = request.args.get("customer", type=int)
    if customer_id and db.session.get(Customer, customer_id):
        form.customer_id.data = customer_id
    return _form_page(form, [], None)


@bp.route("/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit(note_id: int):
    note = get_note_or_404(note_id)
    if not may_edit(current_user, note):
        abort(403)
    if request.method == "POST":
        if request.form.get("version", type=int) != note.version:
            abort(409)
        saved, form, entries = _save(note)
        if saved is None:
            return _form_page(form, entries, note, status=422)
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect_after_post(url_for("delivery.detail", note_id=note.id))
    form = NoteForm(obj=note)
    return _form_page(form, [LineEntry.of(line) for line in note.lines], note)


@bp.route("/stock")
@login_required
def stock_search():
    """Units in stock for a line's type-ahead (serial contains the text; the line's product, if chosen)."""
    row = request.args.get("row", "")
    row = row if row.isdigit() else "0"
    units = search_stock(
        request.args.get("stock_q", ""),
        product_id=request.args.get("product_id", type=int),
        exclude_note_id=request.args.get("note", type=int),
    )
    return render(
        "delivery/_stock_results.html", units=units, row=row, q=request.args.get("stock_q", "").strip()
    )


# --- the note page ------------------------------------------------------------------------------------------


def _lines_block(note: ShippingNote, *, status: int = 200, **ctx):
    """The lines card alone for htmx; a plain form post goes back to the note's page."""
    if status == 200 and not is_fragment_request():
        return redirect(url_for("delivery.detail", note_id=note.id), 303)
    return render("delivery/detail.html", "note_lines", status=status, record=note, **ctx)


@bp.route("/<int:note_id>")
@login_required
def detail(note_id: int):
    return render("delivery/detail.html", record=get_note_or_404(note_id))


@bp.route("/lines/<int:line_id>/check", methods=["POST"])
@login_required
def line_check(line_id: int):
    """The warehouse keeper: this line matches the goods, or says what does not."""
    line = get_line_or_404(line_id)
    note = line.shipping_note
    if not may_check(current_user, note):
        abort(403)
    matches = request.form.get("result") == LineCheck.OK.value
    try:
        check_line(line, matches=matches, remark=request.form.get("check_note", ""), actor=_actor())
    except ValidationError as error:
        db.session.rollback()
        return _lines_block(
            note, status=422, line_errors={line.id: {k: str(v) for k, v in error.errors.items()}}
        )
    db.session.commit()
    return _lines_block(note)


@bp.route("/lines/<int:line_id>/correct", methods=["POST"])
@login_required
def line_correct(line_id: int):
    """The warehouse keeper corrects a line to the goods (quantity, batch, serials), with the reason."""
    line = get_line_or_404(line_id)
    note = line.shipping_note
    if not may_check(current_user, note):
        abort(403)
    entry = LineEntry(
        str(line.product_id),
        request.form.get("quantity", ""),
        request.form.get("batch", ""),
        request.form.get("serials", ""),
        line.position,
    )
    valid = entry.check() and check_stock([entry], note=note)
    errors = dict(entry.errors)
    if valid:
        try:
            correct_line(line, entry, reason=request.form.get("reason", ""), actor=_actor())
        except ValidationError as error:
            db.session.rollback()
            errors = {k: str(v) for k, v in error.errors.items()}
    if errors:
        return _lines_block(note, status=422, line_errors={line.id: errors}, corrections={line.id: entry})
    db.session.commit()
    return _lines_block(note)


def _quantity(name: str) -> int | None:
    text = (request.form.get(name) or "").strip()
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        return -1


@bp.route("/<int:note_id>/receipt", methods=["POST"])
@login_required
def receipt(note_id: int):
    """What the customer counted on arrival, line by line (before the receipt is confirmed)."""
    note = get_note_or_404(note_id)
    if not may_record_receipt(current_user, note):
        abort(403)
    quantities = {}
    for line in note.lines:
        received = _quantity(f"received-{line.id}")
        damaged = _quantity(f"damaged-{line.id}")
        quantities[line.id] = (
            received,
            0 if damaged is None else damaged,
            request.form.get(f"remark-{line.id}", ""),
        )
    errors = record_received(note, quantities, actor=_actor())
    if errors:
        db.session.rollback()
        typed = {key: request.form.get(key, "") for key in request.form}
        return _lines_block(note, status=422, receipt_errors=errors, typed=typed)
    db.session.commit()
    return _lines_block(note)
