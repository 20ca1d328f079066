"""A paid repair end to end in Chromium on the demo portal, as the service centre works it.

The clerk registers the call, the service manager dispatches, the engineer reports from site,
the clerk prices it, the manager approves the quotation with one click in the inbox, the
customer accepts, signs on the pad, and the printed repair record is downloaded and read.
"""

from __future__ import annotations

import re
import subprocess

from playwright.sync_api import expect

from app.core.demo import DEMO_PASSWORD
from app.core.masterdata.demo import PRODUCTS
from tests.e2e.test_signature_pad import draw_with_mouse

#: demo unit 1 is of the first product and its warranty ended (see the demo unit plan)
SERIAL = f"{PRODUCTS[0][0].replace('-', '')}-0001"


def as_user(browser, live_server, username):
    context = browser.new_context(base_url=live_server, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/auth/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user")
    return page


def take_step(page, step, fields=None):
    """Open the step's form (if it has one), fill it and take the step; wait for the new page."""
    opener = page.locator(f'[data-open-step="{step}"]')
    if opener.count():
        opener.click()
    for selector, value in (fields or {}).items():
        field = page.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            options = field.locator("option").all_inner_texts()
            assert value in options, options
            field.select_option(label=value)
        else:
            field.fill(value)
    with page.expect_navigation():
        page.click(f'button[data-step="{step}"]')


def test_paid_repair_from_call_to_signed_and_printed_record(browser, live_server, tmp_path):
    clerk = as_user(browser, live_server, "clerk")
    clerk.goto("/repair/new")
    clerk.fill("#unit_id-search", SERIAL)
    clerk.locator(f'#unit_id-results button[data-label="{SERIAL}"]').click()
    expect(clerk.locator("#warranty-preview [data-in-warranty]")).to_have_attribute("data-in-warranty", "no")
    clerk.fill("#contact_name", "王经理")
    clerk.fill("#symptom", "折弯机液压站压力不稳，角度偏差 1.5°")
    clerk.select_option("#fault_category_id", index=1)
    with clerk.expect_navigation():
        clerk.click("#intake-submit")
    number = clerk.locator("#record-number").inner_text()
    assert re.fullmatch(r"WX-\d{6}-\d{4}", number)
    case_url = clerk.url
    expect(clerk.locator("#record-deadlines .countdown").first).to_be_visible()

    manager = as_user(browser, live_server, "service.mgr")
    manager.goto(case_url)
    take_step(manager, "dispatch", {"#dispatch-engineer_id": "陈工 Chen (service engineer)"})
    expect(manager.locator("#record-status")).to_have_attribute("data-status", "dispatched")

    engineer = as_user(browser, live_server, "engineer")
    engineer.goto(case_url)
    take_step(engineer, "schedule", {"#schedule-appointment_at": "2026-12-03T09:30"})
    take_step(engineer, "arrive")
    take_step(engineer, "ask_quote", {"#ask_quote-fault_found": "主油泵磨损，需更换"})
    expect(engineer.locator("#record-status")).to_have_attribute("data-status", "awaiting_quote")

    clerk.goto(case_url)
    clerk.click("#new-quotation")
    clerk.fill("#labour_hours", "3")
    clerk.locator('input[name="part_no"]').first.fill("P-1001")
    clerk.locator('input[name="part_name"]').first.fill("主油泵")
    clerk.locator('input[name="quantity"]').first.fill("1")
    clerk.locator('input[name="unit_price"]').first.fill("2400")
    with clerk.expect_navigation():
        clerk.click("#quotation-submit")
    quotation_url = clerk.url
    quotation_number = clerk.locator("#record-number").inner_text()

    manager.goto("/records/approvals")
    row = manager.locator("tr[data-record^='repair_quotation-']", has_text=quotation_number)
    badge = manager.locator("#approvals-count")
    before = int(badge.inner_text())
    row.locator('button[data-step="approve"]').click()
    expect(row).to_have_count(0)
    if before > 1:
        expect(badge).to_have_text(str(before - 1))
    else:
        expect(badge).to_have_count(0)

    clerk.goto(quotation_url)
    take_step(clerk, "customer_accepts", {"#customer_accepts-payment_due": "2026-12-31"})
    clerk.goto(case_url)
    expect(clerk.locator("#record-status")).to_have_attribute("data-status", "in_repair")

    engineer.goto(case_url)
    engineer.fill("#signer_name", "王经理")
    draw_with_mouse(engineer)
    engineer.click("#signature-save")
    expect(
        engineer.locator("#attachment-panel img[alt], #attachment-panel .attachment").first
    ).to_be_visible()
    engineer.reload()
    take_step(
        engineer,
        "complete",
        {
            "#complete-cause": "主油泵内泄",
            "#complete-action_taken": "更换主油泵并调试系统压力",
            "#complete-hours": "3",
            "#complete-is_fixed": "是",
            "#complete-is_satisfied": "是",
            "#complete-customer_opinion": "满意",
        },
    )
    expect(engineer.locator("#record-status")).to_have_attribute("data-status", "completed")
    report_number = engineer.locator("#report-number").inner_text()

    with engineer.expect_download() as download:
        engineer.click('a[data-print="F04"]')
    path = tmp_path / "f04.pdf"
    download.value.save_as(path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "产品维修单" in text
    assert report_number in text
    assert "第 1 页，共 1 页" in text
    assert "更换主油泵并调试系统压力" in text
    assert "王经理" in text
