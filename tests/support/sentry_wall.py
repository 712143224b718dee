"""A wall config whose teams show the five sentry panels, for the Sentry tests."""

from __future__ import annotations

PANELS = """
[panels.unresolved]
title = "Unresolved"
source = "sentry"
unit = "count"
metric = "unresolved"

[panels.new_1h]
title = "New (1 h)"
source = "sentry"
unit = "count"
metric = "new_1h"

[panels.new_24h]
title = "New (24 h)"
source = "sentry"
unit = "count"
metric = "new_24h"

[panels.events]
title = "Errors (1 h)"
source = "sentry"
unit = "count"
metric = "events_1h"

[panels.top]
title = "Top issues"
source = "sentry"
kind = "issues"
unit = "count"
metric = "top_issues"
limit = 3
"""


def wall_config(
    url: str,
    teams: dict[str, str],
    *,
    max_pages: int = 10,
    interval: str = "1h",
    timeout: str = "10s",
    extra: str = "",
) -> str:
    """A wall whose every team shows the five sentry panels; ``teams`` maps id -> mapping line."""
    text = f"""
[wall]
title = "sentry test"
stale_after = "5m"
heartbeat = "1s"

[sources.sentry]
type = "sentry"
url = "{url}"
org = "acme"
token_env = "SENTRY_AUTH_TOKEN"
webhook_secret_env = "SENTRY_CLIENT_SECRET"
interval = "{interval}"
timeout = "{timeout}"
max_pages = {max_pages}
{extra}
{PANELS}
"""
    for team, mapping in teams.items():
        text += f"""
[teams.{team}]
panels = ["unresolved", "new_1h", "new_24h", "events", "top"]
{mapping}
"""
    return text
