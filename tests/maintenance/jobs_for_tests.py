"""Job functions the real worker runs in the maintenance tests (importable by ``flask worker``)."""

from __future__ import annotations

import time

from app.extensions import redis


def generate_visits_together(key: str, parties: int) -> int:
    """The scheduler's job, started by ``parties`` workers at the same moment (a Redis barrier)."""
    from app.maintenance.jobs import generate_visits

    redis.conn.incr(key)
    deadline = time.monotonic() + 20
    while int(redis.conn.get(key) or 0) < parties and time.monotonic() < deadline:
        time.sleep(0.01)
    if int(redis.conn.get(key) or 0) >= parties:
        redis.conn.incr(f"{key}:together")
    return generate_visits()
