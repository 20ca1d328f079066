"""The delivery procedure (DOMAIN.md §4 "Delivery", Q/SB-8.5.1): shipping note, delivery receipt,
transit damage/loss record."""

from flask import Blueprint

bp = Blueprint("delivery", __name__, url_prefix="/delivery")

from app.delivery import (  # noqa: E402, F401 — signal receivers and pages
    services,
    views,
    workflow,  # registers the record definitions
)
