"""The record engine: one base record, one state machine, one approvals inbox for every procedure.

A procedure declares its record model (``RecordMixin``) and a :class:`WorkflowDefinition`
in its ``workflow.py``, registers it, and calls the services below from its views:

    EXAMPLE = registry.register(WorkflowDefinition(module="repair", model=RepairRequest, ...))
    record = create_record(RepairRequest, values, actor=user)
    transition(record, "submit", actor=user)

Deadlines: a transition's ``starts=(DeadlineStart("reply", due=within_hours(24), ...),)`` opens
a clock (due rules in :mod:`.deadlines`), another's ``stops=("reply",)`` ends it; the periodic
:func:`scan_deadlines` (:mod:`.reminders`) reminds and escalates.

Its ``__init__.py`` imports ``workflow.py`` so the definition is registered before
:func:`check_registry` runs in ``create_app``. Procedures on the engine do not connect to
``collect_approvals``: the engine feeds the home page from the same query as the inbox.
"""

from app.core.records.engine.approvals import (
    PendingApproval,
    approval_count_text,
    available_transitions,
    pending_approval_count,
    pending_approvals_for,
)
from app.core.records.engine.base import ENGINE_FIELDS, RecordMixin, ensure_editable
from app.core.records.engine.corrections import correct_record
from app.core.records.engine.deadlines import (
    DueRule,
    from_config,
    within_days,
    within_hours,
    within_working_days,
    within_working_hours,
)
from app.core.records.engine.definition import (
    DeadlineStart,
    Decision,
    Meaning,
    Transition,
    WorkflowDefinition,
)
from app.core.records.engine.errors import (
    OwnRecordError,
    ReadOnlyRecordError,
    RecordError,
    RecordSetupError,
    StateConflict,
    TransitionNotAllowed,
    UnknownTransition,
    ValidationError,
)
from app.core.records.engine.models import Approval, Deadline, RecordRevision
from app.core.records.engine.registry import (
    Registry,
    WorkflowDefinitionError,
    check_registry,
    registry,
)
from app.core.records.engine.reminders import scan_deadlines
from app.core.records.engine.services import (
    approvals_of,
    create_record,
    deadlines_of,
    open_deadlines,
    print_signatures,
    reminder_point,
    revisions_of,
    transition,
    update_record,
)

__all__ = [
    "ENGINE_FIELDS",
    "Approval",
    "Deadline",
    "DeadlineStart",
    "Decision",
    "DueRule",
    "Meaning",
    "OwnRecordError",
    "PendingApproval",
    "ReadOnlyRecordError",
    "RecordError",
    "RecordMixin",
    "RecordRevision",
    "RecordSetupError",
    "Registry",
    "StateConflict",
    "Transition",
    "TransitionNotAllowed",
    "UnknownTransition",
    "ValidationError",
    "WorkflowDefinition",
    "WorkflowDefinitionError",
    "approvals_of",
    "available_transitions",
    "check_registry",
    "correct_record",
    "create_record",
    "deadlines_of",
    "ensure_editable",
    "from_config",
    "open_deadlines",
    "approval_count_text",
    "pending_approval_count",
    "pending_approvals_for",
    "print_signatures",
    "registry",
    "reminder_point",
    "revisions_of",
    "scan_deadlines",
    "transition",
    "update_record",
    "within_days",
    "within_hours",
    "within_working_days",
    "within_working_hours",
]
