"""The whole pairing flow on a real Chromium against a real server on loopback."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response
from websockets.exceptions import InvalidStatus

from tests.devices.support import ADMIN, CODE, admin, approve, config, shown_code
from tests.support.api_client import fetch
from tests.support.browser import CONNECTED, wait_for
from tests.support.live import LiveSpec, LiveWall
from tests.support.paths import ROOT
from tests.support.screens import ScreenClient

pytestmark = pytest.mark.browser


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    from tests.devices.support import ENV

    return LiveSpec(config(tmp_path), env=ENV, schedule=True)


class Recorded:
    """Every URL a page asked for and every text body it got back."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.responses: list[Response] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("response", lambda r: self.responses.append(r))

    @property
    def bodies(self) -> list[str]:
        bodies = []
        for response in self.responses:
            # Read afterwards: an event handler may not call back into the browser.
            with contextlib.suppress(Exception):  # redirects have no body to read
                bodies.append(response.text())
        return bodies


def tv(browser: Browser, url: str, problems: list[str] | None = None) -> Page:
    """A TV's browser; console errors (a CSP violation, say) and page errors go to ``problems``."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    if problems is not None:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(url)
    return page


def on_team(page: Page, team: str, timeout: float) -> None:
    wait_for(
        page,
        "(t) => location.pathname === '/teams/' + t && document.body.dataset.team === t",
        timeout,
        arg=team,
    )


# One second from approval to the team's page in Chromium: a budget that broke with eight
# workers on two cores (2.1 s), so it runs when the machine is its own.
@pytest.mark.serial
def test_a_tv_shows_a_code_and_a_qr_then_its_team_within_a_second_of_approval(
    browser: Browser, live: LiveWall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    problems: list[str] = []
    page = tv(browser, f"{live.url}/teams/payments", problems)
    seen = Recorded(page)
    code = shown_code(page)
    assert CODE.match(code), code
    # Readable across the room: the code is at least a tenth of the screen's height.
    box = page.locator("#pairing-code").bounding_box()
    assert box is not None and box["height"] >= 1080 * 0.1
    qr = page.locator(".pairing-qr svg.qr-code")
    assert qr.count() == 1 and qr.locator("path").count() >= 1
    qr_box = qr.bounding_box()
    assert qr_box is not None and qr_box["width"] >= 400
    assert f"{live.url}/screens" in page.locator(".pairing-how").inner_text()
    assert "Payments" not in page.content()  # nothing of the wall before approval

    answer = approve(live.url, code.lower(), "/teams/payments")  # any case, with the dash
    approved = time.monotonic()
    assert answer.status == 201, answer.body
    on_team(page, "payments", 5.0)
    to_team = time.monotonic() - approved
    wait_for(page, CONNECTED)
    print(f"approval -> team on screen: {to_team:.3f} s")
    assert to_team < 1.0
    assert "Payments" in page.locator(".team-name").inner_text()

    cookies = {c["name"]: c for c in page.context.cookies()}
    device = cookies["wallboard_device"]
    assert device["httpOnly"] is True and device["sameSite"] == "Strict"
    assert device["secure"] is False  # plain http on loopback; Secure under https
    assert len(device["value"]) >= 43  # 256 bits, url-safe base64
    assert "wallboard_pairing" not in cookies  # the code is used up
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    credential = device["value"]
    assert not any(credential in u for u in [*seen.urls, page.url])
    bodies = seen.bodies
    assert any("Payments" in b for b in bodies)  # the readable bodies were read
    assert not any(credential in b for b in bodies)
    assert credential not in answer.body.decode()
    assert credential not in caplog.text
    assert credential not in admin(live.url, "").body.decode()
    assert problems == []  # no CSP violation, no script error, on either view


# Revocation to the pairing view within a second, in real Chromium: a budget that needs the
# machine to itself (1.26 s once beside five other workers).
@pytest.mark.serial
def test_approval_from_the_cli_and_scope_and_revocation(browser: Browser, live: LiveWall) -> None:
    page = tv(browser, f"{live.url}/wall")
    code = shown_code(page)
    env = {**os.environ, "WALLBOARD_ADMIN_TOKEN": ADMIN}
    cli = [sys.executable, "-m", "wallboard", "screens", "--server", live.url, "approve", code]
    done = subprocess.run(
        [*cli, "--name", "Kitchen", "--page", "/teams/payments"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Kitchen" in done.stdout and "/teams/payments" in done.stdout
    on_team(page, "payments", 5.0)  # approved for payments: it goes there from /wall
    wait_for(page, CONNECTED)
    credential = {c["name"]: c["value"] for c in page.context.cookies()}["wallboard_device"]
    cookie = {"Cookie": f"wallboard_device={credential}"}

    # Scoped: this credential opens payments' socket, never search's nor every team's.
    with ScreenClient(f"{live.ws_url}/ws/teams/payments", additional_headers=cookie) as ok:
        assert ok.next()["type"] == "hello"
    for path in ("/ws/teams/search", "/ws/screens", "/ws/screens?teams=payments,search"):
        with pytest.raises(InvalidStatus) as refused:
            ScreenClient(f"{live.ws_url}{path}", additional_headers=cookie)
        assert refused.value.response.status_code == 403
    other = fetch(f"{live.url}/teams/search", headers=cookie)
    assert other.status == 303 and other.headers["Location"] == "/teams/payments"
    assert fetch(f"{live.url}/wall/sources", headers=cookie).status == 403

    # Revoked: the TV is back on the pairing view within a second, refused everywhere.
    screen_id = next(r["id"] for r in admin(live.url, "").json()["screens"] if r["paired"])
    revoked = admin(live.url, f"/{screen_id}/revoke", {})
    started = time.monotonic()
    assert revoked.status == 200
    code_again = shown_code(page, timeout=5.0)
    to_pairing = time.monotonic() - started
    print(f"revocation -> pairing view: {to_pairing:.3f} s")
    assert to_pairing < 1.0
    assert CODE.match(code_again) and code_again != code
    assert "pairing-code" in fetch(f"{live.url}/teams/payments", headers=cookie).body.decode()
    assert fetch(f"{live.url}/wall/sources", headers=cookie).status == 401
    with pytest.raises(InvalidStatus):
        ScreenClient(f"{live.ws_url}/ws/teams/payments", additional_headers=cookie)
    listed = subprocess.run(
        [sys.executable, "-m", "wallboard", "screens", "--server", live.url, "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
        check=False,
    )
    assert listed.returncode == 0 and "Kitchen" not in listed.stdout


def test_the_fleet_page_approves_moves_identifies_and_revokes_a_paired_tv(
    browser: Browser, live: LiveWall
) -> None:
    page = tv(browser, f"{live.url}/teams/payments")
    code = shown_code(page)
    # The person scans the QR: the approval page, with the code filled in, behind a sign-in.
    fleet = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    fleet.goto(f"{live.url}/screens?code={code}")
    fleet.fill("#token", ADMIN)
    fleet.click("button[type=submit]")
    wait_for(fleet, "() => Number(document.body.dataset.loaded) > 0")
    assert fleet.input_value("#approve input[name=code]") == code
    session = {c["name"]: c for c in fleet.context.cookies()}["wallboard_admin"]
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["value"] != ADMIN
    fleet.fill("#approve input[name=name]", "Meeting room")
    fleet.select_option("#approve select[name=page]", "/teams/payments")
    fleet.click("#approve button[type=submit]")
    on_team(page, "payments", 5.0)
    wait_for(page, CONNECTED)

    row = fleet.locator("#fleet-rows tr", has_text="Meeting room")
    wait_for(fleet, "() => document.querySelector('#fleet-rows tr[data-status=online]')")
    row.locator("button[data-action=identify]").click()
    wait_for(page, "() => document.getElementById('identify')?.textContent === 'Meeting room'")

    row.locator("select").select_option("/teams/search")
    row.locator("button[data-action=move]").click()
    on_team(page, "search", 5.0)  # its credential moved with it
    wait_for(page, CONNECTED)

    wait_for(fleet, "() => document.querySelector('#fleet-rows tr[data-status=online]')")
    row.locator("button[data-action=revoke]").click()
    row.locator("button", has_text="Confirm revoke").click()
    shown_code(page, timeout=5.0)
    wait_for(fleet, "() => !document.getElementById('fleet-rows').textContent.includes('Meeting')")
