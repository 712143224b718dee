"""The client's address and scheme behind a load balancer, from proxies the config trusts.

Behind HAProxy or nginx every request comes from the proxy's address, so the
per-address pairing limits would count every TV as one, the fleet view would
list the proxy as every screen's address, and the logs would name it for every
request. ``[server] trusted_proxies`` lists the networks of the proxies in
front: only a request whose peer is in one of them has its ``X-Forwarded-For``
read, right to left, skipping trusted hops, so the first address not trusted is
the client (a client cannot forge its way past the proxy that appends the
real peer). ``X-Forwarded-Proto: https`` from a trusted peer marks the request
as https (the device cookie's ``Secure`` flag follows it). A header from anyone
else, or one that does not parse, is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 16  # a longer chain is read from its right end only: the rest is unverifiable
MAX_HEADER = 1024


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: object, networks: Iterable[Network]) -> bool:
    if not isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return False
    return any(address in network for network in networks)


def client_address(peer: str, forwarded: str, networks: Sequence[Network]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that says otherwise."""
    if not _trusted(_address(peer), networks):
        return peer
    return _walk(peer, forwarded, networks)


def _walk(peer: str, forwarded: str, networks: Sequence[Network]) -> str:
    """``X-Forwarded-For`` of a trusted ``peer``, read right to left past trusted hops."""
    if not forwarded or len(forwarded) > MAX_HEADER:
        return peer
    client = peer
    for hop in reversed(forwarded.split(",")[-MAX_HOPS:]):
        address = _address(hop)
        if address is None:
            break  # garbage from here on: keep the last address a trusted proxy vouched for
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


class ClientAddress:
    """WSGI middleware: REMOTE_ADDR and the scheme as the trusted proxies report them."""

    def __init__(self, app: WSGIApplication, networks: Callable[[], Sequence[Network]]) -> None:
        self.app = app
        self.networks = networks  # read per request: a reload can change the list

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        networks = self.networks()
        peer = str(environ.get("REMOTE_ADDR") or "")
        if networks and _trusted(_address(peer), networks):
            forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
            environ["REMOTE_ADDR"] = _walk(peer, forwarded, networks)
            proto = str(environ.get("HTTP_X_FORWARDED_PROTO") or "").strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)
