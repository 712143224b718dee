"""Google Cloud Managed Service for Prometheus: an OAuth token from google-auth, refreshed.

A service-account key (``credentials_file``) or the standard Google credentials
(``GOOGLE_APPLICATION_CREDENTIALS``, workload identity, the metadata server). The token
is refreshed before it expires, under a lock, so one cycle's queries share one token.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import google.auth
import urllib3
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.urllib3 import Request
from google.oauth2 import service_account

from collectors.errors import CollectorError
from collectors.prometheus.flavors import Flavor
from collectors.prometheus.options import PrometheusOptions

SCOPES = ["https://www.googleapis.com/auth/monitoring.read"]
TOKEN_TIMEOUT = 10.0  # seconds for one token request; the cycle's deadline still applies


class GoogleManagedPrometheus(Flavor):
    name = "gmp"
    title = "Google Managed Prometheus"

    def __init__(self, options: PrometheusOptions, env: Mapping[str, str]) -> None:
        super().__init__(options, env)
        self._lock = threading.Lock()
        self._credentials: Any = None
        self._http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(total=TOKEN_TIMEOUT)
        )

    def _load(self) -> Any:
        path = self.options.credentials_file
        if path:
            return service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                path, scopes=SCOPES
            )
        credentials, _project = google.auth.default(scopes=SCOPES)
        return credentials

    def token(self) -> str:
        """A valid access token, fetched again when the last one is (nearly) expired."""
        with self._lock:
            try:
                if self._credentials is None:
                    self._credentials = self._load()
                if not self._credentials.valid:
                    self._credentials.refresh(Request(self._http))  # type: ignore[no-untyped-call]
            except (GoogleAuthError, OSError, ValueError) as exc:
                raise CollectorError(
                    f"{self.title}: cannot get a Google access token: {str(exc)[:200]}",
                    kind="auth",
                ) from exc
            return str(self._credentials.token)

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        return {**super().headers(method, url, body), "Authorization": f"Bearer {self.token()}"}

    def close(self) -> None:
        self._http.clear()
