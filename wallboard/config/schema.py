"""The typed shape of ``config.toml`` as written by people (phase one of loading).

Source-, panel- and team-level keys that belong to one source kind are kept as
extras here and validated against that kind's own models by ``config.py``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    field_validator,
    model_validator,
)

from collectors.options import Duration, EnvName, Options, SecretFile, SecretPath, between
from wallboard.config.links import Links

Unit = Literal["percent", "per_second", "per_minute", "count", "ms", "seconds", "none"]
PanelKind = Literal["metric", "health", "issues", "alerts", "slo", "oncall"]
Direction = Literal["above", "below"]
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"

# Every duration's range, in seconds (docs/hardening.md lists them). Outside them a wall
# spins a core (a 1 ns heartbeat) or overflows its timers (a heartbeat of 10^20 days).
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
StaleAfter = Annotated[Duration, between(1.0, 7 * DAY)]
Heartbeat = Annotated[Duration, between(1.0, 5 * MINUTE)]
DropStalledAfter = Annotated[Duration, between(1.0, 10 * MINUTE)]
HighlightFor = Annotated[Duration, between(1.0, HOUR)]
DriftEvery = Annotated[Duration, between(1.0, DAY)]
ChimeMinInterval = Annotated[Duration, between(1.0, DAY)]
RequestTimeout = Annotated[Duration, between(1.0, 10 * MINUTE)]
Interval = Annotated[Duration, between(1.0, DAY)]
SourceTimeout = Annotated[Duration, between(0.1, 10 * MINUTE)]
PairingCodeTtl = Annotated[Duration, between(1.0, HOUR)]
WorseWindow = Annotated[Duration, between(1.0, DAY)]
MAX_SCREENS = 100_000  # one thread and one descriptor each; beyond this, run more walls


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
    stale_after: StaleAfter = 120.0
    heartbeat: Heartbeat = 10.0
    drop_stalled_after: DropStalledAfter = (
        10.0  # a screen not reading for this long is disconnected
    )
    history: int = Field(default=120, ge=10, le=2000)
    allowed_origins: list[str] = Field(default_factory=list)
    public_url: str | None = None  # used in links from chat answers


class ScreenSettings(Options):
    """How kiosk screens behave; sent to every screen in the page and in ``hello``.

    Times of day ("HH:MM") are the TV's local time; a schedule may cross midnight.
    """

    soft_reload_at: str | None = "03:30"  # local time of a daily reload; "off" disables it
    watchdog_heartbeats: int = Field(default=3, ge=2, le=20)
    highlight_for: HighlightFor = 15.0  # how long a panel that just got worse is highlighted
    # Burn-in: shift the whole screen by up to `drift_pixels` every `drift_every`; 0 disables.
    drift_every: DriftEvery = 180.0
    drift_pixels: int = Field(default=4, ge=0, le=16)
    # Night dimming, off unless both ends are set; a critical team is never dimmed.
    dim_from: str | None = None
    dim_until: str | None = None
    dim_brightness: float = Field(default=0.45, ge=0.1, le=1.0)
    # Chime when a panel turns critical: off by default, at most one per `chime_min_interval`.
    # A QR of a troubled team's mobile page (its problems and links) on team pages and
    # walls, in room the fit leaves it (docs/rooms.md).
    qr_codes: bool = True
    chime: bool = False
    chime_min_interval: ChimeMinInterval = 300.0
    chime_quiet_from: str | None = None
    chime_quiet_until: str | None = None
    # Screens as devices (docs/pairing.md). These never reach a screen: see ACCESS_FIELDS.
    access: Literal["open", "paired"] = "open"
    admin_tokens_env: list[EnvName] = Field(default_factory=list)  # never the API's tokens
    admin_tokens_file: list[SecretFile] = Field(default_factory=list)
    pairing_guesses_per_minute: int = Field(default=10, ge=1, le=1000)  # per client address
    pairing_guesses_global_per_minute: int = Field(default=60, ge=1, le=10000)
    pairing_max_pending: int = Field(default=200, ge=1, le=10000)
    pairing_code_ttl: PairingCodeTtl = 600.0  # a shown code lives this long
    pairing_slack_users: list[str] = Field(default_factory=list)  # Slack user ids who may pair

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
        if self.access == "paired" and not (self.admin_tokens_env or self.admin_tokens_file):
            raise ValueError(
                'access = "paired" needs admin_tokens_env or admin_tokens_file: '
                "who else could approve?"
            )
        return self


# ScreenSettings fields that are the server's business only: never sent to a screen.
ACCESS_FIELDS = frozenset(
    {
        "access",
        "admin_tokens_env",
        "admin_tokens_file",
        "pairing_guesses_per_minute",
        "pairing_guesses_global_per_minute",
        "pairing_max_pending",
        "pairing_code_ttl",
        "pairing_slack_users",
    }
)


class ApiSettings(Options):
    tokens_env: list[EnvName] = Field(default_factory=list)
    tokens_file: list[SecretFile] = Field(default_factory=list)


class SlackSettings(Options):
    signing_secret_env: EnvName | None = None
    signing_secret_file: SecretFile | None = None
    response_type: Literal["ephemeral", "in_channel"] = "ephemeral"


class DeploySettings(Options):
    """``POST /hooks/deploy`` and how deploys show on team screens."""

    token_env: EnvName | None = None  # the hook answers 404 until this (or token_file) is set
    token_file: SecretFile | None = None
    # A panel worse this soon after a deploy says "worse since".
    worse_window: WorseWindow = 900.0
    services: dict[str, str] = Field(default_factory=dict)  # service name -> team id


class ServerSettings(Options):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"
    max_screens: int = Field(default=2000, ge=1, le=MAX_SCREENS)
    # A connection that is not a screen gets this long for each request, idle wait included.
    request_timeout: RequestTimeout = 30.0
    # /readyz answers 503 for failing upstreams only when this is true (docs/operating-probes.md).
    ready_requires_sources: bool = False
    # Networks of the load balancers in front (CIDR): only their X-Forwarded-For is believed.
    trusted_proxies: tuple[IPvAnyNetwork, ...] = Field(default=(), max_length=64)


StateBackend = Literal["sqlite", "memory", "redis"]


class StateSettings(Options):
    """Where the board outlives the process (see docs/state.md and docs/replicas.md).

    ``path`` (sqlite) is relative to the config file's folder; unset, it is
    ``$WALLBOARD_STATE_PATH`` or ``.wallboard/state.db`` beside the config file.
    """

    backend: StateBackend = "sqlite"
    path: str | None = None
    redis_url_env: EnvName = "WALLBOARD_REDIS_URL"
    # The URL (it may hold a password) from a mounted file instead; when set, it wins.
    redis_url_file: SecretPath | None = None
    key_prefix: str = Field(default="wallboard", pattern=r"^[A-Za-z0-9:_.-]{1,64}$")
    lease_ttl: Duration = Field(default=10.0, ge=2.0, le=300.0)


class _WithExtras(Options):
    model_config = ConfigDict(extra="allow", frozen=True)

    @property
    def extras(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class SourceSettings(_WithExtras):
    type: str
    interval: Interval = 30.0
    timeout: SourceTimeout = 10.0
    stale_after: StaleAfter | None = None


class PanelSettings(_WithExtras):
    title: str = Field(min_length=1, max_length=80)
    source: str
    kind: PanelKind = "metric"
    unit: Unit = "none"
    warn: float | None = None
    crit: float | None = None
    direction: Direction = "above"
    decimals: int | None = Field(default=None, ge=0, le=6)
    links: Links | None = None  # runbook, dashboard, on-call, incident


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
    links: Links | None = None  # runbook, dashboard, on-call, incident
