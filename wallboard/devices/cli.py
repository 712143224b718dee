"""``wallboard screens approve|list|revoke``: talks to the running server's admin API.

The admin token is read from an environment variable (``$WALLBOARD_ADMIN_TOKEN``
unless ``--token-env`` names another), never from an argument: arguments are
visible to every user of the machine in ``ps``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT = 10.0


def add_parser(sub: Any) -> None:
    screens = sub.add_parser("screens", help="pair, list and revoke screens (admin token)")
    screens.add_argument(
        "--server",
        default=os.environ.get("WALLBOARD_URL") or DEFAULT_URL,
        help=f"the running server (default: $WALLBOARD_URL, else {DEFAULT_URL})",
    )
    screens.add_argument(
        "--token-env",
        default="WALLBOARD_ADMIN_TOKEN",
        help="environment variable holding an admin token (default: WALLBOARD_ADMIN_TOKEN)",
    )
    actions = screens.add_subparsers(dest="action", required=True)
    approve = actions.add_parser("approve", help="approve the code a screen shows")
    approve.add_argument("code")
    approve.add_argument("--name", required=True, help='what people call it: "3rd floor"')
    approve.add_argument("--page", required=True, help="/teams/<team>, /wall or /rotate?teams=…")
    actions.add_parser("list", help="every screen seen in the last 24 hours")
    revoke = actions.add_parser("revoke", help="revoke a paired screen (back to its code)")
    revoke.add_argument("id")


def _call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    token = os.environ.get(args.token_env, "")
    if not token:
        raise SystemExit(f"wallboard screens: set {args.token_env} to an admin token")
    data = None if body is None else json.dumps(body, allow_nan=False).encode()
    request = urllib.request.Request(
        args.server.rstrip("/") + "/api/v1/screens" + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read() or b"null")
        except ValueError:
            answer = None
        return exc.code, answer
    except (urllib.error.URLError, OSError) as exc:
        raise SystemExit(f"wallboard screens: cannot reach {args.server}: {exc}") from exc


def _error(status: int, answer: Any) -> int:
    message = answer.get("error", {}).get("message") if isinstance(answer, dict) else None
    print(f"refused ({status}): {message or 'no detail'}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    if args.action == "approve":
        body = {"code": args.code, "name": args.name, "page": args.page, "via": "cli"}
        status, answer = _call(args, "POST", "/approve", body)
        if status != 201:
            return _error(status, answer)
        screen = answer["screen"]
        print(f"paired “{screen['name']}” for {screen['page']} (id {screen['id']})")
        return 0
    if args.action == "revoke":
        status, answer = _call(args, "POST", f"/{args.id}/revoke", {})
        if status != 200:
            return _error(status, answer)
        print(f"revoked {args.id}")
        return 0
    status, answer = _call(args, "GET", "")
    if status != 200:
        return _error(status, answer)
    for row in answer["screens"]:
        name = row["name"] or "(unnamed)"
        kind = "paired" if row["paired"] else "unpaired"
        print(f"{row['id']:<18} {row['status']:<15} {kind:<8} {name:<24} {row['page']}")
    return 0
