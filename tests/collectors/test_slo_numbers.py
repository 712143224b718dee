"""Error-budget arithmetic on numbers that are not finite: an error naming the figure."""

from __future__ import annotations

import pytest

from collectors import slo
from collectors.errors import CollectorError

INF, NAN = float("inf"), float("nan")


def compute(period: slo.Window, **windows: slo.Window) -> slo.Budget:
    return slo.compute(0.999, 30 * slo.DAY, period, windows)


def test_an_infinite_ratio_in_one_window_names_that_window() -> None:
    with pytest.raises(CollectorError) as info:
        compute(slo.Window(0.0001), **{"1h": slo.Window(INF)})
    assert info.value.reason == "ratio is +Inf: no requests in the 1h window"
    assert info.value.kind == "bad_value"


def test_a_negative_infinite_ratio_is_never_a_full_budget() -> None:
    with pytest.raises(CollectorError) as info:
        compute(slo.Window(-INF), **{"5m": slo.Window(-INF)})
    assert info.value.reason == "ratio is -Inf: negative in the 5m window and the SLO period"


@pytest.mark.parametrize(
    ("period", "window", "reason"),
    [
        (slo.Window(NAN), slo.Window(None), "ratio is NaN: 0/0 in the SLO period"),
        (slo.Window(0.0), slo.Window(0.0, INF), "request count is +Inf: in the 1h window"),
        (slo.Window(1e308), slo.Window(0.0), "budget remaining is -Inf"),
        (slo.Window(0.0), slo.Window(1e308), "burn 1h is +Inf"),
    ],
)
def test_every_figure_is_checked_where_it_is_computed(
    period: slo.Window, window: slo.Window, reason: str
) -> None:
    with pytest.raises(CollectorError) as info:
        compute(period, **{"1h": window})
    assert info.value.reason.startswith(reason), info.value.reason


def test_finite_windows_still_give_a_budget() -> None:
    budget = compute(slo.Window(0.0005), **{"1h": slo.Window(0.0001), "5m": slo.Window(0.0)})
    assert budget.remaining == pytest.approx(0.5)
    assert budget.burns["1h"] == pytest.approx(0.1)
