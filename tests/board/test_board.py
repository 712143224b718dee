"""The board: thresholds both ways, staleness, versions that move only on change, history."""

from __future__ import annotations

import threading

import pytest

from collectors.base import Collection, Item, Reading
from collectors.errors import CollectorError
from wallboard.board.board import Board, evaluate
from wallboard.config import loader as config_mod
from wallboard.config.schema import Thresholds

CONFIG = """
[wall]
stale_after = "60s"
history = 10

[sources.demo]
type = "demo"
interval = "10s"

[sources.other]
type = "demo"
interval = "10s"
stale_after = "20s"

[panels.error_rate]
title = "5xx"
source = "demo"
unit = "percent"
warn = 1
crit = 5

[panels.throughput]
title = "Requests"
source = "other"
unit = "per_second"
warn = 50
crit = 10
direction = "below"

[teams.payments]
panels = ["error_rate", "throughput"]

[teams.search]
panels = ["error_rate"]
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock: Clock) -> Board:
    import tomllib

    return Board(config_mod.parse(tomllib.loads(CONFIG), env={}), clock=clock)


def panel(board: Board, team: str, panel_id: str):
    _, states = board.team_panels(team)
    return next(s for s in states if s.panel.id == panel_id)


def reading(team: str, panel_id: str, value: float | None, **kw) -> Collection:
    return Collection(readings={(team, panel_id): Reading(value=value, **kw)})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "ok"), (0.99, "ok"), (1.0, "warn"), (4.9, "warn"), (5.0, "crit"), (70.0, "crit")],
)
def test_it_evaluates_thresholds_where_higher_is_worse(value: float, expected: str) -> None:
    assert evaluate(value, Thresholds(warn=1, crit=5)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(100.0, "ok"), (50.1, "ok"), (50.0, "warn"), (10.5, "warn"), (10.0, "crit"), (0.0, "crit")],
)
def test_it_evaluates_thresholds_where_lower_is_worse(value: float, expected: str) -> None:
    assert evaluate(value, Thresholds(warn=50, crit=10, direction="below")) == expected


def test_it_never_calls_a_missing_value_ok() -> None:
    assert evaluate(None, Thresholds(warn=1, crit=5)) == "unknown"
    assert evaluate(float("nan"), Thresholds(warn=1, crit=5)) == "unknown"


def test_it_scales_ratios_to_the_shown_unit_before_thresholds(board: Board) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.02))
    state = panel(board, "payments", "error_rate")
    assert state.value == pytest.approx(2.0)
    assert state.status == "warn"


def test_it_applies_lower_is_worse_thresholds_from_config(board: Board) -> None:
    board.apply("other", reading("payments", "throughput", 5.0))
    assert panel(board, "payments", "throughput").status == "crit"


def test_it_shows_no_data_for_a_team_the_source_did_not_return(board: Board) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.001))
    search = panel(board, "search", "error_rate")
    assert search.value is None and search.text == "no data" and search.status == "unknown"


def test_it_lets_a_source_decide_status_for_list_panels(board: Board) -> None:
    items = (Item(title="db", status="crit", detail="HTTP 503"),)
    board.apply("demo", reading("payments", "error_rate", 0.0, status="crit", items=items))
    state = panel(board, "payments", "error_rate")
    assert state.status == "crit" and state.items == items


def test_it_bumps_the_version_only_on_change(board: Board, clock: Clock) -> None:
    first = board.apply("demo", reading("payments", "error_rate", 0.01))
    again = board.apply("demo", reading("payments", "error_rate", 0.01))
    assert again == first  # same value, same instant: nothing to tell screens
    clock.now += 5
    assert board.sweep() == first  # nothing became stale
    changed = board.apply("demo", reading("payments", "error_rate", 0.03))
    assert changed > first


def test_it_tells_subscribers_which_teams_changed(board: Board) -> None:
    seen: list[tuple[int, frozenset[str], bool]] = []
    board.changed.connect(lambda v, teams, layout: seen.append((v, teams, layout)))
    board.apply("other", reading("payments", "throughput", 80.0))
    assert seen and seen[-1][1] == frozenset({"payments"}) and seen[-1][2] is False


def test_it_keeps_the_last_value_and_shows_why_when_a_source_fails(
    board: Board, clock: Clock
) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.002))
    clock.now += 10
    board.fail("demo", CollectorError("timeout after 5 s", kind="timeout"))
    state = panel(board, "payments", "error_rate")
    assert state.value == pytest.approx(0.2)
    assert state.error == "timeout after 5 s"
    assert state.effective_status == "unknown"  # never green while we do not know
    assert panel(board, "payments", "throughput").error is None  # other sources untouched


def test_it_records_a_run_of_failed_cycles_as_one_gap_in_the_history(
    board: Board, clock: Clock
) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.002))
    for _ in range(3):
        clock.now += 10
        board.fail("demo", CollectorError("timeout after 5 s", kind="timeout"))
    clock.now += 10
    board.apply("demo", reading("payments", "error_rate", 0.004))
    samples = [v for _, v in panel(board, "payments", "error_rate").history]
    assert samples == [pytest.approx(0.2), None, pytest.approx(0.4)]


def test_it_clears_the_error_on_the_next_success(board: Board) -> None:
    board.fail("demo", CollectorError("connection refused"))
    board.apply("demo", reading("payments", "error_rate", 0.002))
    assert panel(board, "payments", "error_rate").error is None


def test_it_marks_a_single_panel_failure_without_touching_the_rest(board: Board) -> None:
    result = Collection(
        readings={("payments", "error_rate"): Reading(value=0.01)},
        failures={(None, "error_rate"): CollectorError("bad PromQL", config_error=True)},
    )
    board.apply("demo", result)
    state = panel(board, "search", "error_rate")
    assert state.error == "bad PromQL" and state.config_error


def test_it_marks_panels_stale_after_their_sources_stale_after(board: Board, clock: Clock) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.01))
    board.apply("other", reading("payments", "throughput", 80.0))
    clock.now += 30
    board.sweep()
    assert not panel(board, "payments", "error_rate").stale  # 60 s limit
    assert panel(board, "payments", "throughput").stale  # 20 s limit for "other"
    clock.now += 31
    board.sweep()
    assert panel(board, "payments", "error_rate").stale
    board.apply("demo", reading("payments", "error_rate", 0.01))
    assert not panel(board, "payments", "error_rate").stale


def test_it_marks_panels_stale_when_nothing_ever_arrived(board: Board, clock: Clock) -> None:
    clock.now += 61
    board.sweep()
    assert panel(board, "search", "error_rate").stale


def test_it_bounds_the_history_ring(board: Board, clock: Clock) -> None:
    for i in range(25):
        clock.now += 1
        board.apply("demo", reading("payments", "error_rate", i / 1000))
    history = panel(board, "payments", "error_rate").history
    assert len(history) == 10
    assert history[-1][1] == pytest.approx(2.4)


def test_it_returns_only_panels_changed_since_a_version(board: Board, clock: Clock) -> None:
    v1 = board.apply("demo", reading("payments", "error_rate", 0.01))
    clock.now += 1
    board.apply("other", reading("payments", "throughput", 80.0))
    _, changed = board.team_panels("payments", since=v1)
    assert [s.panel.id for s in changed] == ["throughput"]


def test_it_is_safe_to_write_from_many_threads(board: Board, clock: Clock) -> None:
    writers, writes = 4, 200
    before = board.version

    def writer(n: int) -> None:
        for i in range(writes):  # every value distinct: every write is a visible change
            board.apply("demo", reading("payments", "error_rate", (n * 1000 + i) / 1e6))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # No write lost or counted twice: one version per write, the last one on the panel.
    assert board.version == before + writers * writes
    state = panel(board, "payments", "error_rate")
    assert state.version == board.version
    assert len(state.history) == min(writers * writes, board.config.wall.history)
    _, states = board.team_panels("payments")
    assert len(states) == 2


def test_it_keeps_known_state_across_a_reconfigure(board: Board) -> None:
    import tomllib

    board.apply("demo", reading("payments", "error_rate", 0.015))
    assert panel(board, "payments", "error_rate").status == "warn"
    layouts: list[bool] = []
    board.changed.connect(lambda v, teams, layout: layouts.append(layout))
    board.reconfigure(
        config_mod.parse(tomllib.loads(CONFIG.replace("warn = 1\n", "warn = 2\n")), env={})
    )
    state = panel(board, "payments", "error_rate")
    # The value survives; its status is re-evaluated against the new warn = 2.
    assert state.value == pytest.approx(1.5) and state.status == "ok"
    assert layouts == [True]


def test_it_ignores_a_late_result_from_a_source_removed_by_a_reload(board: Board) -> None:
    import tomllib

    text = (
        CONFIG.replace(
            '[sources.other]\ntype = "demo"\ninterval = "10s"\nstale_after = "20s"\n', ""
        )
        .replace(
            '[panels.throughput]\ntitle = "Requests"\nsource = "other"\nunit = "per_second"\n'
            'warn = 50\ncrit = 10\ndirection = "below"\n',
            "",
        )
        .replace('panels = ["error_rate", "throughput"]', 'panels = ["error_rate"]')
    )
    board.reconfigure(config_mod.parse(tomllib.loads(text), env={}))
    version = board.version
    assert board.apply("other", reading("payments", "throughput", 80.0)) == version
    assert board.fail("other", CollectorError("late")) == version


NOT_FINITE = {
    "value +Inf": {"value": float("inf")},
    "value -Inf": {"value": float("-inf")},
    "value overflowing its unit": {"value": 1e308},  # x100 for percent
    "sample": {"value": 0.001, "sample": float("inf")},
    "a fact": {"value": 0.001, "facts": {"burn_1h": float("inf")}},
    "an item's meta": {"value": 0.001, "items": (Item("x", meta={"burn": float("-inf")}),)},
    "an item's time": {"value": 0.001, "items": (Item("x", since=float("nan")),)},
}


@pytest.mark.parametrize("name", list(NOT_FINITE))
def test_a_reading_holding_a_non_finite_number_is_a_panel_error_never_green(
    board: Board, name: str
) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.001))
    assert panel(board, "payments", "error_rate").effective_status == "ok"
    fields = dict(NOT_FINITE[name])
    board.apply("demo", reading("payments", "error_rate", **fields))
    state = panel(board, "payments", "error_rate")
    assert state.effective_status == "unknown"
    assert state.error is not None and " is " in state.error, state.error
    assert ("Inf" in state.error) or ("NaN" in state.error), state.error


def test_a_nan_value_alone_is_no_traffic_not_an_error(board: Board) -> None:
    board.apply("demo", reading("payments", "error_rate", float("nan")))
    state = panel(board, "payments", "error_rate")
    assert (state.text, state.status, state.error) == ("no traffic", "unknown", None)


def test_a_version_never_names_two_contents_when_a_replica_goes_back(board: Board) -> None:
    """A step-down puts a replica's board back to its last write (an older image): the
    panels change under a version the board already passed, so it takes one of its own.
    Views and ETags are kept per version; the same one would show the dropped change."""
    board.apply("demo", reading("payments", "error_rate", 0.001))
    written = board.image()  # what this replica last wrote
    assert panel(board, "payments", "error_rate").status == "ok"
    dropped = board.apply("demo", reading("payments", "error_rate", 0.5))  # never written
    assert panel(board, "payments", "error_rate").status == "crit"
    board.take(written, "replicate")
    assert panel(board, "payments", "error_rate").status == "ok"
    assert board.version > dropped
    assert panel(board, "payments", "error_rate").version == board.version


def test_an_image_that_changes_nothing_moves_no_version(board: Board) -> None:
    board.apply("demo", reading("payments", "error_rate", 0.01))
    same = board.image()
    version = board.version
    board.take(same, "replicate")
    assert board.version == version
