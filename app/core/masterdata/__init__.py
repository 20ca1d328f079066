"""Master data: customers with contacts, products, units (DOMAIN.md §3)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("masterdata", __name__, url_prefix="/masterdata")

from app.core.masterdata import views  # noqa: E402,F401
