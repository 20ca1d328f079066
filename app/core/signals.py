"""Signals through which procedures talk to the platform and to each other.

A procedure never imports another: it sends or connects to a signal declared here.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent with the user; receivers return a list of :class:`app.core.tasks.Task`
collect_tasks = _signals.signal("collect-tasks")
#: sent with the user; receivers return the records waiting for that user's approval
collect_approvals = _signals.signal("collect-approvals")
#: sent with the unit; receivers return ``(when, title, url)`` events for its service archive
collect_unit_history = _signals.signal("collect-unit-history")
#: sent by the record engine after a transition, with the record as sender and ``transition``
#: (the :class:`~app.core.records.engine.Transition`), ``actor``, ``old_state`` and ``new_state``
#: (state values); receivers run inside the transaction and must not commit
record_transitioned = _signals.signal("record-transitioned")
#: sent by :func:`app.core.traceability.record_shipment` once for each unit it records as
#: shipped, with the :class:`~app.core.masterdata.models.Unit` as sender and ``shipment`` (the
#: :class:`~app.core.traceability.UnitShipment` row: customer, site, shipped_at, document type,
#: id and number) and ``actor``; the unit already has its new customer, site and ship date.
#: Receivers run inside the transaction (flush, never commit) and return nothing
unit_shipped = _signals.signal("unit-shipped")
#: sent by the installation procedure when the unboxing inspection finds the packaging (or the
#: goods) damaged in transit, with its own record (or ``None``) as sender and the keywords
#: ``unit`` (the :class:`~app.core.masterdata.models.Unit`, or ``None``), ``shipping_note_number``
#: (the 发货单 number, or ``None``; give at least one of the two), ``description`` (what was
#: found, non-empty text), ``reporter`` (the logged-in user reporting it) and, optionally,
#: ``reference`` (the sender's record number) and ``reference_url`` (its page). The delivery
#: procedure opens a transit damage/loss record (F03 运输异常记录) for it and returns
#: ``(number, url)`` of that record. Receivers run inside the sender's transaction (flush, never
#: commit); the sender commits
packaging_damage_reported = _signals.signal("packaging-damage-reported")
