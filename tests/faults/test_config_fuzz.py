"""A property-based config fuzzer: no file ever gives a traceback, every accepted one runs.

Hypothesis writes configs around a working demo wall: durations (sane, tiny,
enormous, malformed), numbers (NaN, infinities, huge, negative) and structure
(sections and tables replaced by numbers, lists, nested lists). Properties:

- loading (what ``check-config``, ``serve`` and SIGHUP all do) raises nothing but
  ``ConfigError``, and every issue names a key path or a line;
- every config it accepts starts a wall whose screen receives ``hello`` and a
  snapshot.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support.live import serve_wall
from tests.support.screens import ScreenClient
from wallboard.config import loader

BASE: dict[str, Any] = {
    "wall": {"title": "fuzz", "heartbeat": "1s", "stale_after": "30s"},
    "screen": {},
    "server": {},
    "sources": {"demo": {"type": "demo", "interval": "1s", "seed": 1}},
    "panels": {
        "errors": {
            "title": "Errors",
            "source": "demo",
            "unit": "percent",
            "warn": 1.0,
            "crit": 5.0,
        }
    },
    "teams": {"payments": {"panels": ["errors"]}},
}

DURATION_KEYS = [
    ("wall", "heartbeat"),
    ("wall", "stale_after"),
    ("wall", "drop_stalled_after"),
    ("screen", "highlight_for"),
    ("screen", "drift_every"),
    ("screen", "chime_min_interval"),
    ("server", "request_timeout"),
    ("sources.demo", "interval"),
    ("sources.demo", "timeout"),
    ("sources.demo", "stale_after"),
]
NUMBER_KEYS = [
    ("panels.errors", "warn"),
    ("panels.errors", "crit"),
    ("panels.errors", "decimals"),
    ("wall", "history"),
    ("screen", "watchdog_heartbeats"),
    ("screen", "drift_pixels"),
    ("screen", "dim_brightness"),
    ("server", "max_screens"),
    ("server", "port"),
]
STRUCTURE_KEYS = [
    "wall",
    "screen",
    "server",
    "sources",
    "panels",
    "teams",
    "sources.demo",
    "panels.errors",
    "teams.payments",
    "teams.payments.panels",
]

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(min_value=0.001, max_value=10.0),
    st.integers(min_value=0, max_value=5000),
)
durations = st.one_of(
    st.builds(
        lambda n, unit: f"{n}{unit}",
        st.one_of(
            st.integers(min_value=0, max_value=600),
            st.integers(min_value=0, max_value=10**22),
            st.decimals(min_value=0, max_value=10**6, places=7).map(str),
        ),
        st.sampled_from(["ms", "s", "m", "h", "d", "", "w", " s"]),
    ),
    st.text(max_size=12),
    numbers,
    st.booleans(),
)
leaves = st.one_of(numbers, st.text(max_size=8), st.booleans())
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
    ),
    max_leaves=12,
)


class Raw(str):
    """TOML text written as is: nesting too deep for any recursive serializer."""


def deep_list(depth: int) -> Raw:
    return Raw("[" * depth + "1" + "]" * depth)


structures = st.one_of(values, st.integers(min_value=10, max_value=3000).map(deep_list))


def toml_value(value: Any) -> str:
    """A value as inline TOML (the fuzzer writes whole files this way)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    items = ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
    return "{ " + items + " }"


def toml_file(data: dict[str, Any]) -> str:
    return "\n".join(f"{key} = {toml_value(value)}" for key, value in data.items()) + "\n"


def put(data: dict[str, Any], where: str, key: str | None, value: Any) -> None:
    """Set ``where.key`` (``key`` None: replace ``where`` itself) in a nested copy."""
    parts = where.split(".")
    if key is None:
        parts, key = parts[:-1], parts[-1]
    node = data
    for part in parts:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[key] = value


# Values every key accepts, so that about half the configs are valid and get started.
sane_durations = st.one_of(
    st.integers(min_value=1, max_value=120).map(lambda n: f"{n}s"),
    st.integers(min_value=1, max_value=5).map(lambda n: f"{n}m"),
    st.integers(min_value=1000, max_value=9000).map(lambda n: f"{n}ms"),
)
sane_numbers = st.integers(min_value=10, max_value=16)


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    hostile = draw(st.booleans())
    for where, key in draw(st.lists(st.sampled_from(DURATION_KEYS), max_size=3, unique=True)):
        put(data, where, key, draw(durations if hostile else sane_durations))
    for where, key in draw(st.lists(st.sampled_from(NUMBER_KEYS), max_size=2, unique=True)):
        put(data, where, key, draw(numbers if hostile else sane_numbers))
    if hostile and draw(st.integers(min_value=0, max_value=2)) == 0:
        put(data, draw(st.sampled_from(STRUCTURE_KEYS)), None, draw(structures))
    return data


def with_value(where: str, key: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    put(data, where, key, value)
    return data


# The configs that once passed check-config and broke the wall, or crashed check-config.
KNOWN = [
    with_value("wall", "heartbeat", "99999999999999999999d"),
    with_value("wall", "heartbeat", "0.0000001ms"),
    with_value("sources.demo", "interval", "99999999999999999999d"),
    with_value("panels.errors", "crit", math.nan),
    {**BASE, "panels": 5},
    {**BASE, "panels": [[1]]},
    {**BASE, "teams": Raw("[" * 3000 + "]" * 3000)},
]


def known(test: Any) -> Any:
    for data in KNOWN:
        test = example(data=data)(test)
    return test


def load(tmp_path: Path, data: dict[str, Any]) -> loader.WallConfig | None:
    path = tmp_path / "fuzz.toml"
    path.write_text(toml_file(data))
    try:
        return loader.load(path, env={})
    except loader.ConfigError as exc:  # the only way a config may fail
        assert exc.issues
        for issue in exc.issues:
            assert issue.path or "line" in issue.message or "nested" in issue.message, issue
        return None


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@known
@given(data=configs())
def test_no_config_gives_a_traceback(tmp_path_factory: Any, data: dict[str, Any]) -> None:
    load(tmp_path_factory.mktemp("fuzz"), data)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@known
@given(data=configs())
def test_every_accepted_config_starts_a_wall_that_greets_its_screens(
    tmp_path_factory: Any, data: dict[str, Any]
) -> None:
    config = load(tmp_path_factory.mktemp("fuzz"), data)
    if config is None:
        return
    with (
        serve_wall(config, schedule=True) as live,
        ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen,
    ):
        first = screen.next(timeout=10)
        second = screen.next(timeout=10)
    assert first["type"] == "hello", first
    assert second["type"] == "snapshot", second
