"""What waits for one user's signature, across every registered procedure.

The Approvals inbox and the home page's "Waiting for my approval" ask
:func:`pending_approvals_for`; the header counter asks the same condition of the database in one
COUNT when every approving step's rule is given in SQL (``Transition.where``), and counts the
inbox itself otherwise, so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, union_all

from app.core.pagination import first_rows, fixed
from app.core.records.engine.definition import Transition, WorkflowDefinition
from app.core.records.engine.registry import registry
from app.core.signals import collect_approvals
from app.core.tasks import Task
from app.extensions import db

#: at most this many records per definition are looked at for one inbox
SCAN_LIMIT = 500
#: the newest records waiting for me that the home page lists (the inbox has them all)
HOME_PAGE_LIMIT = 10
#: the header badge and the home page count the waiting records this far, then say "99+":
#: counting every one of a backlog of thousands cost each page view 7–10 ms
COUNT_SHOWN = 99


@dataclass
class PendingApproval:
    """One record waiting for the user, with the signatures the user may give on it."""

    record: object
    definition: WorkflowDefinition
    approve: list[Transition]
    reject: list[Transition]

    @property
    def key(self) -> str:
        return f"{self.definition.record_type}-{self.record.id}"

    @property
    def waiting_since(self) -> datetime:
        return self.record.submitted_at or self.record.created_at


def available_transitions(user, record) -> list[Transition]:
    """The steps ``user`` may take on ``record`` now (the buttons to show)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [
        t for t in record.definition.transitions if record.status in t.from_values and t.allowed(user, record)
    ]


def is_own_pending(user, record) -> bool:
    """The record waits for a signature the user would give, were it not their own."""
    return any(
        t.is_approval
        and record.status in t.from_values
        and t.qualifies(user)
        and t.is_own_record(user, record)
        for t in record.definition.transitions
    )


def _not_mine(model, user_id: int):
    return (
        or_(model.created_by_id.is_(None), model.created_by_id != user_id),
        or_(model.submitted_by_id.is_(None), model.submitted_by_id != user_id),
    )


def _waiting(definition: WorkflowDefinition, user):
    """``(approving steps, SQL condition, is exact)`` for the records of ``definition`` that may
    wait for ``user``; exact when every step's ``when`` has its SQL form (or there is none)."""
    steps = [t for t in definition.transitions if t.is_approval and t.qualifies(user)]
    approving = [t for t in steps if not t.rejects]
    if not approving:
        return steps, None, True
    model = definition.model
    # steps leaving the same states share one status condition: the index is read once for them
    by_states: dict[tuple, list] = {}
    is_exact = True
    for step in approving:
        rules = by_states.setdefault(tuple(sorted(step.from_values)), [])
        if step.where is not None:
            rules.append(step.where(model))
        else:
            is_exact = is_exact and step.when is None
            rules.append(None)  # no rule in SQL: every record in these states may wait
    conditions = [
        model.status.in_(states)
        if any(rule is None for rule in rules)
        else and_(model.status.in_(states), or_(*rules))
        for states, rules in by_states.items()
    ]
    return steps, and_(or_(*conditions), *_not_mine(model, user.id)), is_exact


def pending_approvals_for(user, limit: int = SCAN_LIMIT) -> list[PendingApproval]:
    """Records in a state where ``user`` may approve them, newest first, never the user's own;
    at most ``limit`` of each procedure's records are read (the home page wants a few)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    items: list[PendingApproval] = []
    for definition in registry:
        steps, condition, _is_exact = _waiting(definition, user)
        if condition is None:
            continue
        model = definition.model
        # newest first by id (the primary key's index, no sort of every waiting record); the
        # items are then ordered by how long they have waited
        for record in first_rows(model, condition, (model.id.desc(),), limit):
            mine = [t for t in steps if record.status in t.from_values and t.allowed(user, record)]
            approve = [t for t in mine if not t.rejects]
            if approve:
                items.append(PendingApproval(record, definition, approve, [t for t in mine if t.rejects]))
    items.sort(key=lambda item: (item.waiting_since, item.record.id), reverse=True)
    return items[:limit]


def pending_approval_count(user) -> int:
    """How many records wait for ``user``, counted no further than one past :data:`COUNT_SHOWN`
    (:func:`approval_count_text` shows that as "99+"): one COUNT over every procedure's records
    when each step's rule is known in SQL, else the inbox itself counted."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    upto = COUNT_SHOWN + 1
    counts = []
    for definition in registry:
        _steps, condition, is_exact = _waiting(definition, user)
        if condition is None:
            continue
        if not is_exact:
            return min(len(pending_approvals_for(user)), upto)
        model = definition.model
        first = select(model.id).where(condition).limit(fixed(upto)).subquery()
        counts.append(select(func.count().label("n")).select_from(first))
    if not counts:
        return 0
    each = union_all(*counts).subquery() if len(counts) > 1 else counts[0].subquery()
    return min(int(db.session.scalar(select(func.coalesce(func.sum(each.c.n), 0))) or 0), upto)


def approval_count_text(count: int) -> str:
    """``"7"``, or ``"99+"`` past :data:`COUNT_SHOWN`."""
    return f"{COUNT_SHOWN}+" if count > COUNT_SHOWN else str(count)


def pending_approval_for(user, record) -> PendingApproval | None:
    """The inbox row of one record, if it waits for ``user``."""
    return next(
        (
            item
            for item in pending_approvals_for(user)
            if item.record is record
            or (item.definition.record_type == record.record_type and item.record.id == record.id)
        ),
        None,
    )


@collect_approvals.connect
def _home_page_approvals(user) -> list[Task]:
    """Feeds the home page's "Waiting for my approval" from the same query as the inbox."""
    tasks = []
    for item in pending_approvals_for(user, limit=HOME_PAGE_LIMIT):
        record = item.record
        title = f"{record.form.title}" + (f" · {record.summary}" if record.summary else "")
        tasks.append(
            Task(
                title=title,
                url=record.url,
                module=item.definition.module,
                number=record.number or "",
                extra={"waiting_since": item.waiting_since},
            )
        )
    return tasks
