"""Background work: enqueueing, the worker, and the single periodic scheduler.

Jobs are plain functions taking ids. The worker builds the app once and runs each job in
an app context. The scheduler is RQ's cron scheduler wrapped in a Redis lease: a second
scheduler started by mistake stands by instead of enqueueing every periodic job twice,
and takes over when the first one stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from redis import Redis
from rq import Queue, Retry, Worker
from rq.cron import CronScheduler
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import SchedulerNotFound
from rq.scheduler import RQScheduler

log = logging.getLogger("qportal.jobs")

#: periodic jobs: (function, {"interval": seconds} or {"cron": "m h dom mon dow"})
_PERIODIC: list[tuple[Callable, dict]] = []

# Take the lead if it is free, or renew it if it is ours; 1 = this scheduler leads.
_ACQUIRE_LEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
return 0
"""
_RELEASE_LEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def leader_key(queue_name: str) -> str:
    """Redis key naming the scheduler that enqueues the periodic jobs of ``queue_name``."""
    return f"qportal:{queue_name}:scheduler:leader"


def heartbeat_key(queue_name: str) -> str:
    """Redis key holding when the ``heartbeat`` job last ran."""
    return f"qportal:{queue_name}:heartbeat"


def _scheduler_prefix(queue_name: str) -> str:
    return f"qportal:{queue_name}:"


def periodic(interval: int | str | None = None, *, cron: str | None = None) -> Callable:
    """Register a job function to run every ``interval`` seconds, or on a ``cron`` schedule.

    ``interval`` may name a configuration key (``"DEADLINE_SCAN_SECONDS"``): the scheduler
    reads it when it starts. Cron fields are read in the portal's time zone (``TIMEZONE``),
    not the server's. An interval job also runs once when the scheduler starts or takes the lead.
    """
    if (interval is None) == (cron is None):
        raise ValueError("give either interval or cron")

    def decorator(func: Callable) -> Callable:
        if not any(known is func for known, _schedule in _PERIODIC):
            _PERIODIC.append((func, {"interval": interval} if interval else {"cron": cron}))
        return func

    return decorator


def periodic_jobs(config) -> list[tuple[Callable, dict]]:
    """The registered periodic jobs with their schedules, intervals named by config key resolved."""
    jobs = []
    for func, schedule in _PERIODIC:
        interval = schedule.get("interval")
        if isinstance(interval, str):
            schedule = {"interval": int(config[interval])}
        jobs.append((func, schedule))
    return jobs


def retry_policy(intervals: list[int]) -> Retry | None:
    """One retry per listed delay (seconds); an empty list means no retry."""
    return Retry(max=len(intervals), interval=list(intervals)) if intervals else None


def enqueue(func: Callable, *args, **kwargs):
    """Put ``func(*args, **kwargs)`` on the portal's queue (RQ options such as ``job_timeout`` pass through).

    A job that raises is retried after each delay of ``JOB_RETRY_INTERVALS`` (default 10 s,
    1 min, 5 min), then left in RQ's failed-job registry.
    """
    from flask import current_app

    from app.extensions import redis

    kwargs.setdefault("retry", retry_policy(current_app.config["JOB_RETRY_INTERVALS"]))
    return redis.queue().enqueue(func, *args, **kwargs)


def heartbeat() -> None:
    """Proves that the scheduler enqueues and a worker runs: ``/healthz`` shows when it last ran."""
    from flask import current_app

    from app.extensions import redis

    redis.conn.set(heartbeat_key(current_app.config["RQ_QUEUE"]), datetime.now(UTC).isoformat(), ex=86400)


#: Linux ``prctl`` option: the signal a process gets when its parent dies
_PR_SET_PDEATHSIG = 1


def _signal_when_parent_dies(signum: int) -> None:
    """Ask the kernel to send ``signum`` to this process when its parent dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum)


class WorkerScheduler(RQScheduler):
    """RQ's scheduler process (delayed jobs and retries), stopped when its worker dies.

    RQ forks it from the worker; a worker killed outright (SIGKILL, the OOM killer) left it
    running on its own, holding the scheduler lock for a worker that no longer exists. It now
    gets SIGTERM then, releases its lock and exits, and the restarted worker's own scheduler
    takes the lock at once.
    """

    def start(self):
        self._worker_pid = os.getpid()
        return super().start()

    def work(self):
        _signal_when_parent_dies(signal.SIGTERM)
        if os.getppid() != self._worker_pid:  # the worker died before the line above
            self.request_stop()
        return super().work()


class AppWorker(Worker):
    """An RQ worker whose jobs run inside the portal's app context."""

    app: Flask | None = None

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ):
        """RQ's own start-up of the scheduler, with :class:`WorkerScheduler` as the scheduler."""
        self.scheduler = WorkerScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return
        if burst:
            try:
                self.scheduler.register_birth()
                self.scheduler.enqueue_scheduled_jobs()
            finally:
                self.scheduler.release_locks()
                self.scheduler.register_death()
        else:
            self.scheduler.start()

    def perform_job(self, job, queue, *args, **kwargs):
        from app.extensions import db

        with self.app.app_context():
            if getattr(self, "_is_horse", False):
                # A forked work horse must not touch connections pooled before the fork.
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, *args, **kwargs)
            finally:
                db.session.remove()


