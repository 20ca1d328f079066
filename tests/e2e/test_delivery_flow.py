"""A delivery end to end in Chromium on the demo portal, as Sales, the warehouse and the customer work it.

Sales issues a shipping note (two units picked from stock with the type-ahead, a batch line),
the sales manager approves it with one click in the inbox, the warehouse keeper ticks both lines
against the goods, the driver signs on the pad and the goods are released; on arrival one box is
missing: the quantities received are saved, the customer signs, the receipt is confirmed and the
transit damage record it opened is there with the shortage.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_repair_flow import as_user
from tests.e2e.test_signature_pad import draw_with_mouse

CUSTOMER = "无锡德信轴承有限公司"
STOCK_PREFIX = "QP200-2611-"


def take_step(page, step, fields=None):
    """Open the step's form, fill it (a select by its value) and take the step; wait for the new page."""
    opener = page.locator(f'[data-open-step="{step}"]')
    if opener.count():
        opener.click()
    for selector, value in (fields or {}).items():
        field = page.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value=value)
        else:
            field.fill(value)
    with page.expect_navigation():
        page.click(f'button[data-step="{step}"]')


def sign(page, name):
    page.fill("#signer_name", name)
    draw_with_mouse(page)
    page.click("#signature-save")
    expect(page.locator("#attachment-panel [data-kind=signature]").last).to_contain_text(name)


def pick_from_stock(page, row, index, typed):
    """Type into the line's type-ahead (htmx asks only when the text changed) and pick a unit."""
    page.fill(f"#stock-{row}", typed)
    option = page.locator(f"#stock-{row}-results button[data-serial]").nth(index)
    serial = option.get_attribute("data-serial")
    option.click()
    expect(page.locator(f"#serials-{row}")).to_have_value(re.compile(re.escape(serial)))
    return serial


def test_shipping_note_to_release_and_a_short_receipt_with_its_damage_record(browser, live_server):
    sales = as_user(browser, live_server, "sales")
    sales.goto("/delivery/new")
    sales.fill("#customer_id-search", CUSTOMER[:4])
    sales.locator(f'#customer_id-results button[data-label="{CUSTOMER}"]').click()
    sales.fill("#planned_date", "2026-12-20")
    sales.select_option("#delivery_method", value="carrier")
    first = pick_from_stock(sales, 0, 0, STOCK_PREFIX)
    second = pick_from_stock(sales, 0, 1, STOCK_PREFIX.rstrip("-"))
    assert first != second
    expect(sales.locator("#quantity-0")).to_have_value("2")
    sales.select_option("#product_id-1", label="QPC-30 电气控制柜")
    sales.fill("#quantity-1", "5")
    sales.fill("#batch-1", "B202610-07")
    with sales.expect_navigation():
        sales.click("#note-submit")
    number = sales.locator("#record-number").inner_text()
    assert re.fullmatch(r"FH-\d{6}-\d{4}", number)
    expect(sales.locator("#record-status")).to_have_attribute("data-status", "submitted")
    note_url = sales.url
    note_id = note_url.rstrip("/").rsplit("/", 1)[-1]

    manager = as_user(browser, live_server, "sales.mgr")
    manager.goto("/records/approvals")
    row = manager.locator(f"tr[data-record='delivery_shipping_note-{note_id}']")
    expect(row).to_contain_text(number)
    row.locator('button[data-step="approve"]').click()
    expect(row).to_have_count(0)

    warehouse = as_user(browser, live_server, "warehouse")
    warehouse.goto(note_url)
    expect(warehouse.locator("#record-status")).to_have_attribute("data-status", "approved")
    for _line in range(2):
        warehouse.locator("[data-line-ok]").first.click()
        expect(warehouse.locator("#check-progress")).to_have_attribute("data-checked", str(_line + 1))
    expect(warehouse.locator("[data-line-ok]")).to_have_count(0)
    sign(warehouse, "刘师傅")
    warehouse.reload()
    take_step(
        warehouse,
        "release",
        {
            "#release-delivery_method": "carrier",
            "#release-carrier": "德邦物流",
            "#release-waybill_no": "DB-E2E-0001",
            "#release-driver_name": "刘师傅",
        },
    )
    expect(warehouse.locator("#record-status")).to_have_attribute("data-status", "released")
    expect(warehouse.locator('a[data-print="F02"]')).to_be_visible()

    sales.goto(note_url)
    received = sales.locator('input[name^="received-"]')
    expect(received).to_have_count(2)
    received.nth(1).fill("4")
    sales.locator('input[name^="remark-"]').nth(1).fill("少一箱")
    sales.click("#receipt-save")
    expect(sales.locator("#receipt-state")).to_have_attribute("data-complete", "yes")
    sign(sales, "郑海涛")
    sales.reload()
    take_step(sales, "receive")
    expect(sales.locator("#record-status")).to_have_attribute("data-status", "received")

    damage = sales.locator("#note-damage a[data-damage-number]")
    expect(damage).to_have_count(1)
    damage_number = damage.get_attribute("data-damage-number")
    assert re.fullmatch(r"YC-\d{6}-\d{3}", damage_number)
    with sales.expect_navigation():
        damage.click()
    expect(sales.locator("#record-number")).to_have_text(damage_number)
    expect(sales.locator("#record-status")).to_have_attribute("data-status", "reported")
    expect(sales.locator("#damage-items tr[data-shortage='1']")).to_contain_text("QPC-30")
    expect(sales.locator("#damage-note")).to_have_text(number)

    unit = as_user(browser, live_server, "logistics")
    unit.goto(f"/traceability/?serial={first}")
    expect(unit.locator("#trace-shipments tbody tr")).to_have_count(1)
    expect(unit.locator("#trace-shipments")).to_contain_text(number)
    expect(unit.locator("#trace-customers")).to_contain_text(CUSTOMER)
