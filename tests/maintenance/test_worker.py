"""The scheduler's job through real RQ workers: run twice, and twice at the same moment, each visit
is created once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.core.calendar.queries import company_today
from app.core.jobs import enqueue, wait_for
from app.extensions import db, redis
from app.maintenance.jobs import generate_visits
from app.maintenance.models import MaintenanceVisit
from tests.core.conftest import logs
from tests.maintenance.jobs_for_tests import generate_visits_together

pytestmark = pytest.mark.slow


@pytest.fixture
def due_plans(world, make_plan):
    """Three active plans due within the lead time, one far ahead."""
    plans = [make_plan("active", units=[unit]) for unit in world.units]
    make_plan(
        "active",
        units=[world.far],
        customer_id=world.other.id,
        start_date=company_today() + dt.timedelta(days=90),
    )
    return [p.id for p in plans]


def visits_per_plan() -> dict[int, int]:
    db.session.remove()
    rows = db.session.execute(
        select(MaintenanceVisit.plan_id, func.count(MaintenanceVisit.id)).group_by(MaintenanceVisit.plan_id)
    )
    return dict(rows.all())


def finished(*jobs) -> bool:
    return all(job.get_status(refresh=True) == "finished" for job in jobs)


def test_the_worker_runs_the_job_twice_and_each_visit_exists_once(due_plans, spawn):
    worker = spawn("worker")
    first, second = enqueue(generate_visits), enqueue(generate_visits)
    assert wait_for(lambda: finished(first, second), timeout=60), logs(worker)
    assert visits_per_plan() == dict.fromkeys(due_plans, 1)
    assert sorted([first.return_value(), second.return_value()]) == [0, 3]
    numbers = db.session.scalars(select(MaintenanceVisit.number)).all()
    assert len(set(numbers)) == 3
    assert all(numbers)


def test_two_workers_running_it_at_the_same_moment_do_not_duplicate(due_plans, spawn):
    workers = [spawn("worker"), spawn("worker")]
    key = "test:maintenance:barrier"
    jobs = [enqueue(generate_visits_together, key, 2, retry=None) for _ in workers]
    assert wait_for(lambda: finished(*jobs), timeout=90), logs(*workers)
    assert int(redis.conn.get(f"{key}:together")) == 2  # both ran at once, one in each worker
    assert visits_per_plan() == dict.fromkeys(due_plans, 1)
    assert sum(job.return_value() for job in jobs) == 3
