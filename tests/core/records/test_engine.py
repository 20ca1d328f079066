"""The record engine's services on the example procedure: guards, numbers, signatures,
read-only records and corrections, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.records.audit import AuditAction, AuditEntry, history_of
from app.core.records.engine import (
    Approval,
    Deadline,
    OwnRecordError,
    ReadOnlyRecordError,
    RecordRevision,
    StateConflict,
    TransitionNotAllowed,
    ValidationError,
    approvals_of,
    correct_record,
    deadlines_of,
    ensure_editable,
    print_signatures,
    transition,
    update_record,
)
from app.core.records.services import revise_document
from app.core.signals import record_transitioned
from app.extensions import db
from tests.core.records.conftest import NOW

# --- who may take which step ---------------------------------------------------------------------

#: (step, state the record is in, who may take it); everyone else is refused
MATRIX = [
    ("submit", "draft", {"clerk", "engineer", "service_manager"}),
    ("withdraw", "submitted", {"clerk"}),  # only the creator
    ("review", "submitted", {"service_manager"}),
    ("send_back", "submitted", {"service_manager"}),
    ("approve", "reviewed", {"gm"}),
    ("reject", "reviewed", {"gm"}),
    ("void", "approved", {"qa"}),
]
EVERYONE = ["clerk", "engineer", "service_manager", "sales_manager", "gm", "qa"]


@pytest.mark.parametrize(("step", "state", "allowed"), MATRIX, ids=[m[0] for m in MATRIX])
@pytest.mark.parametrize("who", EVERYONE)
def test_role_transition_matrix(new_record, people, step, state, allowed, who):
    record = new_record(state)
    reason = "原因说明" if step in {"send_back", "reject", "void"} else None
    if who in allowed:
        transition(record, step, actor=people[who], reason=reason, now=NOW)
        assert record.status == record.definition.transition(step).to_state.value
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(record, step, actor=people[who], reason=reason, now=NOW)
        assert record.status == state


def test_a_step_from_the_wrong_state_is_a_conflict(new_record, people):
    record = new_record("draft")
    with pytest.raises(StateConflict):
        transition(record, "approve", actor=people["gm"], now=NOW)
    assert record.status == "draft"


# --- required fields and numbers ----------------------------------------------------------------


def test_submit_names_every_missing_required_field_and_changes_nothing(new_record, people):
    record = new_record("draft", title="  ", fault=None)
    with pytest.raises(ValidationError) as caught:
        transition(record, "submit", actor=people["clerk"], now=NOW)
    assert set(caught.value.errors) == {"title", "fault"}
    assert record.status == "draft"
    assert record.number is None


def test_number_is_issued_at_submission_from_the_register_pattern(new_record, people):
    first, second = new_record("draft"), new_record("draft")
    assert first.number is None
    assert second.number is None
    transition(second, "submit", actor=people["clerk"], now=NOW)
    transition(first, "submit", actor=people["clerk"], now=NOW)
    assert second.number == "EX-202611-0001"
    assert first.number == "EX-202611-0002"  # in order of submission, not of creation
    assert first.submitted_by_id == people["clerk"].id
    assert first.submitted_at == NOW
    # sent back and submitted again: the record keeps its number
    transition(first, "send_back", actor=people["service_manager"], reason="缺少照片", now=NOW)
    transition(first, "submit", actor=people["clerk"], now=NOW)
    assert first.number == "EX-202611-0002"


def test_number_period_follows_company_time(new_record, people):
    record = new_record("draft")
    # 30 November 17:00 UTC is already 1 December in Shanghai
    transition(record, "submit", actor=people["clerk"], now=datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    assert record.number == "EX-202612-0001"


def test_record_keeps_the_form_revision_it_was_created_under(new_record, example_form):
    record = new_record("draft")
    revise_document(example_form, {"revision": "A/1"}, actor=None, reason="新增字段")
    db.session.commit()
    later = new_record("draft")
    db.session.expire_all()
    assert (record.form_code, record.form_revision) == ("Q/SB-0.0.1-F01", "A/0")
    assert later.form_revision == "A/1"


# --- signatures ------------------------------------------------------------------------------------


def test_nobody_approves_their_own_record(new_record, people, make_user):
    from app.core.permissions import Department, Role

    manager = people["service_manager"]
    record = new_record("draft", by="service_manager")
    transition(record, "submit", actor=manager, now=NOW)
    for step in ("review", "send_back"):
        with pytest.raises(OwnRecordError):
            transition(record, step, actor=manager, reason="x", now=NOW)
    # a manager who also submitted someone else's record may not review it either
    other = new_record("draft")
    boss = make_user(roles=[Role.DEPT_MANAGER], department=Department.SERVICE)
    transition(other, "submit", actor=boss, now=NOW)
    with pytest.raises(OwnRecordError):
        transition(other, "review", actor=boss, now=NOW)
    assert db.session.scalars(select(Approval)).all() == []


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_needs_a_reason(new_record, people, reason):
    record = new_record("reviewed")
    with pytest.raises(ValidationError) as caught:
        transition(record, "reject", actor=people["gm"], reason=reason, now=NOW)
    assert list(caught.value.errors) == ["reason"]
    assert record.status == "reviewed"


def test_signatures_are_stored_and_audited(new_record, people):
    record = new_record("submitted")
    later = NOW + timedelta(hours=2)
    transition(record, "review", actor=people["service_manager"], now=NOW)
    transition(record, "reject", actor=people["gm"], reason="报价不全", now=later)
    db.session.commit()

    review, rejection = approvals_of(record)
    assert (review.meaning, review.decision, review.approver_name, review.at) == (
        "reviewed",
        "approved",
        "李经理",
        NOW,
    )
    assert (rejection.meaning, rejection.decision, rejection.reason) == ("approved", "rejected", "报价不全")
    assert rejection.approver_id == people["gm"].id
    assert rejection.transition == "reject"
    assert record.status == "draft"

    entries = history_of(record)
    assert [e.action for e in entries] == ["create", "state_change", "approval", "approval"]
    assert entries[1].changes == {"status": ["draft", "submitted"], "number": [None, "EX-202611-0001"]}
    assert entries[3].changes == {
        "status": ["reviewed", "draft"],
        "meaning": "approved",
        "decision": "rejected",
    }
    assert entries[3].reason == "报价不全"
    assert entries[3].actor_name == "张总"


def test_print_carries_the_latest_approving_signature_of_each_meaning(new_record, people):
    record = new_record("reviewed")
    transition(record, "reject", actor=people["gm"], reason="缺少签字", now=NOW)
    assert print_signatures(record) == [{"meaning": "审核 Reviewed", "name": "李经理", "signed_at": NOW}]
    later = NOW + timedelta(days=1)
    transition(record, "submit", actor=people["clerk"], now=later)
    transition(record, "review", actor=people["service_manager"], now=later)
    transition(record, "approve", actor=people["gm"], now=later)
    assert print_signatures(record) == [
        {"meaning": "审核 Reviewed", "name": "李经理", "signed_at": later},
        {"meaning": "批准 Approved", "name": "张总", "signed_at": later},
    ]


def test_transition_signal_is_sent_after_the_change(new_record, people):
    record = new_record("draft")
    seen = []

    def receiver(sender, **kw):
        seen.append((sender.status, kw["transition"].name, kw["old_state"], kw["new_state"], kw["actor"]))

    with record_transitioned.connected_to(receiver):
        transition(record, "submit", actor=people["clerk"], now=NOW)
    assert seen == [("submitted", "submit", "draft", "submitted", people["clerk"])]


# --- read-only records and corrections ----------------------------------------------------------


def test_approved_record_is_read_only(new_record, people):
    record = new_record("approved")
    assert record.is_read_only
    assert record.closed_at == NOW
    with pytest.raises(ReadOnlyRecordError):
        ensure_editable(record)
    with pytest.raises(ReadOnlyRecordError):
        update_record(record, {"title": "改掉"}, actor=people["clerk"])
    db.session.rollback()
    # even a change that bypasses the services is refused at flush
    record.title = "偷偷改"
    with pytest.raises(ReadOnlyRecordError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(type(record), record.id).title == "压缩机异响"


def test_a_draft_is_edited_with_its_diff_audited(new_record, people):
    record = new_record("draft")
    assert update_record(record, {"fault": "异响"}, actor=people["clerk"]) == {
        "fault": ["开机噪音大", "异响"]
    }
    assert history_of(record)[-1].action == AuditAction.UPDATE


def test_correction_keeps_the_old_content_readable(new_record, people):
    record = new_record("approved")
    number = record.number
    with pytest.raises(ValidationError):
        correct_record(record, {"fault": "轴承磨损"}, actor=people["qa"], reason=" ")
    with pytest.raises(TransitionNotAllowed):
        correct_record(record, {"fault": "轴承磨损"}, actor=people["clerk"], reason="笔误")

    previous = correct_record(record, {"fault": "轴承磨损"}, actor=people["qa"], reason="故障原因笔误")
    db.session.commit()
    assert record.fault == "轴承磨损"
    assert record.revision_no == 1
    assert record.status == "approved"
    assert record.number == number
    stored = db.session.scalars(select(RecordRevision)).one()
    assert stored is previous
    assert stored.revision_no == 0
    assert stored.reason == "故障原因笔误"
    assert stored.content["fault"] == "开机噪音大"
    assert stored.content["number"] == number
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "update"
    assert entry.reason == "故障原因笔误"
    assert entry.changes == {"fault": ["开机噪音大", "轴承磨损"], "revision_no": [0, 1]}


def test_correction_of_an_open_record_is_refused(new_record, people):
    record = new_record("submitted")
    with pytest.raises(StateConflict):
        correct_record(record, {"fault": "x"}, actor=people["qa"], reason="x")


def test_void_leaves_a_read_only_state_with_a_reason(new_record, people):
    record = new_record("approved")
    with pytest.raises(ValidationError):
        transition(record, "void", actor=people["qa"], now=NOW)
    transition(record, "void", actor=people["qa"], reason="重复登记", now=NOW)
    db.session.commit()
    assert record.status == "void"
    assert record.number


# --- deadlines -------------------------------------------------------------------------------------


def test_deadlines_start_and_stop_with_the_steps(new_record, people):
    record = new_record("draft", engineer_id=people["engineer"].id)
    transition(record, "submit", actor=people["clerk"], now=NOW)
    (review,) = deadlines_of(record)
    assert (review.key, review.responsible_id, review.department) == (
        "review",
        people["engineer"].id,
        "service",
    )
    assert review.started_at == NOW
    assert review.due_at == NOW + timedelta(hours=24)
    assert review.stopped_at is None
    assert review.reminded_at is None
    assert review.escalated_at is None

    later = NOW + timedelta(hours=30)
    transition(record, "review", actor=people["service_manager"], now=later)
    db.session.commit()
    review, approval = deadlines_of(record)
    assert review.stopped_at == later
    assert review.is_overdue()
    assert approval.key == "approval"
    assert approval.stopped_at is None
    assert approval.due_at == later + timedelta(days=3)
    transition(record, "approve", actor=people["gm"], now=later)
    assert all(d.stopped_at is not None for d in db.session.scalars(select(Deadline)))
