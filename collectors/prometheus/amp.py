"""Amazon Managed Service for Prometheus: every query signed with SigV4 for service ``aps``.

Credentials come from the standard AWS chain (``AWS_ACCESS_KEY_ID`` and friends, the
shared config files, web identity, the instance or task role), read by botocore; the
signature covers the POST body, so a query cannot be swapped in flight. AMP answers a
query that processes more samples than ``max_samples_processed_warning_threshold`` with
a warning, which the wall shows before the bill does.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, EnvProvider
from botocore.exceptions import BotoCoreError
from botocore.session import Session

from collectors.errors import CollectorError
from collectors.prometheus.flavors import Flavor
from collectors.prometheus.options import PrometheusOptions, amp_region

SERVICE = "aps"


class AmazonManagedPrometheus(Flavor):
    name = "amp"
    title = "Amazon Managed Prometheus"

    def __init__(self, options: PrometheusOptions, env: Mapping[str, str]) -> None:
        super().__init__(options, env)
        region = options.region or amp_region(options.url)
        assert region is not None  # the options refuse an AMP source without one
        self.region = region
        self._lock = threading.Lock()
        self._credentials: Any = None

    def form(self, form: dict[str, str]) -> dict[str, str]:
        threshold = self.options.max_samples_processed_warning_threshold
        if threshold is None:
            return form
        return {**form, "max_samples_processed_warning_threshold": str(threshold)}

    def _chain(self) -> Any:
        # The variables given to the wall first (tests and reloads pass their own), then
        # botocore's whole chain: files, web identity, container and instance roles.
        found = EnvProvider(environ=dict(self.env)).load()
        return found if found is not None else Session().get_credentials()

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        out = super().headers(method, url, body)
        with self._lock:
            try:
                if self._credentials is None:
                    self._credentials = self._chain()
                if self._credentials is None:
                    raise CollectorError(
                        f"{self.title}: no AWS credentials found (environment, shared "
                        "config, web identity or instance role)",
                        retryable=False,
                        kind="auth",
                    )
                frozen = self._credentials.get_frozen_credentials()  # refreshes when due
            except BotoCoreError as exc:
                raise CollectorError(
                    f"{self.title}: AWS credentials unavailable: {exc}", kind="auth"
                ) from exc
        request = AWSRequest(
            method=method,
            url=url,
            data=body,
            headers={**out, "Content-Type": "application/x-www-form-urlencoded"},
        )
        creds = Credentials(frozen.access_key, frozen.secret_key, frozen.token)
        SigV4Auth(creds, SERVICE, self.region).add_auth(request)
        signed = {k: str(v) for k, v in request.headers.items() if k.lower() != "content-type"}
        return signed
