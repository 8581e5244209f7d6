"""Outbound HTTP for webhooks: SSRF refusal, address pinning, signing.

A webhook URL comes from a journey's config, so it may point anywhere, including this
machine, the private network or a cloud metadata service. Every address a host resolves to
is checked, and the connection is made to the checked address (not resolved again), so a
DNS answer that changes between check and connect cannot slip past. Redirects are not
followed.
"""

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_RESPONSE_BYTES = 64 * 1024
# Cloud metadata endpoints outside the private and link-local ranges.
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


class RefusedAddress(Exception):
    """The URL points at an address webhooks may not reach."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:
            return "a site-local address"
        # IPv4 carried inside IPv6 (mapped, 6to4, Teredo) is judged as the IPv4 address it reaches.
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            address = embedded
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for check, label in (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(address, check):
            return label
    if not address.is_global:
        # Shared carrier-grade NAT (100.64.0.0/10), site-local IPv6 and the like: not the internet.
        return "a non-public address"
    return None


def _allowed(host: str, address, allowlist: list[str]) -> bool:
    for entry in allowlist:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def resolve_target(url: str) -> Target:
    """Check a webhook URL and pick the address to connect to; RefusedAddress says why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("only http and https URLs with a host can receive webhooks")
    if parts.username or parts.password:
        raise RefusedAddress("credentials in webhook URLs are not sent; use the signature to authenticate")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedAddress("the URL's port is not a number between 0 and 65535") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ConnectionError(f"cannot resolve {host}: {error}") from None
    allowlist = settings.WEBHOOK_ALLOWLIST
    chosen = None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        problem = _is_internal(address)
        if problem and not _allowed(host, address, allowlist):
            # One internal answer refuses the host: a name that resolves both ways is not trusted.
            raise RefusedAddress(f"{host} resolves to {address}, {problem}; add it to WEBHOOK_ALLOWLIST to allow it")
        chosen = chosen or str(address)
    if chosen is None:
        raise ConnectionError(f"{host} has no address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, chosen)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class ConnectionCache:
    """Keep-alive connections per (scheme, host, port, address), for one thread."""

    def __init__(self):
        self._connections: dict[tuple, http.client.HTTPConnection] = {}

    def post(self, target: Target, body: bytes, headers: dict, timeout: float) -> tuple[int, dict, bytes]:
        key = (target.scheme, target.host, target.port, target.address)
        for attempt in (1, 2):
            connection = self._connections.get(key)
            fresh = connection is None
            if fresh:
                cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
                connection = cls(target.host, target.port, target.address, timeout)
                self._connections[key] = connection
            try:
                connection.request("POST", target.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read(MAX_RESPONSE_BYTES)
                if response.will_close or response.length:
                    connection.close()
                    self._connections.pop(key, None)
                return response.status, dict(response.getheaders()), data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile: retry once on a new one.
                connection.close()
                self._connections.pop(key, None)
                if fresh or attempt == 2:
                    raise
            except Exception:
                connection.close()
                self._connections.pop(key, None)
                raise
        raise AssertionError("unreachable")

    def close(self):
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: v1=hex(HMAC-SHA256(secret, "<timestamp>." + body))."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (also used by our tests): recompute and compare in constant time."""
    try:
        expected = sign(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature)
