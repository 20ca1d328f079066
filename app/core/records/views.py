"""The document register and the audit log search."""

from __future__ import annotations

from flask import Blueprint

from app.core.permissions import login_required

bp = Blueprint("records", __name__, url_prefix="/records")


@bp.route("/register")
@login_required
def register():
    return "register"


@bp.route("/audit")
@login_required
def audit_log():
    return "audit"
