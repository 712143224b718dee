"""``/wall pair CODE <team or page> [name]`` from Slack: approve a screen from chat.

The request is already verified (signed by Slack, fresh). Slack proves which
workspace user typed it; only users listed in ``screen.pairing_slack_users`` may
pair, so a signed command alone never grants admin.
"""

from __future__ import annotations

from typing import Any

from wallboard.devices.service import Devices, Refused
from wallboard.views.chat import escape, text_message


def pair(devices: Devices, user: str, text: str) -> dict[str, Any]:
    """The ephemeral Slack reply to ``pair ...``."""
    if not user or user not in devices.wall.config.screen.pairing_slack_users:
        return _reply("You may not pair screens (ask an admin to add you to pairing_slack_users).")
    words = text.split()
    if len(words) < 3:
        return _reply("Usage: `pair CODE <team or /page> [screen name]`")
    code, target, name = words[1], words[2], " ".join(words[3:])
    page = target if target.startswith("/") else f"/teams/{target}"
    if target == "wall":
        page = "/wall"
    try:
        device = devices.approve(
            code, name or f"{target} (paired from Slack)", page, f"slack:{user}", f"slack:{user}"
        )
    except Refused as exc:
        return _reply(f"Not paired: {exc.message}.")
    return _reply(f"Paired “{device.name}” for {device.page}. It shows its page within a second.")


def _reply(text: str) -> dict[str, Any]:
    # Block Kit like every other answer (models.SlackReply); the name typed in chat is
    # escaped so it cannot become a ping or a link.
    return {"response_type": "ephemeral", **text_message(escape(text))}
