"""PagerDuty's shift-based (v3) schedules, read from ``final_schedule`` for now.

Shift-based schedules are not listed by v2 ``/schedules`` nor always reached through
``/oncalls``; ``GET /schedules/{id}?since&until`` renders them as entries of one user
each. Concurrent entries are people on call together; a time no entry covers is an
empty slot. Entries name users by id only, so names come from ``/users/{id}``, asked
once per person and remembered.
"""

from __future__ import annotations

from typing import Any

from collectors.errors import CollectorError
from collectors.oncall.api import VendorApi
from collectors.oncall.rota import Shift
from collectors.oncall.times import epoch, iso


class FinalSchedules:
    def __init__(self, api: VendorApi, lookahead: float) -> None:
        self.api = api
        self.lookahead = lookahead
        self._users: dict[str, str] = {}  # user id -> display name

    def read(self, schedule: str, now: float, deadline: float) -> list[Shift] | CollectorError:
        """The schedule's shifts from now on (gaps as empty shifts), or why not."""
        until = now + self.lookahead
        try:
            body = self.api.get(
                f"/schedules/{schedule}",
                [("since", iso(now)), ("until", iso(until))],
                deadline=deadline,
                not_found=f'no schedule "{schedule}"',
            )
            final = ((body or {}).get("schedule") or {}).get("final_schedule") or {}
            entries = final.get("rendered_schedule_entries")
            if not isinstance(entries, list):
                raise CollectorError(f"schedule {schedule}: no final_schedule", kind="bad_response")
            shifts = []
            for entry in entries:
                user = entry.get("user") or {}
                names = (self._user_name(user, deadline),) if user.get("id") else ()
                start = epoch(entry.get("start"), "entry start")
                shifts.append(Shift(start, epoch(entry.get("end"), "entry end"), names))
        except CollectorError as exc:
            return exc
        # The final schedule leaves out the times nobody covers: say so as empty shifts.
        return shifts + gaps(shifts, now, until)

    def _user_name(self, user: dict[str, Any], deadline: float) -> str:
        """The reference's display name, else ``/users/{id}``'s, asked once."""
        if user.get("summary"):
            return str(user["summary"])
        user_id = str(user["id"])
        name = self._users.get(user_id)
        if name is None:
            body = self.api.get(
                f"/users/{user_id}", deadline=deadline, not_found=f'no user "{user_id}"'
            )
            name = str(((body or {}).get("user") or {}).get("name") or "someone")
            self._users[user_id] = name
        return name


def gaps(shifts: list[Shift], since: float, until: float) -> list[Shift]:
    """Empty shifts for the times in [since, until) that no shift covers."""
    gaps, at = [], since
    for shift in sorted(shifts, key=lambda s: s.start):
        if shift.start > at:
            gaps.append(Shift(at, shift.start, ()))
        at = max(at, shift.end if shift.end is not None else until)
    if at < until:
        gaps.append(Shift(at, until, ()))
    return gaps
