"""A partial answer is never green on the TV: real Chromium, a running wall, a Thanos double."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall, write_config
from tests.support.prom_flavors import FlavorDouble, flavor_double

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def thanos() -> Iterator[FlavorDouble]:
    with flavor_double("thanos") as double:
        yield double


@pytest.fixture
def live_spec(thanos: FlavorDouble, tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    text = f"""
[wall]
heartbeat = "1s"

[sources.thanos]
type = "prometheus"
flavor = "thanos"
url = "{thanos.url}"
interval = "1s"
timeout = "2s"

[panels.error_rate]
title = "HTTP 5xx rate"
source = "thanos"
unit = "percent"
warn = 50.0
crit = 80.0
query = 'sum by (team) (rate(http_requests_total{{code=~"5.."}}[5m]))'

[teams.search]
panels = ["error_rate"]
"""
    return LiveSpec(write_config(tmp_path_factory.mktemp("partial"), text), schedule=True)


def test_a_partial_thanos_answer_turns_a_green_panel_unknown_with_the_reason(
    thanos: FlavorDouble, live: LiveWall, browser: Browser
) -> None:
    screen = open_screen(browser, f"{live.url}/teams/search")
    panel = '[data-panel="error_rate"]'
    wait_for(screen.page, f"() => document.querySelector('{panel}.status-ok')", timeout=10)
    assert screen.text(f"{panel} .value") == "40.0 %"
    # A store goes down behind a Thanos that answers partially anyway: search's own
    # series still comes back, so only the warning tells that the answer is incomplete.
    thanos.partial, thanos.honours_partial_response = True, False
    wait_for(screen.page, f"() => document.querySelector('{panel}.has-error')", timeout=10)
    classes = set((screen.page.get_attribute(panel, "class") or "").split())
    assert "status-ok" not in classes and "status-unknown" in classes
    badge = screen.text(f"{panel} .error-badge")
    assert badge.startswith("⚠ source error: partial answer from Thanos: fetch series")
