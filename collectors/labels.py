"""Which wall team a labelled series or alert belongs to (shared by Prometheus and Alertmanager).

Estates label teams their own way (``team="pay"``); ``team_map`` maps such label
values to the wall's team ids, and a value not in the map is taken as the id itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, field_validator

from collectors.options import Options

LabelName = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]


class TeamLabelOptions(Options):
    """``team_label`` (default ``team``) and ``team_map`` (label value -> team id)."""

    team_label: LabelName = "team"
    team_map: dict[str, str] = Field(default_factory=dict)

    @field_validator("team_map")
    @classmethod
    def _one_value_per_team(cls, mapping: dict[str, str]) -> dict[str, str]:
        # Two label values for one team would need their numbers combined, which only
        # PromQL can do right (a ratio cannot be added up here).
        seen: dict[str, str] = {}
        for value, team in mapping.items():
            if team in seen:
                raise ValueError(
                    f'"{seen[team]}" and "{value}" both map to team "{team}"; '
                    "aggregate them in the query instead"
                )
            seen[team] = value
        return mapping


def team_of(labels: Mapping[str, str], label: str, team_map: Mapping[str, str]) -> str | None:
    """The wall team id for ``labels``, or None when the team label is missing or empty."""
    value = labels.get(label)
    if not value:
        return None
    return team_map.get(value, value)
