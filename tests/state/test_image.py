"""The board as both stores write and read it: one fingerprint, one diff, one load."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from typing import Any

import pytest

from collectors.base import Collection, Reading
from tests.board.test_board import CONFIG  # two sources of one kind, three panels
from wallboard.board.board import Board
from wallboard.board.deploys import Deploy
from wallboard.config import loader as config_mod
from wallboard.state import image


class Remembers:
    """A source with memory (``collectors.base.Memory``): what it was given back."""

    def __init__(self, memory: dict[str, Any]) -> None:
        self.memory = memory

    def export_memory(self) -> dict[str, Any]:
        return dict(self.memory)

    def import_memory(self, memory: Mapping[str, Any]) -> None:
        self.memory = dict(memory)


def new_board() -> Board:
    return Board(config_mod.parse(tomllib.loads(CONFIG), env={}))


@pytest.fixture
def board() -> Board:
    board = new_board()
    board.push("demo", Collection(readings={("payments", "error_rate"): Reading(value=0.03)}))
    board.add_deploy(Deploy("payments", "v42", board.started_at, "hook"))
    return board


def saved_from(diff: image.Diff) -> image.Saved:
    """What a store reads back after writing ``diff`` (through JSON, as both do)."""
    data = json.loads(json.dumps([list(diff.panels.values()), diff.deploys]))
    return image.Saved(
        diff.version,
        data[0],
        {sid: row.data for sid, row in diff.sources.items()},
        {sid: (row.type, json.loads(row.memory or "null")) for sid, row in diff.sources.items()},
        data[1],
    )


def test_it_writes_everything_first_then_only_what_changed(board: Board) -> None:
    written = image.Written()
    sources = {"demo": Remembers({"down_since": 1.0})}
    first = written.diff(board, sources)
    assert set(first.panels) == {("payments", "error_rate"), ("payments", "throughput"),
                                 ("search", "error_rate")}  # fmt: skip
    assert set(first.sources) == {"demo", "other"} and first.deploys_changed
    assert first.sources["demo"].memory == '{"down_since": 1.0}'
    written.wrote(first)
    assert written.diff(board, sources).empty

    board.push("demo", Collection(readings={("search", "error_rate"): Reading(value=0.5)}))
    sources["demo"].memory["down_since"] = 2.0
    again = written.diff(board, sources)
    assert set(again.panels) == {("search", "error_rate")}
    assert set(again.sources) == {"demo"} and not again.deploys_changed
    written.forget()
    assert len(written.diff(board, sources).panels) == 3


def test_a_restore_continues_versions_and_a_replica_copies_them(board: Board) -> None:
    saved = saved_from(image.Written().diff(board, {}))

    restored = new_board()
    taken, states = image.load(restored, saved, "restore")
    assert taken == len(states) == 3
    assert restored.version > board.version  # a restart never shows an older version
    _, panels = restored.team_panels("payments")
    assert panels[0].value == pytest.approx(3.0) and panels[0].status == "warn"
    assert [d.version for d in restored.recent_deploys("payments")] == ["v42"]

    heard: list[frozenset[str]] = []
    follower = new_board()
    follower.changed.connect(lambda version, teams, layout: heard.append(teams))
    image.load(follower, saved, "replicate")
    assert follower.version == board.version
    assert follower.team_panels("payments") == board.team_panels("payments")
    assert heard == [frozenset({"payments"})]  # search never changed


def test_a_raised_version_never_goes_back(board: Board) -> None:
    now = board.version
    image.raise_version(board, now + 5)
    image.raise_version(board, now)
    assert board.version == now + 5


def test_memory_goes_back_only_to_a_source_of_the_same_kind(board: Board) -> None:
    saved = image.Saved(memory={"demo": ("demo", {"a": 1}), "other": ("health", {"b": 2})})
    demo, other = Remembers({}), Remembers({})
    image.import_memory(board, saved, {"demo": demo, "other": other})
    assert demo.memory == {"a": 1}
    assert other.memory == {}


def test_it_drops_what_no_longer_fits_the_config(board: Board) -> None:
    saved = saved_from(image.Written().diff(board, {}))
    saved.panels.append({"team": "gone", "panel": "error_rate"})
    saved.panels.append("not a panel")
    saved.sources["other"] = {"id": "other"}  # malformed
    taken, _ = image.load(new_board(), saved, "restore")
    assert taken == 3


def test_a_number_that_is_not_json_is_refused_never_written_as_nan(board: Board) -> None:
    # Every store writes through this diff: Python would write ``Infinity``, which no
    # other JSON parser (an operator's jq, a replica of another language) reads.
    with pytest.raises(ValueError, match="JSON compliant"):
        image.Written().diff(board, {"demo": Remembers({"down_since": float("inf")})})
    row = image.Written().diff(board, {"demo": Remembers({"down_since": 1.0})}).sources["demo"]
    assert json.loads(row.memory or "null") == {"down_since": 1.0}
