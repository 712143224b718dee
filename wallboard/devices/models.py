"""The fleet API's answers (``/api/v1/screens``) as models: they build the bodies and the schema.

Like ``models``: closed objects, so a field added to the fleet rows without being
added here fails in the tests instead of drifting from the OpenAPI document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float
ScreenStatus = Literal["online", "offline", "never connected"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageError(_Closed):
    at: Number
    kind: Literal["error", "unhandledrejection"]
    message: str


class ScreenRow(_Closed):
    id: str
    name: str
    paired: bool
    page: str
    teams: list[str]
    paired_at: Number | None
    approved_by: str | None
    status: ScreenStatus
    connected_at: Number | None
    last_seen: Number | None
    last_pong_age: Number | None
    behind_bytes: int
    coalesced: int
    build: str | None
    old_build: bool
    viewport: list[int] | None
    scale: Number | None
    heap_bytes: Number | None
    dom_nodes: Number | None
    errors: list[PageError]
    reconnects_last_hour: int
    address: str | None
    reports_dropped: int
    replica: str | None  # the replica holding its socket (Redis state); null with one process


class WaitingScreen(_Closed):
    code: str = Field(description="The code it shows, as typed (XXXX-XXXX).")
    address: str
    page: str = Field(description="The page it was opened at: its approval's default.")
    expires_in: int = Field(description="Seconds until the code expires.")


class ScreenList(_Closed):
    access: Literal["open", "paired"]
    build: str
    offline: int
    screens: list[ScreenRow]
    waiting: list[WaitingScreen] = Field(
        default_factory=list, description="Screens showing a code, not yet approved."
    )


class ApprovedScreen(_Closed):
    id: str
    name: str
    page: str


class ScreenApproved(_Closed):
    screen: ApprovedScreen


class ScreenAction(_Closed):
    action: Literal["identify", "reload", "move", "revoke"]
    screen: str
    sockets: int  # sockets told (other replicas' as they last published them)


SCREEN_RESPONSES: tuple[type[BaseModel], ...] = (ScreenList, ScreenApproved, ScreenAction)
