"""What a screen writes for a panel: the texts come formatted from here, for both paths."""

from __future__ import annotations

from typing import Any

from wallboard.views.screen_shape import (
    CALM_AFTER,
    MAX_ITEMS,
    age_text,
    deploy_note,
    screen_panel,
    tile_rows,
    with_screen,
)


def view(pid: str = "rate", **changes: Any) -> dict[str, Any]:
    """A panel view as shapes.panel_view makes it (only the fields a screen reads)."""
    base: dict[str, Any] = {
        "id": pid,
        "title": pid.title(),
        "display": "0.42 %",
        "status": "ok",
        "stale": False,
        "error": None,
        "config_error": False,
        "updated_at": 1000.0,
        "items": [],
        "demo": False,
    }
    return {**base, **changes}


def test_ages_read_in_the_largest_unit_that_fits() -> None:
    assert [age_text(s) for s in (0, 89, 90, 5399, 5400, 172799, 172800)] == [
        "0 s ago",
        "89 s ago",
        "2 min ago",
        "90 min ago",
        "2 h ago",
        "48 h ago",
        "2 days ago",
    ]
    assert age_text(150) == "3 min ago"  # halves round up, as the screen's script rounds them
    assert age_text(-3) == "0 s ago"  # a TV clock ahead of the server never shows "-3 s"


def test_a_stale_failing_panel_gives_one_message_and_keeps_its_last_good_age() -> None:
    shown = screen_panel(view(status="unknown", stale=True, error="HTTP 503"))
    assert shown["class"] == "panel status-unknown is-stale has-error"  # still hatched grey
    assert [b["text"] for b in shown["badges"]] == ["⚠ source error: HTTP 503"]  # not a stack
    assert shown["updated"] == {"lead": "last good value, updated ", "at": 1000.0, "tail": ""}
    assert shown["flag"]["lead"] == "⚠ HTTP 503"  # on /wall the error says more than "stale"


def test_a_stale_row_says_how_old_its_value_is_on_every_path() -> None:
    # One shape for the first render and the frames: "◷ stale" and "◷ stale, updated … ago"
    # can no longer disagree.
    assert screen_panel(view(stale=True))["flag"] == {
        "lead": "◷ stale, updated ",
        "at": 1000.0,
        "tail": "",
    }
    never = screen_panel(view(stale=True, updated_at=None))
    assert never["flag"]["lead"] == "◷ stale, no data"
    assert never["updated"]["lead"] == "waiting for data"
    # A source that never worked: its error is the one message, no "waiting for data" too.
    failing = screen_panel(view(stale=True, updated_at=None, error="HTTP 401"))
    assert [b["text"] for b in failing["badges"]] == ["⚠ source error: HTTP 401"]
    assert failing["updated"]["lead"] == ""


def test_a_long_list_shows_its_first_items_and_counts_the_rest() -> None:
    items = [{"title": f"svc-{i}", "status": "crit", "detail": "HTTP 503"} for i in range(9)]
    shown = screen_panel(view(items=items, demo=True))
    assert len(shown["items"]) == MAX_ITEMS
    assert shown["items"][0] == {
        "class": "item status-crit",
        "title": "svc-0",
        "detail": "HTTP 503",
        "since": {"lead": "", "at": None, "tail": ""},  # a start the item does not know
        "link": "",  # no link from the source: the row shows none
    }
    assert shown["more"] == f"+ {9 - MAX_ITEMS} more"
    assert shown["more_after"][2] == "+ 7 more"  # the words when only two rows fit
    assert shown["updated"]["tail"] == " · demo data"
    assert screen_panel(view(items=items[:MAX_ITEMS]))["more"] == ""


def test_a_troubled_tile_shows_what_fails_and_folds_its_healthy_panels_into_one_line() -> None:
    calm = [view(f"p{i}") for i in range(CALM_AFTER)]
    hot = view("hot", status="warn")
    tile = tile_rows(with_screen([hot, *calm]))
    assert tile["rows"] == ["hot", "_calm"]
    assert tile["calm"]["title"] == f"{CALM_AFTER} ok"
    # A calm team with few panels: every panel keeps its own row.
    assert tile_rows(with_screen(calm))["rows"] == [p["id"] for p in calm]
    # One calm panel among failing ones folds too: the tile shows only what fails.
    crowd = [view(f"w{i}", status="warn") for i in range(CALM_AFTER)] + [view("calm")]
    folded = tile_rows(with_screen(crowd))
    assert folded["rows"] == [p["id"] for p in crowd[:-1]] + ["_calm"]
    assert folded["calm"]["title"] == "1 ok"
    # Every panel failing: nothing to fold.
    assert tile_rows(with_screen(crowd[:-1]))["calm"] is None


