"""The registry of workflow definitions, and the start-up check of every one of them.

Procedures register at import time (their ``__init__`` imports ``workflow.py``);
``create_app`` calls :func:`check_registry` once the blueprints are in, so a broken
definition stops the portal instead of surfacing when someone files a record.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator

from app.core.records.engine.definition import FORM_KEY, NAME, Meaning, WorkflowDefinition


class WorkflowDefinitionError(RuntimeError):
    """A definition the engine refuses; the message lists every problem found."""


class Registry:
    """The definitions by model and by record type (table name)."""

    def __init__(self) -> None:
        self._by_type: dict[str, WorkflowDefinition] = {}

    def register(self, definition: WorkflowDefinition) -> WorkflowDefinition:
        known = self._by_type.get(definition.record_type)
        if known is not None and known is not definition:
            raise WorkflowDefinitionError(f"{definition.record_type}: registered twice")
        self._by_type[definition.record_type] = definition
        from app.core.records.audit import label_fields, register_object_type

        register_object_type(
            definition.record_type,
            definition.title if definition.title is not None else definition.model.__name__,
            definition.endpoint,
            definition.id_arg,
        )
        label_fields(definition.labels)
        return definition

    def unregister(self, definition: WorkflowDefinition) -> None:
        self._by_type.pop(definition.record_type, None)

    def for_type(self, record_type: str) -> WorkflowDefinition | None:
        return self._by_type.get(record_type)

    def for_model(self, model: type) -> WorkflowDefinition | None:
        return self._by_type.get(getattr(model, "__tablename__", ""))

    def __iter__(self) -> Iterator[WorkflowDefinition]:
        return iter(list(self._by_type.values()))

    def __len__(self) -> int:
        return len(self._by_type)


registry = Registry()


def definition_problems(d: WorkflowDefinition, app=None) -> list[str]:
    """Everything wrong with one definition (empty when it is sound)."""
    from app.core.records.engine.base import RecordMixin

    where = f"{d.module}/{d.form_key} ({getattr(d.model, '__name__', d.model)})"
    problems: list[str] = []

    def bad(message: str) -> None:
        problems.append(f"{where}: {message}")

    if not isinstance(d.model, type) or not issubclass(d.model, RecordMixin):
        bad("the model must use RecordMixin")
    if not NAME.match(d.module or ""):
        bad(f"module {d.module!r} is not a package name")
    if not FORM_KEY.match(d.form_key or ""):
        bad(f"form key {d.form_key!r} does not look like F01")
    if not (isinstance(d.states, type) and issubclass(d.states, enum.Enum)):
        bad("states must be an enum")
        return problems
    states = set(d.states)
    for label, group in (("initial state", {d.initial}), ("read-only", d.read_only), ("closed", d.closed)):
        for s in group:
            if s not in states:
                bad(f"{label} {s!r} is not one of its states")
    if d.initial in d.read_only:
        bad("the initial state cannot be read-only")

    names = [t.name for t in d.transitions]
    for name in sorted({n for n in names if names.count(n) > 1}):
        bad(f"transition name {name!r} is used twice")
    started = {s.key for t in d.transitions for s in t.starts}
    for t in d.transitions:
        if not NAME.match(t.name or ""):
            bad(f"transition name {t.name!r} is not an identifier")
        if not t.from_states:
            bad(f"transition {t.name!r} starts from no state")
        for s in (*t.from_states, t.to_state):
            if s not in states:
                bad(f"transition {t.name!r}: unknown state {s!r}")
        if any(s in d.read_only for s in t.from_states) and not t.correction:
            bad(f"transition {t.name!r} leaves a read-only state but is not a correction")
        if t.rejects and t.approval is None:
            bad(f"transition {t.name!r} rejects but has no approval meaning")
        if t.approval is not None and not isinstance(t.approval, Meaning):
            bad(f"transition {t.name!r}: approval must be a Meaning")
        for attr in t.required:
            if not hasattr(d.model, attr):
                bad(f"transition {t.name!r} requires unknown field {attr!r}")
        for key in t.stops:
            if key not in started:
                bad(f"transition {t.name!r} stops deadline {key!r} that no transition starts")
        for spec in t.starts:
            if not callable(spec.due):
                bad(f"deadline {spec.key!r}: due must be a callable(record, now)")
    for attr in d.fields:
        if not hasattr(d.model, attr):
            bad(f"unknown field {attr!r} in fields")

    reachable = {d.initial}
    changed = True
    while changed:
        changed = False
        for t in d.transitions:
            if t.to_state not in reachable and any(s in reachable for s in t.from_states):
                reachable.add(t.to_state)
                changed = True
    for s in d.states:
        if s not in reachable:
            bad(f"state {s.value!r} cannot be reached from {d.initial.value!r}")

    if app is not None:
        if d.endpoint and d.endpoint not in app.view_functions:
            bad(f"record page endpoint {d.endpoint!r} does not exist")
        for key, template in d.print_templates.items():
            if not FORM_KEY.match(key):
                bad(f"print template key {key!r} does not look like F01")
            try:
                app.jinja_env.get_template(template)
            except Exception:  # noqa: BLE001 — reported as a problem
                bad(f"print template {template!r} not found")
    return problems


def check_registry(app=None, reg: Registry | None = None) -> None:
    """Validate every registered definition; raise :class:`WorkflowDefinitionError` if any is bad."""
    reg = registry if reg is None else reg
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for d in reg:
        problems.extend(definition_problems(d, app))
        key = (d.module, d.form_key)
        if key in seen:
            problems.append(f"{d.module}/{d.form_key}: declared by {seen[key]} and {d.record_type}")
        seen[key] = d.record_type
    if problems:
        raise WorkflowDefinitionError("bad workflow definitions:\n  " + "\n  ".join(problems))
