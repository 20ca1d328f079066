"""Reminders before a deadline and escalation at its breach: who hears, when, in which language — once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.jobs import build_scheduler
from app.core.mail import MailOutbox, deliver_mail
from app.core.notifications import Notification
from app.core.permissions import Department, Role
from app.core.records.engine import deadlines_of, scan_deadlines, transition
from app.core.records.engine.reminders import ESCALATION, REMINDER, due_deadline_ids
from app.extensions import db, redis
from tests.conftest import HX
from tests.core.records.conftest import NOW

#: the example's review deadline: 24 h, so the reminder point is at 19.2 h
REMIND = NOW + timedelta(hours=19, minutes=12)
DUE = NOW + timedelta(hours=24)


def notes(user, kind=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def all_notes() -> int:
    return db.session.scalar(select(func.count(Notification.id)))


@pytest.fixture
def submitted(new_record, people):
    """``submitted(engineer=True)``: a record submitted at NOW whose review deadline runs 24 h."""

    def make(engineer: bool = True, **values):
        if engineer:
            values["engineer_id"] = people["engineer"].id
        return new_record("submitted", **values)

    return make


# --- reminders ------------------------------------------------------------------------------------------


def test_the_deadline_stores_its_reminder_point(submitted):
    (review,) = deadlines_of(submitted())
    assert review.remind_at == REMIND


def test_the_responsible_user_is_reminded_once_at_the_reminder_point(submitted, people):
    record = submitted()
    assert scan_deadlines(now=REMIND - timedelta(minutes=1)) == {"escalated": 0, "reminded": 0}
    assert notes(people["engineer"]) == []

    assert scan_deadlines(now=REMIND) == {"escalated": 0, "reminded": 1}
    assert scan_deadlines(now=REMIND + timedelta(minutes=5)) == {"escalated": 0, "reminded": 0}

    (note,) = notes(people["engineer"])
    assert note.kind == REMINDER
    assert record.number in note.message
    assert "压缩机异响" in note.message  # the record's summary
    assert note.link == f"/records/example_record/{record.id}"
    assert all_notes() == 1  # nobody else
    (review,) = deadlines_of(record)
    assert review.reminded_at == REMIND
    assert review.escalated_at is None


def test_without_a_responsible_user_the_department_managers_are_reminded(submitted, people, make_user):
    second = make_user(roles=[Role.DEPT_MANAGER], department=Department.SERVICE)
    gone = make_user(roles=[Role.DEPT_MANAGER], department=Department.SERVICE)
    gone.is_enabled = False
    db.session.commit()
    submitted(engineer=False)
    scan_deadlines(now=REMIND)
    assert [n.kind for n in notes(people["service_manager"])] == [REMINDER]
    assert [n.kind for n in notes(second)] == [REMINDER]
    assert notes(gone) == []
    assert notes(people["sales_manager"]) == []
    assert all_notes() == 2


def test_the_reminder_reads_in_the_recipients_language(submitted, people):
    people["engineer"].locale = "en"
    db.session.commit()
    record = submitted()
    scan_deadlines(now=REMIND)
    (note,) = notes(people["engineer"])
    assert note.message.startswith("Reminder: “Review” for Example record ")
    assert record.number in note.message
    assert "is due 2026-11-23 10:00." in note.message  # company time: NOW is 10:00 in Shanghai

    people["engineer"].locale = None  # the portal default, Chinese
    db.session.commit()
    transition(record, "withdraw", actor=people["clerk"], now=NOW)
    transition(record, "submit", actor=people["clerk"], now=NOW)
    db.session.commit()
    scan_deadlines(now=REMIND)
    assert notes(people["engineer"])[-1].message.startswith("提醒：")


def test_a_stopped_deadline_is_neither_reminded_nor_escalated(submitted, people):
    record = submitted()
    transition(record, "review", actor=people["service_manager"], now=NOW + timedelta(hours=1))
    db.session.commit()
    for hours in (20, 25, 70):  # the approval deadline it started runs to 73 h
        scan_deadlines(now=NOW + timedelta(hours=hours))
    assert all_notes() == 0
    review, _approval = deadlines_of(record)
    assert (review.reminded_at, review.escalated_at) == (None, None)


# --- escalation -----------------------------------------------------------------------------------------


def test_escalation_goes_to_the_department_manager_only_at_the_breach(submitted, people):
    record = submitted()
    scan_deadlines(now=REMIND)
    scan_deadlines(now=DUE - timedelta(seconds=1))
    assert notes(people["service_manager"]) == []

    assert scan_deadlines(now=DUE) == {"escalated": 1, "reminded": 0}
    assert scan_deadlines(now=DUE + timedelta(hours=3)) == {"escalated": 0, "reminded": 0}

    (to_manager,) = notes(people["service_manager"])
    assert to_manager.kind == ESCALATION
    assert record.number in to_manager.message
    assert people["engineer"].display_name in to_manager.message  # who was responsible
    assert [n.kind for n in notes(people["engineer"])] == [REMINDER, ESCALATION]
    for other in ("sales_manager", "gm", "clerk", "qa"):
        assert notes(people[other]) == [], other
    (review,) = deadlines_of(record)
    assert review.escalated_at == DUE


def test_a_deadline_first_seen_after_its_breach_is_escalated_without_a_reminder(submitted, people):
    submitted()
    scan_deadlines(now=DUE + timedelta(hours=2))
    assert [n.kind for n in notes(people["engineer"])] == [ESCALATION]
    assert [n.kind for n in notes(people["service_manager"])] == [ESCALATION]
    scan_deadlines(now=DUE + timedelta(hours=3))
    assert all_notes() == 2


def test_a_responsible_manager_is_escalated_to_the_general_manager(submitted, people):
    submitted(engineer=False, engineer_id=people["service_manager"].id)
    scan_deadlines(now=DUE)
    assert [n.kind for n in notes(people["gm"])] == [ESCALATION]
    assert [n.kind for n in notes(people["service_manager"])] == [ESCALATION]  # told it went up
    assert notes(people["sales_manager"]) == []


# --- once only, whatever runs at the same time ------------------------------------------------------------


def test_two_scans_at_once_notify_each_deadline_once(app, submitted, people):
    records = [submitted() for _ in range(12)]
    for record in records[6:]:  # half of them past due: escalation
        deadline = deadlines_of(record)[0]
        deadline.due_at = REMIND
    db.session.commit()
    barrier = threading.Barrier(3)
    results, errors = [], []

    def scan():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(scan_deadlines(now=REMIND))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r["reminded"] for r in results) == 6
    assert sum(r["escalated"] for r in results) == 6
    assert len(notes(people["engineer"], REMINDER)) == 6
    assert len(notes(people["engineer"], ESCALATION)) == 6
    assert len(notes(people["service_manager"], ESCALATION)) == 6
    assert all_notes() == 18


def test_the_scan_reads_only_what_has_come_due(submitted):
    submitted()
    assert due_deadline_ids(REMINDER, REMIND - timedelta(seconds=1)) == []
    assert len(due_deadline_ids(REMINDER, REMIND)) == 1
    assert due_deadline_ids(ESCALATION, REMIND) == []
    scan_deadlines(now=REMIND)
    assert due_deadline_ids(REMINDER, REMIND) == []


def test_the_scheduler_runs_the_scan_every_configured_interval(app):
    app.config["DEADLINE_SCAN_SECONDS"] = 120
    scheduler = build_scheduler(app, redis.conn)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert jobs["app.core.records.engine.reminders.scan_deadlines"].interval == 120
    assert jobs["app.core.mail.retry_mail"].interval == app.config["MAIL_RETRY_SECONDS"]


# --- e-mail ---------------------------------------------------------------------------------------------


def test_one_reminder_mail_with_the_chinese_subject(submitted, people, smtp_server):
    people["engineer"].email = "engineer@example.com"
    db.session.commit()
    record = submitted()
    scan_deadlines(now=REMIND)
    scan_deadlines(now=REMIND + timedelta(minutes=10))

    (mail,) = db.session.scalars(select(MailOutbox))
    assert mail.to_address == "engineer@example.com"
    assert deliver_mail(mail.id) is True
    assert deliver_mail(mail.id) is False  # a second job for the same mail sends nothing

    (message,) = smtp_server.messages
    assert smtp_server.recipients == [["engineer@example.com"]]
    assert message["Subject"].startswith("[qportal] 提醒：")
    assert record.number in message["Subject"]
    assert "=?utf-8?" in message.as_string().split("Subject:", 1)[1].split("\n", 1)[0].lower()
    body = message.get_content()
    assert "压缩机异响" in body
    assert f"http://localhost:5000/records/example_record/{record.id}" in body


def test_users_without_an_address_are_told_in_the_portal_only(submitted, people, smtp_server):
    people["engineer"].email = "engineer@example.com"
    db.session.commit()
    submitted()
    scan_deadlines(now=DUE)
    # the engineer (with an address) and the manager (none) both get the note; one mail
    assert len(notes(people["service_manager"], ESCALATION)) == 1
    assert [m.to_address for m in db.session.scalars(select(MailOutbox))] == ["engineer@example.com"]


def test_without_a_mail_server_nothing_is_mailed(submitted, people):
    people["engineer"].email = "engineer@example.com"
    db.session.commit()
    submitted()
    scan_deadlines(now=REMIND)
    assert len(notes(people["engineer"])) == 1
    assert db.session.scalar(select(func.count(MailOutbox.id))) == 0


# --- in the portal -----------------------------------------------------------------------------------------


def test_the_notification_list_marks_reminders_and_escalations(client, login, submitted, people):
    submitted()
    scan_deadlines(now=REMIND)
    scan_deadlines(now=DUE)
    login(people["engineer"])
    page = client.get("/notifications", headers=HX).get_data(as_text=True)
    assert page.count('data-kind="reminder"') == 1
    assert page.count('data-kind="escalation"') == 1
    assert "<html" not in page
    home = client.get("/").get_data(as_text=True)
    assert 'data-kind="escalation"' in home
    assert 'id="bell-count">2<' in home


def test_the_bell_refreshes_by_itself_and_on_request(client, login_as):
    login_as(Role.STAFF)
    bell = client.get("/notifications/bell", headers=HX).get_data(as_text=True)
    assert 'hx-trigger="every 60s, notifications-changed from:body"' in bell
    assert "<html" not in bell


def test_an_open_deadline_shows_its_reminder_and_escalation_on_the_record(client, login, submitted, people):
    from flask import current_app

    record = submitted()
    scan_deadlines(now=DUE)
    login(people["clerk"])
    with current_app.test_request_context():
        url = record.url
    row = client.get(url).get_data(as_text=True).split('data-key="review"')[1].split("</tr>")[0]
    assert "已上报" in row
