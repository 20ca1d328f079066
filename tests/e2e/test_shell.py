"""The shell in a real browser: log in, every asset served locally, switch language, log out."""

from __future__ import annotations

from app.core.demo import DEMO_PASSWORD


def login(page, username):
    page.goto("/auth/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user")


def test_login_wrong_password_then_right_then_logout(page, live_server):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/auth/login")
    page.fill("#username", "sales")
    page.fill("#password", "wrong-password")
    page.click("#login-form button[type=submit]")
    assert page.locator("#login-error").is_visible()
    login(page, "sales")
    assert page.evaluate("typeof htmx") == "object"
    assert all(url.startswith(live_server) for url in requests), [
        u for u in requests if not u.startswith(live_server)
    ]
    page.click("#logout-button")
    page.wait_for_selector("#login-form")
