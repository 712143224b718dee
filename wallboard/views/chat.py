"""Chat texts: one-line text and Slack Block Kit for teams, built from the screen's own view.

Everything here reads the dicts of ``TeamView.plain`` and ``TeamView.summary`` and
reuses their ``display`` strings, so the API summary, the Slack answer and the TV say the
same thing. Limits are Slack's (header 150 chars, section 3000, field 2000,
10 fields per section, 50 blocks per message).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from wallboard.config.loader import WallConfig
from wallboard.views.problems_named import names_line, problems, safe_link, since_text

STATUS_EMOJI = {
    "ok": ":large_green_circle:",
    "warn": ":large_yellow_circle:",
    "crit": ":red_circle:",
    "unknown": ":white_circle:",
}
HEADER_MAX, SECTION_MAX, FIELD_MAX, FIELDS_MAX, BLOCKS_MAX = 150, 3000, 2000, 10, 50


def emoji(status: str) -> str:
    return STATUS_EMOJI.get(status, STATUS_EMOJI["unknown"])


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Upstream strings are hostile: no ``<!channel>`` pings or fake links in mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_for(status: str, since: float | None) -> str:
    """ "crit since 14:02 UTC": a message does not tick, so it gives the start (the same
    answer to every ask), or the status alone when its start is not known."""
    if since is None:
        return status
    return f"{status} since {time.strftime('%H:%M', time.gmtime(since))} UTC"


def panel_notes(panel: dict[str, Any]) -> list[str]:
    """Why a panel is not plainly green: its status (and since when), staleness and the
    source's error."""
    status = panel["status"]
    notes = [] if status == "ok" else [status_for(status, panel.get("status_since"))]
    if panel["stale"]:
        notes.append("stale")
    if panel["error"]:
        notes.append(f"source error: {panel['error']}")
    return notes


def panel_details(panel: dict[str, Any]) -> list[str]:
    """What the screen writes under the value that chat must repeat: burns, "worse since"."""
    details = []
    if panel.get("kind") == "slo":  # the same rows as the screen: burns beside thresholds
        details += [f"{item['title']} {item['detail']}" for item in panel["items"]]
    if panel.get("worse_since"):
        details.append(f"worse since {panel['worse_since']}")
    return details


def panel_phrase(panel: dict[str, Any]) -> str:
    """``HTTP 5xx rate 6.20 % (crit)``: the title and the screen's display string."""
    notes = panel_notes(panel) + panel_details(panel)
    return f"{panel['title']} {panel['display']}" + (f" ({', '.join(notes)})" if notes else "")


def team_line(view: dict[str, Any]) -> str:
    """The one-line summary of a team, e.g. ``Payments: CRIT — HTTP 5xx rate 6.20 % (crit)``."""
    panels = "; ".join(panel_phrase(p) for p in view["panels"]) or "no panels"
    names = names_line(problems(view))
    return f"{view['name']}: {view['status'].upper()} — {panels}" + (f" — {names}" if names else "")


def problem_line(row: dict[str, Any]) -> str:
    """One named row in mrkdwn: ``• :red_circle: *HighErrorRate* — 5xx > 5% · since ...``."""
    title = escape(clip(str(row["title"]), 200))
    url = safe_link(row["link"])
    text = f"• {emoji(row['status'])} " + (link(url, title) if url else f"*{title}*")
    details = [escape(clip(str(row["detail"]), 200))] if row["detail"] else []
    if row["since"] is not None:
        details.append(since_text(row["since"]))
    return text + (f" — {' · '.join(details)}" if details else "")


def problems_section(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """As many named rows as one section holds, then "+N more on the screen"."""
    if not rows:
        return None
    lines: list[str] = []
    for i, row in enumerate(rows):
        line = problem_line(row)
        more = f"+{len(rows) - i} more on the screen"
        if len("\n".join([*lines, line, more])) > SECTION_MAX:
            lines.append(more)
            break
        lines.append(line)
    return _mrkdwn_section("\n".join(lines))


def _panel_field(panel: dict[str, Any]) -> dict[str, str]:
    notes = panel_notes(panel)
    text = f"*{escape(panel['title'])}*\n{emoji(panel['status'])} {escape(panel['display'])}"
    for detail in panel_details(panel):
        text += f"\n{escape(detail)}"
    if notes:
        text += f"\n_{escape(', '.join(notes))}_"
    return {"type": "mrkdwn", "text": clip(text, FIELD_MAX)}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label)}>"


