"""Preventive maintenance end to end in Chromium on the demo portal.

The clerk draws up a plan for a unit, the service manager approves it with one click in the
Approvals inbox, the scheduler's job (run as the ``flask maintenance generate-visits`` command
against the portal's database) creates the visit, the engineer agrees the date, fills in the
checklist, the customer signs on the pad, the visit is completed and the plan shows its next
due date.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.core.calendar.worktime import WorkCalendar
from app.core.masterdata.warranty import add_months
from app.maintenance.schedule import shift
from tests.e2e.test_repair_flow import as_user, take_step
from tests.e2e.test_signature_pad import draw_with_mouse

ROOT = Path(__file__).resolve().parents[2]


def portal_instance(tmp_path_factory) -> Path:
    """The instance folder of the demo portal the ``live_server`` fixture started."""
    candidates = tmp_path_factory.getbasetemp().glob("e2e-instance*")
    found = sorted({p.resolve() for p in candidates if (p / "e2e.db").exists()})
    assert len(found) == 1, found
    return found[0]


def free_unit(database: Path) -> tuple[str, str]:
    """(serial, customer) of a demo unit whose customer has no maintenance plan yet."""
    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT u.serial, c.name FROM unit u JOIN customer c ON c.id = u.customer_id "
            "WHERE c.id NOT IN (SELECT customer_id FROM maintenance_plan) ORDER BY c.name, u.serial LIMIT 1"
        ).fetchone()
    assert row is not None
    return row


def generate_visits(instance: Path, redis_url: str) -> str:
    """The scheduler's job, run the way an operator (or cron) would: the portal's CLI."""
    env = {
        **os.environ,
        "QPORTAL_INSTANCE": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "REDIS_URL": redis_url,
        "FLASK_APP": "wsgi.py",
        "SECRET_KEY": "e2e-secret-key",
    }
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "maintenance", "generate-visits"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return done.stdout.decode()


def test_plan_approve_generate_visit_complete_and_next_due(browser, live_server, backend, tmp_path_factory):
    instance = portal_instance(tmp_path_factory)
    serial, customer = free_unit(instance / "e2e.db")
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    start = today + dt.timedelta(days=5)

    clerk = as_user(browser, live_server, "clerk")
    clerk.goto("/maintenance/plans/new")
    clerk.fill("#customer_id-search", customer)
    clerk.locator(f'#customer_id-results button[data-label="{customer}"]').click()
    unit_box = clerk.locator("#unit-choices label", has_text=serial)
    expect(unit_box).to_be_visible()
    unit_box.click()
    clerk.fill("#interval_count", "1")
    clerk.select_option("#interval_unit", "months")
    clerk.fill("#start_date", start.isoformat())
    clerk.select_option("#engineer_id", label="陈工 Chen (service engineer)")
    with clerk.expect_navigation():
        clerk.click("#plan-submit")
    expect(clerk.locator("#record-status")).to_have_attribute("data-status", "submitted")
    number = clerk.locator("#record-number").inner_text()
    assert number.startswith("BY-")
    plan_url = clerk.url
    first_due = clerk.locator("#next-due").get_attribute("data-date")

    manager = as_user(browser, live_server, "service.mgr")
    manager.goto("/records/approvals")
    row = manager.locator("tr[data-record^='maintenance_plan-']", has_text=number)
    row.locator('button[data-step="approve"]').click()
    expect(row).to_have_count(0)
    manager.goto(plan_url)
    expect(manager.locator("#record-status")).to_have_attribute("data-status", "active")

    output = generate_visits(instance, backend["redis_url"])
    assert "maintenance visits created:" in output
    assert "created: 0" not in output
    assert "created: 0" in generate_visits(instance, backend["redis_url"])  # run again: nothing more

    engineer = as_user(browser, live_server, "engineer")
    engineer.goto(plan_url)
    visit_link = engineer.locator("#plan-visits a").first
    visit_number = visit_link.inner_text()
    assert visit_number.startswith("BYJL-")
    visit_link.click()
    expect(engineer.locator("#record-status")).to_have_attribute("data-status", "scheduled")
    assert engineer.locator("#visit-due").get_attribute("data-date") == first_due
    take_step(engineer, "confirm", {"#confirm-appointment_time": "09:30", "#confirm-contact_name": "王工"})
    expect(engineer.locator("#record-status")).to_have_attribute("data-status", "confirmed")

    form = engineer.locator("#checklist-form")
    for radio in form.locator('input[type=radio][value="pass"]').all():
        radio.check()
    for box in form.locator("input[inputmode=decimal]").all():
        box.fill("20")
    with engineer.expect_navigation():
        engineer.click("#checklist-save")
    expect(engineer.locator("#checklist-saved")).to_be_visible()

    engineer.fill("#signer_name", "王经理")
    draw_with_mouse(engineer)
    engineer.click("#signature-save")
    signed = engineer.locator("#attachment-panel img[alt], #attachment-panel .attachment")
    expect(signed.first).to_be_visible()
    engineer.reload()
    take_step(engineer, "complete", {"#complete-findings": "设备运行正常，已清洁润滑"})
    expect(engineer.locator("#record-status")).to_have_attribute("data-status", "completed")

    engineer.goto(plan_url)
    expected = shift(add_months(start, 1), WorkCalendar())
    expect(engineer.locator("#next-due")).to_have_attribute("data-date", expected.isoformat())
    done = engineer.locator("#plan-visits tr[data-status=completed]", has_text=visit_number)
    expect(done).to_have_count(1)
