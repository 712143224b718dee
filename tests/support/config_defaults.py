"""The code's config defaults as rows of docs/configuration-defaults.md.

``python -m tests.support.config_defaults`` prints the table; the test compares the
page with these rows so that a changed default cannot leave the docs behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from collectors.options import parse_duration
from collectors.registry import KINDS, source_class
from wallboard.config import schema

Row = tuple[str, str, str]  # key, where it applies, default as written in config.toml

SECTIONS: dict[str, type[BaseModel]] = {
    "wall": schema.WallSettings,
    "screen": schema.ScreenSettings,
    "server": schema.ServerSettings,
    "api": schema.ApiSettings,
    "slack": schema.SlackSettings,
    "deploys": schema.DeploySettings,
    "state": schema.StateSettings,
    "sources.<id>": schema.SourceSettings,
    "panels.<id>": schema.PanelSettings,
}


def duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f'"{int(seconds // size)}{unit}"'
    return f'"{round(seconds * 1000)}ms"'


def is_duration(field: FieldInfo) -> bool:
    return any(getattr(m, "func", None) is parse_duration for m in field.metadata)


def render(field: FieldInfo) -> str | None:
    """The default as a TOML value (None for a required key)."""
    if field.is_required():
        return None
    value: Any = field.get_default(call_default_factory=True)
    if value is None:
        return "(unset)"
    if is_duration(field):
        return duration(float(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[]" if not value else str(list(value))
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return str(value)


def rows_of(model: type[BaseModel], prefix: str, applies: str) -> Iterator[Row]:
    for key, field in model.model_fields.items():
        default = render(field)
        if default is not None:
            yield f"{prefix}.{key}", applies, default


def code_rows() -> list[Row]:
    rows: list[Row] = []
    for prefix, model in SECTIONS.items():
        rows += rows_of(model, prefix, "all")
    for kind in sorted(KINDS):
        cls = source_class(kind)
        rows += rows_of(cls.Options, "sources.<id>", kind)
        rows += rows_of(cls.PanelOptions, "panels.<id>", kind)
        rows += rows_of(cls.TeamOptions, "teams.<id>", kind)
    from collectors.health.options import HealthCheck

    rows += rows_of(HealthCheck, "teams.<id>.health[]", "health")
    return rows


def table(rows: list[Row]) -> str:
    lines = ["| Key | Source type | Default |", "|---|---|---|"]
    lines += [f"| `{key}` | {applies} | `{default}` |" for key, applies, default in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(code_rows()))
