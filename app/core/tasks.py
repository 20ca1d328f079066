"""The home page's "my open tasks" and "waiting for my approval" lists.

Procedures contribute through :data:`app.core.signals.collect_tasks`; the platform never
imports a procedure to ask it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.core.signals import collect_approvals, collect_tasks


@dataclass(frozen=True)
class Task:
    title: str
    url: str
    module: str
    due_at: datetime | None = None
    number: str = ""
    extra: dict = field(default_factory=dict)


#: each procedure's open tasks the home page lists, the nearest deadlines first
HOME_TASKS_PER_PROCEDURE = 15


def _gather(signal, user, **kwargs) -> list[Task]:
    items: list[Task] = []
    for _receiver, result in signal.send(user, **kwargs):
        items.extend(result or [])
    far = datetime.max.replace(tzinfo=None)
    return sorted(items, key=lambda t: (t.due_at.replace(tzinfo=None) if t.due_at else far, t.title))


def open_tasks(user, limit: int = HOME_TASKS_PER_PROCEDURE) -> list[Task]:
    """The user's open tasks, at most ``limit`` from each procedure."""
    return _gather(collect_tasks, user, limit=limit)


def pending_approvals(user) -> list[Task]:
    return _gather(collect_approvals, user)