def team_message(
    view: dict[str, Any], screen_url: str, steps: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """A team as a Slack message: header, panels as fields, its next steps (runbook,
    dashboard, rows' links, the mobile page: ``views.links.next_steps``), its screen."""
    status = view["status"].upper()
    if view["status"] != "ok":
        status = status_for(status, view.get("status_since"))
    header = f"{view['name']}: {status}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(header, HEADER_MAX)}}
    ]
    fields = [_panel_field(p) for p in view["panels"]]
    chunks = list(_chunks(fields, FIELDS_MAX))
    named = problems_section(problems(view))
    # Slack's link syntax has no escape for these in a URL: such a link is left out.
    usable = [(t, u) for t, u in steps if not any(c in u for c in "<>| ")]
    # The header, the names, the next steps and the closing context.
    room = BLOCKS_MAX - 2 - (named is not None) - bool(usable)
    overflow = len(chunks) > room
    if overflow:
        chunks = chunks[: room - 1]
    blocks += [{"type": "section", "fields": list(c)} for c in chunks]
    if overflow:  # say so rather than silently drop panels
        left = len(fields) - sum(len(c) for c in chunks)
        blocks.append(_mrkdwn_section(f"…and {left} more panels on the screen"))
    if named is not None:
        blocks.append(named)
    if usable:
        blocks.append(_mrkdwn_section(" · ".join(link(u, t) for t, u in usable)))
    context = f"{emoji(view['status'])} {link(screen_url, 'Open the screen')}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    # Slack reads the fallback as mrkdwn too, so it is escaped like the blocks.
    return {"text": clip(escape(team_line(view)), SECTION_MAX), "blocks": blocks}


def teams_message(rows: Sequence[tuple[dict[str, Any], str]], title: str) -> dict[str, Any]:
    """Every team, one line each, in the order given: ``(team_summary, screen_url)`` pairs."""
    lines = []
    for summary, url in rows:
        worst = summary["worst_panel"]
        detail = "" if worst is None else f" — {escape(worst['title'])} {escape(worst['display'])}"
        lines.append(
            f"{emoji(summary['status'])} *{link(url, summary['name'])}* {summary['status']}{detail}"
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_MAX)}}
    ]
    section: list[str] = []
    for line in lines:
        line = clip(line, SECTION_MAX)
        if section and len("\n".join([*section, line])) > SECTION_MAX:
            blocks.append(_mrkdwn_section("\n".join(section)))
            section = []
        section.append(line)
    if section:
        blocks.append(_mrkdwn_section("\n".join(section)))
    if len(blocks) > BLOCKS_MAX:
        blocks = [*blocks[: BLOCKS_MAX - 1], _mrkdwn_section("…and more teams on the wall")]
    fallback = ", ".join(f"{escape(s['name'])}: {s['status']}" for s, _ in rows) or "no teams"
    return {"text": clip(f"{escape(title)}: {fallback}", SECTION_MAX), "blocks": blocks}


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def text_message(text: str) -> dict[str, Any]:
    """A plain answer (help, "did you mean"), with the fallback text Slack requires."""
    return {"text": text, "blocks": [_mrkdwn_section(clip(text, SECTION_MAX))]}


def usage(config: WallConfig, command: str) -> str:
    """The slash command's help: its forms and the teams it knows."""
    teams = ", ".join(f"`{escape(t.id)}` ({escape(t.name)})" for t in config.teams.values())
    return (
        f"`{command} <team>`: that team's panels as its screen shows them\n"
        f"`{command} oncall <team>`: who is on call and what is open\n"
        f"`{command} oncall`: who is on call in every team\n"
        f"`{command}`: every team, worst first\n"
        f"`{command} help`: this help\n"
        f"Teams: {teams}"
    )


def no_such_team(text: str, close: Sequence[str], command: str) -> str:
    """The answer to a typo: what was not found, the teams it resembles, where help is."""
    reply = f"No team called “{escape(text)}”."
    if close:
        reply += " Did you mean " + " or ".join(f"`{escape(c)}`" for c in close) + "?"
    return reply + f"\nTry `{escape(command)} help`."