def build_worker(app: Flask) -> AppWorker:
    from app.extensions import db, redis

    with app.app_context():
        conn = redis.conn
        queue = Queue(app.config["RQ_QUEUE"], connection=conn)
        db.engine.dispose()  # the work horses fork: no connection may be shared with them
    AppWorker.app = app
    # An idle worker wakes up (and refreshes its heartbeat) every worker_ttl - 15 seconds:
    # often enough that /healthz never takes an idle worker for a dead one.
    worker_ttl = max(30, app.config["HEARTBEAT_STALE_SECONDS"] // 2 + 15)
    return AppWorker(
        [queue],
        connection=conn,
        name=f"qportal-{socket.gethostname()}-{os.getpid()}",
        worker_ttl=worker_ttl,
    )


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """Work the portal's queue; ``with_scheduler`` also runs delayed jobs and retries."""
    build_worker(app).work(burst=burst, with_scheduler=True, logging_level="INFO")


class LeasedCronScheduler(CronScheduler):
    """Enqueues periodic jobs only while holding the leader lease in Redis."""

    def __init__(self, connection: Redis, *, queue_name: str = "", lease_seconds: int = 30, **kwargs):
        if not kwargs.get("name"):
            kwargs["name"] = (
                f"{_scheduler_prefix(queue_name)}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
            )
        super().__init__(connection, **kwargs)
        #: the queue whose periodic jobs this scheduler enqueues; one leader per queue
        self.queue_name = queue_name
        self.lease_seconds = lease_seconds
        self.is_leader = False
        self._told_standby = False
        self._acquire = connection.register_script(_ACQUIRE_LEASE)
        self._release = connection.register_script(_RELEASE_LEASE)

    def acquire_lease(self) -> bool:
        """Take or renew the lead; the lease lapses if this process stops renewing it."""
        led = bool(
            self._acquire(keys=[leader_key(self.queue_name)], args=[self.name, self.lease_seconds * 1000])
        )
        if led and not self.is_leader:
            self.log.info("scheduler %s: took the lead", self.name)
        elif self.is_leader and not led:
            self.log.warning("scheduler %s: lost the lead", self.name)
        elif not led and not self._told_standby:
            self.log.info("scheduler %s: another scheduler leads; standing by", self.name)
        self._told_standby = not led
        self.is_leader = led
        return led

    def enqueue_jobs(self):
        if not self.acquire_lease():
            return []
        return super().enqueue_jobs()

    def calculate_sleep_interval(self) -> float:
        # Wake often enough to renew the lease (leader) or to take over quickly (standby).
        return min(super().calculate_sleep_interval(), self.lease_seconds / 3)

    def register_death(self, pipeline=None) -> None:
        self._release(keys=[leader_key(self.queue_name)], args=[self.name])
        with contextlib.suppress(SchedulerNotFound):  # already pruned from the registry
            super().register_death(pipeline)


def build_scheduler(app: Flask, conn: Redis) -> LeasedCronScheduler:
    importlib.import_module("app.core.periodic")  # registers every procedure's periodic jobs
    queue_name = app.config["RQ_QUEUE"]
    scheduler = LeasedCronScheduler(
        conn, queue_name=queue_name, lease_seconds=app.config["SCHEDULER_LEASE_SECONDS"], logging_level="INFO"
    )
    scheduler.register(heartbeat, queue_name, interval=app.config["HEARTBEAT_INTERVAL_SECONDS"])
    for func, schedule in periodic_jobs(app.config):
        scheduler.register(func, queue_name, **schedule)
    return scheduler


def use_company_time_zone(app: Flask) -> None:
    """RQ reads cron fields in the process's local time: make that the company's time zone."""
    os.environ["TZ"] = app.config["BABEL_DEFAULT_TIMEZONE"]
    time.tzset()


def run_scheduler(app: Flask) -> None:
    """Run the periodic-job scheduler until SIGINT/SIGTERM."""
    from app.extensions import redis

    use_company_time_zone(app)
    with app.app_context():
        conn = redis.conn
    build_scheduler(app, conn).start()


def _fresh(ts: datetime | None, stale: int) -> bool:
    return ts is not None and (datetime.now(UTC) - ts).total_seconds() <= stale


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def worker_status(conn: Redis, stale: int, queue_name: str) -> dict:
    """Workers of ``queue_name`` whose heartbeat is at most ``stale`` seconds old."""
    workers = Worker.all(queue=Queue(queue_name, connection=conn))
    alive = [w for w in workers if _fresh(_aware(w.last_heartbeat), stale)]
    return {"ok": bool(alive), "count": len(alive)}


def scheduler_status(conn: Redis, stale: int, queue_name: str) -> dict:
    """Up when a live scheduler holds the lead for ``queue_name``; others count as standby."""
    prefix = _scheduler_prefix(queue_name)
    schedulers = [s for s in CronScheduler.all(conn) if s.name.startswith(prefix)]
    alive = {s.name for s in schedulers if _fresh(s.last_heartbeat, stale)}
    leader = (conn.get(leader_key(queue_name)) or b"").decode()
    last_job = conn.get(heartbeat_key(queue_name))
    return {
        "ok": leader in alive,
        "count": len(alive),
        "standby": len(alive - {leader}),
        "last_heartbeat_job_at": last_job.decode() if last_job else None,
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
