"""Units: scaled once from the source's natural unit, written the way a wall shows them."""

from __future__ import annotations

import pytest

from wallboard.board.units import format_value, scale


@pytest.mark.parametrize(
    ("unit", "raw", "shown"),
    [("percent", 0.0231, 2.31), ("per_minute", 0.5, 30.0), ("ms", 0.245, 245.0), ("count", 7, 7)],
)
def test_it_scales_natural_units_to_the_shown_unit(unit: str, raw: float, shown: float) -> None:
    assert scale(unit, raw) == pytest.approx(shown)


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [
        ("percent", 2.3141, "2.31 %"),
        ("percent", 12.34, "12.3 %"),
        ("count", 1204.0, "1,204"),
        ("ms", 245.4, "245 ms"),
        ("per_minute", 3.5, "3.50 /min"),
        ("percent", None, "no data"),
        ("percent", float("nan"), "no traffic"),
        ("percent", float("inf"), "∞"),
    ],
)
def test_it_formats_values_for_the_screen(unit: str, value: float | None, text: str) -> None:
    assert format_value(unit, value) == text


def test_it_honours_configured_decimals() -> None:
    assert format_value("percent", 2.0, decimals=0) == "2 %"
