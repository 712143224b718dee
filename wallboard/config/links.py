"""``links`` of a team or a panel: where the next step is (runbook, dashboard, on-call,
incident). Only http(s) URLs, checked by the one URL check every source uses, so a
``javascript:`` link is a key-path error, never an href on a phone."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from collectors.options import Options, check_http_url

LINK_KINDS = ("runbook", "dashboard", "oncall", "incident")
LinkUrl = Annotated[str, AfterValidator(check_http_url)]


class Links(Options):
    runbook: LinkUrl | None = None
    dashboard: LinkUrl | None = None
    oncall: LinkUrl | None = None
    incident: LinkUrl | None = None

    def as_dict(self) -> dict[str, str]:
        """The set links, in LINK_KINDS order."""
        return {k: v for k in LINK_KINDS if (v := getattr(self, k)) is not None}
