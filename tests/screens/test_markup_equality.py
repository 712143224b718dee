"""A screen looks the same whether the server rendered it or a websocket snapshot drew it.

The markup exists once (templates/_panel.html: the server renders it and also emits it as
<template> elements that the page's modules clone and fill). These tests hold that promise
in real Chromium for every state a panel can be in (ok, warn, crit, unknown, stale, source
error), on each team's screen and on /wall, which shows all of them at once. Each page is
captured three ways and the three must be equal:

- as served, before any script runs (the page's entry module is held back);
- drawn from scratch: the server-rendered panels, tiles and footer are removed, then the
  real entry module runs and the same state arrives as a snapshot over the websocket;
- patched in place: a normal load, where the snapshot lands on the served markup.

What legitimately differs is normalised, and nothing else:
- relative ages tick between captures (and may cross from "89 s ago" to "2 min ago"), so
  an age's text is replaced by "<age>"; its data-at (the moment) is compared, and
  ``test_the_screen_writes_ages_by_the_servers_rule`` checks the two age writers agree;
- the header clock is empty as served and written by the script every second;
- whitespace-only text between elements (template indentation) does not render;
- /wall's auto-fit (static/fit-wall.js) places tiles for the viewport it measures: the
  tiles' inline style and data-fit/data-head/data-summary/data-triage and the grid's "planned" class
  exist only once a script has measured the screen (tests/screens/test_readability.py
  checks what they do).

/wall's footer also counts screens gone offline (the fleet view, docs/pairing.md), and the
pages of earlier cases go offline three heartbeats after they close: the /wall case waits
until that count has settled and keeps its own pages open until both captures are taken,
so its captures see one fleet (the count itself is compared, not normalised).
"""

from __future__ import annotations

import difflib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, WebSocket

from tests.support.api_client import fetch
from tests.support.browser import CONNECTED, wait_for
from tests.support.live import LiveSpec, LiveWall, write_config
from tests.support.markup_wall import CONFIG, QUEUES, STATES, settle_states
from wallboard.views.screen_shape import age_text

pytestmark = pytest.mark.browser


# The screen's parts: what the server renders and the script redraws.
PARTS = {
    "team": ["header.screen-head", "#panels"],
    "wall": ["header.screen-head", "#teams", "#sources"],
}
CONTAINERS = {"team": ["#panels"], "wall": ["#teams", "#sources"]}

# A normalised tree of each part (see the module docstring for what is normalised).
CAPTURE = """(selectors) => {
  const FIT = ["style", "data-fit", "data-head", "data-summary", "data-triage"];
  const walk = (node, inAge) => {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.data.trim() === "") return null;
      return inAge ? "<age>" : node.data;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return null;
    const attrs = {};
    for (const a of node.attributes) {
      if (FIT.includes(a.name)) continue;
      attrs[a.name] = a.name === "class" ? a.value.replace(" planned", "") : a.value;
    }
    if (node.id === "clock") return [node.tagName.toLowerCase(), attrs, []];
    const age = inAge || node.classList.contains("age");
    const children = Array.from(node.childNodes).map((c) => walk(c, age));
    return [node.tagName.toLowerCase(), attrs, children.filter((c) => c !== null)];
  };
  const status = (document.body.className.match(/status-[a-z]+/) || [""])[0];
  return { status, parts: selectors.map((s) => walk(document.querySelector(s), false)) };
}"""


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> LiveSpec:
    directory: Path = tmp_path_factory.mktemp("markup")
    config = write_config(directory, CONFIG.format(queues=QUEUES))
    return LiveSpec(config, prepare=settle_states, shared=True)


def capture(page: Page, kind: str) -> Any:
    return page.evaluate(CAPTURE, PARTS[kind])


def assert_same(drawn_dom: Any, served: Any, how: str) -> None:
    """Equal trees, or a line diff that shows where they part."""
    if drawn_dom == served:
        return
    lines = [json.dumps(t, indent=1, ensure_ascii=False).splitlines() for t in (served, drawn_dom)]
    diff = "\n".join(difflib.unified_diff(*lines, "served", how, lineterm="", n=4))
    raise AssertionError(f"the page {how} differs from the page as served:\n{diff}")


def count_snapshots(page: Page) -> list[int]:
    """Snapshot frames the page received on its websocket (the real network, observed)."""
    seen = [0]

    def on_socket(ws: WebSocket) -> None:
        ws.on("framereceived", lambda frame: _count(seen, frame))

    page.on("websocket", on_socket)
    return seen


def _count(seen: list[int], frame: Any) -> None:
    text = frame if isinstance(frame, str) else str(frame)
    if '"type":"snapshot"' in text:
        seen[0] += 1


def drawn(page: Page, seen: list[int], teams: int) -> None:
    """Wait until every snapshot of the page's teams arrived and was applied."""
    wait_for(page, CONNECTED, timeout=10)
    deadline = time.monotonic() + 10
    while seen[0] < teams:
        assert time.monotonic() < deadline, f"{seen[0]} of {teams} snapshots arrived"
        page.wait_for_timeout(20)
    # Frames seen on the wire are dispatched to the page before later tasks: two task
    # turns in the page after the last one, and its handlers have run.
    page.evaluate("() => new Promise((done) => setTimeout(() => setTimeout(done)))")


