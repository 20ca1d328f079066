"""A sales user creates a customer in Chromium: error in place, fix, find, English, log out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_shell import login

NAME = "华东精密机械有限公司（端到端）"


def test_sales_user_creates_customer_finds_it_and_switches_to_english(page, live_server):
    login(page, "sales")
    page.goto("/masterdata/customers")
    page.click("#new-customer")
    page.wait_for_selector("#customer-form")

    # missing name: the error appears next to the field, the page is not reloaded, nothing saved
    page.evaluate("window.__sameDocument = true")
    page.select_option("#region_class", "province")
    page.fill("#address", "江苏省苏州市工业园区星湖街 88 号")
    page.fill("#contact_name-n1", "张工")
    page.click("#customer-save")
    expect(page.locator("#name-error")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    assert page.locator("#address").input_value() == "江苏省苏州市工业园区星湖街 88 号"
    search = page.request.get(f"{live_server}/masterdata/customers/search?q=华东精密")
    assert 'data-count="0"' in search.text()

    # fixed: saved, and the customer page opens
    page.fill("#name", NAME)
    page.click("#customer-save")
    page.wait_for_url(re.compile(r"/masterdata/customers/\d+$"))
    expect(page.locator("h1")).to_contain_text(NAME)

    # found again by type-ahead on the list
    page.goto("/masterdata/customers")
    page.locator("#customer-quick-find").press_sequentially("华东精密", delay=50)
    result = page.locator("#customer-quick-results a", has_text=NAME)
    expect(result).to_be_visible()
    result.click()
    page.wait_for_url(re.compile(r"/masterdata/customers/\d+$"))

    # switch to English: the interface follows, the customer's own name does not change
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#logout-button")).not_to_have_text("Log out")
    page.click("#locale-switch button")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#logout-button")).to_have_text("Log out")
    expect(page.locator("h1")).to_contain_text(NAME)

    page.click("#logout-button")
    page.wait_for_selector("#login-form")
    assert page.goto("/masterdata/customers").url.split("?")[0].endswith("/auth/login")
