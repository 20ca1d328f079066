"""The signature pad in Chromium: a customer signs with the mouse, a finger and a pen.

The pad lives on the engine's record page of the test-only example record, so the portal is
served in-process (with CSRF on, as in production) from the test's own database instead of
the migrated demo portal, which has no example records.
"""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.core.attachments import AttachmentKind, attachment_path, attachments_of
from app.extensions import db
from tests.conftest import PASSWORD
from tests.core.records.conftest import example_form, new_record, people  # noqa: F401 — fixtures

PAD = "#signature-canvas"


@pytest.fixture
def portal(app, tmp_path):
    """The test app served on a free port in a thread, CSRF checked."""
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def record(new_record):  # noqa: F811
    return new_record("draft")


@pytest.fixture
def signing_page(browser, portal, people, record):  # noqa: F811
    """The clerk's browser, logged in, on the record page; a touch screen as on a tablet."""
    context = browser.new_context(base_url=portal, locale="en-US", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/auth/login")
    page.fill("#username", people["clerk"].username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user")
    page.goto(f"/records/example_record/{record.id}")
    yield page
    context.close()


def pad_box(page) -> dict:
    canvas = page.locator(PAD)
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


#: a scribbled name, in fractions of the pad
STROKE = [(0.1, 0.7), (0.25, 0.3), (0.4, 0.75), (0.55, 0.25), (0.7, 0.7), (0.9, 0.35)]


def points(box: dict) -> list[tuple[float, float]]:
    return [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in STROKE]


def draw_with_mouse(page) -> None:
    path = points(pad_box(page))
    page.mouse.move(*path[0])
    page.mouse.down()
    for x, y in path[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def draw_with_finger(page) -> None:
    """Real touch input through the DevTools protocol: Chromium turns it into touch pointer events."""
    cdp = page.context.new_cdp_session(page)
    path = points(pad_box(page))
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": "touchStart", "touchPoints": [{"x": path[0][0], "y": path[0][1]}]},
    )
    for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
        for step in range(1, 7):
            x, y = x0 + (x1 - x0) * step / 6, y0 + (y1 - y0) * step / 6
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def draw_with_pen(page) -> None:
    """A stylus with pressure: mouse events of pointer type "pen" through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    path = points(pad_box(page))

    def send(kind, x, y, force):
        cdp.send(
            "Input.dispatchMouseEvent",
            {
                "type": kind,
                "x": x,
                "y": y,
                "button": "left",
                "buttons": 0 if kind == "mouseReleased" else 1,
                "clickCount": 1,
                "pointerType": "pen",
                "force": force,
            },
        )

    send("mousePressed", *path[0], 0.6)
    for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
        for step in range(1, 7):
            send("mouseMoved", x0 + (x1 - x0) * step / 6, y0 + (y1 - y0) * step / 6, 0.8)
    send("mouseReleased", *path[-1], 0.0)
    cdp.detach()


def pointer_types(page) -> list[str]:
    return page.evaluate("window.__pointerTypes")


def record_pointer_types(page) -> None:
    page.evaluate(
        """window.__pointerTypes = [];
        document.addEventListener('pointerdown', e => {
            if (e.target.matches('canvas')) window.__pointerTypes.push(e.pointerType); }, true);"""
    )


def sign_and_save(page, name: str, draw) -> None:
    before = page.locator(".signature-block").count()
    page.fill("#signer_name", name)
    draw(page)
    assert page.input_value("#signature").startswith("data:image/png;base64,")
    page.click("#signature-save")
    expect(page.locator(".signature-block")).to_have_count(before + 1)


def ink_pixels(att) -> int:
    with Image.open(io.BytesIO(attachment_path(att).read_bytes())) as img:
        assert img.format == "PNG"
        return sum(img.convert("L").histogram()[:160])


def test_a_customer_signs_with_mouse_finger_and_pen(signing_page, record):
    page = signing_page
    record_pointer_types(page)

    sign_and_save(page, "李顾客", draw_with_mouse)
    # the panel was swapped in by htmx: the new pad works without a reload
    sign_and_save(page, "王工", draw_with_finger)
    sign_and_save(page, "赵经理", draw_with_pen)

    assert pointer_types(page) == ["mouse", "touch", "pen"]
    db.session.expire_all()
    signatures = attachments_of("example_record", record.id, AttachmentKind.SIGNATURE)
    assert [s.signer_name for s in signatures] == ["李顾客", "王工", "赵经理"]
    for signature in signatures:
        assert ink_pixels(signature) > 200, signature.signer_name
    expect(page.locator(".signature-block .signer-name")).to_have_text(["李顾客", "王工", "赵经理"])
    # the image is served to the logged-in browser
    first = page.locator(".signature-block img").first
    expect(first).to_have_js_property("complete", True)
    assert first.evaluate("img => img.naturalWidth") > 0


def test_an_empty_pad_is_not_sent_and_clear_empties_it(signing_page, record):
    page = signing_page
    page.fill("#signer_name", "李顾客")
    draw_with_mouse(page)
    page.click("#signature-clear")
    assert page.input_value("#signature") == ""

    page.click("#signature-save")

    expect(page.locator("[data-signature-hint]")).to_have_text(
        "The signature box is empty: please sign in it."
    )
    assert attachments_of("example_record", record.id) == []


def test_a_drawing_survives_a_resize(signing_page):
    page = signing_page
    draw_with_mouse(page)
    page.set_viewport_size({"width": 480, "height": 900})
    page.wait_for_function("document.querySelector('#signature-canvas').getBoundingClientRect().width < 470")
    data = page.input_value("#signature")
    # redrawn at the new size: the canvas still shows ink
    dark = page.evaluate(
        """() => { const c = document.querySelector('#signature-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 160) n++; return n; }"""
    )
    assert dark > 100
    assert data.startswith("data:image/png;base64,")


def test_photos_go_up_through_htmx_with_the_csrf_token(signing_page, record):
    page = signing_page
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), "orange").save(photo, "JPEG")

    page.set_input_files(
        "#attachment-files",
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}],
    )
    page.click("#attachment-upload")

    expect(page.locator(".attachment-thumb")).to_have_count(1)
    db.session.expire_all()
    [att] = attachments_of("example_record", record.id)
    assert att.filename == "现场.jpg"
