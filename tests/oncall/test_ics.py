"""The ics source on calendars as people write them: a weekly rotation with an override and
an EXDATE across the DST change in Europe/Berlin, an all-day shift, two shifts at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.oncall.doubles import Answer, Double
from tests.oncall.support import build, collect, teams_toml
from wallboard.views.oncall import clock_time

FIXTURES = Path(__file__).parent / "fixtures"
PANEL = '[panels.oncall]\ntitle = "On call"\nsource = "vendor"\nkind = "oncall"\n'


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def source_for(teams: dict[str, dict[str, Any]], env: dict[str, str] | None = None) -> Any:
    text = '[sources.vendor]\ntype = "ics"\ntimezone = "Europe/Berlin"\n' + PANEL
    return build(text + teams_toml(teams, '["oncall"]'), env or {})


def reading_at(teams: dict[str, dict[str, Any]], when: str, team: str = "payments") -> Any:
    source = source_for(teams)
    source.clock = lambda: at(when)
    result = collect(source)
    return result.readings[(team, "oncall")]


WEEKLY = {"payments": {"ics_file": str(FIXTURES / "weekly-rotation.ics")}}


@pytest.mark.parametrize(
    ("when", "who", "until", "then"),
    [
        # the rotation: Ada, then Bo, every other week from Monday 09:00 Berlin (08:00 UTC)
        ("2026-03-04T12:00:00", "Ada Lovelace", "2026-03-09T08:00:00", "bo"),
        # Ada's next turn is overridden (RECURRENCE-ID) by Cy
        ("2026-03-10T12:00:00", "bo", "2026-03-16T08:00:00", "Cy Twombly"),
        # Bo's week of the 23rd is an EXDATE: an empty slot follows Cy
        ("2026-03-17T12:00:00", "Cy Twombly", "2026-03-23T08:00:00", "nobody on call"),
        # after the DST change (29 March) Monday 09:00 in Berlin is 07:00 UTC
        ("2026-03-24T12:00:00", "nobody on call", "2026-03-30T07:00:00", "Ada Lovelace"),
    ],
)
def test_a_weekly_rotation_expands_overrides_exdates_and_dst(
    when: str, who: str, until: str, then: str
) -> None:
    reading = reading_at(WEEKLY, when)
    facts = dict(reading.facts)
    assert reading.text == who
    assert reading.status == ("warn" if who == "nobody on call" else "ok")
    assert facts["until"] == at(until)
    assert facts["next"] == then
    assert clock_time(facts["until"], "Europe/Berlin", at(when)) == "Mon 09:00"


def test_an_all_day_shift_covers_the_day_in_the_rotas_zone_and_overlaps_are_two_people() -> None:
    source = {"payments": {"ics_file": str(FIXTURES / "allday-overlap.ics")}}
    assert reading_at(source, "2026-03-10T22:30:00").text == "Dee Dee"  # 23:30 in Berlin
    assert reading_at(source, "2026-03-10T23:30:00").text == "nobody on call"  # the 11th
    both = reading_at(source, "2026-03-12T12:00:00")
    assert both.text == "Eve Arden, Fay Wray"
    assert dict(both.facts)["until"] == at("2026-03-12T17:00:00")  # Fay leaves at 18:00
    assert dict(both.facts)["next"] == "Eve Arden"


def test_a_feed_url_from_the_environment_is_read_and_never_named() -> None:
    double = Double()
    calendar = (FIXTURES / "weekly-rotation.ics").read_bytes()
    double.route(r"/feeds/secret-token/oncall\.ics", lambda m, a: Answer(200, calendar))
    try:
        env = {
            "PAY_ICS": f"{double.url}/feeds/secret-token/oncall.ics",
            "GONE_ICS": f"{double.url}/feeds/revoked.ics",
        }
        teams = {"payments": {"ics_url_env": "PAY_ICS"}, "search": {"ics_url_env": "GONE_ICS"}}
        source = source_for(teams, env)
        source.clock = lambda: at("2026-03-04T12:00:00")
        result = collect(source)
        assert result.readings[("payments", "oncall")].text == "Ada Lovelace"
        failure = result.failures[("search", "oncall")]
        assert "HTTP 404" in failure.reason and "secret" not in failure.reason
        assert "revoked" not in failure.reason
    finally:
        double.close()
