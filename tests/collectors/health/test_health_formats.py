"""What each health format's answers mean (pure: bytes in, verdict out)."""

from __future__ import annotations

import json

import pytest

from collectors.health.formats import interpret, is_json_type
from tests.support.health_servers import FORMATS, HEALTH_JSON, SPRING

# What a person should read on the wall for every format variant the test servers serve.
EXPECTED = {
    "/plain/up": ("up", "HTTP 200", ()),
    "/plain/degraded": ("degraded", 'status "warn"', ()),
    "/plain/down": ("down", "HTTP 503", ()),
    "/ietf/up": ("up", "HTTP 200", ()),
    "/ietf/degraded": ("degraded", 'status "warn": db:responseTime warn', ("db:responseTime",)),
    "/ietf/down": (
        "down",
        "HTTP 503: db:connections (pg-main) fail (connection pool exhausted)",
        ("db:connections (pg-main)",),
    ),
    "/spring/up": ("up", "HTTP 200", ()),
    "/spring/degraded": ("degraded", 'status "DEGRADED": cache DEGRADED', ("cache",)),
    "/spring/down": ("down", "HTTP 503: broker/kafka DOWN", ("broker/kafka",)),
    "/spring/out-of-service": ("down", "HTTP 503", ()),
    "/spring/unknown": ("unknown", 'status "UNKNOWN"', ()),
    "/k8s/up": ("up", "HTTP 200", ()),
    "/k8s/up-verbose": ("up", "HTTP 200", ()),
    "/k8s/degraded": ("degraded", "HTTP 200: informer-sync failed", ("informer-sync",)),
    "/k8s/down": ("down", "HTTP 500: etcd failed", ("etcd",)),
    "/garbage-json": ("down", "invalid JSON (HTTP 200)", ()),
}


def _verdict(path: str):  # type: ignore[no-untyped-def]
    route = FORMATS[path]
    content_type = route.content_type.split(";")[0].strip().lower()
    return interpret(route.status, content_type, route.body)


def test_it_has_an_expectation_for_every_served_format() -> None:
    assert set(EXPECTED) == set(FORMATS)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_it_reads_each_format_variant_as_a_person_would(path: str) -> None:
    state, reason, components = EXPECTED[path]
    verdict = _verdict(path)
    assert (verdict.state, verdict.reason, verdict.components) == (state, reason, components)
    assert verdict.failed == (state == "down")


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("pass", "up"),
        ("OK", "up"),
        ("Up", "up"),
        (" warn ", "degraded"),
        ("WARN", "degraded"),
        ("fail", "down"),
        ("Error", "down"),
        ("DOWN", "down"),
        ("out_of_service", "down"),
        ("unknown", "unknown"),
    ],
)
def test_it_accepts_ietf_statuses_and_aliases_in_any_case(status: str, state: str) -> None:
    body = json.dumps({"status": status}).encode()
    assert interpret(200, HEALTH_JSON, body).state == state


def test_it_lets_the_status_code_win_over_a_body_saying_up() -> None:
    verdict = interpret(500, "application/json", b'{"status": "UP"}')
    assert (verdict.state, verdict.reason) == ("down", "HTTP 500")


def test_it_reads_a_body_that_fails_behind_a_200() -> None:
    verdict = interpret(200, HEALTH_JSON, b'{"status": "fail", "output": "disk full"}')
    assert (verdict.state, verdict.reason) == ("down", 'status "fail" (disk full)')


def test_it_shows_a_custom_spring_status_it_cannot_rank_as_unknown() -> None:
    verdict = interpret(200, SPRING, b'{"status": "FATAL_ISH"}')
    assert (verdict.state, verdict.reason) == ("unknown", 'status "FATAL_ISH" (HTTP 200)')


def test_it_reads_boot_2_0_components_nested_under_details() -> None:
    body = {
        "status": "DOWN",
        "details": {
            "db": {"status": "DOWN", "details": {"error": "timeout"}},
            "disk": {"status": "UP"},
        },
    }
    verdict = interpret(503, "application/json", json.dumps(body).encode())
    assert verdict.components == ("db",)


def test_it_does_not_take_free_form_details_for_components() -> None:
    body = {"status": "UP", "details": {"database": "H2", "validationQuery": "isValid()"}}
    assert interpret(200, "application/json", json.dumps(body).encode()).state == "up"


def test_it_names_the_composite_when_no_child_is_down() -> None:
    body = {"status": "DOWN", "components": {"broker": {"status": "DOWN", "components": {}}}}
    assert interpret(503, SPRING, json.dumps(body).encode()).components == ("broker",)


def test_it_treats_an_excluded_kubernetes_check_as_passing() -> None:
    body = b"[+]ping ok\n[+]etcd excluded: ok\nreadyz check passed\n"
    assert interpret(200, "text/plain", body).state == "up"


def test_it_reads_a_single_kubernetes_check_failure() -> None:
    verdict = interpret(500, "text/plain", b"internal server error: etcd unreachable")
    assert (verdict.state, verdict.reason) == ("down", "HTTP 500")


@pytest.mark.parametrize(
    ("status", "state"),
    [(200, "up"), (204, "up"), (301, "up"), (399, "up"), (404, "down"), (503, "down")],
)
def test_it_reads_plain_endpoints_by_status_code(status: int, state: str) -> None:
    assert interpret(status, "text/html", b"<p>whatever</p>").state == state


def test_it_checks_the_expected_status_codes_instead_of_2xx_3xx() -> None:
    assert interpret(204, "", b"", expect=(204,)).state == "up"
    verdict = interpret(200, "", b"", expect=(204, 205))
    assert (verdict.state, verdict.reason) == ("down", "HTTP 200 (expected 204 or 205)")


def test_it_reads_a_json_body_without_a_status_as_plain() -> None:
    assert interpret(200, "application/json", b"{}").state == "up"
    assert interpret(200, "application/json", b"[1, 2]").state == "up"
    assert interpret(200, "application/json", b'{"status": 3}').state == "up"


def test_it_reads_an_empty_json_answer_by_its_status_code() -> None:
    assert interpret(204, "application/json", b"").state == "up"
    assert interpret(200, HEALTH_JSON, b" \n").state == "up"
    verdict = interpret(503, HEALTH_JSON, b"")
    assert (verdict.state, verdict.reason) == ("down", "HTTP 503")


def test_it_says_invalid_json_only_when_the_status_code_is_good() -> None:
    assert interpret(502, HEALTH_JSON, b"<html>").reason == "HTTP 502"
    assert interpret(200, HEALTH_JSON, b"\xff\xfe").reason == "invalid JSON (HTTP 200)"


def test_it_flattens_and_clips_hostile_output_to_one_line() -> None:
    body = {"status": "fail", "output": "line one\n\tline two " + "x" * 500}
    reason = interpret(503, HEALTH_JSON, json.dumps(body).encode()).reason
    assert "\n" not in reason and "\t" not in reason
    assert reason.startswith("HTTP 503 (line one line two xxx")
    assert len(reason) < 160


@pytest.mark.parametrize(
    ("content_type", "json_type"),
    [
        ("application/json", True),
        ("application/health+json", True),
        ("application/vnd.spring-boot.actuator.v3+json", True),
        ("text/plain", False),
        ("application/jsonp", False),
    ],
)
def test_it_knows_which_content_types_are_json(content_type: str, json_type: bool) -> None:
    assert is_json_type(content_type) is json_type
