"""1,000 updates leave no extra DOM nodes behind (the long soak lives in bench/: B5).

The node and listener counts must not grow at all, so a leak of one node in a thousand
updates fails this as surely as a larger one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import open_screen, settled_metrics, wait_for
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


# The page's live tree by kind of node (element tag, or text/comment): the same board state
# draws the same tree, and the comparison of node counts waits for it (a QR or a list can
# still be settling after the last update on a loaded machine).
TREE = """() => {
  const kinds = {};
  const walk = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
  for (let n = walk.currentNode; n; n = walk.nextNode()) {
    const kind = n.nodeType === 1 ? n.tagName : "#" + n.nodeType;
    kinds[kind] = (kinds[kind] || 0) + 1;
  }
  return kinds;
}"""


def same_tree(page: Page, tree: dict[str, int]) -> None:
    """Wait (bounded) until the live tree has ``tree``'s nodes; fail naming what differs."""
    end = time.monotonic() + 20
    while (now := page.evaluate(TREE)) != tree and time.monotonic() < end:
        time.sleep(0.1)
    differs = {k: (tree.get(k), now.get(k)) for k in {*tree, *now} if tree.get(k) != now.get(k)}
    assert not differs, f"the same board drew another tree (before, after): {differs}"


def test_it_adds_no_dom_nodes_over_a_thousand_updates(browser: Browser, tmp_path: Path) -> None:
    with screen_wall(screen_config(tmp_path)) as live:
        apply(live, "main", main_readings(0.0042))
        screen = open_screen(browser, f"{live.url}/teams/payments")
        page = screen.page
        i = drive(live, page, WARMUP, 0)
        tree = page.evaluate(TREE)
        before = settled_metrics(page)
        started = time.monotonic()
        drive(live, page, UPDATES, i)
        took = time.monotonic() - started
        # Nodes in the tree are the same ones; any more the renderer holds were leaked.
        same_tree(page, tree)
        after = settled_metrics(page)
        assert screen.errors == []
    print(
        f"{UPDATES} updates in {took:.1f} s; DOM nodes {before['Nodes']:.0f} -> "
        f"{after['Nodes']:.0f}; JS heap {before['JSHeapUsedSize'] / 1e6:.2f} -> "
        f"{after['JSHeapUsedSize'] / 1e6:.2f} MB; listeners "
        f"{before['JSEventListeners']:.0f} -> {after['JSEventListeners']:.0f}"
    )
    assert after["Nodes"] <= before["Nodes"]
    assert after["JSEventListeners"] <= before["JSEventListeners"]
    page.context.close()
