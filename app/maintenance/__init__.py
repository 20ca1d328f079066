"""The preventive maintenance procedure (DOMAIN.md §4, Q/SB-8.5.4): plans (F01) and visits (F02)."""

from flask import Blueprint

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")

from app.maintenance import (  # noqa: E402, F401 — signal receivers, pages and the CLI
    cli,
    services,
    views,
    workflow,  # registers the record definitions
)
