"""The deadline countdown script in a real browser: it counts down every 30 s and turns red when overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.test_shell import login

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

#: what the countdown macro renders for a deadline due at START + 90 s (zh_CN patterns)
COUNTDOWN = """
<span class="countdown" id="cd" data-due="{due}" data-left="剩余{{t}}" data-overdue="已逾期{{t}}"
      data-units="{{d}}天{{h}}小时|{{h}}小时{{m}}分钟|{{m}}分钟">
  <time>2026-11-23 10:01</time> · <span class="countdown-text">剩余1分钟</span></span>
"""


def test_the_countdown_ticks_and_turns_red_once_overdue(page):
    page.clock.install(time=START - timedelta(hours=1))
    login(page, "sales")
    page.clock.pause_at(START)
    page.evaluate(
        """html => {
          const box = document.createElement('div');
          box.innerHTML = html;
          document.querySelector('main').append(box);
          document.dispatchEvent(new CustomEvent('htmx:load', {detail: {elt: box}}));
        }""",
        COUNTDOWN.format(due=(START + timedelta(seconds=90)).isoformat()),
    )
    text = page.locator("#cd .countdown-text")
    assert text.text_content() == "剩余1分钟"
    assert "text-danger" not in page.locator("#cd").get_attribute("class")

    page.clock.run_for(3 * 60 * 1000)  # three minutes on: six ticks of the 30 s refresh
    assert text.text_content() == "已逾期1分钟"
    assert "text-danger" in page.locator("#cd").get_attribute("class")

    page.clock.run_for((2 * 24 * 60 + 3 * 60) * 60 * 1000)
    assert text.text_content() == "已逾期2天3小时"
