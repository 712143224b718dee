"""The API's answers as pydantic models: they build every response and its OpenAPI schema.

One source for the contract: ``routes`` passes the board's view dicts through
these models to make each body, and ``openapi_schemas`` derives the document's
components from the same classes. Objects are closed (``extra="forbid"``): a field
added to the views without being added here fails the request in tests instead
of drifting from the document. Enumerations come from the config's own types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wallboard.config.schema import Direction, PanelKind, Unit
from wallboard.devices.models import SCREEN_RESPONSES
from wallboard.web import Error as Error
from wallboard.web import ErrorDetail as ErrorDetail
from wallboard.web import body as body

Status = Literal["ok", "warn", "crit", "unknown"]  # collectors.base.STATUSES (a test checks)
Uri = Annotated[str, Field(json_schema_extra={"format": "uri"})]
# Smart-mode unions keep an int an int, so a count reads 3, not 3.0, as before.
Number = int | float


def _omitted(schema: dict[str, Any]) -> None:
    # A field left out of the body when absent: no "default": null in the document.
    schema.pop("default", None)


def _omitted_uri(schema: dict[str, Any]) -> None:
    # A URI left out of the body when absent.
    schema.pop("default", None)
    schema["format"] = "uri"


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Closed):
    warn: Number | None
    crit: Number | None
    direction: Direction


class Item(_Closed):
    title: str
    status: Status
    detail: str
    since: Number | None
    link: str | None
    meta: dict[str, str | Number | None]
    links: dict[str, str] = Field(description="Next steps by kind: runbook, source, sentry…")


class Deploy(_Closed):
    team: str
    version: str
    short: str
    at: Number = Field(description="Unix seconds.")
    source: str
    url: str | None
    environment: str | None


class DeployList(_Closed):
    id: str
    version: int
    deploys: list[Deploy] = Field(description="Newest first.")


class Panel(_Closed):
    id: str
    title: str
    kind: PanelKind
    unit: Unit
    value: Number | None = Field(description="In the unit shown (1.5 = 1.5 %).")
    display: str = Field(description="Exactly as the screen writes it.")
    status: Status
    thresholds: Thresholds
    updated_at: Number | None = Field(description="Last success, unix seconds.")
    stale: bool
    error: str | None = Field(description="Why the last collection failed.")
    config_error: bool
    error_since: Number | None
    status_since: Number | None = Field(
        description="When this status began, unix seconds (null: not known yet)."
    )
    items: list[Item]
    source: str
    demo: bool
    version: int
    facts: dict[str, str | Number | None] = Field(
        description="Numbers behind the value (an SLO's budget, burns, thresholds)."
    )
    deploys: list[Deploy]
    worse_since: str | None = Field(
        description="The deploy after which this panel got worse, if recent."
    )
    oncall: str = Field(
        default=None,  # type: ignore[assignment]
        description="An on-call panel's line under the names: \"level 1 · until Mon 09:00, "
        'then Bo" ("as of 14:02" first when the names may be old); on-call panels only.',
        json_schema_extra=_omitted,
    )
    links: dict[str, str] = Field(
        description="The panel's configured next steps: runbook, dashboard, oncall, incident."
    )
    # Only with ?history=1; left out of the body (not null) otherwise.
    spark: list[Number | None] = Field(
        default=None,  # type: ignore[arg-type]
        description="Sparkline history, oldest first; only with ?history=1.",
        json_schema_extra=_omitted,
    )
    spark_from: Number | None = Field(
        default=None,
        description="Oldest point, unix seconds; only with ?history=1.",
        json_schema_extra=_omitted,
    )
    spark_to: Number | None = Field(
        default=None,
        description="Newest point, unix seconds; only with ?history=1.",
        json_schema_extra=_omitted,
    )
    spark_span: str = Field(
        default=None,  # type: ignore[assignment]
        description='What the line covers: "last 1 h"; only with ?history=1.',
        json_schema_extra=_omitted,
    )


class Links(_Closed):
    self: Uri
    summary: Uri
    screen: Uri
    # The team's configured next steps and its mobile page, present when set.
    runbook: str = Field(default=None, json_schema_extra=_omitted_uri)  # type: ignore[assignment]
    dashboard: str = Field(default=None, json_schema_extra=_omitted_uri)  # type: ignore[assignment]
    oncall: str = Field(default=None, json_schema_extra=_omitted_uri)  # type: ignore[assignment]
    incident: str = Field(default=None, json_schema_extra=_omitted_uri)  # type: ignore[assignment]
    mobile: str = Field(  # type: ignore[assignment]
        default=None,
        description="The signed, expiring mobile page of the team's problems (its QR).",
        json_schema_extra=_omitted_uri,
    )


class Team(_Closed):
    id: str
    name: str
    version: int
    status: Status
    status_since: Number | None = Field(
        description="Since when the team is at its status (its worst panels'), unix seconds."
    )
    panels: list[Panel]
    links: Links


class WorstPanel(_Closed):
    id: str
    title: str
    display: str
    status: Status
    value: Number | None
    unit: Unit


class TeamRow(_Closed):
    id: str
    name: str
    status: Status
    worst_panel: WorstPanel | None
    links: Links


class TeamList(_Closed):
    version: int
    teams: list[TeamRow]


class SlackBlock(BaseModel):
    """A Block Kit block: its ``type`` and whatever that type carries."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str


class SlackMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str = Field(description="Notification fallback.")
    blocks: list[SlackBlock] = Field(max_length=50)


class SlackReply(SlackMessage):
    response_type: Literal["ephemeral", "in_channel"]


class Problem(_Closed):
    """A row a team's screen names: a firing alert, a failing service, a top issue."""

    panel: str
    kind: Literal["alerts", "health", "issues"]
    title: str
    status: Status
    detail: str
    since: Number | None = Field(description="Firing, down or first seen since; unix seconds.")
    link: str | None


class Summary(_Closed):
    id: str
    name: str
    status: Status
    version: int
    text: str = Field(description="One line, with the screen's strings.")
    screen_url: Uri
    slack: SlackMessage
    problems: list[Problem] = Field(
        description="Every alert firing, service failing and top issue, in screen order."
    )


class Oncall(_Closed):
    id: str
    name: str
    version: int
    lines: list[str] = Field(description="Who is on call, then what is open, as the screen says.")
    screen_url: Uri
    slack: SlackMessage


RESPONSES: tuple[type[BaseModel], ...] = (
    TeamList,
    Team,
    Summary,
    Oncall,
    DeployList,
    SlackReply,
    Error,
    *SCREEN_RESPONSES,
)
