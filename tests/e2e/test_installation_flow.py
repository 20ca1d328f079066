"""An installation end to end in Chromium on the demo portal, as the departments work it.

Sales requests it for a shipped unit of a demo customer, Production writes the plan, the
division head approves it with one click in the Approvals inbox, the project lead records the
unboxing, fills in the commissioning checklist and the training, the customer signs on the pad,
and the printed installation acceptance (F05) is downloaded and read.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.core.masterdata.demo import CUSTOMERS, unit_plan
from app.installation.demo import CHECKLISTS
from tests.e2e.test_repair_flow import as_user
from tests.e2e.test_signature_pad import draw_with_mouse

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def free_unit() -> dict:
    """A shipped demo unit with a commissioning checklist that is not installed: the last one in
    serial order (the demo installations take theirs from the front of the list)."""
    candidates = [
        u
        for u in unit_plan(TODAY)
        if u["customer"] and u["ship_date"] and not u["install_date"] and u["model"] in CHECKLISTS
    ]
    return sorted(candidates, key=lambda u: u["serial"])[-1]


def take_step(page, step, fields=None, checks=()):
    """Open the step's form, fill it (and tick ``checks``), take the step; wait for the new page."""
    opener = page.locator(f'[data-open-step="{step}"]')
    if opener.count():
        opener.click()
    for selector, value in (fields or {}).items():
        field = page.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    for selector in checks:
        page.check(selector)
    with page.expect_navigation():
        page.click(f'button[data-step="{step}"]')


def passing_value(low: str | None, high: str | None) -> str:
    if low is not None and high is not None:
        return f"{(float(low) + float(high)) / 2:g}"
    if high is not None:
        return f"{float(high) * 0.8:g}"
    return low or "1"


def test_installation_from_request_to_signed_and_printed_acceptance(browser, live_server, tmp_path):
    unit = free_unit()
    customer = unit["customer"]
    contact = next(c for c in CUSTOMERS if c[0] == customer)[4][0][0]
    day = TODAY + dt.timedelta(days=21)

    sales = as_user(browser, live_server, "sales")
    sales.goto("/installation/new")
    sales.fill("#customer_id-search", customer[:6])
    sales.locator(f'#customer_id-results button[data-label="{customer}"]').click()
    sales.locator("#unit-picker label", has_text=unit["serial"]).click()
    sales.fill("#site", "二号车间")
    sales.fill("#installation_date", day.isoformat())
    sales.fill("#contact_name", contact)
    sales.check("#site_ready")
    sales.fill("#site_ready_note", "基础已完成，电源已到位")
    with sales.expect_navigation():
        sales.click("#request-submit")
    number = sales.locator("#record-number").inner_text()
    assert re.fullmatch(r"AZ-\d{6}-\d{4}", number)
    case_url = sales.url
    expect(sales.locator('#record-deadlines tr[data-key="plan"] .countdown')).to_be_visible()

    production = as_user(browser, live_server, "production")
    production.goto(case_url)
    production.click("#new-plan")
    production.select_option("#project_lead_id", label="冯生产 Feng (production)")
    production.fill("#team", "冯生产\n钳工 李师傅")
    production.fill("#work_plan", "就位、找平、接电接气、调试")
    production.fill("#quality_requirements", "调试检查表全部合格")
    production.fill("#safety_measures", "吊装区域隔离，停电挂牌上锁")
    with production.expect_navigation():
        production.click("#plan-submit")
    plan_number = production.locator("#record-number").inner_text()
    assert plan_number.startswith("AZJH-")

    division = as_user(browser, live_server, "division")
    division.goto("/records/approvals")
    row = division.locator("tr[data-record^='installation_plan-']", has_text=plan_number)
    row.locator('button[data-step="approve"]').click()
    expect(row).to_have_count(0)

    production.goto(case_url)
    expect(production.locator("#record-status")).to_have_attribute("data-status", "planned")
    expect(production.locator('#record-deadlines tr[data-key="visit"]')).to_be_visible()
    take_step(
        production,
        "unboxing",
        {
            "#unboxing-sales_rep_id": "王销售 Wang (sales)",
            "#unboxing-logistics_rep_id": "周物流 Zhou (logistics)",
            "#unboxing-customer_rep": contact,
            "#unboxing-custody_ok": "是",
        },
        checks=["#unboxing-contents_checked"],
    )
    expect(production.locator("#record-status")).to_have_attribute("data-status", "on_site")

    production.click("#open-commissioning")
    for row in production.locator(".checklist-fill tbody tr").all():
        if row.get_attribute("data-kind") == "measured":
            box = row.locator("input[type=text]")
            box.fill(passing_value(box.get_attribute("data-low"), box.get_attribute("data-high")))
        else:
            row.locator("input[value=pass]").check()
    production.fill("#self_inspection", "紧固件、油路、电气接线自检合格")
    production.fill("#trial_run", "空载2小时、负载4小时运行正常")
    production.select_option("#trial_run_passed", label="是")
    with production.expect_navigation():
        production.click("#commissioning-submit")
    expect(production.locator("#record-status")).to_have_attribute("data-status", "commissioned")

    take_step(
        production,
        "train",
        {
            "#train-trainees": "操作工 王强\n操作工 赵丽",
            "#train-training_content": "安全操作规程与日常点检",
            "#train-training_hours": "4",
        },
    )
    expect(production.locator("#record-status")).to_have_attribute("data-status", "trained")

    production.fill("#signer_name", contact)
    draw_with_mouse(production)
    production.click("#signature-save")
    expect(
        production.locator("#attachment-panel img[alt], #attachment-panel .attachment").first
    ).to_be_visible()
    production.reload()
    take_step(production, "accept", {"#accept-acceptance_opinion": "安装调试符合要求，同意验收"})
    expect(production.locator("#record-status")).to_have_attribute("data-status", "accepted")
    acceptance_number = production.locator("#acceptance-number").inner_text()
    expect(production.locator("#request-units")).to_contain_text(TODAY.isoformat())

    with production.expect_download() as download:
        production.click('a[data-print="F05"]')
    path = tmp_path / "f05.pdf"
    download.value.save_as(path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "安装验收记录（装机单）" in text
    assert acceptance_number in text
    assert unit["serial"] in text
    assert "第 1 页，共" in text
    assert "同意验收" in text
    assert contact in text
