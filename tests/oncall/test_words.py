"""The on-call line's words: handover times in the rota's zone, "as of" when old."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wallboard.views.oncall import clock_time, oncall_note
from wallboard.views.screen_shape import safe_link

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


def test_a_handover_is_written_with_the_day_only_when_it_is_another_day() -> None:
    now = at("2026-03-04T12:00:00")  # a Wednesday
    assert clock_time(at("2026-03-04T21:00:00"), "Europe/Berlin", now) == "21:00"
    assert clock_time(at("2026-03-09T09:00:00"), "Europe/Berlin", now) == "Mon 09:00"
    assert clock_time(at("2026-03-20T09:00:00"), "Europe/Berlin", now) == "20 Mar 09:00"
    assert clock_time(at("2026-03-04T21:00:00"), "UTC", now) == "20:00"  # the source's zone


def test_the_line_says_how_old_the_names_are_when_the_source_fails() -> None:
    facts = {
        "timezone": "Europe/Berlin",
        "level": 1.0,
        "secondary": "Cy",
        "until": at("2026-03-09T09:00:00"),
        "next": "Bo",
    }
    view = {"kind": "oncall", "facts": facts, "updated_at": at("2026-03-04T14:02:00")}
    assert (
        oncall_note({**view, "error": None}) == "level 1 · secondary Cy · until Mon 09:00, then Bo"
    )
    assert oncall_note({**view, "error": "HTTP 503"}).startswith("as of 14:02 · level 1")
    assert oncall_note({**view, "kind": "metric"}) == ""


def test_only_an_http_link_becomes_an_href() -> None:
    assert (
        safe_link("https://acme.pagerduty.com/incidents/P1")
        == "https://acme.pagerduty.com/incidents/P1"
    )
    assert safe_link("javascript:alert(1)") == ""
    assert safe_link(" JAVASCRIPT:alert(1)") == ""
    assert safe_link(None) == ""
