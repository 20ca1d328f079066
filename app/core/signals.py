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
