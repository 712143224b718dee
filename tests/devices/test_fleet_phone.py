"""The fleet view on a phone (390x844): a card per screen, no horizontal scroll, and every
action (approve, identify, reload, move, revoke) works from it. And TVs waiting for
approval are listed there with their code, address and requested page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.devices.support import ADMIN, ENV, config, shown_code
from tests.support.browser import CONNECTED, wait_for
from tests.support.live import LiveSpec, LiveWall

pytestmark = pytest.mark.browser

NO_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    return LiveSpec(config(tmp_path), env=ENV)


def test_every_action_works_from_a_phone_without_horizontal_scroll(
    browser: Browser, live: LiveWall
) -> None:
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    tv.goto(f"{live.url}/teams/payments")
    shown_code(tv)
    approval = tv.get_attribute(".pairing-qr", "data-approval") or ""
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(approval)  # the TV's QR, scanned
    phone.fill("#token", ADMIN)
    phone.click("button[type=submit]")
    wait_for(phone, "() => Number(document.body.dataset.loaded) > 0")
    assert phone.evaluate(NO_SCROLL)
    phone.fill("#approve input[name=name]", "Kitchen")
    phone.tap("#approve button[type=submit]")
    wait_for(tv, "() => document.body.dataset.team === 'payments'")
    wait_for(tv, CONNECTED)

    card = phone.locator("#fleet-rows tr", has_text="Kitchen")
    wait_for(phone, "() => document.querySelector('#fleet-rows tr[data-status=online]')")
    assert phone.evaluate(NO_SCROLL)
    # A card: the head is hidden, each value is labelled with its column.
    assert phone.locator("#fleet thead").is_hidden()
    assert card.evaluate("(tr) => getComputedStyle(tr).display") == "block"
    labels = card.locator("td").evaluate_all("(tds) => tds.map((td) => td.dataset.label)")
    assert labels[:3] == ["Screen", "State", "Page · teams"] and labels[-1] == "Actions"
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390

    card.locator("button[data-action=identify]").tap()
    wait_for(tv, "() => document.getElementById('identify')?.textContent === 'Kitchen'")
    tv.evaluate("() => { window.__before_reload = 1; }")
    card.locator("button[data-action=reload]").tap()
    wait_for(tv, "() => window.__before_reload === undefined && document.body.dataset.team")
    wait_for(tv, CONNECTED)
    wait_for(phone, "() => document.querySelector('#fleet-rows tr[data-status=online]')")
    card.locator("select").select_option("/teams/search")
    card.locator("button[data-action=move]").tap()
    wait_for(tv, "() => location.pathname === '/teams/search'")
    wait_for(phone, "() => document.querySelector('#fleet-rows tr[data-status=online]')")
    card.locator("button[data-action=revoke]").tap()
    card.locator("button[data-action=confirm]").tap()
    wait_for(tv, "() => document.getElementById('pairing-code')", 10)
    assert phone.evaluate(NO_SCROLL)
