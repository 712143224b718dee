"""Loopback doubles of the Prometheus-compatible backends that cannot run here.

One HTTP server plays Thanos Query, Mimir, Amazon Managed Prometheus, Google Managed
Prometheus (with its OAuth token endpoint) or Grafana Cloud, each with the shapes of
docs/sources/prometheus.md: Thanos' partial-response warning, Mimir's tenant header,
``/prometheus`` prefix and ``err-mimir-*`` limit errors, AMP's SigV4 check (recomputed
here from the AWS specification, not with the client's library), Google's JWT-bearer
token grant and Grafana Cloud's basic auth. Answers are a vector by ``team``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AMP_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
GRAFANA_USER, GRAFANA_TOKEN = "123456", "glc_example_token"
TENANT = "team-a"
THANOS_PARTIAL = (
    'fetch series for {replica="b"} Addr: 127.0.0.1:10901 LabelSets: {replica="b"}: '
    "rpc error: code = Unavailable desc = connection error"
)
MIMIR_LIMIT = (
    "the query exceeded the maximum number of series (limit: 1000 series) "
    "(err-mimir-max-series-per-query). Consider reducing the time range and/or number of "
    "series selected by the query. One way to reduce the number of selected series is to "
    "add more label matchers to the query. Otherwise, to adjust the related per-tenant "
    "limit, configure -querier.max-fetched-series-per-query, or contact your service "
    "administrator."
)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int = 0


@dataclass
class FlavorDouble:
    """What the double answers; tests change the fields between cycles."""

    flavor: str
    values: dict[str, float] = field(default_factory=lambda: {"payments": 0.2, "search": 0.4})
    partial: bool = False  # thanos: a store down
    honours_partial_response: bool = True  # thanos: False plays an old one or a proxy
    limit: bool = False  # mimir: the series limit
    amp_secret: str = AMP_KEY[1]
    token_lifetime: int = 3600  # gmp: seconds in expires_in
    tokens: list[str] = field(default_factory=list)  # gmp: every token issued, oldest first
    public_key: Any = None  # gmp: the service account's key
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def queries(self) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.path.endswith("/api/v1/query")]


def _vector(values: dict[str, float]) -> list[dict[str, Any]]:
    return [{"metric": {"team": t}, "value": [1.0, repr(v)]} for t, v in values.items()]


def sigv4_signature(
    secret: str, method: str, path: str, headers: dict[str, str], body: bytes, auth: str
) -> tuple[str, str]:
    """(signature recomputed, signature presented) for an ``AWS4-HMAC-SHA256`` header."""
    fields = dict(part.strip().split("=", 1) for part in auth.split(" ", 1)[1].split(","))
    _akid, date, region, service, _term = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{' '.join(lower[name].split())}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            quote(path, safe="/-_.~"),
            "",  # no query string: the form travels in the body
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    amz_date = lower["x-amz-date"]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return expected, fields["Signature"]


def _jwt_ok(assertion: str, public_key: Any) -> bool:
    """An RS256 JWT signed by the service account's key (what Google checks first)."""
    try:
        head, payload, signature = assertion.split(".")
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        public_key.verify(raw, f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        double = self.server.double
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        seen = Seen(path, dict(self.headers.items()), form)
        with double.lock:
            double.seen.append(seen)
        status, answer = self._answer(double, path, body, form)
        seen.status = status
        self._send(status, answer)

    def _answer(
        self, double: FlavorDouble, path: str, body: bytes, form: dict[str, str]
    ) -> tuple[int, Any]:
        flavor = double.flavor
        if flavor == "gmp" and path == "/token":
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                return 400, {"error": "unsupported_grant_type"}
            if not _jwt_ok(form.get("assertion", ""), double.public_key):
                return 400, {"error": "invalid_grant", "error_description": "Invalid JWT"}
            with double.lock:
                double.tokens.append(f"ya29.token-{len(double.tokens) + 1}")
                token = double.tokens[-1]
            return 200, {
                "access_token": token,
                "expires_in": double.token_lifetime,
                "token_type": "Bearer",
            }
        refused = getattr(self, f"_auth_{flavor}", lambda *_: None)(double, path, body)
        if refused is not None:
            return refused
        values = dict(double.values)
        answer: dict[str, Any] = {"status": "success"}
        if flavor == "thanos" and double.partial:
            if form.get("partial_response") == "false" and double.honours_partial_response:
                return 500, {"status": "error", "errorType": "internal", "error": THANOS_PARTIAL}
            values.pop("payments", None)  # its store is down: its series are simply missing
            answer["warnings"] = [THANOS_PARTIAL]
        if flavor == "mimir" and double.limit:
            return 422, {"status": "error", "errorType": "execution", "error": MIMIR_LIMIT}
        threshold = form.get("max_samples_processed_warning_threshold")
        if flavor == "amp" and threshold and int(threshold) < 100:
            answer["warnings"] = [
                f"query processed 100 samples, over the warning threshold of {threshold}"
            ]
        answer["data"] = {"resultType": "vector", "result": _vector(values)}
        return 200, answer

    def _auth_mimir(self, double: FlavorDouble, path: str, body: bytes) -> tuple[int, Any] | None:
        if not path.startswith("/prometheus/api/v1/"):
            return 404, {"status": "error", "errorType": "not_found", "error": "404 page"}
        if not self.headers.get("X-Scope-OrgID"):
            return 401, {"status": "error", "errorType": "none", "error": "no org id"}
        return None

    def _auth_grafana_cloud(
        self, double: FlavorDouble, path: str, body: bytes
    ) -> tuple[int, Any] | None:
        expected = base64.b64encode(f"{GRAFANA_USER}:{GRAFANA_TOKEN}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            return 401, {"status": "error", "error": "authentication error: invalid token"}
        return None

    def _auth_amp(self, double: FlavorDouble, path: str, body: bytes) -> tuple[int, Any] | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return 403, {"message": "Missing Authentication Token"}
        headers = {k: v for k, v in self.headers.items()}
        expected, presented = sigv4_signature(double.amp_secret, "POST", path, headers, body, auth)
        if not hmac.compare_digest(expected, presented):
            return 403, {
                "message": "The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key and signing "
                "method. Consult the service documentation for details."
            }
        return None

    def _auth_gmp(self, double: FlavorDouble, path: str, body: bytes) -> tuple[int, Any] | None:
        presented = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with double.lock:
            current = double.tokens[-1] if double.tokens else None
        if presented != current:  # only the newest token is valid: older ones expired
            return 401, {
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            }
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    double: FlavorDouble


@contextmanager
def flavor_double(flavor: str) -> Iterator[FlavorDouble]:
    """The double on a free loopback port, stopped on leaving."""
    double = FlavorDouble(flavor)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.double = double
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        server.server_close()


def service_account_file(double: FlavorDouble, path: Any) -> None:
    """A service-account key file whose token URI is the double's, its key known to it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    double.public_key = key.public_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "acme",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "wallboard@acme.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": f"{double.url}/token",
            }
        )
    )
