"""What is wrong, in words: an SLO's failing rows are named with their values."""

from __future__ import annotations

from wallboard.views.problems import team_problem


def test_an_slo_says_when_its_budget_is_gone_never_a_bare_budget_gone_in() -> None:
    rows = [
        {"title": "burn 1h", "status": "crit", "detail": "16.2\u00d7 · page at 14.4\u00d7"},
        {"title": "budget gone in", "status": "crit", "detail": "45 min"},
    ]
    slo = {"title": "Availability", "kind": "slo", "status": "crit", "items": rows}
    assert "budget gone in 45 min" in team_problem([{**slo, "error": None, "stale": False}])
