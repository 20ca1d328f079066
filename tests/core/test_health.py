"""``/healthz``: database, Redis, worker and scheduler; 200 only when all four are up."""

from __future__ import annotations

import pytest

from app.core.jobs import wait_for
from tests.core.conftest import logs, stop


def test_healthz_is_503_while_no_worker_or_scheduler_runs(client):
    response = client.get("/healthz")  # no login: monitoring probes have no account

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "count": 0}
    assert body["checks"]["scheduler"]["ok"] is False
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_an_unreachable_redis(app, client, tmp_path):
    from redis import Redis

    app.extensions["qportal_redis"] = Redis.from_url(f"unix://{tmp_path / 'no-such.socket'}")
    try:
        body = client.get("/healthz").get_json()
    finally:
        app.extensions["qportal_redis"] = None

    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["worker"] == {"ok": False, "error": "redis unreachable"}


@pytest.mark.slow
def test_healthz_is_200_once_a_real_worker_and_scheduler_run(client, spawn):
    worker = spawn("worker")
    scheduler = spawn("scheduler")

    assert wait_for(lambda: client.get("/healthz").status_code == 200, timeout=20, step=0.5), logs(
        worker, scheduler
    )
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"] == {"ok": True, "count": 1}
    assert body["checks"]["scheduler"]["count"] == 1
    assert body["checks"]["scheduler"]["standby"] == 0

    stop(worker)  # a stopped worker signs off at once: no waiting for its heartbeat to go stale
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["worker"]["ok"] is False
    assert response.get_json()["checks"]["scheduler"]["ok"] is True


def test_liveness_answers_without_login_or_database(client, app):
    from sqlalchemy import event

    from app.extensions import db

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}
    assert statements == []
