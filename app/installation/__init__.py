"""The installation procedure (DOMAIN.md §4 "Installation", Q/SB-8.5.2): request, plan, unboxing,
commissioning, training and the customer's acceptance."""

from flask import Blueprint

bp = Blueprint("installation", __name__, url_prefix="/installation")

from app.installation import (  # noqa: E402, F401 — signal receivers and pages
    services,
    views,
    workflow,  # noqa: E402, F401 — registers the record definitions
)
