"""The one checked exit: every outgoing HTTP request of the service (SERVICE, LOAD, Wikidata) leaves through here.

A request leaves only for an http(s) URL on the allow-list of its purpose (SERVICE and LOAD: NEWSKG_SERVICE_ALLOW;
Wikidata: the configured Wikidata endpoints). Its host is resolved here, and every address it resolves to must be
public: not loopback, private (RFC 1918, fc00::/7), link-local, shared (CGNAT 100.64/10), multicast, unspecified or
reserved, nor an IPv4-mapped, 6to4, Teredo or NAT64 form of one, unless the operator lists the host in
NEWSKG_EGRESS_PRIVATE_HOSTS. The connection then goes to the very address that was checked (the name is not looked
up again, so DNS rebinding has no window); the original name stays in the Host header and in TLS (SNI, certificate).
Redirects are followed here, not by httpx, and each hop is checked again; answers are cut at a size and a time limit.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import httpcore
import httpx

from newskg import __version__
from newskg.core.errors import EgressRefusedError, UpstreamError, UpstreamTimeoutError, UpstreamTooLargeError
from newskg.core.redaction import shown_endpoint

MAX_REDIRECTS = 3
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)

Resolver = Callable[..., list]


def user_agent(contact: str) -> str:
    """The User-Agent of every outgoing request: project/version (contact) library/version."""
    return f"newskg/{__version__} ({contact}) httpx/{httpx.__version__}"


@dataclass(frozen=True)
class EgressPolicy:
    """Where one kind of outgoing request may go, and how much it may take (plain data: workers get a copy)."""

    purpose: str
    allowed: tuple[str, ...]
    private_hosts: tuple[str, ...] = ()
    timeout_s: float = 20.0
    max_bytes: int = 32 * 1024 * 1024
    user_agent: str = f"newskg/{__version__}"
    max_redirects: int = MAX_REDIRECTS


def egress_private_hosts(settings) -> tuple[str, ...]:
    """The NEWSKG_EGRESS_PRIVATE_HOSTS entries."""
    return tuple(h.strip() for h in settings.egress_private_hosts.split(",") if h.strip())


def service_policy(settings, purpose: str = "SERVICE") -> EgressPolicy:
    """The policy of SERVICE calls (and, with purpose "LOAD", of LOAD fetches): the SERVICE allow-list."""
    return EgressPolicy(
        purpose, tuple(settings.service_allowlist()), egress_private_hosts(settings), settings.service_timeout_s,
        settings.egress_max_response_bytes, user_agent(settings.wikidata_contact),
    )


# --- the URL ------------------------------------------------------------------------------------------------------
def _endpoint_key(url: str) -> tuple | None:
    """What two URLs must share to be the same endpoint: scheme, host, port and path (no trailing slash)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    return scheme, host, port or _DEFAULT_PORTS.get(scheme), parts.path.rstrip("/")


