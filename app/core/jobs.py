"""Background work: enqueueing, the worker, and the single periodic scheduler.

Jobs are plain functions taking ids. The worker builds the app once and runs each job in
an app context. The scheduler is RQ's cron scheduler wrapped in a Redis lease: a second
scheduler started by mistake stands by instead of enqueueing every periodic job twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from redis import Redis
from rq import Queue, Worker
from rq.cron import CronScheduler

log = logging.getLogger("qportal.jobs")

LEADER_KEY = "qportal:scheduler:leader"
HEARTBEAT_KEY = "qportal:scheduler:heartbeat"

#: periodic jobs: (function, interval in seconds); procedures add theirs through ``periodic``
_PERIODIC: list[tuple[Callable, int]] = []


def periodic(interval: int) -> Callable:
    """Register a job function to run every ``interval`` seconds under the scheduler."""

    def decorator(func: Callable) -> Callable:
        _PERIODIC.append((func, interval))
        return func

    return decorator


def enqueue(func: Callable, *args, **kwargs):
    """Put ``func(*args)`` on the portal's queue; failed jobs are retried three times."""
    from rq import Retry

    from app.extensions import redis

    return redis.queue().enqueue(func, *args, retry=Retry(max=3, interval=[10, 60, 300]), **kwargs)


def heartbeat() -> None:
    """Proves that the scheduler enqueues and a worker runs: the health check reads it."""
    from app.extensions import redis

    redis.conn.set(HEARTBEAT_KEY, datetime.now(UTC).isoformat(), ex=3600)


_PERIODIC.append((heartbeat, 30))


class AppWorker(Worker):
    """An RQ worker whose jobs run inside the portal's app context."""

    app: Flask | None = None

    def perform_job(self, job, queue):
        from app.extensions import db

        with self.app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app: Flask, *, burst: bool = False) -> None:
    from app.extensions import db, redis

    with app.app_context():
        conn = redis.conn
        queue = Queue(app.config["RQ_QUEUE"], connection=conn)
        db.engine.dispose()  # the work horses fork: no shared connections
    AppWorker.app = app
    worker = AppWorker([queue], connection=conn, name=f"qportal-{socket.gethostname()}-{os.getpid()}")
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


class LeasedCronScheduler(CronScheduler):
    """Enqueues periodic jobs only while holding the leader lease in Redis."""

    lease_seconds = 30

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token = uuid.uuid4().hex
        self.is_leader = False

    def acquire_lease(self) -> bool:
        conn = self.connection
        if conn.set(LEADER_KEY, self.token, nx=True, ex=self.lease_seconds):
            if not self.is_leader:
                self.log.info("scheduler %s: took the lead", self.name)
            self.is_leader = True
        elif (conn.get(LEADER_KEY) or b"").decode() == self.token:
            conn.expire(LEADER_KEY, self.lease_seconds)
            self.is_leader = True
        else:
            if self.is_leader:
                self.log.warning("scheduler %s: lost the lead", self.name)
            self.is_leader = False
        return self.is_leader

    def enqueue_jobs(self):
        if not self.acquire_lease():
            return []
        return super().enqueue_jobs()

    def calculate_sleep_interval(self) -> float:
        return min(super().calculate_sleep_interval(), self.lease_seconds / 3)

    def register_death(self, pipeline=None) -> None:
        if (self.connection.get(LEADER_KEY) or b"").decode() == self.token:
            self.connection.delete(LEADER_KEY)
        super().register_death(pipeline)


def build_scheduler(app: Flask, conn: Redis) -> LeasedCronScheduler:
    import app.core.periodic  # noqa: F401 — registers every procedure's periodic jobs

    scheduler = LeasedCronScheduler(connection=conn, logging_level="INFO")
    for func, interval in _PERIODIC:
        scheduler.register(func, app.config["RQ_QUEUE"], interval=interval)
    return scheduler


def run_scheduler(app: Flask) -> None:
    from app.extensions import redis

    with app.app_context():
        conn = redis.conn
    build_scheduler(app, conn).start()


def _fresh(ts: datetime | None, stale: int) -> bool:
    return ts is not None and (datetime.now(UTC) - ts).total_seconds() <= stale


def worker_status(conn: Redis, stale: int) -> dict:
    workers = Worker.all(connection=conn)
    alive = [w for w in workers if _fresh(_aware(w.last_heartbeat), stale)]
    return {"ok": bool(alive), "count": len(alive)}


def scheduler_status(conn: Redis, stale: int) -> dict:
    schedulers = CronScheduler.all(conn)
    alive = [s for s in schedulers if _fresh(s.last_heartbeat, stale)]
    leader = conn.get(LEADER_KEY)
    return {"ok": bool(alive) and leader is not None, "count": len(alive)}


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
