"""1,000 updates leave no extra DOM nodes behind (the long soak lives in bench/: B5).

The nodes the page holds outside its live tree (detached: kept alive by its own references)
and its listeners must not grow at all, and the same board state must draw the same elements,
so a leak of one node in a thousand updates fails this as surely as a larger one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import dom_metrics, open_screen, settled_metrics, wait_for
from tests.support.screen_wall import apply, main_readings, screen_config, screen_wall

pytestmark = pytest.mark.browser

UPDATES = 1000
WARMUP = 50
DOWN = ("db", "cache", "queue")


def drive(live: object, page: object, count: int, start: int) -> int:
    """Change the board until the page has received ``count`` more updates; bounded."""
    received = lambda: int(page.evaluate("() => document.body.dataset.updates || 0"))  # noqa: E731
    target = received() + count
    i = start
    end = time.monotonic() + 90
    while received() < target and time.monotonic() < end:
        for _ in range(25):
            i += 1
            # Values, statuses, item lists and stale/ok flips all change, as on a busy wall.
            down = DOWN[: i % 4]
            apply(live, "main", main_readings(0.001 * (i % 97), up=5 - len(down), down=down))
            time.sleep(0.002)
    assert received() >= target, "the page did not receive the updates in time"
    # End on the same board state every time, so node counts compare like with like.
    version = apply(live, "main", main_readings(0.0042, up=2, down=DOWN))
    wait_for(page, "(v) => Number(document.body.dataset.version) >= v", arg=version)
    return i


# The page's live tree: its element count by tag and its count of every node. The same
# board state draws the same elements (its texts can differ: an age, a note on what just got
# worse, which depends on the state before). Every node the renderer holds beyond the live
# tree is detached: kept alive by the page's own references, a leak if it grows.
TREE = """() => {
  const tags = {};
  let nodes = 0;
  const walk = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
  for (let n = walk.currentNode; n; n = walk.nextNode()) {
    nodes += 1;
    if (n.nodeType === 1) tags[n.tagName] = (tags[n.tagName] || 0) + 1;
  }
  return { tags, nodes };
}"""


def same_elements(page: Page, tags: dict[str, int]) -> None:
    """Wait (bounded) until the live tree has the elements of ``tags``; fail naming the
    difference (a QR or a list can still be settling after the last update)."""
    end = time.monotonic() + 20
    while (now := page.evaluate(TREE)["tags"]) != tags and time.monotonic() < end:
        time.sleep(0.1)
    differs = {k: (tags.get(k), now.get(k)) for k in {*tags, *now} if tags.get(k) != now.get(k)}
    assert not differs, f"the same board drew other elements (before, after): {differs}"


def detached_nodes(page: Page, samples: int = 3) -> float:
    """The fewest nodes held outside the live tree over a few readings, each tree counted
    right after its own GC'd metrics: a text that a tick set between one reading and a
    later walk of the tree would otherwise count as a leak (79 -> 81 once in CI)."""
    counts = []
    for _ in range(samples):
        nodes = dom_metrics(page)["Nodes"]
        counts.append(nodes - page.evaluate(TREE)["nodes"])
        page.wait_for_timeout(200)
    return float(min(counts))


def test_it_adds_no_dom_nodes_over_a_thousand_updates(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        apply(live, "main", main_readings(0.0042))
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        i = drive(live, page, WARMUP, 0)
        before = settled_metrics(page)
        tree = page.evaluate(TREE)
        live_before = tree["nodes"]
        detached_before = detached_nodes(page)
        started = time.monotonic()
        drive(live, page, UPDATES, i)
        took = time.monotonic() - started
        same_elements(page, tree["tags"])
        after = settled_metrics(page)
        live_after = page.evaluate(TREE)["nodes"]
        detached = (detached_before, detached_nodes(page))
        assert screen.errors == []
    print(
        f"{UPDATES} updates in {took:.1f} s; DOM nodes {before['Nodes']:.0f} -> "
        f"{after['Nodes']:.0f} (in the page {live_before} -> {live_after}, detached "
        f"{detached[0]:.0f} -> {detached[1]:.0f}); JS heap "
        f"{before['JSHeapUsedSize'] / 1e6:.2f} -> {after['JSHeapUsedSize'] / 1e6:.2f} MB; "
        f"listeners {before['JSEventListeners']:.0f} -> {after['JSEventListeners']:.0f}"
    )
    assert detached[1] <= detached[0], detached
    assert after["JSEventListeners"] <= before["JSEventListeners"]
    page.context.close()
