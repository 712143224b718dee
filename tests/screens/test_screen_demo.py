"""The demo wall (the repository's config.toml) shows every panel kind, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser

from tests.support.browser import open_screen, wait_for
from tests.support.live import LiveSpec, LiveWall
from tests.support.paths import ROOT
from wallboard.config import loader as config_mod

pytestmark = pytest.mark.browser

KINDS = {"metric", "health", "alerts", "issues", "slo", "oncall"}
CONFIG = ROOT / "config.toml"


def three_cycles(live: LiveWall) -> None:
    for _ in range(3):  # the first cycle also makes up the demo's past
        live.wall.poller.collect("demo")


@pytest.fixture(scope="module")
def live_spec() -> LiveSpec:
    return LiveSpec(CONFIG, prepare=three_cycles, shared=True)


def kinds_of(team: str) -> dict[str, str]:
    """panel id -> kind, as the config says (not as the page says)."""
    config = config_mod.load(CONFIG, env={})
    return {p.id: p.kind for p in config.teams[team].panels}


def test_the_demo_config_uses_every_kind_on_a_demo_source() -> None:
    config = config_mod.load(CONFIG, env={})
    used = {p.kind for t in config.teams.values() for p in t.panels}
    assert used == KINDS
    assert {s.type for s in config.sources.values()} == {"demo"}


@pytest.mark.parametrize("team", ["payments", "search", "checkout"])
def test_a_team_screen_shows_each_of_its_kinds_with_data(
    browser: Browser, live: LiveWall, team: str
) -> None:
    screen = open_screen(browser, f"{live.url}/teams/{team}")
    page = screen.page
    kinds = kinds_of(team)
    for pid, kind in kinds.items():
        panel = f'[data-panel="{pid}"]'
        value = screen.text(f"{panel} .value")
        assert value and value not in ("no data", "waiting for data"), (pid, value)
        if kind not in ("health", "oncall"):  # names have no sparkline
            assert page.locator(f"{panel} svg.spark polyline").get_attribute("points")
        if kind == "oncall":  # the names, then the level, the secondary and the handover
            note = screen.text(f"{panel} .oncall-note")
            assert note.startswith("level 1 · secondary ") and ", then " in note, note
        if kind == "slo":
            assert value.endswith("% budget left") or value.startswith("budget exhausted")
            assert "burn 1h" in screen.text(f"{panel} .items")
            assert "page at 14.4" in screen.text(f"{panel} .items")
        if kind == "issues":
            rows = page.locator(f"{panel} .item:not(.item-more)").all_text_contents()
            assert rows and all(" events · " in r and " old · " in r for r in rows)
            assert re.fullmatch(r"\d+ new", value), value  # bad rows, in what they are
        if kind == "alerts":
            assert value == "none firing" or value.endswith(" firing")
    # A made-up past with deploys: ticks on the sparklines and a header note.
    wait_for(page, "() => document.querySelectorAll('.spark-deploy').length > 0")
    assert screen.text(".deploy-note").startswith("deployed v")
    assert screen.text(f'[data-panel="{next(iter(kinds))}"] .spark-span').startswith("last ")
    assert screen.errors == []


def test_the_demo_shows_firing_alerts_and_a_burning_budget_somewhere(live: LiveWall) -> None:
    from wallboard.views.team import team_view

    views = [team_view(live.wall.board, t) for t in live.wall.config.teams]
    panels = [p for v in views for p in v["panels"]]
    assert any(p["kind"] == "alerts" and p["items"] for p in panels)
    assert any(p["kind"] == "slo" and (p["facts"]["burn_1h"] or 0) > 1 for p in panels)


def test_the_demo_keeps_calm_teams(live: LiveWall) -> None:
    """Every demo issue is level error: only an incident's new issue makes the issues panel
    worse, so a team with nothing firing is not red for its old issues."""
    from wallboard.views.team import team_view

    for team in live.wall.config.teams:
        panels = {p["kind"]: p for p in team_view(live.wall.board, team)["panels"]}
        issues, alerts = panels.get("issues"), panels.get("alerts")
        if issues is None or alerts is None or alerts["items"]:
            continue
        assert (issues["status"], issues["display"]) == ("ok", "0 new"), (team, issues)
        assert issues["items"] and {i["status"] for i in issues["items"]} == {"ok"}


def test_the_wall_shows_every_kind(browser: Browser, live: LiveWall) -> None:
    screen = open_screen(browser, f"{live.url}/wall")
    page = screen.page
    wait_for(page, "() => document.querySelectorAll('.tile').length === 3")
    shown = set(
        page.eval_on_selector_all(".tile .row[data-panel]", "rs => rs.map(r => r.dataset.panel)")
    )
    config = config_mod.load(CONFIG, env={})
    kind_of = {p.id: p.kind for t in config.teams.values() for p in t.panels}
    # Rows of panels, not the "n more panels ok" row a big calm tile folds the rest into.
    assert {kind_of[pid] for pid in shown if pid in kind_of} == KINDS
    assert screen.errors == []
