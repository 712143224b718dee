"""The app's own hooks run in the order create_app declares: every request, refused or failed,
gets its id, its access line and the security headers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.support.live import demo_config, write_config
from wallboard import security
from wallboard.app import create_app
from wallboard.devices import gate
from wallboard.ops import logs, metrics

ENV = {"WALLBOARD_ADMIN_TOKEN": "admin-token-for-tests-0123456789", "API_TOKEN": "t" * 32}
PAIRED = """
[screen]
access = "paired"
admin_tokens_env = ["WALLBOARD_ADMIN_TOKEN"]

[api]
tokens_env = ["API_TOKEN"]
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    made = create_app(write_config(tmp_path, demo_config() + PAIRED), env=ENV, build="t")

    @made.get("/test-crash")  # the test's own route: an unhandled error in a view
    def crash() -> str:
        raise RuntimeError("a bug in a view")

    yield made


@pytest.fixture
def caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Access lines as the app's log handler sees them: with the request's id."""
    caplog.set_level(logging.INFO, "wallboard.access")
    tag = logs.RequestIdFilter()
    logs.access_log.addFilter(tag)
    yield caplog
    logs.access_log.removeFilter(tag)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "wallboard.access"]


def assert_seen_by_every_hook(
    answer: TestResponse, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    assert answer.status_code == status
    rid = answer.headers[logs.HEADER]
    (line,) = access_lines(caplog)
    assert (line.status, line.request_id) == (status, rid)  # type: ignore[attr-defined]
    assert answer.headers["Content-Security-Policy"] == security.CSP
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_the_hooks_run_in_the_order_create_app_declares(app: Flask) -> None:
    assert app.before_request_funcs[None] == [logs.start_request, gate.gate]
    counted = metrics.metrics_of(app).count_request
    # Flask runs the last declared after_request first.
    run = list(reversed(app.after_request_funcs[None]))
    assert run == [gate.renew, counted, logs.finish_request, security.add_headers]


def test_a_request_the_gate_refuses_still_gets_its_id_and_access_line(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    answer = app.test_client().get("/wall/sources", headers={logs.HEADER: "req-from-the-tv"})
    assert answer.json is not None and answer.json["error"]["code"] == "not_paired"
    assert_seen_by_every_hook(answer, 401, caplog)
    assert answer.headers[logs.HEADER] == "req-from-the-tv"


def test_a_request_a_blueprint_refuses_gets_every_hook_too(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    answer = app.test_client().get("/api/v1/teams")  # no token
    assert_seen_by_every_hook(answer, 401, caplog)


def test_an_unknown_page_gets_every_hook(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    assert_seen_by_every_hook(app.test_client().get("/no/such/page"), 404, caplog)


def test_a_crash_in_a_view_gets_every_hook(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    assert_seen_by_every_hook(app.test_client().get("/test-crash"), 500, caplog)
