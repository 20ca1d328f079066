"""Home page, notifications, pages of procedures not yet built, and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from flask_login import current_user
from sqlalchemy import text

from app.core import notifications
from app.core.navigation import procedure
from app.core.permissions import login_required
from app.core.tasks import open_tasks, pending_approvals
from app.core.web import render
from app.extensions import db

bp = Blueprint("core", __name__)
health_bp = Blueprint("health", __name__)


@bp.route("/")
@login_required
def home():
    user = current_user._get_current_object()
    from app.core.records.engine import pending_approval_count

    return render(
        "core/home.html",
        tasks=open_tasks(user),
        approvals=pending_approvals(user),
        approval_count=pending_approval_count(user),  # the card and the header badge both show it
        notes=notifications.recent(user.id, limit=10),
    )


@bp.route("/procedures/<module>")
@login_required
def procedure_pending(module: str):
    entry = procedure(module)
    if entry is None:
        abort(404)
    return render("core/procedure_pending.html", entry=entry)


@bp.route("/notifications")
@login_required
def notification_list():
    return render(
        "core/notifications.html", "notification_list", notes=notifications.recent(current_user.id, limit=50)
    )


@bp.route("/notifications/bell")
@login_required
def notification_bell():
    return render("core/_bell.html", "bell", unread=notifications.unread_count(current_user.id))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notification_read():
    notifications.mark_all_read(current_user.id)
    db.session.commit()
    return render("core/_bell.html", "bell", unread=0)


@bp.app_context_processor
def _header_context():
    """The header's unread count, asked only by a template that shows the header (not by the
    HTMX fragments, which are rendered with the same context)."""

    def unread() -> int:
        if current_user and current_user.is_authenticated:
            return notifications.unread_count(current_user.id)
        return 0

    return {"unread_notifications": unread}


@health_bp.route("/healthz")
def healthz():
    """Database, Redis, worker and scheduler status; 200 only when all four are up."""
    from app.core.jobs import scheduler_status, worker_status
    from app.extensions import redis

    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as error:  # noqa: BLE001 — reported, not raised
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(error).__name__}
    try:
        redis.conn.ping()
        checks["redis"] = {"ok": True}
    except Exception as error:  # noqa: BLE001
        checks["redis"] = {"ok": False, "error": type(error).__name__}
    stale = current_app.config["HEARTBEAT_STALE_SECONDS"]
    queue_name = current_app.config["RQ_QUEUE"]
    for name, status in (("worker", worker_status), ("scheduler", scheduler_status)):
        if not checks["redis"]["ok"]:
            checks[name] = {"ok": False, "error": "redis unreachable"}
            continue
        try:
            checks[name] = status(redis.conn, stale, queue_name)
        except Exception as error:  # noqa: BLE001
            checks[name] = {"ok": False, "error": type(error).__name__}
    healthy = all(check["ok"] for check in checks.values())
    response = jsonify(status="ok" if healthy else "degraded", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@health_bp.route("/healthz/live")
def liveness():
    """The web process answers at all (for a load balancer); touches neither database nor Redis."""
    response = jsonify(status="alive")
    response.headers["Cache-Control"] = "no-store"
    return response
