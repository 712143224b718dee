"""The page's websocket constants come from the server, in the page and in every hello."""

from __future__ import annotations

import html
import json
import re

from tests.support.api_client import fetch
from tests.support.live import LiveWall
from tests.support.paths import ROOT
from tests.support.screens import ScreenClient
from wallboard.fanout import protocol


def test_hello_and_the_page_carry_the_close_codes_and_caps(live: LiveWall) -> None:
    with ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
        hello = screen.next(timeout=2)
    constants = protocol.page_constants()
    assert hello["protocol"] == constants
    assert constants["close"]["unknown_team"] == protocol.CLOSE_UNKNOWN_TEAM
    assert constants["max_client_frame"] == protocol.MAX_CLIENT_FRAME
    page = fetch(f"{live.url}/teams/payments").body.decode()
    rendered = re.search(r'data-protocol="([^"]*)"', page)
    assert rendered is not None and json.loads(html.unescape(rendered.group(1))) == constants


def test_the_scripts_hold_no_copy_of_a_close_code_or_cap() -> None:
    constants = protocol.page_constants()
    # Close codes and the frame cap are distinctive numbers; 300 (the report text cap) is
    # also pairing.js's unrelated poll period, so device.js is checked by name instead.
    numbers = {*constants["close"].values(), constants["max_client_frame"]}
    copies = {
        path.name: sorted(n for n in numbers if re.search(rf"\b{n}\b", path.read_text()))
        for path in sorted((ROOT / "static").glob("*.js"))
    }
    assert {name: found for name, found in copies.items() if found} == {}
    assert 'cap("max_report_text")' in (ROOT / "static" / "device.js").read_text()
