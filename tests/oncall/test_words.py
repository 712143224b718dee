"""The on-call line's words: handover times in the rota's zone, "as of" when old."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from wallboard.views.oncall import clock_time, oncall_note
from wallboard.views.oncall_chat import oncall_lines, oncall_message
from wallboard.views.screen_shape import href

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
        href("https://acme.pagerduty.com/incidents/P1") == "https://acme.pagerduty.com/incidents/P1"
    )
    assert href("javascript:alert(1)") == ""
    assert href(" JAVASCRIPT:alert(1)") == ""
    assert href(None) == ""


def test_slack_gets_no_link_that_would_end_its_own_markup_early() -> None:
    # An incident title and link come from the vendor: a "|" or ">" inside the URL would
    # end Slack's <url|label> early and let the rest be read as markup.
    hostile = "https://acme.pagerduty.com/incidents/P2|<!channel>"
    good = "https://acme.pagerduty.com/incidents/P1"
    items = [
        {"title": "Checkout down", "status": "crit", "since": 0.0, "link": good},
        {"title": "Refunds slow", "status": "warn", "since": 0.0, "link": hostile},
    ]
    panel = {"kind": "alerts", "title": "Open incidents", "display": "2 open", "status": "crit"}
    view = {"name": "payments", "panels": [{**panel, "items": items, "error": None}]}
    blocks = " ".join(str(b) for b in oncall_message(view, "https://wall/teams/payments")["blocks"])
    assert f"<{good}|Checkout down>" in blocks
    assert "Refunds slow" in blocks and "<!channel>" not in blocks
    lines = oncall_lines(view)
    assert lines[1].endswith(good) and not lines[2].endswith(hostile), lines


def test_slack_and_the_plain_answer_both_say_how_many_more_and_the_source_error() -> None:
    # Twelve open incidents from a source failing now: both answers show the first ten,
    # "+ 2 more", and that what they show is as of the source's last success.
    items = [
        {"title": f"Incident {i}", "status": "crit", "since": 0.0, "link": None} for i in range(12)
    ]
    panel = {"kind": "alerts", "title": "Open incidents", "display": "12 open", "status": "crit"}
    view = {"name": "payments", "panels": [{**panel, "items": items, "error": "HTTP 503"}]}
    slack = oncall_message(view, "https://wall/teams/payments")["blocks"]
    text = " ".join(str(b) for b in slack)
    assert "Incident 9" in text and "Incident 10" not in text
    assert "+ 2 more" in text
    assert "source error: HTTP 503" in text
    lines = oncall_lines(view)
    assert lines[0] == "Open incidents: 12 open (source error: HTTP 503)"
    assert lines[-1] == "  + 2 more" and len(lines) == 12
