"""Every blueprint of the portal, in registration order."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[Blueprint]:
    from app.core.attachments import bp as attachments_bp
    from app.core.auth import bp as auth_bp
    from app.core.calendar import bp as calendar_bp
    from app.core.checklists import bp as checklists_bp
    from app.core.masterdata import bp as masterdata_bp
    from app.core.records.engine.views import bp as workflow_bp
    from app.core.records.views import bp as records_bp
    from app.core.traceability import bp as traceability_bp
    from app.core.views import bp as core_bp
    from app.core.views import health_bp

    return [
        core_bp,
        health_bp,
        auth_bp,
        masterdata_bp,
        records_bp,
        workflow_bp,
        calendar_bp,
        attachments_bp,
        checklists_bp,
        traceability_bp,
    ]
