"""The typed shape of ``config.toml`` as written by people (phase one of loading).

Source-, panel- and team-level keys that belong to one source kind are kept as
extras here and validated against that kind's own models by ``config.py``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from collectors.options import Duration, EnvName, Options

Unit = Literal["percent", "per_second", "per_minute", "count", "ms", "seconds", "none"]
PanelKind = Literal["metric", "health", "issues", "alerts"]
Direction = Literal["above", "below"]
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class Thresholds(Options):
    """``warn``/``crit`` in the unit shown; ``above`` means higher is worse."""

    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.warn is not None and self.crit is not None:
            if self.direction == "above" and self.warn > self.crit:
                raise ValueError("warn must not be above crit when direction is 'above'")
            if self.direction == "below" and self.warn < self.crit:
                raise ValueError("warn must not be below crit when direction is 'below'")
        return self


class WallSettings(Options):
    title: str = "wallboard"
    environment: str = "production"
    stale_after: Duration = 120.0
    heartbeat: Duration = 10.0
    drop_stalled_after: Duration = 10.0  # a screen not reading for this long is disconnected
    history: int = Field(default=120, ge=10, le=2000)
    allowed_origins: list[str] = Field(default_factory=list)
    public_url: str | None = None  # used in links from chat answers


class ScreenSettings(Options):
    """How kiosk screens behave; sent to every screen in the page and in ``hello``.

    Times of day ("HH:MM") are the TV's local time; a schedule may cross midnight.
    """

    soft_reload_at: str | None = "03:30"  # local time of a daily reload; "off" disables it
    watchdog_heartbeats: int = Field(default=3, ge=2, le=20)
    highlight_for: Duration = 15.0  # how long a panel that just got worse is highlighted
    # Burn-in: shift the whole screen by up to `drift_pixels` every `drift_every`; 0 disables.
    drift_every: Duration = 180.0
    drift_pixels: int = Field(default=4, ge=0, le=16)
    # Night dimming, off unless both ends are set; a critical team is never dimmed.
    dim_from: str | None = None
    dim_until: str | None = None
    dim_brightness: float = Field(default=0.45, ge=0.1, le=1.0)
    # Chime when a panel turns critical: off by default, at most one per `chime_min_interval`.
    chime: bool = False
    chime_min_interval: Duration = 300.0
    chime_quiet_from: str | None = None
    chime_quiet_until: str | None = None

    @field_validator(
        "soft_reload_at", "dim_from", "dim_until", "chime_quiet_from", "chime_quiet_until"
    )
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value == "off":  # TOML has no null
            return None
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f'expected a time "HH:MM", got "{value}"')
        return value

    @model_validator(mode="after")
    def _paired(self) -> ScreenSettings:
        for start, end in (("dim_from", "dim_until"), ("chime_quiet_from", "chime_quiet_until")):
            if (getattr(self, start) is None) != (getattr(self, end) is None):
                raise ValueError(f"{start} and {end} are set together or not at all")
        return self


class ApiSettings(Options):
    tokens_env: list[EnvName] = Field(default_factory=list)


class SlackSettings(Options):
    signing_secret_env: EnvName | None = None
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"


class ServerSettings(Options):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"
    max_screens: int = Field(default=2000, ge=1)
    request_timeout: Duration = 30.0  # an HTTP connection idle this long is closed


StateBackend = Literal["sqlite", "memory", "redis"]


class StateSettings(Options):
    """Where the board outlives the process (see docs/state.md and docs/replicas.md).

    ``path`` (sqlite) is relative to the config file's folder; unset, it is
    ``$WALLBOARD_STATE_PATH`` or ``.wallboard/state.db`` beside the config file.
    """

    backend: StateBackend = "sqlite"
    path: str | None = None
    redis_url_env: EnvName = "WALLBOARD_REDIS_URL"
    key_prefix: str = Field(default="wallboard", pattern=r"^[A-Za-z0-9:_.-]{1,64}$")
    lease_ttl: Duration = Field(default=10.0, ge=2.0, le=300.0)


class _WithExtras(Options):
    model_config = ConfigDict(extra="allow", frozen=True)

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class SourceSettings(_WithExtras):
    type: str
    interval: Duration = 30.0
    timeout: Duration = 10.0
    stale_after: Duration | None = None


class PanelSettings(_WithExtras):
    title: str = Field(min_length=1, max_length=80)
    source: str
    kind: PanelKind = "metric"
    unit: Unit = "none"
    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"
    decimals: int | None = Field(default=None, ge=0, le=6)


def _panel_ref(value: Any) -> Any:
    # `panels = ["errors", {panel = "latency", warn = 0.5}]`: a bare id is a ref without overrides.
    return {"panel": value} if isinstance(value, str) else value


class TeamPanelRef(Options):
    panel: str
    title: str | None = Field(default=None, min_length=1, max_length=80)
    warn: float | None = None
    crit: float | None = None
    direction: Direction | None = None


class TeamSettings(_WithExtras):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    panels: list[Annotated[TeamPanelRef, BeforeValidator(_panel_ref)]] = Field(min_length=1)
