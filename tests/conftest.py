"""What every test module shares: the served wall, Chromium and Redis.

The suite runs under pytest-xdist (see pyproject.toml); "session" scope here means
once per worker process. Daemons that take seconds to start (Chromium, Redis) start
once per worker; each test still gets its own browser contexts and its own empty
Redis database, so tests stay as isolated as when each started its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId
from playwright.sync_api import Browser, Playwright

from tests.support.browser import driver, launch, own_contexts
from tests.support.live import LiveSpec, LiveWall, demo_config, serve_spec, write_config
from tests.support.redis_server import RedisDatabase, RedisServer, fresh_database, redis_server

# The order tests are handed to workers: those that start processes take longest, so they
# start first and the quick in-process tests fill the end (no long test left running alone).
HEAVIEST_FIRST = ("processes", "prometheus", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses the worker's Chromium or Redis is marked so (`make check` leaves
    it out); then the heaviest kinds of tests go first."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "chromium_browser" in fixtures or "playwright_driver" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "redis_instance" in fixtures:
            item.add_marker(pytest.mark.processes)

    def weight(item: pytest.Item) -> int:
        kinds = [i for i, kind in enumerate(HEAVIEST_FIRST) if item.get_closest_marker(kind)]
        return min(kinds, default=len(HEAVIEST_FIRST))

    items.sort(key=weight)  # stable: a module's tests stay in their order
    if getattr(config.option, "loadgroup", False):  # set on xdist workers
        for item in items:
            _keep_group(item)


def _keep_group(item: pytest.Item) -> None:
    """Give ``--dist loadgroup`` the ``@group`` suffix it reads from the test's id.

    pytest-xdist 3.8 writes the suffix into ``item._nodeid``, which pytest 9.2 no longer
    reads (pytest-xdist#1386, fix in #1388): without this, grouped tests spread over
    workers. Remove once a fixed pytest-xdist is pinned.
    """
    groups = sorted({str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args})
    suffix = "@" + "_".join(groups)
    if groups and not item.nodeid.endswith(suffix):
        item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    """The demo wall without a scheduler; a module overrides this to serve another."""
    return LiveSpec(write_config(tmp_path, demo_config()))


class SharedWalls:
    """The walls a module's tests share (``LiveSpec.shared``), by spec."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._walls: dict[int, LiveWall] = {}

    def get(self, spec: LiveSpec) -> LiveWall:
        if id(spec) not in self._walls:
            self._walls[id(spec)] = self._stack.enter_context(serve_spec(spec))
        return self._walls[id(spec)]


@pytest.fixture(scope="module")
def shared_walls() -> Iterator[SharedWalls]:
    """Stopped after the module's last test (before its module-scoped ``live_spec`` ends)."""
    with ExitStack() as stack:
        yield SharedWalls(stack)


@pytest.fixture
def live(live_spec: LiveSpec, request: pytest.FixtureRequest) -> Iterator[LiveWall]:
    """A real wall on a loopback port, as the module's ``live_spec`` says."""
    if live_spec.shared:
        yield request.getfixturevalue("shared_walls").get(live_spec)
        return
    with serve_spec(live_spec) as running:
        yield running


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver, once per worker (the sync API cannot start twice in a thread).

    While it runs, this thread counts as inside an event loop: in-process code under
    test must not call ``asyncio.run`` (the benchmarks' async clients are subprocesses).
    """
    with driver() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium_browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One real, headless Chromium per worker."""
    browser = launch(playwright_driver)
    yield browser
    browser.close()


@pytest.fixture
def browser(chromium_browser: Browser) -> Iterator[Browser]:
    """The worker's Chromium; every context the test opens is closed after it."""
    with own_contexts(chromium_browser) as browser:
        yield browser


@pytest.fixture(scope="session")
def redis_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server per worker, no persistence."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


_databases = itertools.count()  # each test the next database, in turn


@pytest.fixture
def store(redis_instance: RedisServer) -> Iterator[RedisDatabase]:
    """An empty Redis database of the test's own; the server running again after it."""
    database = fresh_database(redis_instance, next(_databases))
    yield database
    fresh_database(redis_instance, database.index)
