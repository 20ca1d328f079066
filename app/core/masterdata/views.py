"""Customer, product and unit pages."""

from __future__ import annotations

from app.core.masterdata import bp
from app.core.permissions import login_required
from app.core.web import render


@bp.route("/customers")
@login_required
def customers():
    return render("core/procedure_pending.html", entry=None)


@bp.route("/units")
@login_required
def units():
    return render("core/procedure_pending.html", entry=None)


@bp.route("/products")
@login_required
def products():
    return render("core/procedure_pending.html", entry=None)