def url_refusal(url: str, policy: EgressPolicy) -> str | None:
    """Why `url` may not be requested under `policy`, or None when it may (the address is checked at connect)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return "only http and https are allowed"
    host = parts.hostname or ""
    if not host:
        return "it names no host"
    if _NUMERIC_HOST.match(host) and not _is_canonical_ipv4(host):
        return "its host is an IP address in an unusual spelling (decimal, octal or hex)"
    key = _endpoint_key(url)
    if key is None or key not in {_endpoint_key(a) for a in policy.allowed}:
        return f"it is not on the {policy.purpose} allow-list"
    return None


def _is_canonical_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def check_url(url: str, policy: EgressPolicy) -> None:
    """Refuse (400) a URL the policy does not allow."""
    reason = url_refusal(url, policy)
    if reason is not None:
        raise EgressRefusedError(f"{policy.purpose} request to {shown_endpoint(url)} refused: {reason}")


# --- the address --------------------------------------------------------------------------------------------------
def address_refusal(address: str) -> str | None:
    """Why an IP address is not public (loopback, private, ...), or None for a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "it is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = address_refusal(str(embedded))
            if reason is not None:
                return f"{reason} (embedded in {ip})"
    for reason, forbidden in (
        ("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified), ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast), ("private", ip.is_private), ("reserved", ip.is_reserved),
        ("shared (carrier-grade NAT)", isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("not globally routable", not ip.is_global),
    ):
        if forbidden:
            return f"{ip} is {reason}"
    return None


def _split_host_port(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def _exempt(host: str, port: int, address: str, policy: EgressPolicy) -> bool:
    """Whether the operator allows `host` (or the address itself) on `port` to be a private address."""
    host = host.strip("[]").lower().rstrip(".")
    address = address.split("%", 1)[0].lower()
    for entry in policy.private_hosts:
        name, entry_port = _split_host_port(entry)
        if entry_port is not None and entry_port != port:
            continue
        if name == host or name == address:
            return True
    return False


def checked_address(host: str, port: int, policy: EgressPolicy, resolve: Resolver = socket.getaddrinfo) -> str:
    """The address to connect to for `host`: every address it resolves to must be public or exempt; 400 if not."""
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UpstreamError(f"{policy.purpose}: the host {host} could not be resolved ({type(exc).__name__})") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UpstreamError(f"{policy.purpose}: the host {host} has no address")
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None and not _exempt(host, port, address, policy):
            raise EgressRefusedError(
                f"{policy.purpose} request to {host} refused: {reason} (NEWSKG_EGRESS_PRIVATE_HOSTS allows such hosts)"
            )
    return addresses[0]


class _CheckedBackend(httpcore.SyncBackend):
    """httpcore's network backend, resolving and checking the host itself and connecting to the checked address."""

    def __init__(self, policy: EgressPolicy, resolve: Resolver):
        self.policy = policy
        self.resolve = resolve

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = checked_address(host, port, self.policy, self.resolve)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


class EgressTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go only to checked addresses (no proxies from the environment)."""

    def __init__(self, policy: EgressPolicy, resolve: Resolver = socket.getaddrinfo):
        super().__init__(trust_env=False)
        # httpx 0.28 has no parameter for the network backend: the pool is made again with ours
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=10, max_keepalive_connections=5,
            keepalive_expiry=5.0, network_backend=_CheckedBackend(policy, resolve),
        )


# --- the request --------------------------------------------------------------------------------------------------
class EgressClient:
    """The one way out: `request` sends under a policy (URL, address, every redirect hop, size and time checked)."""

    def __init__(
        self, policy: EgressPolicy, *, transport: httpx.BaseTransport | None = None, resolve: Resolver | None = None
    ):
        self.policy = policy
        self._http = httpx.Client(
            transport=transport or EgressTransport(policy, resolve or socket.getaddrinfo),
            headers={"User-Agent": policy.user_agent}, follow_redirects=False, trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "EgressClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send one request (httpx's keyword arguments), following redirects that the policy allows; read in full.

        400 for a refused URL, hop or address; 502 when the endpoint cannot be reached or answers too much; 504 past
        the time limit, which covers the whole exchange, redirects and reading included.
        """
        policy = self.policy
        deadline = time.monotonic() + policy.timeout_s
        check_url(url, policy)
        request = self._http.build_request(method, url, **kwargs)
        for _ in range(policy.max_redirects + 1):
            response = self._send(request, deadline)
            if not response.has_redirect_location:
                return response
            request = response.next_request
            check_url(str(request.url), policy)
        raise UpstreamError(
            f"{policy.purpose}: {shown_endpoint(url)} redirected more than {policy.max_redirects} times",
            detail={"endpoint": shown_endpoint(url)},
        )

    def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        shown = shown_endpoint(str(request.url))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise UpstreamTimeoutError(f"{self.policy.purpose}: {shown} did not answer in time")
        request.extensions["timeout"] = httpx.Timeout(remaining).as_dict()
        try:
            response = self._http.send(request, stream=True)
            try:
                body = self._read(response, deadline, shown)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeoutError(
                f"{self.policy.purpose}: {shown} did not answer within {self.policy.timeout_s:g} s",
                detail={"endpoint": shown},
            ) from exc
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"{self.policy.purpose}: {shown} could not be reached ({type(exc).__name__})", detail={"endpoint": shown}
            ) from exc
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        answer = httpx.Response(response.status_code, headers=headers, content=body, request=request)
        answer.next_request = response.next_request
        return answer

    def _read(self, response: httpx.Response, deadline: float, shown: str) -> bytes:
        """The body, refused past the size limit (declared or read) or the deadline."""
        limit = self.policy.max_bytes
        too_large = UpstreamTooLargeError(
            f"{self.policy.purpose}: {shown} answered more than {limit} bytes (NEWSKG_EGRESS_MAX_RESPONSE_BYTES)",
            detail={"endpoint": shown, "limit": limit},
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise too_large
            if time.monotonic() > deadline:
                raise UpstreamTimeoutError(f"{self.policy.purpose}: {shown} did not answer in time")
            chunks.append(chunk)
        return b"".join(chunks)
