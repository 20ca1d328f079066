"""The real ``flask worker`` and ``flask scheduler`` against the test database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest
from rq.cron import get_cron_job_history_key
from rq.job import Job
from rq.scheduler import RQScheduler
from sqlalchemy import select

from app.core.jobs import enqueue, leader_key, scheduler_status, wait_for
from app.core.notifications import Notification
from app.extensions import db, redis
from tests.core.conftest import ROOT, logs, stop
from tests.core.jobs_for_tests import fail_once_then_note, leave_note

pytestmark = pytest.mark.slow

HEARTBEAT_JOB = "app.core.jobs.heartbeat"


def notes_of(user_id: int) -> list[str]:
    db.session.remove()  # a new transaction: see what the worker committed
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user_id)))


def test_enqueued_job_runs_in_the_worker_with_an_app_context(app, make_user, spawn):
    user = make_user()
    job = enqueue(leave_note, user.id, "备件已到 parts arrived")
    worker = spawn("worker")

    assert wait_for(lambda: notes_of(user.id), timeout=20), logs(worker)
    assert notes_of(user.id) == ["备件已到 parts arrived (queue qportal-test)"]
    # the job commits its note, then the worker marks it finished: wait for that too
    assert wait_for(lambda: job.get_status(refresh=True) == "finished", timeout=10), logs(worker)


def test_a_job_that_crashes_is_retried(app, make_user, spawn):
    app.config["JOB_RETRY_INTERVALS"] = [1]
    user = make_user()
    job = enqueue(fail_once_then_note, user.id, "test:attempts")
    worker = spawn("worker")

    assert wait_for(lambda: notes_of(user.id), timeout=25), logs(worker)
    assert notes_of(user.id) == ["done on attempt 2"]
    assert wait_for(lambda: job.get_status(refresh=True) == "finished", timeout=10), logs(worker)
    assert int(redis.conn.get("test:attempts")) == 2


def heartbeat_enqueue_times() -> list[float]:
    return [
        score
        for _id, score in redis.conn.zrange(get_cron_job_history_key(HEARTBEAT_JOB), 0, -1, withscores=True)
    ]


def test_a_second_scheduler_stands_by_and_takes_over(app, spawn):
    fast = {"HEARTBEAT_INTERVAL_SECONDS": "1", "SCHEDULER_LEASE_SECONDS": "3"}
    queue = app.config["RQ_QUEUE"]
    first = spawn("scheduler", **fast)
    assert wait_for(lambda: redis.conn.get(leader_key(queue)), timeout=20), logs(first)
    first_name = redis.conn.get(leader_key(queue)).decode()
    second = spawn("scheduler", **fast)
    assert wait_for(lambda: scheduler_status(redis.conn, 30, queue)["standby"] == 1, timeout=20), logs(second)

    # Both run for a while: the heartbeat job is enqueued once a second, never twice.
    window_start = time.time()
    time.sleep(5)
    times = [t for t in heartbeat_enqueue_times() if t >= window_start]
    assert 2 <= len(times) <= 7, times
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) > 0.9, gaps
    assert redis.conn.get(leader_key(queue)).decode() == first_name

    # The leader stops: the standby takes the lead and the heartbeat goes on.
    stop(first)
    assert wait_for(
        lambda: (redis.conn.get(leader_key(queue)) or b"").decode() not in ("", first_name), timeout=10
    ), logs(second)
    taken_over_at = time.time()
    assert wait_for(lambda: any(t > taken_over_at for t in heartbeat_enqueue_times()), timeout=5), logs(
        second
    )
    assert scheduler_status(redis.conn, 30, queue)["ok"] is True


def test_the_heartbeat_job_reaches_the_worker(app, spawn):
    queue = app.config["RQ_QUEUE"]
    scheduler = spawn("scheduler")
    worker = spawn("worker")
    assert wait_for(lambda: scheduler_status(redis.conn, 30, queue)["last_heartbeat_job_at"], timeout=20), (
        logs(scheduler, worker)
    )
    job_id = redis.conn.zrange(get_cron_job_history_key(HEARTBEAT_JOB), 0, 0)[0].decode()
    job = Job.fetch(job_id, connection=redis.conn)
    assert wait_for(lambda: job.get_status(refresh=True) == "finished", timeout=10), logs(scheduler, worker)


def test_cron_schedules_follow_the_company_time_zone_not_the_servers():
    """A job at 08:00 means 08:00 in Shanghai (00:00 UTC) on a server whose clock is set to UTC."""
    code = """
from datetime import UTC
from rq.cron import CronJob
from app import create_app
from app.core.jobs import heartbeat, use_company_time_zone
use_company_time_zone(create_app())
print(CronJob("q", func=heartbeat, cron="0 8 * * *").next_enqueue_time.astimezone(UTC).strftime("%H:%M"))
"""
    env = {**os.environ, "TZ": "UTC", "TIMEZONE": "Asia/Shanghai"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.stdout.strip() == "00:00", result.stderr


def test_a_worker_killed_outright_takes_its_scheduler_with_it(app, spawn):
    """After a power cut of the worker no scheduler runs on for it, and the lock is free at once."""
    lock = RQScheduler.get_locking_key(app.config["RQ_QUEUE"])
    worker = spawn("worker")
    assert wait_for(lambda: psutil.Process(worker.pid).children() and redis.conn.get(lock), timeout=20), logs(
        worker
    )
    (scheduler,) = psutil.Process(worker.pid).children()

    worker.kill()
    worker.wait(timeout=10)

    def gone() -> bool:
        try:
            return scheduler.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
        except psutil.NoSuchProcess:
            return True

    assert wait_for(gone, timeout=10), logs(worker)
    assert redis.conn.get(lock) is None  # released: the next worker's scheduler takes it at once
    successor = spawn("worker")
    assert wait_for(lambda: redis.conn.get(lock), timeout=20), logs(successor)
