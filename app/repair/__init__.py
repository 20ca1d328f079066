"""The repair procedure (DOMAIN.md §4 "Repair", Q/SB-8.5.3): request, quotation, requisition, record."""

from flask import Blueprint

bp = Blueprint("repair", __name__, url_prefix="/repair")

from app.repair import (  # noqa: E402, F401 — signal receivers and pages
    services,
    views,
    workflow,  # noqa: E402, F401 — registers the record definitions
)
