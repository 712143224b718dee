"""From the TV to the runbook: a troubled team's screen shows a QR, large enough at 1080p,
that decodes (zbar, off a real screenshot) to a signed link; on a phone it lists the
team's problems with their links and since when; upstream links that are not http(s)
never become links."""

from __future__ import annotations

import json
import re
import time

import pytest
import urllib3
from playwright.sync_api import Browser

from tests.rooms.support import ENV, TOKEN, all_calm
from tests.support.alertmanager import alert, payload
from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall, write_config
from tests.support.qr import decode_png

pytestmark = pytest.mark.browser

RUNBOOK = "https://wiki.example.com/runbooks/checkout"
DASHBOARD = "https://grafana.example.com/d/checkout"
ALERT_RUNBOOK = "https://wiki.example.com/runbooks/high-error-rate"
SOURCE = "http://prometheus.example.com:9090/graph?g0.expr=up"

CONFIG = f"""
[wall]
title = "links test wall"
heartbeat = "1s"

[screen]
drift_every = "1h"
qr_codes = true

[sources.am]
type = "alertmanager"
url = "http://127.0.0.1:9"
interval = "1h"
webhook_token_env = "AM_TOKEN"

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"
links = {{ dashboard = "{DASHBOARD}" }}

[teams.payments]
name = "Payments"
panels = ["alerts"]

[teams.search]
name = "Search"
panels = ["alerts"]

[teams.checkout]
name = "Checkout"
panels = ["alerts"]
links = {{ runbook = "{RUNBOOK}", oncall = "https://oncall.example.com/checkout" }}
"""


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    config = write_config(tmp_path_factory.mktemp("links"), CONFIG)
    return LiveSpec(config, env=ENV, prepare=all_calm, shared=True)


def checkout_in_trouble(live: LiveWall) -> None:
    good = alert("00000000000000a1", team="checkout", severity="critical")
    good["labels"]["alertname"] = "HighErrorRate"
    good["annotations"]["runbook_url"] = ALERT_RUNBOOK
    good["generatorURL"] = SOURCE
    good["startsAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    hostile = alert("00000000000000a2", team="checkout", severity="critical")
    hostile["labels"]["alertname"] = "Hostile"
    hostile["annotations"]["runbook_url"] = "javascript:alert(1)"
    hostile["generatorURL"] = "data:text/html,<script>alert(1)</script>"
    response = urllib3.request(
        "POST",
        live.url + "/hooks/alertmanager",
        body=json.dumps(payload(good, hostile)).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status == 200


def test_a_troubled_screen_shows_a_qr_that_opens_the_teams_problems_on_a_phone(
    browser: Browser, live: LiveWall
) -> None:
    tv = open_screen(browser, live.url + "/teams/checkout", 1920, 1080)
    assert tv.page.locator("#qr").is_hidden()  # calm: no QR
    checkout_in_trouble(live)
    wait_for(
        tv.page,
        "() => { const i = document.getElementById('qr-code'); "
        "return !document.getElementById('qr').hidden && i.complete && i.naturalWidth > 0; }",
    )
    box = tv.page.locator("#qr-code").bounding_box()
    assert box is not None
    print(f"QR at 1080p: {box['width']:.0f} x {box['height']:.0f} px")
    assert box["width"] >= 180 and box["height"] >= 180
    # The whole screen, as a phone's camera sees it: one QR, with its quiet zone.
    found = decode_png(browser, tv.page.screenshot())
    assert len(found) == 1, found
    url = found[0]
    assert re.fullmatch(rf"{live.url}/m/teams/checkout\?exp=\d+&sig=[0-9a-f]{{32}}", url), url

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    answer = phone.goto(url)
    assert answer is not None and answer.status == 200
    assert phone.text_content("#m-team") == "Checkout"
    assert (phone.text_content("#m-status") or "").startswith("crit for ")
    pairs = "(as) => as.map((a) => [a.textContent.trim(), a.getAttribute('href')])"
    assert phone.eval_on_selector_all("#m-team-links a", pairs) == [
        ["Runbook", RUNBOOK],  # the team's
        ["On-call", "https://oncall.example.com/checkout"],
    ]
    assert phone.eval_on_selector_all(".m-problem > .m-links a", pairs) == [
        ["Dashboard", DASHBOARD]  # the panel's
    ]
    hrefs = phone.eval_on_selector_all("a", "(as) => as.map((a) => a.href)")
    items = phone.locator(".m-items li")
    assert items.count() == 2
    good = phone.locator(".m-items li", has_text="HighErrorRate")
    assert "since 10 min" in (good.text_content() or "")
    assert good.locator("a", has_text="Runbook").get_attribute("href") == ALERT_RUNBOOK
    assert good.locator("a", has_text="Alert source").get_attribute("href") == SOURCE
    assert not [h for h in hrefs if not h.startswith(("http://", "https://"))]
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390

    # The API and the chat answer carry the same links.
    team = urllib3.request("GET", f"{live.url}/api/v1/teams/checkout").json()
    assert team["links"]["runbook"] == RUNBOOK
    assert team["links"]["mobile"].startswith(f"{live.url}/m/teams/checkout?exp=")
    rows = team["panels"][0]["items"]
    assert {r["title"]: r["links"] for r in rows}["HighErrorRate"] == {
        "runbook": ALERT_RUNBOOK,
        "source": SOURCE,
    }
    assert {r["title"]: r["links"] for r in rows}["Hostile"] == {}
    slack = json.dumps(urllib3.request("GET", f"{live.url}/api/v1/teams/checkout/summary").json())
    assert f"<{RUNBOOK}|Runbook>" in slack and f"<{ALERT_RUNBOOK}|HighErrorRate: Runbook>" in slack
    assert "javascript:" not in slack
