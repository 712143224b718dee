"""Loopback HTTP doubles of the on-call vendors, with the shapes of docs/sources/<vendor>.md.

One small server class serves every vendor: a double is a list of routes (a path
pattern and a function of the request) and a log of what was asked, so a test can count
requests per endpoint the way the vendor would bill them.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


def iso(epoch: float, offset_hours: int = 0) -> str:
    """ISO 8601 with an offset, as the vendors write times (an offset, not always Z)."""
    from datetime import timedelta, timezone

    zone = timezone(timedelta(hours=offset_hours)) if offset_hours else UTC
    return datetime.fromtimestamp(epoch, zone).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Asked:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[re.Match[str], Asked], Answer]


class Double:
    """A vendor on loopback: ``routes`` answer, ``asked`` records every request."""

    def __init__(self) -> None:
        self.routes: list[tuple[re.Pattern[str], Route]] = []
        self.asked: list[Asked] = []
        self.lock = threading.Lock()
        self.next_answers: list[Answer] = []  # answered before any route (a 429, a 403)
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the vendors' servers
            wbufsize = 1 << 16  # headers and body in one segment (no Nagle wait per answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                asked = Asked(
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                )
                answer = double.answer(asked)
                raw = isinstance(answer.body, bytes)  # a calendar, not JSON
                data = answer.body if raw else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "text/calendar" if raw else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def route(self, pattern: str, handler: Route) -> None:
        self.routes.append((re.compile(pattern), handler))

    def answer(self, asked: Asked) -> Answer:
        with self.lock:
            self.asked.append(asked)
            if self.next_answers:
                return self.next_answers.pop(0)
        for pattern, handler in self.routes:
            match = pattern.fullmatch(asked.path)
            if match:
                return handler(match, asked)
        return Answer(404, {"error": {"message": "Not Found", "code": 2100}})

    def count(self, pattern: str) -> int:
        """Requests so far whose path matches ``pattern`` (a regular expression)."""
        with self.lock:
            return sum(1 for a in self.asked if re.fullmatch(pattern, a.path))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
