"""A list panel's headline counts its bad rows, in the words of what it counts and in the
worst bad row's colour, on every face (the team page, /wall, the API and chat read the
same view). Sentry issues are bad only while they are news (new, regressed, escalating):
an ongoing issue is listed, neutral, and never makes its panel crit."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from collectors.base import Collection, Item, Reading
from collectors.sentry.issues import Issue, IssueBook
from tests.board.test_board import Clock
from wallboard.board.board import Board
from wallboard.config import loader as config_mod
from wallboard.views.chat import team_message
from wallboard.views.team import TeamViews

CONFIG = """
[sources.sentry]
type = "demo"
interval = "30s"

[panels.issues]
title = "Sentry issues"
source = "sentry"
kind = "issues"
unit = "count"
metric = "issues"

[panels.busy]
title = "Sentry issues, 20 unresolved is crit"
source = "sentry"
kind = "issues"
unit = "count"
metric = "issues"
crit = 20

[panels.alerts]
title = "Firing alerts"
source = "sentry"
kind = "alerts"
unit = "count"
metric = "alerts"

[panels.services]
title = "Services"
source = "sentry"
kind = "health"
unit = "count"
metric = "health"

[teams.payments]
name = "Payments"
panels = ["issues", "busy", "alerts", "services"]
"""

HOUR = 3600.0


def sentry_issue(n: int, level: str, substatus: str, first_seen: float) -> dict[str, object]:
    """An issue as Sentry's org issues endpoint lists it (docs/sources/sentry.md)."""
    return {
        "id": str(n),
        "title": f"KeyError {n}",
        "level": level,
        "status": "unresolved",
        "substatus": substatus,
        "count": str(100 - n),
        "userCount": 1,
        "firstSeen": datetime.fromtimestamp(first_seen, UTC).isoformat(),
        "project": {"id": "1", "slug": "checkout"},
    }


def reading(
    now: float, *issues: tuple[str, str, float], panel_value: float | None = None
) -> Reading:
    """The Sentry source's reading of these (level, substatus, age) issues, as the
    collector makes it (collectors/sentry/issues.py)."""
    book = IssueBook()
    book.load(
        [
            Issue.from_api(sentry_issue(n, *issue[:2], now - issue[2]))
            for n, issue in enumerate(issues)
        ],
        truncated=False,
    )
    got = book.reading("top_issues", frozenset({"1"}), limit=5, now=now)
    if panel_value is None:
        return got
    return Reading(panel_value, got.text, got.status, got.items)


def board_with(**panels: Reading) -> tuple[Board, Clock]:
    clock = Clock()
    board = Board(config_mod.parse(tomllib.loads(CONFIG), env={}), clock=clock)
    board.apply("sentry", Collection(readings={("payments", p): r for p, r in panels.items()}))
    return board, clock


def panel(board: Board, pid: str) -> dict[str, object]:
    view = TeamViews(board).get("payments")
    return next(p for p in view.plain()["panels"] if p["id"] == pid)


def test_ongoing_error_issues_are_listed_but_the_list_reads_calm() -> None:
    """Every unresolved Sentry issue is level error: that alone is not news."""
    now = Clock().now
    issues = reading(now, ("error", "ongoing", 30 * 86400), ("error", "new", 3 * 86400))
    board, _ = board_with(issues=issues)
    shown = panel(board, "issues")
    assert (shown["display"], shown["status"]) == ("0 new", "ok")
    assert len(shown["items"]) == 2 and {i["status"] for i in shown["items"]} == {"ok"}
    view = TeamViews(board).get("payments")
    row = view.screen["panels"][0]["screen"]["items"][0]
    assert "is-listed" in row["class"] and row["since"]["lead"] == ""  # neutral, no timer


def test_new_regressed_and_escalating_issues_count_in_their_levels_colour() -> None:
    now = Clock().now
    issues = reading(
        now,
        ("error", "ongoing", 30 * 86400),
        ("warning", "new", 600),  # first seen 10 min ago
        ("warning", "regressed", 9 * 86400),
    )
    board, _ = board_with(issues=issues)
    shown = panel(board, "issues")
    assert (shown["display"], shown["status"]) == ("2 new or regressed", "warn")
    # The news is listed first, ahead of the more frequent ongoing issue.
    assert [i["title"] for i in shown["items"]] == ["KeyError 2", "KeyError 1", "KeyError 0"]
    issues = reading(now, ("error", "escalating", 5 * 86400), ("warning", "new", 60))
    board, _ = board_with(issues=issues)
    shown = panel(board, "issues")
    assert (shown["display"], shown["status"]) == ("2 new or escalating", "crit")
    rows = TeamViews(board).get("payments").screen["panels"][0]["screen"]["items"]
    assert [r["since"]["lead"] for r in rows] == ["escalating ", "new "]


def test_a_new_issue_is_news_for_an_hour() -> None:
    now = Clock().now
    board, _ = board_with(issues=reading(now, ("error", "new", HOUR - 60)))
    assert panel(board, "issues")["display"] == "1 new"
    board, _ = board_with(issues=reading(now, ("error", "new", HOUR + 60)))
    assert panel(board, "issues")["display"] == "0 new"


def test_thresholds_on_the_whole_count_say_what_they_count() -> None:
    """A panel coloured by its thresholds on every unresolved issue says that number, not
    a count of new ones in a colour they did not make."""
    now = Clock().now
    issues = reading(now, ("error", "ongoing", 9 * 86400), panel_value=23.0)
    board, _ = board_with(busy=issues)
    shown = panel(board, "busy")
    assert (shown["display"], shown["status"]) == ("23 unresolved", "crit")


def test_a_partial_list_of_news_is_a_lower_bound() -> None:
    now = Clock().now
    issues = reading(now, ("error", "new", 60), ("error", "new", 120), panel_value=30.0)
    board, _ = board_with(issues=issues)
    assert panel(board, "issues")["display"] == "2+ new"


def test_alerts_count_firing_rows_and_health_counts_down_of_all() -> None:
    alerts = (Item("HighErrorRate", "crit"), Item("DiskFilling", "warn"), Item("Info", "ok"))
    down = (Item("ledger", "crit", "HTTP 503"), Item("fx", "crit"), Item("cards", "warn"))
    board, _ = board_with(
        alerts=Reading(3.0, "3 firing", "crit", items=alerts),
        services=Reading(6.0, "6 / 9 up", "crit", items=down),
    )
    assert (panel(board, "alerts")["display"], panel(board, "alerts")["status"]) == (
        "2 firing",
        "crit",
    )
    assert panel(board, "services")["display"] == "2 of 9 down"
    board, _ = board_with(services=Reading(8.0, "8 / 9 up", "warn", items=down[2:]))
    assert panel(board, "services")["display"] == "1 of 9 degraded"
    board, _ = board_with(services=Reading(9.0, "9 / 9 up", "ok"))
    assert panel(board, "services")["display"] == "9 / 9 up"  # calm reads calm


def test_chat_and_the_summary_say_the_same_words_as_the_screen() -> None:
    now = Clock().now
    board, _ = board_with(issues=reading(now, ("error", "new", 60), ("error", "ongoing", 1e6)))
    view = TeamViews(board).get("payments")
    assert view.summary["worst_panel"]["display"] == "1 new"
    text = str(team_message(view.plain(history=False), "http://wall/t/payments"))
    assert "1 new" in text