def deploy(version: str, at: float) -> dict[str, Any]:
    return {"version": version, "short": version, "at": at}


def test_deploy_ticks_sit_on_the_line_and_their_labels_stay_inside_the_panel() -> None:
    line = {"spark": [1.0, 2.0, 3.0], "spark_from": 1000.0, "spark_to": 2000.0}
    deploys = [deploy(v, at) for v, at in (("v4", 2500.0), ("v3", 1500.0), ("v2", 1020.0))]
    older = deploy("v1", 900.0)  # before the line's first point: no place on it
    shown = screen_panel(view(**line, deploys=[*deploys, older], spark_span="last 17 min"))
    assert [(t["version"], t["x"], t["label_class"]) for t in shown["ticks"]] == [
        ("v4", "100.00", "deploy-tick at-end"),  # since the newest point: at the right edge
        ("v3", "50.00", "deploy-tick"),
        ("v2", "2.00", "deploy-tick at-start"),
    ]
    # Only the newest is labelled: older deploys are ticks, so labels never overlap.
    assert [t["label"] for t in shown["ticks"]] == ["v4", "", ""]
    assert shown["span"] == "last 17 min"
    assert screen_panel(view(deploys=deploys))["ticks"] == []  # no line, no ticks


def test_threshold_lines_are_drawn_only_near_the_curve() -> None:
    near = view(spark=[0.4, 0.8], thresholds={"warn": 1.0, "crit": 5.0})
    shown = screen_panel(near)
    assert [(t["name"], t["class"]) for t in shown["thresholds"]] == [
        ("warn", "spark-threshold warn")
    ]
    # The scale stretched to take warn in: the line sits at the top margin, 1 unit down.
    assert shown["thresholds"][0]["y"] == "1.00"
    assert screen_panel(view(spark=[0.4, 0.8]))["thresholds"] == []


def test_worse_since_and_the_header_note_are_written_for_the_screen() -> None:
    assert screen_panel(view(worse_since="v1.4.2"))["worse_since"] == "worse since v1.4.2"
    assert screen_panel(view(worse_since=None))["worse_since"] == ""
    team = {"panels": [view("a", deploys=[]), view("b", deploys=[deploy("v2", 1200.0)])]}
    assert deploy_note(team) == {"lead": "deployed v2 ", "at": 1200.0, "tail": ""}
    assert deploy_note({"panels": [view()]}) == {"lead": "", "at": None, "tail": ""}


def test_a_gap_in_the_history_is_a_gap_in_the_line() -> None:
    # Two runs of known values around a failed cycle: two polylines, nothing drawn across.
    shown = screen_panel(view(spark=[1.0, 2.0, 3.0, None, 2.0, 1.0]))
    assert len(shown["lines"]) == 2
    first, second = (run.split() for run in shown["lines"])
    assert [p.split(",")[0] for p in first] == ["0.0", "20.0", "40.0"]
    assert [p.split(",")[0] for p in second] == ["80.0", "100.0"]
    # A lone point between gaps has nothing to draw; no history, no line.
    assert len(screen_panel(view(spark=[1.0, None, 2.0, None, 3.0, 4.0]))["lines"]) == 1
    assert screen_panel(view(spark=[]))["lines"] == []


def test_a_service_down_and_an_alert_firing_say_for_how_long() -> None:
    down = {"title": "ledger", "status": "crit", "detail": "HTTP 503", "since": 1000.0}
    health = screen_panel(view(kind="health", status="crit", items=[down]))
    assert health["items"][0]["since"] == {"lead": "down ", "at": 1000.0, "tail": "", "form": "for"}
    alerts = screen_panel(view(kind="alerts", status="crit", items=[down]))
    assert alerts["items"][0]["since"]["lead"] == "firing "  # from the alert's startsAt
    assert screen_panel(view(kind="issues", items=[down]))["items"][0]["since"]["lead"] == ""