def fleet_settled(live: LiveWall) -> None:
    """Wait until /wall's offline-screens count holds still for longer than a closed page
    takes to count as offline (missed heartbeats, plus the footer's one-second cache)."""
    span = live.wall.config.wall.heartbeat * live.wall.hub.missed_pongs + 1.5
    deadline = time.monotonic() + 10 * span
    last, since = None, time.monotonic()
    while True:
        count = fetch(f"{live.url}/wall/sources").json()["offline_screens"]
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > span:
            return
        assert time.monotonic() < deadline, "the offline-screens count never settled"
        time.sleep(0.2)


CASES = [(f"/teams/{t}", "team", 1) for t in STATES] + [("/wall", "wall", len(STATES))]


@pytest.mark.parametrize(("path", "kind", "teams"), CASES, ids=[c[0] for c in CASES])
def test_the_served_page_equals_the_page_a_snapshot_draws(
    browser: Browser, live: LiveWall, path: str, kind: str, teams: int
) -> None:
    if kind == "wall":
        fleet_settled(live)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    entry = f"**/assets/*/{kind if kind == 'wall' else 'team'}.js"
    page.route(entry, lambda route: route.abort())  # hold the script back: the page as served
    page.goto(live.url + path)
    served = capture(page, kind)
    assert served["parts"][-1][2], f"{path} rendered nothing to compare"

    # From scratch: no server-rendered panels, tiles or footer; the real module draws them.
    page.evaluate(
        "(s) => s.forEach((q) => document.querySelector(q).replaceChildren())", CONTAINERS[kind]
    )
    seen = count_snapshots(page)
    page.unroute(entry)
    src = page.evaluate("() => document.querySelector('script[type=module]').src")
    page.add_script_tag(url=src + "?again", type="module")  # a new URL: not the failed fetch
    drawn(page, seen, teams)
    if kind == "wall":
        wait_for(page, "() => document.querySelector('#sources').children.length > 0")
    assert_same(capture(page, kind), served, "drawn from scratch")
    first = context  # kept open: a closed page would soon count as an offline screen

    # In place: a normal load, where the snapshot patches the served markup.
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    seen = count_snapshots(page)
    if kind == "wall":
        with page.expect_response("**/wall/sources", timeout=10000):
            page.goto(live.url + path)
    else:
        page.goto(live.url + path)
    drawn(page, seen, teams)
    assert_same(capture(page, kind), served, "patched in place")
    context.close()
    first.close()
    assert errors == []


def test_every_state_is_on_the_wall(browser: Browser, live: LiveWall) -> None:
    """The cases above cover what they claim: each state shows on /wall as a user sees it."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(live.url + "/wall")
    wait_for(page, CONNECTED, timeout=10)
    tile = "(t) => document.querySelector(`[data-team='${t}']`).className"
    for team, status in [("ok", "ok"), ("warn", "warn"), ("crit", "crit"), ("unknown", "unknown")]:
        assert f"status-{status}" in page.evaluate(tile, team)
    row = "(t) => document.querySelector(`[data-team='${t}'] .row`).textContent"
    assert "◷ stale, updated " in page.evaluate(row, "stale")
    assert "⚠ upstream answered HTTP 503" in page.evaluate(row, "error")
    flag = "(t) => getComputedStyle(document.querySelector(`[data-team='${t}'] .row-flag`)).display"
    assert page.evaluate(flag, "ok") == "none"  # an empty flag takes no room
    assert page.evaluate(flag, "stale") != "none"
    assert "6 ok" in page.evaluate("() => document.querySelector(`[data-team='warn']`).textContent")
    context.close()


def test_the_screen_writes_ages_by_the_servers_rule(browser: Browser, live: LiveWall) -> None:
    """The first render's ages (screen_shape.age_text) and the ticking ones (clock.js: age)
    read the same, in every unit and at a rounding half."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live.url + "/teams/ok")
    wait_for(page, CONNECTED, timeout=10)
    seconds = [0, 5, 89, 100, 150, 4000, 7200, 100000, 200000, 900000]
    ages = page.evaluate(
        """async (seconds) => {
          const entry = document.querySelector("script[type=module]").src;
          const { age, serverNow } = await import(new URL("clock.js", entry).href);
          return seconds.map((s) => age(serverNow() / 1000 - s));
        }""",
        seconds,
    )
    assert ages == [age_text(s) for s in seconds]
    context.close()


def test_the_crit_screen_shows_every_sparkline_mark(browser: Browser, live: LiveWall) -> None:
    """The crit team's case covers what it claims: threshold lines, a deploy tick with its
    label, "worse since" and the header's deploy note, as a user sees them."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(live.url + "/teams/crit")
    wait_for(page, CONNECTED, timeout=10)
    rate = "[data-panel='rate']"
    lines = page.eval_on_selector_all(
        f"{rate} .spark-threshold", "ls => ls.map(l => l.dataset.threshold)"
    )
    assert lines == ["crit"]  # 9 % is far above warn at 1 %, near crit at 5 %
    ticks = page.eval_on_selector_all(
        f"{rate} .spark-deploy", "ls => ls.map(l => l.dataset.version)"
    )
    assert ticks == ["v1.1.0"]
    assert page.locator(f"{rate} .deploy-tick").text_content() == "v1.1.0"
    assert page.locator(f"{rate} .worse-since").is_visible()
    assert page.locator(f"{rate} .worse-since").text_content() == "worse since v1.0.0"
    note = page.locator(".deploy-note").text_content() or ""
    assert note.startswith("deployed v1.1.0 ") and note.endswith(" ago")
    context.close()
