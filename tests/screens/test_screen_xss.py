"""Hostile strings from the config and from upstream are shown as text and run nothing."""

from __future__ import annotations

import itertools
import time

import pytest
from playwright.sync_api import Browser

from collectors.base import Collection, Item, Reading
from collectors.errors import CollectorError
from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall, write_config
from wallboard.board.deploys import Deploy

pytestmark = pytest.mark.browser

TEAM = "<img src=x onerror=window.__xss=1>"
TITLE = "<script>window.__xss=2</script>"
VALUE = "<img src=x onerror=window.__xss=3>"
ITEM = "<script>window.__xss=4</script>"
DETAIL = "<img src=x onerror=window.__xss=5>"
REASON = "<img src=x onerror=window.__xss=6>"
WARNING = "<svg onload=window.__xss=7>"
DEPLOY = "<img src=x>"  # a deploy version fits 12 characters on its tick

CONFIG = f"""
[wall]
heartbeat = "1s"

[sources.up]
type = "demo"
interval = "1h"

[sources.down]
type = "demo"
interval = "1h"

[panels.hostile]
title = "{TITLE}"
source = "up"
unit = "count"

[panels.broken]
title = "broken"
source = "down"

[teams.evil]
name = "{TEAM}"
panels = ["hostile", "broken"]
"""

# Markup would have become elements; text stays text. Either way no flag may be set. The
# panels' own SVGs are the sparkline and the deploy labels under it.
PROBE = """() => ({
  flag: window.__xss === undefined ? null : window.__xss,
  elements: document.querySelectorAll(
    'main img, main script, main svg:not(.spark, .spark-notes), .spark-notes *:not(text), ' +
    'footer svg, header img').length,
  text: document.body.innerText,
})"""


PUSHES = itertools.count(1)


def hostile(mark: str) -> Reading:
    return Reading(value=1.0, text=VALUE + mark, status="crit", items=(Item(ITEM, "crit", DETAIL),))


def hostile_board(live: LiveWall) -> None:
    reading = Reading(value=1.0, text=VALUE, status="crit", items=(Item(ITEM, "crit", DETAIL),))
    live.wall.board.apply(
        "up", Collection(readings={("evil", "hostile"): reading}, warnings=[WARNING])
    )
    live.wall.board.fail("down", CollectorError(REASON))
    live.wall.board.add_deploy(Deploy("evil", DEPLOY, time.time(), "hook"))


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    config = write_config(tmp_path_factory.mktemp("xss"), CONFIG)
    return LiveSpec(config, prepare=hostile_board, shared=True)


@pytest.mark.parametrize("path", ["/teams/evil", "/wall", "/rotate?teams=evil&every=5s"])
def test_it_shows_hostile_strings_as_text_and_runs_none_of_them(
    browser: Browser, live: LiveWall, path: str
) -> None:
    screen = open_screen(browser, live.url + path)
    page = screen.page
    if path == "/wall":
        wait_for(page, "(w) => document.body.innerText.includes(w)", arg=WARNING)
    # Once from the server's HTML, once more after the script re-drew from a fresh update.
    for _ in range(2):
        seen = page.evaluate(PROBE)
        assert seen["flag"] is None
        assert seen["elements"] == 0
        for payload in (TEAM, VALUE, REASON):
            assert payload in seen["text"]
        if path != "/wall":
            for payload in (TITLE, ITEM, DETAIL, f"deployed {DEPLOY} "):
                assert payload in seen["text"]
        mark = f" #{next(PUSHES)}"
        live.wall.board.push("up", Collection(readings={("evil", "hostile"): hostile(mark)}))
        wait_for(page, "(v) => document.body.innerText.includes(v)", arg=VALUE + mark)
    assert screen.errors == []  # nothing even tried to run against the CSP
    page.context.close()


def test_it_serves_a_policy_that_forbids_inline_script(browser: Browser, live: LiveWall) -> None:
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{live.url}/teams/evil")
    assert response is not None
    policy = response.headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "unsafe-inline" not in policy
    assert page.locator("script:not([src])").count() == 0
    # No inline style in what the server sends (the policy would block it); the page's own
    # modules may still size things through the CSSOM, which the policy allows.
    assert " style=" not in response.text()
    context.close()


def test_it_keeps_hostile_strings_out_of_the_page_source_as_markup(
    browser: Browser, live: LiveWall
) -> None:
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{live.url}/teams/evil")
    assert page.evaluate(PROBE)["elements"] == 0
    assert TEAM in page.locator("h1").inner_text()
    page.context.close()
